"""Discord-side enforcement: the forum channel's permission overwrites follow the roles.

``plan`` is pure (ids and roles in, decisions out); ``apply`` talks to Discord.
The bot owns two permissions on registered forums: Send Messages (start posts) and
Send Messages in Threads (reply); on a text-channel forum a third, Create Public Threads
(start a topic from a message), follows Send Messages. Other permissions in the overwrites
are left alone. Each forum has its own plan: its rules (posting, status) and its forum
moderators decide it, so a sync of one forum never undoes another's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import discord

from bot.domain.forumrules import ForumRules, may_reply, may_start_topic, role_in_forum
from bot.domain.roles import ForumRole

if TYPE_CHECKING:
    from bot.storage.api import Database

POST_PERMISSIONS = ("send_messages", "send_messages_in_threads")
TEXT_CHANNEL_PERMISSIONS = (*POST_PERMISSIONS, "create_public_threads")

# One overwrite's values of (Send Messages, Send Messages in Threads): allow, deny or neutral;
# a single value stands for both.
Value = bool | None | tuple[bool | None, bool | None]


@dataclass(frozen=True)
class Plan:
    roles: dict[int, Value]  # role id (the @everyone role included) -> allow/deny/neutral
    members: dict[int, Value]


def _one(start: bool | None, reply: bool | None) -> Value:
    return start if start == reply else (start, reply)


def plan(
    *,
    everyone_id: int,
    bot_id: int,
    default_role: ForumRole,
    rolemap: Mapping[int, ForumRole],
    assignments: Mapping[int, ForumRole],
    rules: ForumRules | None = None,
    forum_id: int | None = None,
    scopes: Mapping[int, tuple[int, ...]] | None = None,
) -> Plan:
    """One forum's overwrites: ``rules`` its own (None: the defaults), ``scopes`` the forum
    moderators' forums (a forum moderator is a participant in other forums)."""
    rules = rules or ForumRules()
    default = (may_start_topic(default_role, rules), may_reply(default_role, rules))
    roles: dict[int, Value] = {everyone_id: _one(*(None if ok else False for ok in default))}
    for role_id, forum_role in rolemap.items():
        roles[role_id] = _one(may_start_topic(forum_role, rules), may_reply(forum_role, rules))
    people: dict[int, Value] = {}
    for user_id, stored in assignments.items():
        role = role_in_forum(stored, (scopes or {}).get(user_id, ()), forum_id)
        wanted = (may_start_topic(role, rules), may_reply(role, rules))
        # Allowed where @everyone is not; denied where the role may not; else no overwrite.
        value = _one(*(None if ok and base else ok for ok, base in zip(wanted, default, strict=True)))
        if value is not None:
            people[user_id] = value
    people[bot_id] = True
    return Plan(roles=roles, members=people)


def _with(
    overwrite: discord.PermissionOverwrite | None, value: Value, names: tuple[str, ...] = POST_PERMISSIONS
) -> discord.PermissionOverwrite:
    """``overwrite`` with our permissions (``names``) set: ``value`` is (start, reply) or one for
    both; Create Public Threads (a text-channel forum) follows start."""
    updated = discord.PermissionOverwrite(**dict(overwrite)) if overwrite else discord.PermissionOverwrite()
    start, reply = value if isinstance(value, tuple) else (value, value)
    for name in names:
        setattr(updated, name, reply if name == "send_messages_in_threads" else start)
    return updated


def adopted_rules(
    channel: discord.ForumChannel | discord.TextChannel, rules: ForumRules, default_role: ForumRole
) -> ForumRules:
    """A forum's rules on registration: where @everyone is denied posting in the channel itself
    (a deny the bot did not set: the default role may post), the deny becomes the forum's rule —
    both denied is an announcement forum (posting moderators), a deny of new posts alone a
    closed one — so the overwrites keep it rather than undo it."""
    if not default_role.can_post:
        return rules
    overwrite = channel.overwrites_for(channel.guild.default_role)
    if overwrite.send_messages_in_threads is False and rules.posting == "everyone":
        return replace(rules, posting="moderators")
    if overwrite.send_messages is False and rules.status == "open" and not rules.moderators_only:
        return replace(rules, status="closed")
    return rules


def merge(
    current: Mapping[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite],
    wanted: Plan,
    guild: discord.Guild,
    names: tuple[str, ...] = POST_PERMISSIONS,
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    """The channel's full overwrites after applying the plan to our permissions (``names``)."""
    result: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {}
    seen: set[int] = set()
    for target, overwrite in current.items():
        is_role = isinstance(target, discord.Role) or getattr(target, "type", None) is discord.Role
        table = wanted.roles if is_role else wanted.members
        value = table.get(target.id)
        seen.add(target.id)
        updated = _with(overwrite, value, names)
        if target.id == guild.me.id:
            updated.update(view_channel=True)
        if not updated.is_empty():
            result[target] = updated
    for role_id, value in wanted.roles.items():
        if role_id not in seen and value is not None:
            result[guild.get_role(role_id) or discord.Object(role_id, type=discord.Role)] = _with(None, value, names)
    for user_id, value in wanted.members.items():
        if user_id not in seen and value is not None:
            target = guild.get_member(user_id) or discord.Object(user_id, type=discord.Member)
            updated = _with(None, value, names)
            if user_id == guild.me.id:
                updated.update(view_channel=True)
            result[target] = updated
    return result


async def apply(channel: discord.ForumChannel | discord.TextChannel, wanted: Plan, *, reason: str) -> bool:
    """Set the overwrites; False when nothing had to change."""
    names = POST_PERMISSIONS if isinstance(channel, discord.ForumChannel) else TEXT_CHANNEL_PERMISSIONS
    merged = merge(channel.overwrites, wanted, channel.guild, names)
    if _same(channel.overwrites, merged):
        return False
    await channel.edit(overwrites=merged, reason=reason)
    return True


def _same(
    a: Mapping[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite],
    b: Mapping[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite],
) -> bool:
    def key(
        m: Mapping[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite],
    ) -> dict[int, tuple[int, int]]:
        return {t.id: (o.pair()[0].value, o.pair()[1].value) for t, o in m.items()}

    return key(a) == key(b)


async def sync_guild(
    db: Database, guild: discord.Guild, *, reason: str, channel_ids: list[int] | None = None
) -> list[str]:
    """Bring every registered forum of the guild in step with the stored roles.

    Returns the names of forums Discord would not let the bot change.
    """
    from bot.storage import forums, guilds, members

    settings = await db.run(guilds.settings, guild.id)
    mapping = await db.run(members.rolemap, guild.id)
    # discord.utils.utcnow(): the clock discord.py (and a simulated Discord) keeps.
    stored = await db.run(members.assignments_in, guild.id, discord.utils.utcnow())
    scopes = await db.run(members.scopes_in, guild.id)
    failed = []
    for forum in await db.run(forums.registered_in, guild.id):
        if channel_ids is not None and forum.channel_id not in channel_ids:
            continue
        channel = guild.get_channel(forum.channel_id)
        if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
            continue
        wanted = plan(
            everyone_id=guild.default_role.id,
            bot_id=guild.me.id,
            default_role=settings.default_role,
            rolemap=mapping,
            assignments={a.user_id: a.role for a in stored},
            rules=forum.rules,
            forum_id=forum.id,
            scopes=scopes,
        )
        try:
            await apply(channel, wanted, reason=reason)
        except discord.HTTPException:
            failed.append(channel.name)
    return failed
