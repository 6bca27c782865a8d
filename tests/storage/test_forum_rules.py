"""Forum rules, categories and moderator scope on both backends (SPEC §1 "Per-forum scope")."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.forumrules import ForumRules
from bot.domain.roles import ForumRole
from bot.storage import forums, members
from bot.storage.api import Database
from tests.storage.helpers import register_forum

NOW = "2026-01-01T00:00:00.000000+00:00"


async def test_rules_default_then_set_and_kept_by_re_registration(db: Database, forum_id: int) -> None:
    forum = await db.run(forums.get, forum_id)
    assert forum is not None and forum.rules == ForumRules() and forum.category is None
    rules = ForumRules(posting="moderators", status="closed", archive="hidden", hold="new")
    await db.transaction(forums.set_rules, forum_id, rules)
    again = await db.transaction(
        forums.register,
        guild_id=1,
        guild_name="G1",
        channel_id=100,
        name="Discussion",
        description="",
        public=True,
        solved_tag_id=None,
        now=NOW,
        category="Help",
    )
    assert again.id == forum_id and again.rules == rules and again.category == "Help"


async def test_category_set_and_followed_by_channel_updates(db: Database, forum_id: int) -> None:
    assert await db.transaction(forums.set_category, forum_id, "  Support\n desk ") is True
    assert await db.transaction(forums.set_category, forum_id, "Support desk") is False
    forum = await db.run(forums.get, forum_id)
    assert forum is not None and forum.category == "Support desk"
    same = await db.transaction(forums.update_channel, 100, name="Discussion", public=True, category="Support desk")
    assert same is False
    assert await db.transaction(forums.update_channel, 100, name="Discussion", public=True, category=None) is True
    forum = await db.run(forums.get, forum_id)
    assert forum is not None and forum.category is None
    assert await db.transaction(forums.set_category, forum_id, "   ") is False  # blank is none


async def test_moderator_scope_set_read_replaced_and_kept_through_a_block(db: Database, forum_id: int) -> None:
    other = await register_forum(db, channel_id=200, name="Other")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    both = [other, forum_id]
    await db.transaction(
        members.set_role, guild_id=1, user_id=9, role=ForumRole.MODERATOR, assigned_by=1, now=NOW, forum_ids=both
    )
    assert await db.run(members.moderator_forums, 1, 9) == tuple(sorted((forum_id, other)))
    inputs = await db.run(members.role_inputs, 1, 9, [])
    assert inputs.scope == tuple(sorted((forum_id, other)))
    assert await db.run(members.scopes_in, 1) == {9: tuple(sorted((forum_id, other)))}
    # A block keeps the scope for when it ends.
    await db.transaction(members.block, guild_id=1, user_id=9, assigned_by=1, now=NOW, expires_at=None, reason=None)
    assert await db.run(members.moderator_forums, 1, 9) == ()
    assert (await db.run(members.role_inputs, 1, 9, [])).scope == ()
    await db.transaction(members.end_block, 1, 9, now)
    assert await db.run(members.moderator_forums, 1, 9) == tuple(sorted((forum_id, other)))
    # Any other role replaces it; a moderator of the whole server has none.
    await db.transaction(members.set_role, guild_id=1, user_id=9, role=ForumRole.MODERATOR, assigned_by=1, now=NOW)
    assert await db.run(members.moderator_forums, 1, 9) == ()
    await db.transaction(
        members.set_role, guild_id=1, user_id=9, role=ForumRole.PARTICIPANT, assigned_by=1, now=NOW, forum_ids=[other]
    )
    assert await db.run(members.moderator_forums, 1, 9) == ()
    await db.transaction(
        members.set_role, guild_id=1, user_id=9, role=ForumRole.MODERATOR, assigned_by=1, now=NOW, forum_ids=[other]
    )
    await db.transaction(members.set_role, guild_id=1, user_id=9, role=None, assigned_by=1, now=NOW)
    assert await db.run(members.scopes_in, 1) == {}
