"""Posts back into Discord, attributed with their numbers: /mod restore (spam, trash,
deleted), /mod approve and the queue's Approve (pending); the queue's Dismiss of a pending
post (the trash). Shared by the /mod commands and the queue's persistent buttons, which audit
through the interaction that asked.

- A reply goes back at the end of its topic's thread (webhook under the author's name, or
  the bot's attribution line: ``restructure.Poster``); its number stays; a closed topic's
  thread is locked again after.
- A topic (its opening post) is rebuilt in a new thread of its forum with its published
  posts (``restructure.rebuild``): a trashed, spammed or deleted topic restored, a held or
  imported pending topic approved. It opens as an open topic.
"""

from __future__ import annotations

import logging

import discord

from bot import clock
from bot.domain import timeutil
from bot.domain.review import shown_status
from bot.domain.text import escape_inline, excerpt
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.i18n import _, ngettext, speaking
from bot.services import restructure
from bot.services.auditing import log_action
from bot.services.lookup import fetch_thread
from bot.services.posting import NO_MENTIONS
from bot.services.translator import guild_locale
from bot.storage import forums, posts, restructuring, topics
from bot.storage.api import Database
from bot.storage.models import Post, Topic

log = logging.getLogger(__name__)
RESTORABLE = ("spam", "trash", "deleted")


def _db(interaction: discord.Interaction) -> Database:
    return interaction.client.db  # type: ignore[attr-defined,no-any-return]


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserFacingError(_("This works in a server."))
    return interaction.guild


async def publish_reply(db: Database, guild: discord.Guild, post: Post, topic: Topic, *, actor_name: str) -> str:
    """Post a reply back at the end of its thread and record it published; its link."""
    if topic.status not in ("open", "closed"):
        if topic.status == "pending":
            raise UserFacingError(_("Its topic #{number} is pending: approve the topic first.", number=topic.number))
        raise UserFacingError(
            _(
                "Its topic #{number} is {status}: restore the topic first.",
                number=topic.number,
                status=status_word(topic.status),
            )
        )
    thread = await fetch_thread(guild, topic.thread_id)
    try:
        copy = await restructure.poster_for(thread).send(thread, post)
    except discord.HTTPException as error:
        raise UserFacingError(
            describe_http_error(error)
            + " "
            + _("Post #{number} stays {status}.", number=post.number, status=status_word(post.status))
        ) from None
    await db.transaction(posts.restore, post.id, thread.id, copy.message_id, copy.continuations)
    if topic.status == "closed":
        await restructure.lock_quietly(thread, f"Threadkeeper: a post published in a closed topic by {actor_name}")
    return thread.get_partial_message(copy.message_id).jump_url


async def publish_topic(
    db: Database,
    guild: discord.Guild,
    topic: Topic,
    opening: Post,
    *,
    actor_name: str,
    progress: restructure.Progress | None = None,
) -> tuple[discord.Thread, int]:
    """Rebuild the topic in a new thread of its forum and record it open; the thread and how
    many posts it carries."""
    forum = await db.run(forums.get, topic.forum_id)
    channel = guild.get_channel(forum.channel_id) if forum is not None and forum.registered else None
    if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
        raise UserFacingError(_("That topic's forum is no longer registered; register it again first."))
    everything = await db.run(posts.of_topic, topic.id)
    if not everything or not everything[0].is_opening:
        everything = [opening, *[p for p in everything if p.id != opening.id]]
    reason = f"Threadkeeper: published by {actor_name}"
    thread, moves = await restructure.rebuild(channel, topic, everything, reason=reason, progress=progress)
    await db.transaction(
        restructuring.rehome,
        topic.id,
        thread_id=thread.id,
        moves=moves,
        status="open",
        now=timeutil.iso(clock.utcnow()),
    )
    await restructure.finish(thread, closed=False, reason=reason)
    return thread, len(moves)


async def restore(
    interaction: discord.Interaction, post: Post, topic: Topic, *, progress: restructure.Progress | None = None
) -> str:
    """Bring a spammed, trashed or deleted post (an opening post: its topic) back; audited.
    What happened, for the moderator."""
    db, guild = _db(interaction), _guild(interaction)
    actor = interaction.user.display_name
    status = shown_status(is_opening=post.is_opening, post_status=post.status, topic_status=topic.status)
    if status == "pending":
        raise UserFacingError(held_already(post, topic))
    if status not in RESTORABLE:
        raise UserFacingError(not_restorable(post, topic, status))
    if post.is_opening:
        thread, count = await publish_topic(db, guild, topic, post, actor_name=actor, progress=progress)
        await log_action(
            db,
            interaction,
            "topic.restore",
            topic_id=topic.id,
            post_id=post.id,
            target_user=post.author_id,
            details={"from": status, "posts": count},
        )
        return ngettext(
            "Restored topic **#{number}** in {thread} with {count} post, numbers kept.",
            "Restored topic **#{number}** in {thread} with {count} posts, numbers kept.",
            count,
            number=topic.number,
            thread=thread.mention,
        )
    link = await publish_reply(db, guild, post, topic, actor_name=actor)
    await log_action(
        db,
        interaction,
        "post.restore",
        topic_id=topic.id,
        post_id=post.id,
        target_user=post.author_id,
        details={"from": status},
    )
    return _(
        "Restored post **#{number}**, attributed to {author}: {link}",
        number=post.number,
        author=escape_inline(post.author_name),
        link=link,
    )


def check_held(post: Post, topic: Topic) -> None:
    """Refuse (UserFacingError) a post, or an opening post's topic, that is not held for approval."""
    status = shown_status(is_opening=post.is_opening, post_status=post.status, topic_status=topic.status)
    if status == "pending":
        return
    if post.is_opening:
        raise UserFacingError(
            _(
                "Topic #{number} is {status}, not held for approval (`/mod queue pending` lists those).",
                number=topic.number,
                status=status_word(status),
            )
        )
    raise UserFacingError(
        _(
            "Post #{number} is {status}, not held for approval (`/mod queue pending` lists those).",
            number=post.number,
            status=status_word(status),
        )
    )


async def approve(
    interaction: discord.Interaction, post: Post, topic: Topic, *, progress: restructure.Progress | None = None
) -> str:
    """Publish a pending post (a pending topic: its whole thread); audited; the author is
    told by DM (best effort). What happened, for the moderator."""
    db, guild = _db(interaction), _guild(interaction)
    actor = interaction.user.display_name
    check_held(post, topic)
    if post.is_opening:
        thread, count = await publish_topic(db, guild, topic, post, actor_name=actor, progress=progress)
        link = thread.jump_url
        done = ngettext(
            "Approved topic **#{number}**: {thread}, {count} post.",
            "Approved topic **#{number}**: {thread}, {count} posts.",
            count,
            number=topic.number,
            thread=thread.mention,
        )
        action, details = "topic.approve", {"posts": count}
    else:
        link = await publish_reply(db, guild, post, topic, actor_name=actor)
        done = _(
            "Approved post **#{number}** by {author}: {link}",
            number=post.number,
            author=escape_inline(post.author_name),
            link=link,
        )
        action, details = "post.approve", {}
    await log_action(
        db, interaction, action, topic_id=topic.id, post_id=post.id, target_user=post.author_id, details=details
    )
    with speaking(guild_locale(guild)):  # a DM no interaction of theirs caused
        told = _(
            "Your post **#{number}** in **{title}** was approved: {link}",
            number=post.number,
            title=escape_inline(topic.title),
            link=link,
        )
    await _tell_author(guild, post, told)
    return done


async def dismiss(interaction: discord.Interaction, post: Post, topic: Topic) -> str:
    """A pending post (topic) goes to the trash, never having been in Discord; audited."""
    db = _db(interaction)
    status = shown_status(is_opening=post.is_opening, post_status=post.status, topic_status=topic.status)
    if status != "pending":
        raise UserFacingError(
            _("Post #{number} is {status}, not held for approval.", number=post.number, status=status_word(status))
        )
    if post.is_opening:
        await db.transaction(topics.set_status, topic.id, "trash")
    else:
        await db.transaction(posts.set_status, post.id, "trash", only_from="pending")
    await log_action(
        db,
        interaction,
        "topic.dismiss" if post.is_opening else "post.dismiss",
        topic_id=topic.id,
        post_id=post.id,
        target_user=post.author_id,
    )
    return _(
        "Dismissed post **#{number}**: it is in the trash, never published "
        "(`/mod restore #{number}` would publish it after all).",
        number=post.number,
    )


async def _tell_author(guild: discord.Guild, post: Post, text: str) -> None:
    member = guild.get_member(post.author_id)
    if member is None or member.bot:
        return  # an imported author, or a member who left
    try:
        await member.send(text, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.info("could not tell %s their post #%s was approved", member.id, post.number)


def item_summary(post: Post, topic_title: str) -> str:
    return _(
        "post **#{number}** in **{title}** by {author}",
        number=post.number,
        title=escape_inline(excerpt(topic_title, 80)),
        author=escape_inline(post.author_name),
    )


def held_already(post: Post, topic: Topic) -> str:
    """A pending post asked to be restored: approving publishes it."""
    if post.is_opening:
        return _(
            "Topic #{number} is held for approval: `/mod approve #{post}` publishes it.",
            number=topic.number,
            post=post.number,
        )
    return _("Post #{number} is held for approval: `/mod approve #{number}` publishes it.", number=post.number)


def not_restorable(post: Post, topic: Topic, status: str) -> str:
    """A post (an opening post: its topic) that is not spam, trash or deleted."""
    if post.is_opening:
        return _(
            "Topic #{number} is {status}; only spam, trash and deleted posts can be restored.",
            number=topic.number,
            status=status_word(status),
        )
    return _(
        "Post #{number} is {status}; only spam, trash and deleted posts can be restored.",
        number=post.number,
        status=status_word(status),
    )
