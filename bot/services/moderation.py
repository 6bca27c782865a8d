"""Moderation services: closing/reopening topics (Discord first, then the record) and the
words moderators read (closing notes, audit lines, revisions). Renderers are pure."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import discord

from bot import clock, i18n
from bot.domain import timeutil
from bot.domain.text import escape_inline, excerpt
from bot.domain.words import status_word
from bot.errors import UserFacingError
from bot.failures import describe_http_error
from bot.i18n import _, pgettext
from bot.services import threadedits
from bot.services.lookup import fetch_thread
from bot.services.posting import NO_MENTIONS, delete_messages
from bot.services.translator import guild_locale
from bot.storage import posts, topics
from bot.storage.api import Database
from bot.storage.audit import AuditEntry
from bot.storage.models import Post, Revision, Topic

log = logging.getLogger(__name__)
CLOSE_REASONS = ("solved", "duplicate", "off-topic", "stale", "other")


# ------------------------------------------------------------------ pure renderers
def closing_note(actor_name: str, reason: str, note: str | None) -> str:
    # the reason is one of the choices of /mod close (msgctxt "choice", from the command tree)
    text = _(
        "🔒 **Topic closed** by **{actor}** · reason: *{reason}*",
        actor=escape_inline(actor_name),
        reason=pgettext("choice", reason),
    )
    if note:
        text += "\n" + "\n".join("> " + line for line in note.strip().splitlines())
    return text + "\n" + _("Only moderators can reply now.")


def reopen_note(actor_name: str) -> str:
    return _("🔓 **Topic reopened** by **{actor}**. Replies are welcome again.", actor=escape_inline(actor_name))


def stamp(iso_text: str | None) -> str:
    moment = timeutil.parse(iso_text)
    return f"<t:{int(moment.timestamp())}:f>" if moment else "?"


def audit_line(entry: AuditEntry, topic_number: int | None = None, post_number: int | None = None) -> str:
    """`<time> **Actor** `action` #12 → @member — reason`"""
    parts = [stamp(entry.created_at), f"**{escape_inline(entry.actor_name)}**", f"`{entry.action}`"]
    if topic_number is not None:
        parts.append(_("topic #{number}", number=topic_number))
    if post_number is not None and post_number != topic_number:
        parts.append(_("post #{number}", number=post_number))
    if entry.target_user is not None:
        parts.append(f"→ <@{entry.target_user}>")
    details = {k: v for k, v in entry.details.items() if v not in (None, "")}
    if details:
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(details.items()))
        parts.append(f"({escape_inline(excerpt(shown, 120))})")
    line = " ".join(parts)
    if entry.reason:
        line += f" — {escape_inline(excerpt(entry.reason, 200))}"
    return line


def history_lines(
    number: int, created_at: str, current: str, revisions: Sequence[tuple[str, str] | Revision]
) -> list[str]:
    """Every version of a post, oldest first: a revision holds the text an edit replaced, and
    (edits made through Edit post) who replaced it and why: "Edited by <name>: <reason>"."""
    lines: list[str] = []
    since = created_at
    for index, revision in enumerate(revisions, start=1):
        if not isinstance(revision, Revision):
            revision = Revision(*revision)
        head = _(
            "**Version {index}** · from {start} to {end}",
            index=index,
            start=stamp(since),
            end=stamp(revision.revised_at),
        )
        if revision.editor_name:
            head += " · " + _("Edited by {name}", name=escape_inline(revision.editor_name))
            head += f": {escape_inline(excerpt(revision.reason, 200))}" if revision.reason else ""
        lines.append(f"{head}\n{quote(revision.content)}")
        since = revision.revised_at
    if revisions:
        head = _("**Current** · since {start}", start=stamp(since))
    else:
        head = _("**Current (never edited)** · since {start}", start=stamp(since))
    lines.append(f"{head}\n{quote(current)}")
    return lines


def quote(text: str, limit: int = 600) -> str:
    return "\n".join("> " + line for line in (excerpt(text, limit) or _("(no text)")).splitlines())


def fit(lines: Sequence[str], limit: int = 4000) -> tuple[str, int]:
    """Join as many lines as fit in an embed description; also how many were left out."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 2 > limit:
            break
        out.append(line)
        size += len(line) + 2
    return "\n\n".join(out), len(lines) - len(out)


# ------------------------------------------------------------------ Discord + record
async def close_topic(
    db: Database, guild: discord.Guild, topic: Topic, *, actor_name: str, reason: str, note: str | None
) -> Topic:
    """Post the closing note, lock and archive the thread, then record the topic closed.

    Discord goes first: when it refuses, nothing is recorded (the note is taken back) and
    the moderator reads why.
    """
    thread = await fetch_thread(guild, topic.thread_id)
    try:
        with i18n.speaking(guild_locale(guild)):  # everyone reads it: the server's language
            said = closing_note(actor_name, reason, note)
        posted = await thread.send(said, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        raise UserFacingError(
            describe_http_error(error) + " " + _("Topic #{number} stays open.", number=topic.number)
        ) from None
    try:
        threadedits.expect(thread.id)
        await thread.edit(locked=True, archived=True, reason=f"Threadkeeper: closed by {actor_name} ({reason})")
    except discord.HTTPException as error:
        try:
            await posted.delete()
        except discord.HTTPException:
            log.warning("could not take back the closing note in %s", thread.id, exc_info=True)
        raise UserFacingError(
            _("Discord would not lock the thread:")
            + " "
            + describe_http_error(error)
            + " "
            + _("Topic #{number} stays open.", number=topic.number)
        ) from None
    return await db.transaction(topics.set_status, topic.id, "closed", close_reason=reason)


async def reopen_topic(db: Database, guild: discord.Guild, topic: Topic, *, actor_name: str) -> Topic:
    thread = await fetch_thread(guild, topic.thread_id)
    try:
        threadedits.expect(thread.id)
        await thread.edit(archived=False, locked=False, reason=f"Threadkeeper: reopened by {actor_name}")
    except discord.HTTPException as error:
        raise UserFacingError(
            _("Discord would not unlock the thread:")
            + " "
            + describe_http_error(error)
            + " "
            + _("Topic #{number} stays closed.", number=topic.number)
        ) from None
    reopened = await db.transaction(topics.set_status, topic.id, "open", now=timeutil.iso(clock.utcnow()))
    try:
        with i18n.speaking(guild_locale(guild)):
            said = reopen_note(actor_name)
        await thread.send(said, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not post the reopen note in %s", thread.id, exc_info=True)
    return reopened


def expires_text(expires_at: datetime | None) -> str:
    if expires_at is None:
        return _("until a moderator unblocks them")
    epoch = int(expires_at.timestamp())
    return _("until <t:{epoch}:f> (<t:{epoch}:R>)", epoch=epoch)


async def remove_starter(guild: discord.Guild, post: Post, topic: Topic) -> None:
    """A text-channel forum's topic opens with a message in the channel (not in its thread):
    it goes with the thread. Best effort: it may be gone already."""
    if post.message_id != topic.thread_id:
        return
    channel = guild.get_channel(post.channel_id)
    if isinstance(channel, discord.TextChannel):
        try:
            await channel.get_partial_message(post.message_id).delete()
        except discord.HTTPException:
            log.info("starter message %s of topic %s could not be removed", post.message_id, topic.id)


async def hide(db: Database, guild: discord.Guild, post: Post, topic: Topic, status: str, *, actor_name: str) -> None:
    """Mark a post (its opening post: the topic) spam or trash, then remove it from Discord.

    The status is recorded first, so the delete listener (which only marks published posts
    deleted) leaves it; when Discord refuses, the earlier status comes back and the
    moderator reads why.
    """
    reason = f"Threadkeeper: marked {status} by {actor_name}"
    if post.is_opening:
        if topic.status not in ("open", "closed", "spam", "trash", "pending"):
            raise UserFacingError(
                _(
                    "Topic #{number} is in status «{status}»; it cannot be marked «{new}».",
                    number=topic.number,
                    status=status_word(topic.status),
                    new=status_word(status),
                )
            )
        await db.transaction(topics.set_status, topic.id, status, now=timeutil.iso(clock.utcnow()))
        if topic.status not in ("open", "closed"):
            return  # spam <-> trash, or a held topic: no thread in Discord
        try:
            thread = await fetch_thread(guild, topic.thread_id)
            await thread.delete(reason=reason)
            await remove_starter(guild, post, topic)
        except UserFacingError:
            pass  # the thread is already gone
        except discord.HTTPException as error:
            await db.transaction(topics.set_status, topic.id, topic.status, close_reason=topic.close_reason)
            raise UserFacingError(
                _("Discord would not delete the thread:")
                + " "
                + describe_http_error(error)
                + " "
                + _("Topic #{number} stays «{status}».", number=topic.number, status=status_word(topic.status))
            ) from None
        return
    await db.transaction(posts.set_status, post.id, status)
    if post.status != "publish":
        return  # its message is already gone
    try:
        channel = guild.get_channel_or_thread(post.channel_id) or await fetch_thread(guild, post.channel_id)
        if isinstance(channel, discord.Thread):
            await channel.get_partial_message(post.message_id).delete()
            await delete_messages(channel, post.continuations)
    except (UserFacingError, discord.NotFound):
        pass  # already gone from Discord
    except discord.HTTPException as error:
        await db.transaction(posts.set_status, post.id, post.status)
        raise UserFacingError(
            _("Discord would not delete the message:")
            + " "
            + describe_http_error(error)
            + " "
            + _("Post #{number} stays published.", number=post.number)
        ) from None


async def spam_posts(
    db: Database, guild: discord.Guild, found: Sequence[Post], *, actor_name: str
) -> tuple[list[int], list[int]]:
    """/mod spam-member: each post (an opening post: its whole topic) becomes spam, oldest
    first, as /mod spam makes it. The numbers marked, and those Discord would not remove (they
    keep their status)."""
    marked: list[int] = []
    refused: list[int] = []
    for post in found:
        topic = await db.run(topics.by_id, post.topic_id)
        assert topic is not None
        current = topic.status if post.is_opening else post.status
        if current not in ("open", "closed", "publish", "pending"):
            continue  # hidden already (its topic went to spam earlier in this run)
        try:
            await hide(db, guild, post, topic, "spam", actor_name=actor_name)
        except UserFacingError:
            refused.append(post.number)
            continue
        marked.append(post.number)
    return marked, refused
