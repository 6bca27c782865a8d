"""How `/forumadmin forum` and `/forumadmin roles` read. Pure text from plain values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain import timeutil
from bot.domain.forumrules import ForumRules, describe
from bot.domain.text import escape_inline

LIMIT = 1900  # one ephemeral message, with room for a note


@dataclass(frozen=True)
class ChannelFacts:
    """What Discord's forum channel itself decides (shown, never changed by the bot)."""

    slowmode_seconds: int  # between posts in the channel (starting posts)
    thread_slowmode_seconds: int  # Discord's default slowmode of new posts' threads
    sort_order: str  # "latest activity", "creation date" or "not set"
    reaction: str  # the default reaction emoji, or "none"
    require_tag: bool


def rules_text(name: str, category: str | None, rules: ForumRules, facts: ChannelFacts | None) -> str:
    lines = [f"**Rules of {escape_inline(name)}**" + (f" (category {escape_inline(category)})" if category else "")]
    lines += [f"- {line}" for line in describe(rules)]
    if facts is None:
        lines.append("The channel is not reachable: Discord's own settings are not shown.")
    else:
        lines += [
            "**Discord's own settings of the channel** (change them in Discord)",
            f"- slowmode: {_seconds(facts.slowmode_seconds)}; in posts: {_seconds(facts.thread_slowmode_seconds)}",
            f"- default sort order: {facts.sort_order}",
            f"- default reaction: {facts.reaction}",
            f"- tags required: {'yes' if facts.require_tag else 'no'}",
        ]
    return "\n".join(lines)


def _seconds(value: int) -> str:
    return "off" if value <= 0 else f"{value} s"


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
    lines = ["**Forum roles**", "Server owner and members with Administrator: Keymaster."]
    lines.append("**Mapped Discord roles**")
    lines += [f"- {role}: {', '.join(mentions)}" for role, mentions in mapped.items() if mentions] or ["- none"]
    lines.append("**Keymasters** (assigned)")
    lines += [f"- {h.mention}" for h in keymasters] or ["- none"]
    lines.append("**Moderators** (assigned)")
    lines += [
        f"- {h.mention}: " + (", ".join(escape_inline(f) for f in h.forums) if h.forums else "every forum")
        for h in moderators
    ] or ["- none"]
    lines.append("**Blocked**")
    lines += [
        f"- {h.mention}: " + (f"until <t:{_unix(h.expires_at)}:f>" if h.expires_at else "no expiry") for h in blocked
    ] or ["- none"]
    for role, mentions in others.items():
        if mentions:
            lines.append(f"**{role}s** (assigned): {len(mentions)}")
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
            kept.append(f"… and {len(lines) - index} more line(s).")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)
