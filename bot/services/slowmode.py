"""A forum's own Discord slowmode, kept for the posts the bot sends on a member's behalf
(``/topic new``, ``/reply``): Discord does not hold the bot to it, so without this a member
could post past it (the decision: bot/domain/policy.slowmode_refusal)."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.domain import timeutil
from bot.domain.policy import slowmode_refusal
from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.storage import members
from bot.storage.api import Database
from bot.storage.models import Forum, Topic


async def check(
    db: Database, member: discord.Member, role: ForumRole, forum: Forum, topic: Topic | None, now: datetime
) -> None:
    """Refuse (UserFacingError) a post the channel's slowmode would stop: a new topic within
    the forum channel's slowmode of the member's last one there, a reply within the thread's."""
    if role.can_moderate:
        return
    channel_id = forum.channel_id if topic is None else topic.thread_id
    channel = member.guild.get_channel_or_thread(channel_id)
    if channel is None and topic is not None:
        try:
            channel = await member.guild.fetch_channel(channel_id)  # an archived thread, out of the cache
        except discord.HTTPException:
            return
    delay = getattr(channel, "slowmode_delay", 0) or 0
    if delay <= 0:
        return
    since = timeutil.iso(now - timedelta(seconds=delay))
    scope = {"forum_id": forum.id} if topic is None else {"topic_id": topic.id}
    last = await db.run(members.last_post_here, member.guild.id, member.id, since=since, **scope)
    refusal = slowmode_refusal(role=role, delay_seconds=delay, last_here_at=timeutil.parse(last), now=now)
    if refusal is not None:
        raise UserFacingError(refusal)
