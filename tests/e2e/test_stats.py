"""/forumadmin stats: a mixin command of the Admin GroupCog, its numbers and its chart."""

from __future__ import annotations

import discord
from discord import app_commands

from cogs.admin import Admin
from cogs.admin.stats import StatsCommands
from tests.e2e.helpers import text_of


async def test_stats_is_collected_from_the_mixin_into_forumadmin(world) -> None:  # type: ignore[no-untyped-def]
    assert issubclass(Admin, StatsCommands)
    group = world.bot.tree.get_command("forumadmin")
    assert isinstance(group, app_commands.Group)
    command = group.get_command("stats")
    assert isinstance(command, app_commands.Command)
    assert command.checks  # the runtime forum-role check (requires(KEYMASTER))
    assert group.default_permissions is not None and group.default_permissions.manage_guild
    assert "forumadmin stats" in world.admin.available_commands(world.general)


async def test_stats_numbers_and_chart(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    await marzana.slash(world.general, "topic new", forum=world.forum, title="Answered", body="q1")
    await world.env.advance_time(11)
    await marzana.slash(world.general, "topic new", forum=world.forum, title="Unanswered", body="q2")
    await world.env.advance_time(20 * 60)  # first reply 20 minutes after the first topic
    answer = await kumar.send(world.thread("Answered"), "a1")
    await world.env.advance_time(11)
    await kumar.send(world.thread("Answered"), "a2")
    await marzana.context_menu(world.thread("Answered"), "Mark as answer", answer)

    result = await world.admin.slash(world.general, "forumadmin stats")
    page = text_of(result)
    assert "Topics: **2**" in page
    assert "Replies: **2**" in page
    assert "Solved: **1** (50% of topics)" in page
    assert "Unanswered topics: **1**" in page
    assert "Median time to first reply: **20 min**" in page
    assert page.index("**Dr. Kumar** — 2 posts") < page.index("**Marzana M** — 2 posts")
    messages = [result.response, *result.followups]
    attachments = [a for m in messages if m is not None for a in m.attachments]
    assert [a.filename for a in attachments] == ["posts-per-week.png"]


async def test_stats_is_for_keymasters(world) -> None:  # type: ignore[no-untyped-def]
    member = world.member("Curious")
    # Discord hides /forumadmin from members without Manage Server ...
    assert "forumadmin stats" not in member.available_commands(world.general)
    # ... and the bot's own check refuses anyone below keymaster when it is shown anyway
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)
    moderator = world.member("Mod", roles=(mods,))
    result = await moderator.slash(world.general, "forumadmin stats")
    assert "This command is for Keymasters" in text_of(result)
    assert any("Keymasters" in str(e) for e in world.env.errors)
