"""/mod queue [kind]: what moderators review, a page at a time, with buttons that keep
working after a restart (discord.py DynamicItem; a custom id carries the item, the action,
and for posts the list and page to draw again).

- ``reports`` (the default): open reports and flagged posts (``tk:mq:<report>:<a|d>``)
  - a **report** (a member reported a post): Approve agrees and moves the post to the
    trash; Dismiss keeps the post and closes the report;
  - a **flagged** post (recorded although its author could not post: the catch-up, or a
    refused message Discord would not let the bot remove): Approve keeps it and clears its
    flag; Dismiss moves it to the trash.
- ``pending``, ``spam``, ``trash``, ``deleted``: posts out of Discord
  (``tk:mp:<post>:<a|d|r>:<kind>:<page>``): Approve / Dismiss a held post
  (``bot/services/publishing.py``), Restore the others (``bot/domain/review.py`` decides
  which fit).
- Previous / Next: ``tk:mqp:<kind>:<page>:<p|n>``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, ClassVar

import discord

from bot.domain import review as rules
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, excerpt
from bot.domain.words import status_word, verdict_word
from bot.errors import UserFacingError
from bot.failures import Answering, AnsweringView
from bot.i18n import _
from bot.services import moderation, publishing
from bot.services.access import member_role, moderated_forum_ids, moderating
from bot.storage import audit, reports, review, topics
from bot.storage.api import Connection, Database
from bot.storage.reports import QueueItem
from bot.storage.review import HiddenItem

log = logging.getLogger(__name__)
PAGE = 4  # one row of buttons per item; the fifth row holds Previous / Next
STATUS_ICONS = {"pending": "⏸️", "spam": "🚫", "trash": "🗑️", "deleted": "❌"}


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in (excerpt(text, 300) or _("(no text)")).splitlines())


def item_text(item: QueueItem) -> str:
    post = item.post
    title = escape_inline(excerpt(item.topic_title, 80))
    where = _(
        "post **#{number}** in **{title}** by {author}",
        number=post.number,
        title=title,
        author=escape_inline(post.author_name),
    )
    if item.kind == "report":
        head = "🚩 " + _(
            "**Report {id}** · {where} · reported by {reporter}",
            id=item.id,
            where=where,
            reporter="<@" + str(item.reporter_id) + ">",
        )
        hint = _("Approve: trash the post · Dismiss: keep it")
    else:
        head = "⚠️ " + _("**Flagged {id}** · {where}", id=item.id, where=where)
        hint = _("Approve: keep it · Dismiss: trash the post")
    status = "" if post.status == "publish" else " " + _("(now {status})", status=status_word(post.status))
    why = _("Why: {reason}", reason=escape_inline(excerpt(item.reason, 300)))
    return f"{head}{status}\n{why}\n{_quote(post.content)}\n*{hint}*"


def item_name(kind: str, number: int) -> str:
    """A queue item as moderators read it: "Report 3", "Flagged 3"."""
    if kind == "report":
        return _("Report {id}", id=number)
    if kind == "held":
        return _("Flagged {id}", id=number)
    return f"{kind} {number}"


def hidden_text(item: HiddenItem) -> str:
    post = item.post
    status = rules.shown_status(is_opening=post.is_opening, post_status=post.status, topic_status=item.topic_status)
    title = escape_inline(excerpt(item.topic_title, 80))
    author = escape_inline(post.author_name)
    if post.is_opening:
        what = _("topic **#{number}** in **{title}** by {author}", number=item.topic_number, title=title, author=author)
    else:
        what = _("post **#{number}** in **{title}** by {author}", number=post.number, title=title, author=author)
    head = f"{STATUS_ICONS.get(status, '•')} {what} · {moderation.stamp(post.created_at)}"
    held = _("Held: {reason}", reason=escape_inline(excerpt(post.flag, 200))) if post.flag else ""
    why = f"\n{held}" if status == "pending" and post.flag else ""
    return f"{head}{why}\n{_quote(post.content)}"


def _embed(kind: str, lines: list[str], total: int, page: int) -> discord.Embed:
    listed = _(rules.KIND_TITLES[kind])
    title = _("Moderation queue · {kind}", kind=listed)
    if not lines:
        return discord.Embed(title=title, description=_("Nothing waiting: no {kind}.", kind=listed))
    embed = discord.Embed(title=f"{title} · {total}", description="\n\n".join(lines)[:4000])
    pages = rules.pages(total, PAGE)
    others = ", ".join(k for k in rules.QUEUE_KINDS if k != kind)
    embed.set_footer(
        text=_("Page {page} of {pages} · /mod queue kind: {others}", page=page + 1, pages=pages, others=others)
    )
    return embed


def _pager(view: discord.ui.View, kind: str, page: int, total: int) -> None:
    pages = rules.pages(total, PAGE)
    if pages > 1:
        view.add_item(QueuePageButton(kind, max(0, page - 1), "p", disabled=page <= 0))
        view.add_item(QueuePageButton(kind, min(pages - 1, page + 1), "n", disabled=page >= pages - 1))


async def render(
    db: Database,
    guild_id: int,
    kind: str = rules.DEFAULT_KIND,
    page: int = 0,
    forum_ids: list[int] | None = None,
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of one list (of ``forum_ids`` only, when given): its embed and its buttons."""
    view = AnsweringView(timeout=None)
    if kind == "reports":
        items, total = await db.run(reports.open_items, guild_id, PAGE, forum_ids, page * PAGE)
        if not items and page > 0:  # the last page emptied (items handled): its new last page
            page = rules.clamp_page(page, total, PAGE)
            items, total = await db.run(reports.open_items, guild_id, PAGE, forum_ids, page * PAGE)
        for row, item in enumerate(items):
            name = item_name(item.kind, item.id)
            view.add_item(QueueButton(item.id, "a", label=_("Approve {item}", item=name), row=row))
            view.add_item(QueueButton(item.id, "d", label=_("Dismiss {item}", item=name), row=row))
        lines = [item_text(item) for item in items]
    else:

        def read(conn: Connection) -> tuple[list[HiddenItem], int]:
            return review.hidden_posts(conn, guild_id, kind, limit=PAGE, offset=page * PAGE, forum_ids=forum_ids)

        hidden, total = await db.run(read)
        if not hidden and page > 0:
            page = rules.clamp_page(page, total, PAGE)
            hidden, total = await db.run(read)
        for row, found in enumerate(hidden):
            post = found.post
            status = rules.shown_status(
                is_opening=post.is_opening, post_status=post.status, topic_status=found.topic_status
            )
            for action in rules.post_actions(status):
                label = f"{_(rules.ACTION_LABELS[action])} #{post.number}"
                view.add_item(PostButton(post.id, action, kind, page, label=label, row=row))
        lines = [hidden_text(found) for found in hidden]
    _pager(view, kind, page, total)
    return _embed(kind, lines, total, page), view


async def _moderator(interaction: discord.Interaction) -> tuple[Database, discord.Member]:
    """The queue's buttons outlive the command: check the forum role again at every press."""
    db: Database = interaction.client.db  # type: ignore[attr-defined]
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise UserFacingError(_("This queue belongs to a server."))
    role = await member_role(db, member, interaction.created_at)
    if role < ForumRole.MODERATOR:
        raise UserFacingError(
            _(
                "Only Moderators and Keymasters handle the queue; your forum role is {role}.",
                role=role.label,
            )
        )
    return db, member


async def scope(db: Database, member: discord.Member, at: datetime) -> list[int]:
    """The forums whose items this moderator sees: those they moderate and whose channel they
    can view (SPEC §1, per-forum scope; ``access.moderated_forum_ids``)."""
    return await moderated_forum_ids(db, member, at)


async def in_scope(db: Database, member: discord.Member, forum_id: int, at: datetime) -> None:
    """Refuse an item of a forum this moderator does not moderate or cannot view (``access.moderating``)."""
    await moderating(db, member, forum_id, at)


def button_kind(text: str) -> str:
    """The list a button redraws; a list this version does not know means an old message."""
    try:
        return rules.parse_kind(text)
    except ValueError:
        raise UserFacingError(_("These buttons are out of date; run `/mod queue` again.")) from None


async def render_for(
    interaction: discord.Interaction, member: discord.Member, kind: str, page: int = 0
) -> tuple[discord.Embed, discord.ui.View]:
    """The list as this moderator may see it."""
    db: Database = interaction.client.db  # type: ignore[attr-defined]
    forum_ids = await scope(db, member, interaction.created_at)
    return await render(db, member.guild.id, kind, page, forum_ids)


async def act(interaction: discord.Interaction, report_id: int, action: str) -> str:
    """Approve (``a``) or dismiss (``d``) one report or flagged post; what happened, for the moderator."""
    db, member = await _moderator(interaction)
    assert interaction.guild is not None
    found = await db.run(reports.get, report_id)
    if found is None or found[2] != interaction.guild.id:
        raise UserFacingError(_("That queue item no longer exists."))
    item, status, _guild = found
    name = item_name(item.kind, item.id)
    if not rules.report_actions(status):
        return _("{item} was already {status}.", item=name, status=verdict_word(status))
    topic = await db.run(topics.by_id, item.post.topic_id)
    assert topic is not None
    await in_scope(db, member, topic.forum_id, interaction.created_at)
    now = timeutil.iso(interaction.created_at)
    trash = (item.kind == "report") == (action == "a")
    verdict = "approved" if action == "a" else "dismissed"
    if trash:
        already = (
            item.post.status in ("trash", "spam") if not item.post.is_opening else topic.status in ("trash", "spam")
        )
        if not already:
            await moderation.hide(db, interaction.guild, item.post, topic, "trash", actor_name=str(member))
        await db.transaction(reports.resolve_post, item.post.id, status=verdict, by=member.id, now=now)
        outcome = _(
            "Post #{number} is in the trash (`/mod restore #{number}` brings it back).", number=item.post.number
        )
    else:
        await db.transaction(reports.resolve, item.id, status=verdict, by=member.id, now=now)
        if item.kind == "held":
            await db.transaction(reports.clear_flag, item.post.id)
        outcome = _("Post #{number} stays.", number=item.post.number)
    await db.write(
        audit.record,
        guild_id=interaction.guild.id,
        actor_id=member.id,
        actor_name=member.display_name,
        action=f"{item.kind}.{'approve' if action == 'a' else 'dismiss'}",
        now=now,
        topic_id=topic.id,
        post_id=item.post.id,
        target_user=item.post.author_id,
        reason=item.reason,
        details={"item": item.id} | ({"post": "trash"} if trash else {}),
    )
    if action == "a":
        return _("{item} approved. {outcome}", item=name, outcome=outcome)
    return _("{item} dismissed. {outcome}", item=name, outcome=outcome)


class QueueButton(
    Answering, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tk:mq:(?P<id>\d+):(?P<act>[ad])"
):
    def __init__(self, report_id: int, action: str, *, label: str | None = None, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or _(rules.ACTION_LABELS[rules.APPROVE if action == "a" else rules.DISMISS]),
                style=discord.ButtonStyle.success if action == "a" else discord.ButtonStyle.danger,
                custom_id=f"tk:mq:{report_id}:{action}",
                row=row,
            )
        )
        self.report_id, self.action = report_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QueueButton:
        return cls(int(match["id"]), match["act"])

    where = "queue button"

    async def pressed(self, interaction: discord.Interaction) -> None:
        done = await act(interaction, self.report_id, self.action)
        assert isinstance(interaction.user, discord.Member)
        embed, view = await render_for(interaction, interaction.user, "reports")
        await interaction.response.edit_message(content=done, embed=embed, view=view)


async def act_on_post(interaction: discord.Interaction, post_id: int, action: str) -> str:
    """Approve / Dismiss a held post, or Restore one out of Discord; what happened."""
    db, member = await _moderator(interaction)
    assert interaction.guild is not None
    found = await db.run(review.hidden_post, post_id)
    if found is None or found.post.guild_id != interaction.guild.id:
        raise UserFacingError(_("That post no longer exists."))
    await in_scope(db, member, found.forum_id, interaction.created_at)
    topic = await db.run(topics.by_id, found.post.topic_id)
    assert topic is not None
    status = rules.shown_status(
        is_opening=found.post.is_opening, post_status=found.post.status, topic_status=topic.status
    )
    if action not in rules.post_actions(status):
        return _("Post #{number} is {status} now; nothing to do.", number=found.post.number, status=status_word(status))
    if action == rules.APPROVE:
        return await publishing.approve(interaction, found.post, topic)
    if action == rules.DISMISS:
        return await publishing.dismiss(interaction, found.post, topic)
    return await publishing.restore(interaction, found.post, topic)


class PostButton(
    Answering,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tk:mp:(?P<id>\d+):(?P<act>[adr]):(?P<kind>[a-z]+):(?P<page>\d+)",
):
    STYLES: ClassVar[dict[str, discord.ButtonStyle]] = {
        "a": discord.ButtonStyle.success,
        "d": discord.ButtonStyle.danger,
        "r": discord.ButtonStyle.primary,
    }

    def __init__(
        self, post_id: int, action: str, kind: str, page: int, *, label: str | None = None, row: int | None = None
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or _(rules.ACTION_LABELS.get(action, action)),
                style=self.STYLES.get(action, discord.ButtonStyle.secondary),
                custom_id=f"tk:mp:{post_id}:{action}:{kind}:{page}",
                row=row,
            )
        )
        self.post_id, self.action, self.kind, self.page = post_id, action, kind, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PostButton:
        return cls(int(match["id"]), match["act"], match["kind"], int(match["page"]))

    where = "queue button"

    async def pressed(self, interaction: discord.Interaction) -> None:
        kind = button_kind(self.kind)  # before acting: an out-of-date button does nothing
        done = await act_on_post(interaction, self.post_id, self.action)
        assert isinstance(interaction.user, discord.Member)
        embed, view = await render_for(interaction, interaction.user, kind, self.page)
        await interaction.response.edit_message(content=done, embed=embed, view=view)


class QueuePageButton(
    Answering,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tk:mqp:(?P<kind>[a-z]+):(?P<page>\d+):(?P<dir>[pn])",
):
    def __init__(self, kind: str, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if direction == "p" else _("Next"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"tk:mqp:{kind}:{page}:{direction}",
                disabled=disabled,
                row=PAGE,
            )
        )
        self.kind, self.page = kind, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QueuePageButton:
        return cls(match["kind"], int(match["page"]), match["dir"])

    where = "queue page button"

    async def pressed(self, interaction: discord.Interaction) -> None:
        _db, member = await _moderator(interaction)
        kind = button_kind(self.kind)
        embed, view = await render_for(interaction, member, kind, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


DYNAMIC_ITEMS = (QueueButton, PostButton, QueuePageButton)
