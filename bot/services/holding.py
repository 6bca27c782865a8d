"""Held posts (SPEC §3): whether a forum's `hold` rule holds a post for approval (the pure
rule is ``bot/domain/review.py``; this reads what it needs), and the words the author reads.

Every live way of posting asks it after the bot's own check has let the post through:
a message typed in a thread or a New Post (``recording/holding.py``), ``/reply`` and
``/topic new`` (``cogs/topics.py``). The catch-up does not: it records what Discord holds as
it stands (SPEC §3), so a post written while the bot was away is published, not held.
"""

from __future__ import annotations

from bot.domain.forumrules import HOLD_FIRST_POSTS
from bot.domain.review import held_because
from bot.domain.roles import ForumRole
from bot.i18n import _
from bot.storage import forums, review
from bot.storage.api import Database


async def forum_hold(db: Database, forum_id: int) -> str:
    """The forum's `hold` rule (none for a forum that is gone)."""
    forum = await db.run(forums.get, forum_id)
    return forum.rules.hold if forum is not None else "none"


async def hold_reason(
    db: Database, hold: str, *, role: ForumRole, text: str, guild_id: int, user_id: int
) -> str | None:
    """Why this post waits for approval, or None when it goes up now."""
    if role.can_moderate or hold == "none":
        return None
    published = 0
    if hold == "new":
        published = await db.run(lambda c: review.published_count(c, guild_id, user_id, up_to=HOLD_FIRST_POSTS))
    return held_because(hold, text=text, can_moderate=False, published_posts=published)


def held_notice(why: str, number: int) -> str:
    """What the author reads: why, and that a moderator publishes it under its number."""
    return "⏸️ " + _(
        "Your post is held for approval: {why}. It is recorded as **#{number}**; "
        "when a moderator approves it, it appears under that number.",
        why=why,
        number=number,
    )
