"""Languages (docs/languages.md): the command tree Discord shows in members' languages, answers in
the interaction's locale, the server's language where no interaction caused the message."""

from __future__ import annotations

import pytest

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
