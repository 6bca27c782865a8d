"""How `/forumadmin forum` and `/forumadmin roles` read. Pure text from plain values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain import timeutil
from bot.domain.forumrules import ForumRules, describe
from bot.domain.text import escape_inline
from bot.i18n import N_, _, ngettext

LIMIT = 1900  # one ephemeral message, with room for a note


@dataclass(frozen=True)
class ChannelFacts:
    """What Discord's forum channel itself decides (shown, never changed by the bot)."""

    slowmode_seconds: int  # between posts in the channel (starting posts)
    thread_slowmode_seconds: int  # Discord's default slowmode of new posts' threads
    sort_order: str  # "latest activity", "creation date" or "not set" (SORT_ORDERS: said with _())
    reaction: str  # the default reaction emoji, or "" for none
    require_tag: bool


SORT_ORDERS = {"latest activity": N_("latest activity"), "creation date": N_("creation date"), "not set": N_("not set")}


def rules_text(name: str, category: str | None, rules: ForumRules, facts: ChannelFacts | None) -> str:
    if category:
        head = _(
            "**Rules of {forum}** (category {category})", forum=escape_inline(name), category=escape_inline(category)
        )
    else:
        head = _("**Rules of {forum}**", forum=escape_inline(name))
    lines = [head]
    lines += [f"- {line}" for line in describe(rules)]
    if facts is None:
        lines.append(_("The channel is not reachable: Discord's own settings are not shown."))
    else:
        sort = SORT_ORDERS.get(facts.sort_order)
        lines += [
            _("**Discord's own settings of the channel** (change them in Discord)"),
            "- "
            + _(
                "slowmode: {slowmode}; in posts: {posts}",
                slowmode=_seconds(facts.slowmode_seconds),
                posts=_seconds(facts.thread_slowmode_seconds),
            ),
            "- " + _("default sort order: {order}", order=_(sort) if sort else facts.sort_order),
            "- " + _("default reaction: {emoji}", emoji=facts.reaction or _("none")),
            "- " + (_("tags required: yes") if facts.require_tag else _("tags required: no")),
        ]
    return "\n".join(lines)


def _seconds(value: int) -> str:
    return _("off") if value <= 0 else _("{count} s", count=value)


@dataclass(frozen=True)
class Holder:
    mention: str
    forums: Sequence[str] = ()  # a moderator of named forums only
    expires_at: str | None = None  # a timed block


def roles_text(
    *,
    mapped: Mapping[str, Sequence[str]],
    keymasters: Sequence[Holder],
    moderators: Sequence[Holder],
    blocked: Sequence[Holder],
    others: Mapping[str, Sequence[str]],
) -> str:
    """``mapped``: forum role display → Discord role mentions; ``others``: participant and
    spectator display → member mentions (explicit assignments)."""
    none = "- " + _("none")
    lines = [_("**Forum roles**"), _("Server owner and members with Administrator: Keymaster.")]
    lines.append(_("**Mapped Discord roles**"))
    lines += [f"- {role}: {', '.join(mentions)}" for role, mentions in mapped.items() if mentions] or [none]
    lines.append(_("**Keymasters** (assigned)"))
    lines += [f"- {h.mention}" for h in keymasters] or [none]
    lines.append(_("**Moderators** (assigned)"))
    lines += [
        f"- {h.mention}: " + (", ".join(escape_inline(f) for f in h.forums) if h.forums else _("every forum"))
        for h in moderators
    ] or [none]
    lines.append(_("**Blocked**"))
    lines += [
        f"- {h.mention}: "
        + (_("until {moment}", moment="<t:" + str(_unix(h.expires_at)) + ":f>") if h.expires_at else _("no expiry"))
        for h in blocked
    ] or [none]
    for role, mentions in others.items():
        if mentions:
            lines.append(_("**{role}** (assigned): {count}", role=role, count=len(mentions)))
    return _fit(lines)


def _unix(iso: str) -> int:
    moment = timeutil.parse(iso)
    return int(moment.timestamp()) if moment is not None else 0


def _fit(lines: list[str]) -> str:
    """The lines that fit one message, and how many more there were."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > LIMIT:
            kept.append("… " + ngettext("and {count} more line.", "and {count} more lines.", len(lines) - index))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)
