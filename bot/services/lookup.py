"""From what a member typed to a record of this guild (never another guild's)."""

from __future__ import annotations

import discord

from bot.domain.refs import ReferenceError_, parse_ref
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.i18n import N_, _
from bot.storage import posts, topics
from bot.storage.api import Database
from bot.storage.models import Post, Topic

HIDDEN_TOPIC = ("deleted", "spam", "trash", "pending")


def _not_found(text: str) -> UserFacingError:
    shown = text.strip()[:40].replace("`", "'")
    return UserFacingError(
        _("No topic or post `{text}` in this server's forums. Check the number with `/topic list`.", text=shown)
    )


async def resolve_topic(db: Database, guild_id: int, text: str, *, include_hidden: bool = False) -> Topic:
    try:
        ref = parse_ref(text)
    except ReferenceError_ as error:
        raise UserFacingError(str(error)) from None
    if ref.guild_id is not None and ref.guild_id != guild_id:
        raise UserFacingError(_("That link points to another server; use a topic of this server."))
    topic: Topic | None = None
    if ref.number is not None:
        topic = await db.run(topics.containing_post_number, guild_id, ref.number)
    elif ref.message_id is not None:
        topic = await db.run(topics.containing_message, ref.message_id)
    else:
        snowflake = ref.channel_id if ref.channel_id is not None else ref.raw_id
        assert snowflake is not None
        topic = await db.run(topics.by_thread, snowflake) or await db.run(topics.containing_message, snowflake)
    if topic is None or topic.guild_id != guild_id:
        raise _not_found(text)
    return _available(topic, include_hidden)


def _available(topic: Topic, include_hidden: bool) -> Topic:
    if topic.status in HIDDEN_TOPIC and not include_hidden:
        raise UserFacingError(
            _(
                "Topic #{number} is not available (it is {status}).",
                number=topic.number,
                status=status_word(topic.status),
            )
        )
    return topic


HERE_HINT = N_("Use this inside a topic's thread, or give the topic: #12, 12, a link or an id.")


async def resolve_topic_here(
    db: Database,
    interaction: discord.Interaction,
    text: str | None,
    *,
    include_hidden: bool = False,
    hint: str | None = None,
) -> Topic:
    """The topic the member gave, or, when they left it out, the topic whose thread the
    command was used in; outside a topic's thread leaving it out is a clear refusal."""
    guild_id = interaction.guild_id or 0
    if text is not None and text.strip():
        return await resolve_topic(db, guild_id, text, include_hidden=include_hidden)
    channel = interaction.channel
    topic = await db.run(topics.by_thread, channel.id) if isinstance(channel, discord.Thread) else None
    if topic is None or topic.guild_id != guild_id:
        raise UserFacingError(hint or _(HERE_HINT))
    return _available(topic, include_hidden)


async def resolve_post(db: Database, guild_id: int, text: str) -> Post:
    try:
        ref = parse_ref(text)
    except ReferenceError_ as error:
        raise UserFacingError(str(error)) from None
    if ref.guild_id is not None and ref.guild_id != guild_id:
        raise UserFacingError(_("That link points to another server; use a post of this server."))
    post: Post | None = None
    if ref.number is not None:
        post = await db.run(posts.by_number, guild_id, ref.number)
    elif ref.message_id is not None:
        post = await db.run(posts.by_message, ref.message_id)
    else:
        snowflake = ref.channel_id if ref.channel_id is not None else ref.raw_id
        assert snowflake is not None
        post = await db.run(posts.by_message, snowflake)
        if post is None:
            topic = await db.run(topics.by_thread, snowflake)
            if topic is not None:
                post = await db.run(posts.by_number, topic.guild_id, topic.number)
    if post is None or post.guild_id != guild_id:
        raise _not_found(text)
    return post


async def fetch_thread(guild: discord.Guild, thread_id: int) -> discord.Thread:
    """A topic's thread, from the cache or Discord; a clear UserFacingError when it is gone."""
    thread = guild.get_thread(thread_id)
    if thread is not None:
        return thread
    try:
        fetched = await guild.fetch_channel(thread_id)
    except discord.NotFound:
        raise UserFacingError(_("That topic's thread no longer exists in Discord.")) from None
    except discord.HTTPException as error:
        raise UserFacingError(describe_http_error(error)) from None
    if not isinstance(fetched, discord.Thread):
        raise UserFacingError(_("That topic's thread no longer exists in Discord."))
    return fetched
