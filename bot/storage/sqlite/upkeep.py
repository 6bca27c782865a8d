"""Work the database needs that no member waits for, done between commits, not inside them.

The writer (``Database``) runs these steps when its queues are empty and no caller waits;
under a load that never leaves it idle, a step that is overdue runs anyway, at most one
between two group commits while a caller waits, so a caller waits for one short step at
most (``next_step`` decides which).

- ``merge_search_index``: one bounded step of merging the search index's segments (FTS5
  ``merge``). Migration 0008 turned FTS5's automerge off: it ran inside the commit that
  recorded a post and made every few dozenth reply wait for hundreds of pages of merging
  (10 – 30 ms at 100,000 posts).
- ``checkpoint``: copy the WAL back into the database file (``PRAGMA
  wal_checkpoint(PASSIVE)``), which also makes the last commits durable
  (``synchronous=NORMAL`` syncs at checkpoints). SQLite's own auto-checkpoint, inside a
  commit, stays as the bound for commits too big for the steps (a catch-up's groups).
"""

from __future__ import annotations

import sqlite3
from typing import Literal

MERGE_PAGES = 32  # pages written by one merge step: 1 – 3 ms
# Merging owes work for the rows written (a reply changes about 8 rows; its index entries
# are a fraction of a page). It is overdue after MERGE_DEBT rows; each step that merged
# something pays MERGE_STEP_PAYS rows (32 pages per ~30 posts, more than the index needs,
# so merging keeps pace with a catch-up and no level reaches FTS5's crisis merge, which
# merges 16 segments inside one commit).
MERGE_DEBT = 64
MERGE_STEP_PAYS = 256
CHECKPOINT_EVERY = 6  # commits (merge steps count): a checkpoint of ~200 pages, 1 – 3 ms
# Measured at 100,000 posts: a checkpoint of SQLite's default 1,000 pages took 30 – 50 ms.
AUTOCHECKPOINT_PAGES = 400
# A burst (a catch-up) grows the WAL file; once checkpointed, SQLite cuts it back to this.
WAL_KEEP_BYTES = 8 * 1024 * 1024


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


def next_step(*, since_checkpoint: int, merge_debt: int, busy: bool) -> Step | None:
    """What the writer does between group commits: ``since_checkpoint`` group commits were made
    since the last checkpoint, ``merge_debt`` rows changed since the search index last needed no
    merging; ``busy``: a caller waits for the connection or backlog is queued. Idle: merge until
    nothing is left to merge, then checkpoint. Busy: only an overdue step, checkpoint first."""
    if not (since_checkpoint or merge_debt):
        return None
    overdue_checkpoint = since_checkpoint >= CHECKPOINT_EVERY
    if busy and not overdue_checkpoint and merge_debt < MERGE_DEBT:
        return None
    return "checkpoint" if overdue_checkpoint or not merge_debt else "merge"
