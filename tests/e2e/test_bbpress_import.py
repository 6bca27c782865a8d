"""/forumadmin import of a real bbPress export's three files (tests/fixtures/README.md): one
forum, missing forum channels created on request under their bbPress category, private
forums kept private, super stickies, pending posts recorded and not posted; the one-file
export too, its categories grouping /forum list and its pending posts approved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.storage import forums
from tests.backends import BACKENDS
from tests.e2e.helpers import text_of

FIXTURES = Path(__file__).parent.parent / "fixtures"
FILES = {kind: (f"activity.WordPress.{kind}.xml", (FIXTURES / f"bbpress-2.6.9-{kind}.xml").read_bytes())
         for kind in ("forums", "topics", "replies")}  # fmt: skip


async def _import(world: Any, **options: Any) -> str:
    result = await world.admin.slash(
        world.general, "forumadmin import", file=FILES["replies"], file2=FILES["forums"], file3=FILES["topics"],
        **options,
    )  # fmt: skip
    return text_of(result)


def _channel(world: Any, name: str) -> discord.abc.GuildChannel:
    guild = world.bot.get_guild(world.guild.id)
    found = discord.utils.get(guild.channels, name=name)
    assert found is not None, name
    return found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_three_files_import_as_one_forum_with_channels_created_under_their_categories(world: Any) -> None:
    said = await _import(world)  # Discussion is registered; the others are not
    assert "No registered forum named" in said and "create_channels: True" in said
    assert "**Health**" in said and "**Staff**" in said  # the categories they would go under
    assert any("No registered forum named" in str(e) for e in world.env.errors)  # a refusal, as expected
    assert await world.bot.db.run(lambda c: c.execute("SELECT COUNT(*) FROM posts").fetchone()[0]) == 0

    said = await _import(world, super_sticky="3175", create_channels=True)
    assert "Import finished: 8 topic(s)." in said, said
    assert "Created forum channels:" in said and "(private)" in said
    research, lounge = _channel(world, "Research"), _channel(world, "Moderators' Lounge")
    assert isinstance(research, discord.ForumChannel) and isinstance(lounge, discord.ForumChannel)
    assert research.category is not None and research.category.name == "Health"
    assert lounge.category is not None and lounge.category.name == "Staff"
    everyone = lounge.guild.default_role
    assert not lounge.permissions_for(everyone).view_channel  # a private bbPress forum stays private
    assert research.permissions_for(everyone).view_channel
    stored = {f.name: f for f in await world.bot.db.run(forums.registered_in, world.guild.id)}
    assert not stored["Moderators' Lounge"].public and not stored["Backstage"].public
    assert stored["Moderators' Lounge"].rules.archive == "hidden" and stored["Backstage"].rules.archive == "hidden"
    assert stored["Research"].public and stored["Discussion"].public and stored["Research"].rules.archive == "public"
    assert stored["Research"].category == "Health" and stored["Moderators' Lounge"].category == "Staff"

    def rows(conn: Any) -> dict[int, tuple[Any, ...]]:
        found = conn.execute(
            "SELECT p.number, p.status, p.author_name, t.sticky, p.message_id > 0 FROM posts p "
            "JOIN topics t ON t.id = p.topic_id"
        ).fetchall()
        return {row[0]: tuple(row[1:]) for row in found}

    posts = await world.bot.db.run(rows)
    assert posts[3175] == ("publish", "Site Admin", "super", True)  # super-sticky, posted
    assert posts[3163] == ("publish", "Curious Visitor", "none", True)  # the anonymous author's name
    assert posts[3164] == ("pending", "Guest Reader", "none", False)  # recorded, not posted
    assert posts[3161][0] == "spam" and not posts[3161][3]
    thread_id = await world.bot.db.run(
        lambda c: c.execute("SELECT thread_id FROM topics WHERE number = 3190").fetchone()[0]
    )
    thread = world.bot.get_guild(world.guild.id).get_thread(thread_id)
    assert thread is not None and thread.parent_id == research.id and thread.name == "Latest trial results"
    # Again: nothing doubles, no second channel (the channel's name is matched as Discord spells it).
    again = await _import(world, super_sticky="3175", create_channels=True)
    assert "Resumed: 8 topic(s)" in again and "Created forum channels" not in again
    guild = world.bot.get_guild(world.guild.id)
    assert sum(1 for c in guild.channels if c.name == "Research") == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_bad_super_sticky_ids_are_refused_before_anything(world: Any) -> None:
    said = await _import(world, super_sticky="the welcome topic", create_channels=True)
    assert "`super_sticky` takes bbPress topic ids" in said
    said = await _import(world, super_sticky="9999", create_channels=True)
    assert "#9999 are not topics" in said
    assert len(world.env.errors) == 2  # both refusals, answered as such
    guild = world.bot.get_guild(world.guild.id)
    assert not any(c.name == "Research" for c in guild.channels)  # nothing was made


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_whole_export_imports_with_categories_and_its_pending_posts_are_approvable(world: Any) -> None:
    whole = ("activity.WordPress.xml", (FIXTURES / "bbpress-2.6.9-all.xml").read_bytes())
    said = text_of(await world.admin.slash(world.general, "forumadmin import", file=whole, create_channels=True))
    assert "Import finished: 8 topic(s)." in said, said
    listed = text_of(await world.admin.slash(world.general, "forum list"))
    assert listed.index("Health") < listed.index("Discussion") and listed.index("Health") < listed.index("Research")
    assert listed.index("Staff") < listed.index("Moderators' Lounge")

    # The pending anonymous reply (its GMT date zero) and the pending anonymous topic wait in
    # /mod queue, not in Discord; both are approved and posted back attributed, with their numbers.
    queue = await world.admin.slash(world.general, "mod queue", kind="pending")
    shown = text_of(queue)
    assert "posts held for approval · 2" in shown, shown
    assert "post **#3164**" in shown and "topic **#3198**" in shown and "Guest Reader" in shown
    thread = world.thread("What is the difference between personalized medicine and precision medicine?")
    assert not any("helped me a lot" in m.content for m in thread.history())
    approved = text_of(await world.admin.slash(world.general, "mod approve", post="#3164"))
    assert "Approved post **#3164** by Guest Reader" in approved, approved
    last = thread.history()[-1]
    assert "`#3164`" in last.content and "Guest Reader" in last.content and "helped me a lot" in last.content
    opening = await world.bot.db.run(lambda c: c.execute("SELECT id FROM posts WHERE number = 3198").fetchone()[0])
    clicked = text_of(await world.admin.click(queue.response, custom_id=f"tk:mp:{opening}:a:pending:0"))
    assert "Approved topic **#3198**" in clicked, clicked
    research = _channel(world, "Research")
    assert isinstance(research, discord.ForumChannel)
    rebuilt = next(t for t in research.threads if t.name == "Is this forum moderated?")
    assert "`#3198`" in (await rebuilt.fetch_message(rebuilt.last_message_id)).content

    def states(conn: Any) -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in conn.execute(
                "SELECT p.number, p.status, t.status FROM posts p JOIN topics t ON t.id = p.topic_id "
                "WHERE p.number IN (3164, 3198) ORDER BY p.number"
            ).fetchall()
        ]

    assert await world.bot.db.run(states) == [(3164, "publish", "open"), (3198, "publish", "open")]
