"""Autocomplete for options that take a topic, a post or tags.

Choices are what the member may see: topics of registered forums whose channel they can
view (``access.visible_forum_ids``), hidden statuses (deleted, spam, trash, pending) only
for moderators. The value is the number as text, so the command parses it like anything
typed. A callback never fails in front of the member: an error is reported through
``bot.failures.report`` and the member gets no choices.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot.domain.choices import MAX_CHOICES, choice_name, parse_query
from bot.domain.roles import ForumRole
from bot.failures import report
from bot.services.access import decide_role, role_ids_of, visible_forum_ids
from bot.storage import choices, forums, members
from bot.storage.api import Connection, Database
from bot.storage.models import Forum

Choices = list[app_commands.Choice[str]]


async def _visible(db: Database, member: discord.Member, now: datetime) -> tuple[list[int], bool]:
    """The forums the member can see, and whether hidden topics and posts are shown to them."""
    guild_id, role_ids = member.guild.id, role_ids_of(member)

    def read(conn: Connection) -> tuple[list[Forum], members.RoleInputs]:
        return forums.registered_in(conn, guild_id), members.role_inputs(conn, guild_id, member.id, role_ids)

    registered, inputs = await db.run(read)
    # A moderator of named forums is offered no hidden topics or posts (those of other forums
    # would show): they type the number of one in their forums.
    moderator = decide_role(member, inputs, now) >= ForumRole.MODERATOR and not inputs.scope
    return visible_forum_ids(member, registered), moderator


async def _answer(
    interaction: discord.Interaction, what: str, work: Callable[[Database, discord.Member], Awaitable[Choices]]
) -> Choices:
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return []
    try:
        return (await work(interaction.client.db, member))[:MAX_CHOICES]  # type: ignore[attr-defined]
    except Exception as error:
        command = interaction.command.qualified_name if interaction.command is not None else "?"
        await report(interaction.client, error, where=f"autocomplete of {what} in /{command}", guild=interaction.guild)
        return []


async def topic_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Topics by number prefix or title words, newest first."""
    return await _records(interaction, current, "a topic", choices.topic_choices)


async def post_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Posts by number prefix (replies too), or topics' opening posts by title words."""
    return await _records(interaction, current, "a post", choices.post_choices)


async def _records(
    interaction: discord.Interaction, current: str, what: str, repository: Callable[..., list[Any]]
) -> Choices:
    """What ``repository`` (choices.topic_choices or post_choices) offers this member for ``current``."""

    async def work(db: Database, member: discord.Member) -> Choices:
        query = parse_query(current)
        if query.nothing:
            return []
        forum_ids, moderator = await _visible(db, member, interaction.created_at)
        found = await db.run(lambda conn: repository(conn, member.guild.id, forum_ids, query, include_hidden=moderator))
        return [_choice(c, moderator) for c in found]

    return await _answer(interaction, what, work)


def _choice(found: choices.Choice, moderator: bool) -> app_commands.Choice[str]:
    shown = found.status if moderator and found.status not in ("open", "closed", "publish") else ""
    name = choice_name(found.number, found.title, reply=found.reply, status=shown)
    return app_commands.Choice(name=name, value=str(found.number))


async def tag_choices(interaction: discord.Interaction, current: str) -> Choices:
    """The chosen forum's tags completing the last of a comma list (``Bug, Fea`` → ``Bug, Feature``)."""

    async def work(db: Database, member: discord.Member) -> Choices:
        forum = getattr(interaction.namespace, "forum", None)
        channel = member.guild.get_channel(forum.id) if forum is not None else None
        if not isinstance(channel, discord.ForumChannel):
            return []
        *chosen, last = [part.strip() for part in (current or "").split(",")]
        taken = {name.lower() for name in chosen if name}
        start = ", ".join(name for name in chosen if name)
        offered = []
        for tag in channel.available_tags:
            if tag.name.lower() in taken or last.lower() not in tag.name.lower():
                continue
            value = f"{start}, {tag.name}" if start else tag.name
            if len(value) <= 100:
                offered.append(app_commands.Choice(name=value, value=value))
        return offered

    return await _answer(interaction, "tags", work)
