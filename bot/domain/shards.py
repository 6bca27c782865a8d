"""Shards: which guilds a set of shards holds (discord.py's formula), and SHARD_COUNT/SHARD_IDS rules.

A guild lives on shard ``(guild_id >> 22) % shard_count``: Discord sends its events to that
shard's connection only. A process that runs some shards of a bot serves those guilds and
no others (docs/operations.md, "Shards and processes").
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that holds ``guild_id`` among ``shard_count`` (discord.py's and Discord's formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class Shards:
    """Some shards of ``count``: the guilds they hold are ``holds(guild_id)``."""

    count: int
    ids: frozenset[int]

    def holds(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.count) in self.ids

    @property
    def all(self) -> bool:
        return len(self.ids) >= self.count

    @property
    def none(self) -> bool:
        return not self.ids

    def label(self) -> str:
        """``0, 1 of 4`` for logs and /forumadmin health."""
        if self.none:
            return f"none of {self.count}"
        return ", ".join(str(i) for i in sorted(self.ids)) + f" of {self.count}"


NO_SHARDS = Shards(1, frozenset())


def check(count: int | None, ids: tuple[int, ...] | None) -> str | None:
    """What is wrong with a SHARD_COUNT / SHARD_IDS pair, in one line; None when it is fine."""
    if count is not None and count < 1:
        return f"SHARD_COUNT must be 1 or more (got {count})."
    if ids is None:
        return None
    if count is None:
        return "SHARD_IDS needs SHARD_COUNT (the bot's total number of shards, e.g. SHARD_COUNT=4 SHARD_IDS=0,1)."
    if not ids:
        return "SHARD_IDS is empty: list the shards this process runs, e.g. SHARD_IDS=0,1."
    outside = sorted({i for i in ids if not 0 <= i < count})
    if outside:
        wrong = ", ".join(str(i) for i in outside)
        return f"SHARD_IDS has {wrong}, outside 0..{count - 1} (SHARD_COUNT={count})."
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        return "SHARD_IDS names " + ", ".join(str(i) for i in doubled) + " more than once."
    return None
