"""A thread changed in Discord's own interface → what the topic's record must say.

Discord shows a thread's name, applied tags, locked, archived and pinned flags; the record
holds the title, tags, status, sticky and archived. ``reconcile`` compares them (live, with
what the thread was before when known; at catch-up, without) and says what to write:

- the name is the title; the applied tags are the tags, except recorded tags the forum does
  not offer (an import's), which Discord cannot hold and which stay;
- locked by someone other than the bot closes an open topic; unlocked reopens a closed one
  (the bot's own locks and unlocks are recorded by the commands that make them);
- pinned makes a topic sticky (a super sticky stays super); an unpin seen live unsticks it
  (at catch-up an unpinned sticky stays: Discord pins one thread per forum);
- archived is recorded as Discord shows it (a closed topic's thread is archived by the bot).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.domain.text import one_line


@dataclass(frozen=True)
class Seen:
    """A thread as Discord shows it."""

    title: str
    tags: tuple[str, ...]  # names of the applied tags
    forum_tags: tuple[str, ...]  # names of the tags the forum offers
    locked: bool
    archived: bool
    pinned: bool


@dataclass(frozen=True)
class Held:
    """What the topic's record says."""

    title: str
    tags: tuple[str, ...]
    status: str
    sticky: str
    archived: bool


@dataclass(frozen=True)
class Changes:
    title: str | None = None
    tags: tuple[str, ...] | None = None
    status: str | None = None  # "closed" or "open"
    sticky: str | None = None
    archived: bool | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


def reconcile(held: Held, seen: Seen, *, was_pinned: bool | None = None, by_bot: bool = False) -> Changes:
    """What to write so the record says what Discord shows (``was_pinned``: None at catch-up)."""
    title = one_line(seen.title).strip()
    offered = {t.casefold() for t in seen.forum_tags}
    tags = tuple(t for t in held.tags if t.casefold() not in offered) + tuple(seen.tags)
    status = None
    if not by_bot and held.status == "open" and seen.locked:
        status = "closed"
    elif not by_bot and held.status == "closed" and not seen.locked:
        status = "open"
    sticky = None
    if seen.pinned and held.sticky == "none":
        sticky = "sticky"
    elif was_pinned and not seen.pinned and held.sticky != "none":
        sticky = "none"
    return Changes(
        title=title if title and title != held.title else None,
        tags=tags if tags != held.tags else None,
        status=status,
        sticky=sticky,
        archived=seen.archived if seen.archived != held.archived else None,
    )
