"""Where Discord members meet forum roles: resolution and the runtime role checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.domain.forumrules import moderation_refusal, role_in_forum
from bot.domain.roles import ForumRole, effective_role
from bot.errors import ForumRoleCheckFailure, UserFacingError
from bot.i18n import N_, _
from bot.services.auditing import log_action
from bot.storage import forums, members
from bot.storage.api import Database
from bot.storage.members import RoleInputs
from bot.storage.models import Forum

T = TypeVar("T")
log = logging.getLogger(__name__)
REFUSED_ACTION = "access.refused"

INTEGRATIONS_NOTE = N_(  # said with _(INTEGRATIONS_NOTE)
    "Note: Discord shows `/mod` only to members with Manage Threads (and `/forumadmin` only with "
    "Manage Server) unless Server Settings › Integrations › Threadkeeper says otherwise. Members mapped "
    "to Moderator may need that permission, or an Integrations override, to see the commands."
)


def guild_member(interaction: discord.Interaction) -> discord.Member:
    """The member behind a command; commands used outside a server get the tree's clear answer."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    return interaction.user


def is_owner_or_admin(member: discord.Member) -> bool:
    return member.guild.owner_id == member.id or member.guild_permissions.administrator


async def role_and_inputs(
    db: Database, member: discord.Member | None, now: datetime, *, guild_id: int = 0, user_id: int = 0
) -> tuple[ForumRole, RoleInputs]:
    """The effective role (and the stored facts behind it) of a member.

    ``member`` may be None for an author who has left the guild: then only stored
    assignments and the guild's default role decide (pass ``guild_id`` and ``user_id``).
    """
    if member is not None:
        guild_id, user_id = member.guild.id, member.id
    inputs = await db.run(members.role_inputs, guild_id, user_id, role_ids_of(member))
    return decide_role(member, inputs, now), inputs


def role_ids_of(member: discord.Member | None) -> list[int]:
    return [r.id for r in member.roles] if member is not None else []


def decide_role(member: discord.Member | None, inputs: members.RoleInputs, now: datetime) -> ForumRole:
    """The effective role from the stored facts (``members.role_inputs``) and the member."""
    return effective_role(
        is_owner_or_admin=member is not None and is_owner_or_admin(member),
        assignment=inputs.assignment,
        mapped_roles=inputs.mapped,
        default_role=inputs.default_role,
        now=now,
    )


async def member_role(db: Database, member: discord.Member, now: datetime, forum_id: int | None = None) -> ForumRole:
    """The member's effective role; with ``forum_id``, their role in that forum (a moderator of
    other forums is a participant there)."""
    role, inputs = await role_and_inputs(db, member, now)
    return role_in_forum(role, inputs.scope, forum_id)


def _db(interaction: discord.Interaction) -> Database:
    return interaction.client.db  # type: ignore[attr-defined, no-any-return]


def requires(minimum: ForumRole) -> Callable[[T], T]:
    """Runtime check on the forum role (Discord's default permissions only hide commands)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None or not isinstance(interaction.user, discord.Member):
            raise app_commands.NoPrivateMessage()
        role = await member_role(_db(interaction), interaction.user, interaction.created_at)
        if role < minimum:
            await audit_refusal(interaction, role, minimum)
            raise ForumRoleCheckFailure(refused_for(minimum, role))
        return True

    # Recorded on the check itself: it travels with the command whatever the decorator order
    # (``extras`` set on a plain function never reaches app_commands.Command).
    predicate.forum_role = minimum.key  # type: ignore[attr-defined]

    def decorator(func: Any) -> Any:
        checked = app_commands.check(predicate)(func)
        if isinstance(checked, app_commands.Command):
            checked.extras["forum_role"] = minimum.key
        return checked

    return decorator


def refused_for(minimum: ForumRole, role: ForumRole) -> str:
    """What a member below a command's forum role reads."""
    if minimum is ForumRole.KEYMASTER:
        return _("This command is for Keymasters; your forum role is {role}.", role=role.label)
    if minimum is ForumRole.MODERATOR:
        return _("This command is for Moderators and Keymasters; your forum role is {role}.", role=role.label)
    return _(
        "This command is for {minimum} or higher; your forum role is {role}.", minimum=minimum.label, role=role.label
    )


async def audit_refusal(interaction: discord.Interaction, role: ForumRole, minimum: ForumRole) -> None:
    """A moderator or keymaster command refused by the forum-role check goes into the audit log
    (`/mod log` shows who tried what). Best effort: the member is told either way."""
    command = interaction.command.qualified_name if interaction.command is not None else "?"
    try:
        await log_action(
            _db(interaction),
            interaction,
            REFUSED_ACTION,
            details={"command": f"/{command}", "role": role.key, "required": minimum.key},
        )
    except Exception:
        log.warning("could not audit the refusal of /%s for %s", command, interaction.user.id, exc_info=True)


def required_role(command: app_commands.Command[Any, ..., Any]) -> str | None:
    """The minimum forum role a command's runtime check demands (None when unchecked)."""
    for check in command.checks:
        found = getattr(check, "forum_role", None)
        if found is not None:
            return str(found)
    return None


def visible_forum_ids(member: discord.Member, registered: list[Forum]) -> list[int]:
    """Registered forums whose channel the member can see (the bot never shows more)."""
    shown = []
    for forum in registered:
        channel = member.guild.get_channel(forum.channel_id)
        if channel is None or channel.permissions_for(member).view_channel:
            shown.append(forum.id)
    return shown


def can_view(member: discord.Member, channel_id: int) -> bool:
    channel = member.guild.get_channel(channel_id)
    return channel is None or channel.permissions_for(member).view_channel


async def moderating(db: Database, member: discord.Member, forum_id: int, now: datetime) -> ForumRole:
    """The member's role in one forum when they may moderate there (a forum moderator only in
    their forums; nobody where they cannot view the channel); else a UserFacingError."""
    role, inputs = await role_and_inputs(db, member, now)
    forum = await db.run(forums.get, forum_id)
    if forum is None:
        return role
    here = role_in_forum(role, inputs.scope, forum.id)
    refusal = moderation_refusal(here, can_view=can_view(member, forum.channel_id), forum_name=forum.name)
    if refusal is not None:
        raise UserFacingError(refusal)
    return here


async def moderated_forum_ids(db: Database, member: discord.Member, now: datetime) -> list[int]:
    """The registered forums the member moderates and can view (for /mod queue)."""
    role, inputs = await role_and_inputs(db, member, now)
    registered = await db.run(forums.registered_in, member.guild.id)
    return [
        forum.id
        for forum in registered
        if role_in_forum(role, inputs.scope, forum.id).can_moderate and can_view(member, forum.channel_id)
    ]
