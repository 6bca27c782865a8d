"""/mod queue: open reports and held posts, with Approve / Dismiss buttons that keep
working after a restart (discord.py DynamicItem; the custom id carries the item id).

- a **report** (a member reported a post): Approve agrees and moves the post to the
  trash; Dismiss keeps the post and closes the report;
- a **held** post (recorded although its author could not post): Approve keeps it
  and clears its flag; Dismiss moves it to the trash.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.text import escape_inline, excerpt
from bot.errors import UserFacingError
from bot.failures import Answering, AnsweringView
from bot.services import moderation
from bot.services.access import member_role, moderating
from bot.storage import audit, reports, topics
from bot.storage.api import Database
from bot.storage.reports import QueueItem

log = logging.getLogger(__name__)
PAGE = 5  # one row of two buttons per item; Discord allows five rows


def item_text(item: QueueItem) -> str:
    post = item.post
    title = escape_inline(excerpt(item.topic_title, 80))
    where = f"post **#{post.number}** in **{title}** by {escape_inline(post.author_name)}"
    if item.kind == "report":
        head = f"🚩 **Report {item.id}** · {where} · reported by <@{item.reporter_id}>"
        hint = "Approve: trash the post · Dismiss: keep it"
    else:
        head = f"⏸️ **Held {item.id}** · {where}"
        hint = "Approve: keep it · Dismiss: trash the post"
    status = "" if post.status == "publish" else f" (now {post.status})"
    body = "\n".join("> " + line for line in (excerpt(post.content, 300) or "(no text)").splitlines())
    return f"{head}{status}\nWhy: {escape_inline(excerpt(item.reason, 300))}\n{body}\n*{hint}*"


def queue_embed(items: list[QueueItem], total: int) -> discord.Embed:
    if not items:
        return discord.Embed(title="Moderation queue", description="Nothing waiting: no open reports or held posts.")
    description = "\n\n".join(item_text(item) for item in items)[:4000]
    embed = discord.Embed(title=f"Moderation queue · {total} open", description=description)
    if total > len(items):
        embed.set_footer(text=f"Showing the oldest {len(items)}; handle these to see the rest.")
    return embed


def queue_view(items: list[QueueItem]) -> discord.ui.View:
    view = AnsweringView(timeout=None)
    for row, item in enumerate(items[:PAGE]):
        view.add_item(QueueButton(item.id, "a", label=f"Approve {item.id}", row=row))
        view.add_item(QueueButton(item.id, "d", label=f"Dismiss {item.id}", row=row))
    return view


async def render(
    db: Database, guild_id: int, forum_ids: list[int] | None = None
) -> tuple[discord.Embed, discord.ui.View]:
    """The open items (of ``forum_ids`` only: the forums the moderator moderates and can view)."""
    items, total = await db.run(reports.open_items, guild_id, PAGE, forum_ids)
    return queue_embed(items, total), queue_view(items)


async def act(interaction: discord.Interaction, report_id: int, action: str) -> str:
    """Approve (``a``) or dismiss (``d``) one item; what happened, for the moderator."""
    db: Database = interaction.client.db  # type: ignore[attr-defined]
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise UserFacingError("This queue belongs to a server.")
    role = await member_role(db, member, interaction.created_at)
    if role < ForumRole.MODERATOR:
        raise UserFacingError(f"Only Moderators and Keymasters handle the queue; your forum role is {role.display}.")
    found = await db.run(reports.get, report_id)
    if found is None or found[2] != interaction.guild.id:
        raise UserFacingError("That queue item no longer exists.")
    item, status, _ = found
    if status != "open":
        return f"{item.kind.capitalize()} {item.id} was already {status}."
    topic = await db.run(topics.by_id, item.post.topic_id)
    assert topic is not None
    await moderating(db, member, topic.forum_id, interaction.created_at)
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
        outcome = f"Post #{item.post.number} is in the trash (`/mod restore #{item.post.number}` brings it back)."
    else:
        await db.transaction(reports.resolve, item.id, status=verdict, by=member.id, now=now)
        if item.kind == "held":
            await db.transaction(reports.clear_flag, item.post.id)
        outcome = f"Post #{item.post.number} stays."
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
    return f"{item.kind.capitalize()} {item.id} {verdict}. {outcome}"


class QueueButton(
    Answering, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tk:mq:(?P<id>\d+):(?P<act>[ad])"
):
    def __init__(self, report_id: int, action: str, *, label: str | None = None, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or ("Approve" if action == "a" else "Dismiss"),
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
        assert interaction.guild is not None
        embed, view = await render(interaction.client.db, interaction.guild.id)  # type: ignore[attr-defined]
        await interaction.response.edit_message(content=done, embed=embed, view=view)
