"""/forumadmin export and import through simcord."""

from __future__ import annotations

import json

import discord

from bot.porting import exports
from cogs.admin import Admin
from cogs.admin_porting import PortingCommands
from tests.e2e.helpers import text_of
from tests.e2e.test_example_thread import KUMAR, QUESTION, TITLE


def test_porting_commands_are_forumadmin_subcommands(world) -> None:
    # load_extension imports cogs.admin afresh, so compare by the mixin (imported once) and name.
    cog = world.bot.get_cog("Admin")
    assert isinstance(cog, PortingCommands) and type(cog).__name__ == Admin.__name__
    group = world.bot.tree.get_command("forumadmin")
    assert group.default_permissions is not None and group.default_permissions.manage_guild
    names = {command.name for command in group.commands}
    assert {"export", "add", "settings"} <= names
    for name in ("export",):
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
    monkeypatch.setattr("cogs.admin_porting.exports.render", lambda conn, fmt, gid: "x" * (30 * 1024 * 1024))
    result = await world.admin.slash(world.general, "forumadmin export", format="html")
    said = text_of(result) + " ".join(str(e) for e in world.env.errors)
    assert "over Discord's upload limit" in said and f"--guild {world.guild.id}" in said
