"""The reading order of a topic's posts (bbPress's threaded replies): pure functions.

Opening post first, then accepted answers, then each reply followed by its nested replies,
depth first. They work on anything with ``id``, ``parent_id``, ``accepted`` and
``is_opening``: whole posts (exports, the demo) or their outlines (``/topic show`` and the
archive read only the page's posts in full).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Threaded(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def accepted(self) -> bool: ...
    @property
    def is_opening(self) -> bool: ...


T = TypeVar("T", bound=Threaded)


def reading_order(posts: Sequence[T]) -> list[tuple[T, int]]:
    """(post, depth) in reading order; ``posts`` in time order."""
    opening = [p for p in posts if p.is_opening]
    accepted = [p for p in posts if p.accepted and not p.is_opening]
    rest = [p for p in posts if not p.is_opening and not p.accepted]
    ids = {p.id for p in rest}
    children: dict[int, list[T]] = {}
    roots: list[T] = []
    for post in rest:
        if post.parent_id is not None and post.parent_id in ids:
            children.setdefault(post.parent_id, []).append(post)
        else:
            roots.append(post)
    ordered: list[tuple[T, int]] = [(p, 0) for p in opening] + [(p, 0) for p in accepted]
    # Iterative depth-first walk: a huge topic's reply chains must not hit the recursion limit.
    for root in roots:
        stack = [(root, 0)]
        while stack:
            post, depth = stack.pop()
            ordered.append((post, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(post.id, [])))
    return ordered


def reply_thread_count(posts: Sequence[Threaded]) -> int:
    """Replies that do not answer another (visible) reply: bbPress's "Viewing N reply threads"."""
    replies = {p.id for p in posts if not p.is_opening}
    return sum(1 for p in posts if p.id in replies and p.parent_id not in replies)
