"""/forumadmin export and import through simcord."""

from __future__ import annotations

import json
from pathlib import Path

import discord
import pytest

from bot.porting import exports
from cogs.admin import Admin
from cogs.admin.porting import PortingCommands
from tests.backends import BACKENDS
from tests.e2e.helpers import text_of
from tests.e2e.test_example_thread import KUMAR, QUESTION, TITLE

FIXTURE = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"


def test_porting_commands_are_forumadmin_subcommands(world) -> None:
    # load_extension imports cogs.admin afresh, so compare by the mixin (imported once) and name.
    cog = world.bot.get_cog("Admin")
    assert isinstance(cog, PortingCommands) and type(cog).__name__ == Admin.__name__
    group = world.bot.tree.get_command("forumadmin")
    assert group.default_permissions is not None and group.default_permissions.manage_guild
    names = {command.name for command in group.commands}
    assert {"export", "import", "add", "settings"} <= names
    for name in ("export", "import"):
        command = group.get_command(name)
        assert command.checks  # the runtime forum-role check (behaviour: test_export_is_for_keymasters_only)
        assert command.description


async def _example(world):
    marzana = world.member("Marzana M")
    kumar = world.member("Dr. Kumar")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    thread = world.thread(TITLE)
    await kumar.send(thread, KUMAR)
    await world.bot.db.flush()
    return marzana


@pytest.mark.parametrize("backend", BACKENDS)
async def test_export_json_html_markdown_as_attachments(world) -> None:
    await _example(world)
    result = await world.admin.slash(world.general, "forumadmin export")
    assert result.ephemeral
    message = result.followups[-1] if result.followups else result.response
    (attachment,) = message.attachments
    assert attachment.filename == f"threadkeeper-{world.guild.id}.json"
    document = json.loads(await attachment.read())
    assert document["format"] == "threadkeeper" and document["guild"]["name"] == "Activity"
    topic = document["forums"][0]["topics"][0]
    assert topic["title"] == TITLE and [p["author"]["name"] for p in topic["posts"]] == ["Marzana M", "Dr. Kumar"]

    for fmt, marker in (("html", "Viewing 1 reply thread"), ("markdown", "Viewing 1 reply thread")):
        result = await world.admin.slash(world.general, "forumadmin export", format=fmt)
        message = result.followups[-1] if result.followups else result.response
        (attachment,) = message.attachments
        assert attachment.filename == exports.filename(fmt, world.guild.id)
        body = (await attachment.read()).decode()
        assert marker in body and "Marzana M" in body


async def test_export_is_for_keymasters_only(world) -> None:
    # Discord hides /forumadmin without Manage Server; a manager who is only a participant
    # sees it and is still refused by the bot's own check.
    managers = world.guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    member = world.member("Manager", roles=(managers,))
    result = await member.slash(world.general, "forumadmin export")
    assert any("Keymaster" in str(error) for error in world.env.errors)
    assert not result.followups and (result.response is None or not result.response.attachments)


async def test_an_export_over_the_upload_limit_says_what_to_do(world, monkeypatch) -> None:
    await _example(world)
    monkeypatch.setattr("cogs.admin.porting.exports.render", lambda conn, fmt, gid, step=None: "x" * (30 * 1024 * 1024))
    result = await world.admin.slash(world.general, "forumadmin export", format="html")
    said = text_of(result) + " ".join(str(e) for e in world.env.errors)
    assert "over Discord's upload limit" in said and f"--guild {world.guild.id}" in said


async def _posts(world, thread_id: int) -> list[tuple[int, str, str, int | None]]:
    rows = await world.bot.db.run(
        lambda conn: conn.execute(
            "SELECT p.number, p.author_name, p.status, parent.number FROM posts p "
            "LEFT JOIN posts parent ON parent.id = p.parent_id WHERE p.channel_id = ? ORDER BY p.id",
            (thread_id,),
        ).fetchall()
    )
    return [tuple(row) for row in rows]


async def test_import_wxr_posts_the_threads_attributed_with_numbers_kept(world) -> None:
    result = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", FIXTURE.read_bytes()))
    said = text_of(result)
    assert "Import finished: 2 topic(s)" in said, said
    assert "Numbers kept: 8; renumbered because the number was taken: 0" in said
    thread = world.thread(TITLE)
    messages = sorted(thread.history(), key=lambda m: m.id)  # oldest first
    assert "**Marzana M**" in messages[0].content and "`#3146`" in messages[0].content
    assert "*personalized medicine*" in messages[0].content
    bodies = [m.content for m in messages]
    assert any("interchangeably" in b and "`#3147`" in b for b in bodies)
    assert any("overlap" in b and "`#3153`" in b for b in bodies)
    assert any("Thank you" in b and "answering `#3147`" in b for b in bodies)
    assert not any("CHEAP PILLS" in b or "wrong topic" in b for b in bodies)  # spam and trash: not posted
    assert len(messages) == 4
    assert await _posts(world, thread.id) == [
        (3146, "Marzana M", "publish", None),
        (3147, "Dr. Kumar", "publish", None),
        (3153, "Dr. M", "publish", None),
        (3160, "Marzana M", "publish", 3147),
        (3161, "Cheap Pills", "spam", None),
        (3162, "Dr. Kumar", "trash", None),
    ]
    rules = world.thread("Forum rules")
    topic = await world.topic(rules)
    assert topic is not None and topic.status == "closed" and topic.number == 3170
    # The next post in the guild gets a fresh number past the imported ones.
    member = world.member("Late Comer")
    await member.send(thread, "Late to the party")
    await world.bot.db.flush()
    assert (await _posts(world, thread.id))[-1][0] == 3172


async def test_import_runs_again_resumes_without_duplicates(world) -> None:
    data = FIXTURE.read_bytes()
    # Discord fails the first reply (the webhook and the bot's own fallback): the run stops.
    world.env.inject_error("POST", "/webhooks/*", status=500, code=0, message="boom", times=1)
    world.env.inject_error("POST", "/channels/*/messages", status=500, code=0, message="boom", times=1)
    await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", data))
    assert any("run the same import again to resume" in str(e) for e in world.env.errors)
    thread = world.thread(TITLE)
    assert [row[0] for row in await _posts(world, thread.id)] == [3146]

    result = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", data))
    assert "Import finished" in text_of(result)
    assert [t.name for t in world.forum.threads].count(TITLE) == 1
    assert [row[0] for row in await _posts(world, thread.id)] == [3146, 3147, 3153, 3160, 3161, 3162]

    again = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", data))
    assert "Resumed: 2 topic(s) were already imported" in text_of(again)
    assert len(thread.history()) == 4


async def test_import_refuses_hostile_files_and_writes_nothing(world) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<rss><channel><title>&b;</title></channel></rss>"
    )
    for name, data in (("laughs.xml", laughs), ("broken.xml", b"<rss><channel>"), ("x.json", b"{nope")):
        await world.admin.slash(world.general, "forumadmin import", file=(name, data))
    errors = " ".join(str(e) for e in world.env.errors)
    assert "entity or DTD tricks" in errors and "not well-formed XML" in errors and "not valid JSON" in errors
    count = await world.bot.db.run(lambda conn: conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    assert count == 0 and not world.forum.threads


async def test_import_needs_a_forum_of_the_same_name(world) -> None:
    export = {
        "format": "threadkeeper",
        "version": 1,
        "exported_at": "2026-11-28T10:00:00+00:00",
        "guild": {"id": "1", "name": "Elsewhere"},
        "forums": [{"id": 1, "channel_id": "2", "name": "Nowhere", "description": "", "topics": [{
            "number": 7, "thread_id": "3", "title": "Hello", "status": "open", "sticky": "none", "tags": [],
            "accepted_answers": [], "author": {"id": "4", "name": "A", "role": "participant"},
            "created_at": "2026-11-28T10:00:00+00:00",
            "posts": [{"number": 7, "message_id": "3", "parent": None, "status": "publish",
                       "author": {"id": "4", "name": "A", "role": "participant"}, "content": "Hi",
                       "attachments": [], "created_at": "2026-11-28T10:00:00+00:00", "edited_at": None,
                       "revisions": []}],
        }]}],
    }  # fmt: skip
    data = json.dumps(export).encode()
    await world.admin.slash(world.general, "forumadmin import", file=("t.json", data))
    assert any("No registered forum named **Nowhere**" in str(e) for e in world.env.errors)
    result = await world.admin.slash(world.general, "forumadmin import", file=("t.json", data), forum=world.forum)
    assert "Import finished: 1 topic(s)" in text_of(result)
    assert world.thread("Hello")


async def test_import_refuses_an_oversized_file_before_reading_it(world, monkeypatch) -> None:
    monkeypatch.setattr("cogs.admin.porting.MAX_IMPORT_BYTES", 1000)
    result = await world.admin.slash(world.general, "forumadmin import", file=("big.xml", b"<" * 5000))
    assert any("imports take at most" in str(e) for e in world.env.errors)
    assert not result.deferred and not world.forum.threads


async def test_imported_topics_get_the_forum_tags_they_had(world) -> None:
    channel = world.bot.get_channel(world.forum.id)
    await channel.create_tag(name="Medicine")
    await world.env.settle()
    await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", FIXTURE.read_bytes()))
    thread = world.bot.get_channel(world.thread(TITLE).id)
    assert [t.name for t in thread.applied_tags] == ["Medicine"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_export_then_import_into_another_server_round_trips(world) -> None:
    """Everything but the Discord ids survives: numbers, parents, statuses, edits, answers, authors."""
    from bot.storage import importing, posts

    marzana = world.member("Marzana M")
    kumar = world.member("Dr. Kumar")
    drm = world.member("Dr. M")
    spammer = world.member("Spammer")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    thread = world.thread(TITLE)
    kumar_says = await kumar.send(thread, KUMAR)
    answer = await drm.send(thread, "An **answer**")
    await world.env.advance_time(30)
    await marzana.send(thread, "Thanks!", reply_to=kumar_says)
    await kumar.edit(kumar_says, KUMAR + " (edited)")
    junk = await spammer.send(thread, "BUY PILLS")
    gone = await drm.send(thread, "never mind")
    await drm.delete(gone)
    await world.env.settle()
    await world.bot.db.flush()
    accepted = await world.bot.db.run(posts.by_message, answer.id)
    spam = await world.bot.db.run(posts.by_message, junk.id)
    await world.bot.db.transaction(importing.set_accepted, accepted.id)
    await world.bot.db.transaction(posts.set_status, spam.id, "spam")

    result = await world.admin.slash(world.general, "forumadmin export")
    (attachment,) = (result.followups[-1] if result.followups else result.response).attachments
    data = await attachment.read()
    before = json.loads(data)

    other = world.env.create_guild("Activity", owner=world.admin.user)
    admin = other.add_member(world.admin.user)
    general = other.create_text_channel("general")
    forum = other.create_forum_channel("Discussion")
    await admin.slash(general, "forumadmin add", channel=forum)
    imported = await admin.slash(general, "forumadmin import", file=("export.json", data))
    assert "renumbered because the number was taken: 0" in text_of(imported)
    result = await admin.slash(general, "forumadmin export")
    (attachment,) = (result.followups[-1] if result.followups else result.response).attachments
    after = json.loads(await attachment.read())

    def without_ids(document: dict) -> dict:
        document = json.loads(json.dumps(document))
        document.pop("exported_at")
        document["guild"].pop("id")
        for forum_doc in document["forums"]:
            forum_doc.pop("id"), forum_doc.pop("channel_id")
            for topic in forum_doc["topics"]:
                topic.pop("thread_id")
                for post in topic["posts"]:
                    post.pop("message_id")
        return document

    assert without_ids(after) == without_ids(before)
    posted = before["forums"][0]["topics"][0]["posts"]
    assert [p["status"] for p in posted] == ["publish", "publish", "publish", "publish", "spam", "deleted"]
    assert posted[3]["parent"] == posted[1]["number"] and posted[1]["revisions"][0]["content"] == KUMAR
    assert before["forums"][0]["topics"][0]["accepted_answers"] == [posted[2]["number"]]
    # Only what readers may see was posted in the new server.
    new_thread = next(t for t in forum.threads if t.name == TITLE)
    assert len(new_thread.history()) == 4
