"""/mod queue's lists and buttons within the acting moderator's scope (issue 14, parts 3
and 5): a forum moderator sees and handles only their forums, nobody sees a forum whose
channel they cannot view, and a button pressed after the moderator's scope or role changed
is refused clearly and changes nothing; on both backends."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.storage import posts
from tests.backends import BACKENDS
from tests.e2e.helpers import World, errors_text, moderator_discord_role, text_of
from tests.e2e.test_forum_rules import second_forum


async def _held_reply(world: World, forum: Any, title: str, text: str) -> Any:
    """A topic started by the owner in ``forum``, then a member's reply held for approval."""
    started = await world.admin.slash(world.general, "topic new", forum=forum, title=title, body="Welcome")
    assert "Started topic" in text_of(started), text_of(started)
    thread = next(t for t in forum.threads if t.name == title)
    await world.member(f"Newcomer {title}").send(thread, text)
    found = await world.bot.db.run(lambda c: c.execute("SELECT MAX(number) FROM posts").fetchone()[0])
    post = await world.bot.db.run(posts.by_number, world.guild.id, found)
    assert post is not None and post.status == "pending" and post.content == text
    return post


@pytest.mark.parametrize("backend", BACKENDS)
async def test_queue_lists_and_buttons_keep_to_the_moderators_forums(world: World) -> None:
    support = await second_forum(world, "Support")
    for channel in (world.forum, support):
        result = await world.admin.slash(world.general, "forumadmin forum", forum=channel, hold="all")
        assert "all" in text_of(result), text_of(result)
    here = await _held_reply(world, world.forum, "Here", "Held in Discussion")
    there = await _held_reply(world, support, "There", "Held in Support")

    mia = world.member("Mia", roles=(moderator_discord_role(world),))
    await world.admin.slash(world.general, "mod role", member=mia, role="moderator")  # the whole server, first
    wide = await mia.slash(world.general, "mod queue", kind="pending")
    assert "Held in Discussion" in text_of(wide) and "Held in Support" in text_of(wide)

    # Her scope shrinks to Discussion: the list shows only it, and her old message's Support
    # button is refused, naming the forum, with nothing changed.
    scoped = await world.admin.slash(world.general, "mod role", member=mia, role="moderator", forum=world.forum)
    assert "only" in text_of(scoped), text_of(scoped)
    narrow = await mia.slash(world.general, "mod queue", kind="pending")
    assert "Held in Discussion" in text_of(narrow) and "Held in Support" not in text_of(narrow)
    refused = await mia.click(wide.response, custom_id=f"tk:mp:{there.id}:a:pending:0")
    assert "You are not a moderator of the forum Support" in text_of(refused), text_of(refused)
    assert refused.ephemeral
    assert (await world.bot.db.run(posts.by_id, there.id)).status == "pending"
    # /mod history keeps to her forums too.
    opening = (await world.topic(next(t for t in support.threads if t.name == "There"))).number
    history = await mia.slash(world.general, "mod history", post=f"#{opening}")
    assert "You are not a moderator of the forum Support" in text_of(history) and history.ephemeral
    approved = await mia.click(narrow.response, custom_id=f"tk:mp:{here.id}:a:pending:0")
    assert "Approved post" in text_of(approved), text_of(approved)

    # Nobody moderates a forum whose channel they cannot view: it leaves the list too.
    channel = world.bot.get_channel(support.id)
    assert isinstance(channel, discord.ForumChannel)
    rex = world.member("Rex", roles=(moderator_discord_role(world),))
    await world.admin.slash(world.general, "mod role", member=rex, role="moderator")
    seen = await rex.slash(world.general, "mod queue", kind="pending")
    assert "Held in Support" in text_of(seen)
    await channel.set_permissions(world.bot.get_guild(world.guild.id).get_member(rex.id), view_channel=False)
    await world.env.settle()
    hidden = await rex.slash(world.general, "mod queue", kind="pending")
    assert "Held in Support" not in text_of(hidden) and "Nothing waiting" in text_of(hidden)
    refused = await rex.click(seen.response, custom_id=f"tk:mp:{there.id}:d:pending:0")
    assert "cannot view the forum Support's channel" in text_of(refused), text_of(refused)

    # A moderator no more: the old buttons say so.
    await world.admin.slash(world.general, "mod role", member=mia, role="participant")
    demoted = await mia.click(wide.response, custom_id=f"tk:mp:{there.id}:d:pending:0")
    assert "Only Moderators and Keymasters handle the queue" in text_of(demoted), text_of(demoted)
    assert (await world.bot.db.run(posts.by_id, there.id)).status == "pending"  # still waiting
    errors_text(world)  # the refusals, as expected
