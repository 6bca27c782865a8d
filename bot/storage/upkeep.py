"""Work the database needs that no member waits for: done off the commit of a post.

- ``merge_search_index``: one bounded step of merging the search index's segments
  (FTS5 ``merge``). Migration 0008 turned FTS5's automerge off, because it ran inside
  the commit that recorded a post and made every few dozenth reply wait for hundreds
  of pages of merging. ``Database`` runs these steps when its writer has nothing else
  to do, one transaction each, so a waiting write waits for one step at most.
- ``checkpoint``: copy the WAL back into the database file (``PRAGMA
  wal_checkpoint(PASSIVE)``) when the writer goes idle, which also makes the last
  commits durable (``synchronous=NORMAL`` syncs at checkpoints). Under a load that
  never leaves the writer idle, SQLite's own auto-checkpoint (1,000 pages, inside a
  commit) still bounds the WAL.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

MERGE_PAGES = 64  # pages written by one merge step: about a millisecond
# Under a load that never leaves the writer idle, a step runs anyway after this many commits:
CHECKPOINT_EVERY = 8  # a checkpoint of 8 replies' pages takes 1 – 3 ms
MERGE_EVERY = 8  # one merge step per 8 commits keeps every level under 4 segments


def merge_search_index(conn: sqlite3.Connection) -> bool:
    """Merge up to ``MERGE_PAGES`` pages of the post index's segments, where some level holds
    enough segments to merge (FTS5 ``usermerge``, 4). True when it did work (so there may be
    more to do); False when the index needs no merging."""
    before = conn.total_changes
    conn.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('merge', ?)", (MERGE_PAGES,))
    # FTS5 documents this test: a difference of 2 or more means the command merged something.
    return conn.total_changes - before >= 2


def checkpoint(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """A passive checkpoint (never waits for readers or the writer): (busy, WAL frames, frames copied)."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(frames), int(copied)


Step = Literal["checkpoint", "merge"]


def next_step(*, since_checkpoint: int, since_merge: int, caller_waits: bool) -> Step | None:
    """What the writer does when its queues are empty, from the group commits made since the
    last checkpoint and since the index last needed no merging. Idle: merge until nothing is
    left to merge, then checkpoint. A caller waiting: only an overdue step, checkpoint first."""
    if not (since_checkpoint or since_merge):
        return None
    overdue_checkpoint = since_checkpoint >= CHECKPOINT_EVERY
    if caller_waits and not overdue_checkpoint and since_merge < MERGE_EVERY:
        return None
    return "checkpoint" if overdue_checkpoint or not since_merge else "merge"
