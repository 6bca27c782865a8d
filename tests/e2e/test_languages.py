"""Languages (docs/languages.md): the command tree Discord shows in members' languages, answers in
the interaction's locale, the server's language where no interaction caused the message."""

from __future__ import annotations

import pytest

from bot.storage import posts
from tests.backends import BACKENDS
from tests.e2e.helpers import errors_text, interaction_locale, make_world, registered_command, text_of


def _option(command: dict, *path: str) -> dict:
    node = command
    for name in path:
        node = next(o for o in node["options"] if o["name"] == name)
    return node


async def test_the_synced_commands_carry_spanish_and_german_names_and_descriptions(world):
    topic = registered_command(world, "topic")
    assert topic["name_localizations"]["es-ES"] == "tema"
    assert topic["name_localizations"]["es-419"] == "tema"
    assert topic["name_localizations"]["de"] == "thema"
    assert topic["description_localizations"]["de"] == "Themen starten, lesen und auflisten"
    assert "en-US" not in topic["name_localizations"]  # English is the source
    assert "ja" not in topic["name_localizations"]  # no catalog: Discord shows English
    new = _option(topic, "new")
    assert new["name_localizations"]["es-ES"] == "nuevo"
    title = _option(topic, "new", "title")
    assert title["name_localizations"]["de"] == "titel"
    assert title["description_localizations"]["es-ES"] == "El título del tema (1–100 caracteres)"
    status = _option(topic, "list", "status")
    assert {c["name"]: c["name_localizations"]["de"] for c in status["choices"]}["solved"] == "gelöst"
    menus = {c["name"]: c for c in world.env.backend.commands[None].values() if c["type"] == 3}
    assert menus["Report post"]["name_localizations"]["es-ES"] == "Reportar publicación"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("es-ES", "No hay ningún tema ni publicación `#99` en los foros de este servidor"),
        ("es-419", "No hay ningún tema ni publicación `#99` en los foros de este servidor"),
        ("de", "Kein Thema und kein Beitrag `#99` in den Foren dieses Servers"),
        ("en-GB", "No topic or post `#99` in this server's forums"),
        ("ja", "No topic or post `#99` in this server's forums"),  # no catalog: English, no error
    ],
)
async def test_a_refusal_is_in_the_members_language(world, locale, expected):
    member = world.member("Helper")
    with interaction_locale(locale):
        result = await member.slash(world.general, "reply", topic="#99", body="hola")
    assert result.ephemeral and expected in text_of(result)
    assert expected in errors_text(world)


async def test_two_members_in_two_languages_each_read_their_own(world):
    with interaction_locale("de"):
        german = await world.member("Greta").slash(world.general, "reply", topic="abc", body="hallo")
    with interaction_locale("es-ES"):
        spanish = await world.member("Sofia").slash(world.general, "reply", topic="abc", body="hola")
    english = await world.member("Emma").slash(world.general, "reply", topic="abc", body="hello")
    assert "ist weder Thema noch Beitrag" in text_of(german)
    assert "no es un tema ni una publicación" in text_of(spanish)
    assert "is not a topic or post" in text_of(english)
    world.env.errors  # noqa: B018 (the three refusals, read)


async def test_an_unexpected_failure_gives_its_code_in_the_members_language(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    world.env.inject_error("POST", f"/channels/{thread.id}/messages", status=500, message="boom", times=None)
    with interaction_locale("es-ES"):
        result = await world.member("Helper").slash(world.general, "reply", topic="#1", body="una respuesta")
    said = text_of(result)
    assert "Discord no pudo completarlo (HTTP 500)" in said and "código de error" in said, said
    world.env.errors  # noqa: B018


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_typed_post_refused_is_explained_in_the_servers_language(simcord_env, simcord_bot, built_bots):
    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="de")
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    thread = world.thread("Q")
    fast = world.member("Fast")
    await fast.send(thread, "eins")
    await fast.send(thread, "zwei, zu früh")
    dms = "\n".join(world.dm_texts(fast))
    assert "Langsamer: du kannst in 10 Sekunden wieder posten" in dms, dms
    assert "zwei, zu früh" in dms


async def test_topic_show_and_list_read_in_the_members_language(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    reader = world.member("Lector")
    with interaction_locale("es-ES"):
        shown = text_of(await reader.slash(world.general, "topic show", topic="#1"))
        listed = await reader.slash(world.general, "topic list")
    assert "Viendo 0 hilos de respuestas" in shown and "Estado: Abierto" in shown, shown
    assert "Página 1 de 1 · 1 publicación" in shown, shown
    assert "Voces 1 · Publicaciones 1" in text_of(listed) and "1 tema" in text_of(listed), text_of(listed)
    with interaction_locale("de"):
        german = text_of(await reader.slash(world.general, "topic show", topic="#1"))
    assert "0 Antwort-Threads werden angezeigt" in german and "Teilnehmer" in german, german


async def test_a_digest_dm_is_in_the_servers_language_and_subscribe_answers_in_the_members(
    simcord_env, simcord_bot, built_bots
):
    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="es-ES")
    asker = world.member("Marzana")
    with interaction_locale("de"):
        started = await asker.slash(world.general, "topic new", forum=world.forum, title="Pregunta", body="?")
        said = text_of(await asker.slash(world.thread("Pregunta"), "subscribe"))
    assert "Thema **#1** gestartet" in text_of(started)
    assert "Du hast **Pregunta** (#1) schon abonniert." in said, said
    await world.env.advance_time(11)
    await world.member("Kumar").send(world.thread("Pregunta"), "una respuesta")
    await world.env.advance_time(60)
    dms = "\n".join(world.dm_texts(asker))
    assert "**1 respuesta nueva** en [Pregunta]" in dms and "los detiene" in dms, dms


async def test_profile_and_answers_in_the_members_language(world):
    asker = world.member("Asker")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    with interaction_locale("es-419"):
        profile = text_of(await asker.slash(world.general, "profile"))
        thread = world.thread("Q")
        refused = await asker.context_menu(thread, "Mark as answer", thread.history()[0])
    assert "Rol en el foro: **Participante**" in profile and "Temas abiertos: **1**" in profile, profile
    assert "Esa es la pregunta del tema. Usa **Marcar como respuesta**" in text_of(refused), text_of(refused)
    world.env.errors  # noqa: B018


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_moderator_reads_german_while_the_spanish_server_reads_the_closing_note(
    simcord_env, simcord_bot, built_bots
):
    from tests.e2e.helpers import moderator_discord_role

    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="es-ES")
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    mod = world.member("Mo", roles=(moderator_discord_role(world),))
    await world.admin.slash(world.general, "mod role", member=mod, role="moderator")
    with interaction_locale("de"):
        result = await mod.slash(world.general, "mod close", topic="#1", reason="duplicate")
        again = await mod.slash(world.general, "mod close", topic="#1")
    assert "Thema **#1** geschlossen (Duplikat)" in text_of(result), text_of(result)
    assert "Thema #1 ist schon geschlossen" in text_of(again)
    note = world.thread("Q").history()[-1].content
    assert "🔒 **Tema cerrado** por **Mo** · motivo: *duplicado*" in note, note
    world.env.errors  # noqa: B018


# ---------------------------------------------------------------- moderators, keymasters, held posts, progress
@pytest.mark.parametrize("backend", BACKENDS)
async def test_mod_actions_answer_in_the_moderators_language(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    await world.member("Helper").send(world.thread("Q"), "una respuesta")
    with interaction_locale("es-ES"):
        trashed = text_of(await world.admin.slash(world.general, "mod trash", post="#2"))
        again = await world.admin.slash(world.general, "mod trash", post="#2")
        logged = text_of(await world.admin.slash(world.general, "mod log"))
    assert "La publicación **#2** está ahora en **papelera**: quitada de Discord" in trashed, trashed
    assert "`/mod restaurar #2` la recupera" in trashed
    assert "La publicación #2 ya está en estado «papelera»." in text_of(again) and again.ephemeral
    assert "Registro de auditoría (lo más reciente primero)" in logged and "Página 1 de 1 ·" in logged, logged
    assert "tema #1" in logged and "publicación #2" in logged, logged
    troll = world.member("Troll")
    await world.show_to_everyone("mod")  # the server shows /mod to everyone: the bot still checks
    with interaction_locale("de"):
        restored = text_of(await world.admin.slash(world.general, "mod restore", post="#2"))
        blocked = text_of(await world.admin.slash(world.general, "mod block", member=troll, duration="1h"))
        unknown = await world.admin.slash(world.general, "mod unblock", member=world.member("Nobody"))
        below = await world.member("Helper").slash(world.general, "mod trash", post="#2")
    assert "Beitrag **#2** wiederhergestellt, Helper zugeordnet" in restored, restored
    assert f"<@{troll.id}> ist für das Posten gesperrt, bis <t:" in blocked, blocked
    assert "hat keine Sperre durch `/mod sperren`." in text_of(unknown)
    said = text_of(below)  # the forum-role check, before the command runs
    assert "Dieser Befehl ist für Moderatoren und Schlüsselmeister; deine Forenrolle ist Teilnehmer." in said, said
    # the records keep their English keys; only what a member reads is translated
    found = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert found is not None and found.status == "publish"
    world.env.errors  # noqa: B018 (the refusals, read)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_forumadmin_answers_in_the_keymasters_language(world):
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    with interaction_locale("es-419"):
        settings = text_of(await world.admin.slash(world.general, "forumadmin settings"))
        rules = text_of(await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, hold="all"))
    assert "**Ajustes del foro**" in settings and "rol_predeterminado: `participant`" in settings, settings
    assert "Guardado: retener ninguno → todos." in rules, rules
    assert "**Reglas de Discussion**" in rules and "- retener: todos (cada publicación espera aprobación)" in rules
    assert "**Ajustes propios de Discord para el canal** (cámbialos en Discord)" in rules, rules
    stray = world.guild.create_forum_channel("Stray")
    with interaction_locale("de"):
        saved = text_of(await world.admin.slash(world.general, "forumadmin settings", throttle_seconds=30))
        stats = text_of(await world.admin.slash(world.general, "forumadmin stats"))
        refused = await world.admin.slash(world.general, "forumadmin remove", forum=stray)
    assert saved.startswith("Gespeichert.\n**Foreneinstellungen**") and "wartesekunden: `30`" in saved, saved
    assert "Forenstatistik" in stats and "Themen: **1**" in stats and "Registrierte Foren: Discussion" in stats, stats
    assert f"<#{stray.id}> ist kein registriertes Forum." in text_of(refused)
    world.env.errors  # noqa: B018


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_held_post_is_told_in_the_servers_language_and_its_reply_in_the_members(
    simcord_env, simcord_bot, built_bots
):
    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="es-ES")
    await world.admin.slash(world.general, "topic new", forum=world.forum, title="Q", body="?")
    await world.admin.slash(world.general, "forumadmin forum", forum=world.forum, hold="all")
    kumar = world.member("Kumar")
    await kumar.send(world.thread("Q"), "hola a todos")  # typed: no interaction, the server's language
    dms = "\n".join(world.dm_texts(kumar))
    assert (
        "⏸️ Tu publicación está retenida para aprobación: este foro retiene cada publicación para aprobación. "
        "Está registrada como **#2**" in dms
    ), dms
    assert "hola a todos" in dms
    await world.env.advance_time(20)
    with interaction_locale("de"):
        replied = text_of(await kumar.slash(world.general, "reply", topic="#1", body="noch eine"))
    assert "Dein Beitrag ist zur Freigabe zurückgehalten: dieses Forum hält jeden Beitrag zur Freigabe zurück." in (
        replied
    ), replied
    assert "Er ist als **#3** erfasst" in replied and "(in **Q**)" in replied
    with interaction_locale("es-ES"):
        queue = text_of(await world.admin.slash(world.general, "mod queue", kind="pending"))
        approved = text_of(await world.admin.slash(world.general, "mod approve", post="#2"))
    assert "Cola de moderación · publicaciones retenidas para aprobación · 2" in queue, queue
    # the flags the moderators read: in the server's language, the /reply's (asked in German) too
    assert queue.count("Retenida: este foro retiene cada publicación para aprobación") == 2, queue
    assert "Publicación **#2** de Kumar aprobada:" in approved, approved
    told = world.dm_texts(kumar)[-1]
    assert told.startswith("Tu publicación **#2** en **Q** fue aprobada:"), told
    held = await world.bot.db.run(posts.by_number, world.guild.id, 3)
    assert held is not None and held.status == "pending"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_move_shows_its_progress_in_the_moderators_language_past_the_token_too(
    simcord_env, simcord_bot, built_bots, monkeypatch
):
    from datetime import timedelta

    from bot.services import progress
    from tests.e2e.helpers import burst
    from tests.e2e.test_progress import SteppingClock

    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="es-ES")
    await world.member("Asker").slash(world.general, "topic new", forum=world.forum, title="Busy", body="?")
    burst(world, world.thread("Busy"), [(world.member(f"Helper {i}"), f"answer {i}") for i in range(6)])
    await world.env.settle()
    questions = world.guild.create_forum_channel("Questions")
    await world.admin.slash(world.general, "forumadmin add", channel=questions)
    old = world.thread("Busy")
    monkeypatch.setattr(progress, "clock", SteppingClock(timedelta(minutes=3)))
    with interaction_locale("de"):
        await world.admin.slash(world.general, "mod move", topic="#1", forum=questions)
    bars = [
        r.json.get("content") or ""
        for r in world.env.http_requests
        if r.method == "PATCH" and r.path.endswith("/messages/@original")
    ]
    assert any(text.startswith("Verschieben… ▰") for text in bars), bars
    # past the 15-minute token: one channel message, in the moderator's language, says so
    [note] = [m.content for m in world.general.history() if "Discord beendet die Antwort eines Befehls" in m.content]
    assert "Thema **#1** mit 7 Beiträgen nach" in note and "verschoben, Nummern behalten" in note, note
    # what everyone reads in the threads is in the server's language
    assert "📦 Este tema se movió a" in old.history()[-1].content
    moved = next(t for t in questions.threads if t.name == "Busy")
    assert any("*Participante*" in m.content for m in moved.history()), [m.content for m in moved.history()]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_import_summary_in_the_keymasters_language_and_its_threads_in_the_servers(
    simcord_env, simcord_bot, built_bots
):
    from tests.e2e.test_example_thread import TITLE
    from tests.e2e.test_porting_commands import FIXTURE

    world = await make_world(simcord_env, simcord_bot, built_bots, preferred_locale="es-ES")
    with interaction_locale("de"):
        result = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", FIXTURE.read_bytes()))
        exported = await world.admin.slash(world.general, "forumadmin export")
    said = text_of(result)
    assert "Import abgeschlossen: 2 Thema/Themen." in said, said
    assert "Nummern behalten: 8; neu nummeriert, weil die Nummer vergeben war: 0." in said, said
    bodies = [m.content for m in world.thread(TITLE).history()]
    assert any("Thank you" in b and "↳ respondiendo a `#3147`" in b for b in bodies), bodies
    assert "Der json-Export des Forums (" in text_of(exported), text_of(exported)
