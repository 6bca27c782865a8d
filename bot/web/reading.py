"""Topic pages of the archive: the reading order of a big topic remembered between pages.

A topic's reading order (opening post, accepted answers, threaded replies:
``bot.domain.reading``) needs the outline of every published post: about 3 µs a post,
80 ms at 25,000 replies, for each page anyone reads. The archive's process keeps the order
of its ``SLOTS`` most recently read big topics (``BIG`` posts or more; ids and depths in
arrays, about 10 bytes a post), and uses it while

- the topic's counters are unchanged (``reply_count``, ``last_post_at``,
  ``last_post_number``, ``solved``, ``voice_count``: any post recorded, hidden, restored or
  moved, and any topic solved or unsolved, changes one of them; ``posts.refresh_counters``), and
- the guild's members' archive choices are unchanged (``consent.version``: a member who
  chose ``hidden`` or ``shown`` since changes which posts the order holds), and
- it is younger than ``MAX_AGE`` seconds (what the counters do not show, such as a second
  accepted answer or a reply re-threaded, reaches the order within that time).

Visibility is never remembered: the page's posts are read by id through
``bot.storage.archive.visible_posts`` (the archive's post predicate) on every request, so a
post hidden a moment ago is not shown even while the remembered order still counts it.
"""

from __future__ import annotations

import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass

from bot.domain.reading import reading_order, reply_thread_count
from bot.storage import archive, consent
from bot.storage.api import Connection
from bot.storage.models import Topic, TopicView

BIG = 1000
SLOTS = 32
MAX_AGE = 60.0


@dataclass(frozen=True)
class Order:
    stamp: tuple[object, ...]
    made: float
    ids: array  # type: ignore[type-arg]
    depths: array  # type: ignore[type-arg]
    reply_threads: int
    consent: tuple[int, str] = (0, "")  # consent.version of the guild when it was read

    def __len__(self) -> int:
        return len(self.ids)


def stamp(topic: Topic) -> tuple[object, ...]:
    return (topic.reply_count, topic.last_post_at, topic.last_post_number, topic.solved, topic.voice_count)


class ReadingOrders:
    """The remembered orders of big topics (one per archive app; the event loop's thread only)."""

    def __init__(self, *, slots: int = SLOTS, big: int = BIG, max_age: float = MAX_AGE) -> None:
        self.slots, self.big, self.max_age = slots, big, max_age
        self._orders: OrderedDict[int, Order] = OrderedDict()
        self.hits = 0

    def get(self, topic: Topic) -> Order | None:
        order = self._orders.get(topic.id)
        if order is None or order.stamp != stamp(topic) or time.monotonic() - order.made > self.max_age:
            return None
        self._orders.move_to_end(topic.id)
        self.hits += 1
        return order

    def put(self, topic: Topic, order: Order) -> None:
        if len(order) < self.big:
            return
        self._orders[topic.id] = order
        self._orders.move_to_end(topic.id)
        while len(self._orders) > self.slots:
            self._orders.popitem(last=False)


def current(conn: Connection, topic: Topic, remembered: Order | None) -> Order:
    """``remembered`` while the guild's archive choices are those it was read under, else
    the order read afresh (in the database's thread; ``ReadingOrders.put`` it afterwards)."""
    if remembered is not None and remembered.consent == consent.version(conn, topic.guild_id):
        return remembered
    return read_order(conn, topic)


def read_order(conn: Connection, topic: Topic) -> Order:
    choices = consent.version(conn, topic.guild_id)
    outline = archive.topic_outline(conn, topic, any_hidden=choices[0] > 0)
    ordered = reading_order(outline)
    return Order(
        stamp=stamp(topic),
        made=time.monotonic(),
        ids=array("q", (entry.id for entry, _ in ordered)),
        depths=array("H", (min(depth, 65535) for _, depth in ordered)),
        reply_threads=reply_thread_count(outline),
        consent=choices,
    )


def topic_view(conn: Connection, topic: Topic, order: Order, page: int, per_page: int) -> TopicView:
    """One page (0-based, clamped) of ``topic`` in ``order``: the page's visible posts only."""
    per_page = max(1, per_page)
    pages = max(1, -(-len(order) // per_page))
    page = min(max(0, page), pages - 1)
    ids = order.ids[page * per_page : (page + 1) * per_page]
    depths = order.depths[page * per_page : (page + 1) * per_page]
    full = archive.visible_posts(conn, list(ids))
    return TopicView(
        topic=topic,
        forum=archive.forum_of(conn, topic.forum_id),
        entries=[(full[i], depth) for i, depth in zip(ids, depths, strict=True) if i in full],
        page=page,
        pages=pages,
        total_posts=len(order),
        reply_threads=order.reply_threads,
    )
