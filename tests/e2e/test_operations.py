"""Operations: /forumadmin health and the structured error log."""

from __future__ import annotations

import logging
import re

import discord
import pytest
from discord import app_commands

from cogs.admin import Admin
from cogs.admin.health import HealthCommands
from tests.e2e.helpers import last_error, text_of


def test_the_health_mixin_joins_the_forumadmin_group():
    # discord.py's CogMeta collects app commands from every base in the MRO.
    assert issubclass(Admin, HealthCommands)
    names = {c.name for c in Admin.__cog_app_commands__}
    assert "health" in names and "add" in names


async def test_health_is_in_the_synced_tree_hidden_and_guarded(world):
    group = world.bot.tree.get_command("forumadmin")
    assert isinstance(group, app_commands.Group)
    health = group.get_command("health")
    assert isinstance(health, app_commands.Command)
    # The runtime forum-role check (bot.services.access.requires) guards it, not only Discord's hiding.
    assert any("requires" in check.__qualname__ for check in health.checks)
    assert group.default_permissions is not None and group.default_permissions.manage_guild


async def test_health_shows_size_catch_up_queue_and_last_error(world):
    ann = world.member("Ann")
    made = await ann.slash(world.general, "topic new", forum=world.forum, title="Hello", body="world")
    assert "Started topic" in text_of(made)
    await world.bot.recorder.catch_up()

    result = await world.admin.slash(world.general, "forumadmin health")
    assert result.ephemeral
    text = text_of(result)
    assert re.search(r"Database: `.*forum\.db` [\d.]+ (B|KiB|MiB)", text), text
    assert "Writable: yes" in text
    assert re.search(r"Writer queue: 0 waiting, \d+ group commits", text), text
    assert re.search(r"Last catch-up: 20\d\d-.*1 thread\(s\), 0 post\(s\) recorded", text), text
    assert "Last error: none since this start" in text

    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    text = text_of(await world.admin.slash(world.general, "forumadmin health"))
    assert "Writable: **NO** (read-only: attempt to write a readonly database)" in text
    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))


async def test_health_is_for_keymasters_only(world):
    # Manage Server lets Discord show the command; the bot's own check still refuses.
    managers = world.guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    ann = world.member("Ann", roles=(managers,))
    result = await ann.slash(world.general, "forumadmin health")
    assert "This command is for Keymasters" in text_of(result)
    assert any("Keymaster" in str(e) for e in world.env.errors)


async def test_unexpected_errors_are_logged_with_guild_command_and_the_code_the_member_saw(world, caplog):
    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        result = await world.admin.slash(world.general, "forumadmin settings", throttle_seconds=3)
    await world.bot.db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    assert world.env.errors
    shown = re.search(r"error code `([0-9a-f]{6})`", text_of(result))
    assert shown, text_of(result)
    records = [r for r in caplog.records if r.name == "bot.failures"]
    assert len(records) == 1
    record = records[0]
    message = record.getMessage()
    assert f"guild={world.guild.id}" in message
    assert "where=/forumadmin settings" in message
    assert f"code={shown.group(1)}" in message and "error=StorageUnavailable (read-only)" in message
    # The same facts as fields, for JSON log handlers.
    assert record.guild_id == world.guild.id  # type: ignore[attr-defined]
    assert record.command == "forumadmin settings"  # type: ignore[attr-defined]
    assert record.error_code == shown.group(1)  # type: ignore[attr-defined]
    assert record.exc_info is not None
    assert shown.group(1) in last_error(world)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_health_on_postgresql_shows_the_server_and_the_database_size(world):
    await world.member("Ann").slash(world.general, "topic new", forum=world.forum, title="Hello", body="world")
    text = text_of(await world.admin.slash(world.general, "forumadmin health"))
    assert re.search(r"Database: `postgresql://\S+/tk_test_\w+` \(PostgreSQL\) [\d.]+ (KiB|MiB)", text), text
    assert "Writable: yes" in text and re.search(r"Writer queue: 0 waiting", text), text
