"""Full-text search over published posts (SQLite FTS5, ranked by bm25).

``search()`` takes what a member typed: ``bot.domain.searchquery`` turns it into a safe FTS5
expression, so no input reaches FTS5 as syntax. It never raises on any input except
``SearchQueryError`` (a ``ValueError`` with a ``message`` for the member) for a query
that can find nothing, such as only emoji or only excluded words.

Topic titles are searched too where the database has the ``topics_fts`` index
(``topics_fts``, migration 0004): a topic whose title matches stands for its
opening post, and a title match weighs ``TITLE_WEIGHT`` times a
match in a post's text. Queries that leave words out (``-word``) search texts only, so
the opening post of a topic titled "otters" is not found by ``otters -sleep`` when its
text speaks of sleep.

Ranking: bm25, lifted for accepted answers and for posts of solved topics. When the
terms match a huge share of all posts, ranking would read every match, so the search
falls back to the newest matching posts first (``SearchResults.newest_first``), over
the posts' text only, and counts matches only up to ``TOTAL_CAP`` (or to the end of the
page asked for, when that is further: every match can be reached page by page).

Never found: posts that are not published (deleted, spam, trash, pending) and posts of
topics that are not open or closed. Where posts are searched from is the caller's:
``forum_ids`` (the forums the member can see in Discord, the public forums on the web
archive) and ``guild_id`` (``None``: every guild, for the archive's search of every server).

Bounded cost: the query language bounds what one search may ask (``bot.domain.searchquery``:
prefixes of two letters at least, at most ``MAX_PREFIXES`` of them, at most ``MAX_TERMS``
words); ranking is bounded by the newest-first fallback; and every search runs under a
time budget (``budget`` seconds, ``TIME_BUDGET_SECONDS`` by default) enforced by SQLite's
progress handler, which also fires while FTS5 reads a prefix's index entries. A search
that runs out of it raises ``SearchTooBroad`` (a ``SearchQueryError`` asking the member
to narrow it) instead of holding the connection.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.domain.searchquery import SearchQuery, SearchQueryError, parse
from bot.storage import consent
from bot.storage.api import Connection, PostgresError, Row, dialect, dialect_name

log = logging.getLogger(__name__)

__all__ = [
    "HL_END",
    "HL_START",
    "SearchHit",
    "SearchQueryError",
    "SearchResults",
    "SearchTooBroad",
    "highlight_segments",
    "search",
]

# Highlight markers around matched words in snippets: private-use characters, so they
# never collide with what members wrote; renderers split on them (highlight_segments).
HL_START = "\ue000"
HL_END = "\ue001"
ELLIPSIS = "…"
SNIPPET_TOKENS = 24

# Lift in ranking (bm25 is negative: lower is better, so a factor > 1 lifts).
ACCEPTED_LIFT = 0.5
SOLVED_LIFT = 0.25
# Newest-first fallback. Ranking reads every match (posts and topic titles): when the terms
# match more posts than this, results come newest first instead. `make bench` measured about
# 80 ms for 9,000 ranked matches at 1M posts on 2 cores, hence 4,000. An absolute number: a
# share of all posts would grow with the forum.
FALLBACK_MIN_MATCHES = 4_000
# In newest-first mode the total is counted up to this many matches.
TOTAL_CAP = 1000
MAX_LIMIT = 100
# Every search stops after this long (wall clock) with SearchTooBroad. `make bench`: the
# queries members type take 1 – 20 ms at 1M posts; two-letter prefixes of the most common
# words take 100 – 400 ms, and those are the searches this refuses.
TIME_BUDGET_SECONDS = 0.25
# SQLite calls the progress handler every this many virtual-machine steps (and between the
# pages FTS5 reads, which it reads through small statements): a deadline is noticed within
# a few milliseconds, and the handler costs well under 1 % of a search.
PROGRESS_STEPS = 1000


class SearchTooBroad(SearchQueryError):
    """The search ran out of its time budget: too many posts to read for it."""

    def __init__(self) -> None:
        super().__init__(
            "That search is too broad to answer quickly: narrow it with more words, longer word "
            'beginnings before `*`, an "exact phrase", fewer `OR`s, or a forum.'
        )


# The title index. 0003 was already merged without it, and a changed 0003 would never run
# on databases at version 3, so this waits for its own migration number (the lead's):
# copy it into NNNN_topic_titles.sql as ``BEGIN; <this> PRAGMA user_version = N; COMMIT;``.
# Until then search() checks whether the index exists and searches post texts only.


def has_title_index(conn: Connection) -> bool:
    if dialect_name(conn) == "postgres":
        return "topics_fts" in dialect(conn).tables(conn)
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'topics_fts'").fetchone() is not None
    )


# A search that fails in the database (it should not: no member text reaches it as syntax).
_QUERY_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, *PostgresError)

# A match in a topic's title counts this much more than one in a post's text.
TITLE_WEIGHT = 2.0


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    guild_id: int
    number: int  # the post's number (#N)
    topic_id: int
    topic_number: int
    topic_title: str
    forum_id: int
    thread_id: int
    message_id: int
    channel_id: int  # the thread the message lives in now (for the jump link)
    author_id: int
    author_name: str
    author_role: str  # the author's forum role when they wrote it
    snippet: str  # matched words between HL_START and HL_END
    accepted: bool
    solved: bool  # the topic is solved
    is_opening: bool
    created_at: str


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    newest_first: bool = False  # terms too common to rank: newest matching posts first
    total_capped: bool = False  # total is a lower bound (TOTAL_CAP)
    understood: str = ""  # how the query was read, for the member

    @property
    def empty(self) -> bool:
        return not self.hits


def highlight_segments(snippet: str) -> list[tuple[str, bool]]:
    """Split a snippet into (text, highlighted) segments, in order."""
    segments: list[tuple[str, bool]] = []
    rest = snippet
    while rest:
        start = rest.find(HL_START)
        if start < 0:
            segments.append((rest.replace(HL_END, ""), False))
            break
        if start:
            segments.append((rest[:start].replace(HL_END, ""), False))
        end = rest.find(HL_END, start + 1)
        if end < 0:
            end = len(rest)
        marked = rest[start + 1 : end]
        if marked:
            segments.append((marked, True))
        rest = rest[end + 1 :]
    return [s for s in segments if s[0]]


def search(
    conn: Connection,
    *,
    guild_id: int | None,
    query: str,
    forum_ids: Sequence[int] | None = None,
    author_id: int | None = None,
    solved_only: bool = False,
    limit: int = 10,
    offset: int = 0,
    budget: float | None = None,
    shown_only: bool = False,
) -> SearchResults:
    """Published posts of this guild (``None``: of every guild) matching ``query``, best first.

    See the module doc. Raises ``SearchQueryError`` for a query that can find nothing and
    ``SearchTooBroad`` (one of them) when the search takes longer than ``budget`` seconds
    (``None``: ``TIME_BUDGET_SECONDS``; ``math.inf``: no limit). ``shown_only`` (the web
    archive's search): leave out posts and topics of members who chose ``hidden``
    (``bot.storage.consent``; the search in Discord finds them as before).
    """
    parsed = parse(query)  # SearchQueryError for a query that can find nothing
    if forum_ids is not None and not forum_ids:
        return SearchResults(understood=parsed.describe())
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    try:
        with time_budget(conn, TIME_BUDGET_SECONDS if budget is None else budget):
            if dialect_name(conn) == "postgres":  # PostgreSQL's own full text, the same behaviour
                filters = _filters(guild_id, forum_ids, author_id, solved_only, shown_only)
                return _search_postgres(conn, parsed, filters, limit, offset)
            where = _filters(guild_id, forum_ids, author_id, solved_only, shown_only)
            return _search(conn, parsed, where, limit, offset)
    except _QUERY_ERRORS as error:
        if _ran_out_of_time(error):
            log.info("search ran out of its %s s budget: %r", budget, parsed.expression)
            raise SearchTooBroad() from None
        # The expression is built from quoted strings only, so this should not happen;
        # a member's search must still never crash the command.
        log.warning("search failed for %r (%s)", query, parsed.expression, exc_info=True)
        return SearchResults(understood=parsed.describe())


@contextmanager
def time_budget(conn: Connection, seconds: float | None) -> Iterator[None]:
    """Interrupt the statements run inside after ``seconds``: SQLite raises
    ``sqlite3.OperationalError`` (code ``SQLITE_INTERRUPT``), PostgreSQL cancels the statement
    (SQLSTATE 57014). ``None`` or ``math.inf``: no limit. One search at a time per connection:
    the progress handler (the statement timeout) is this one's until the block ends."""
    if seconds is None or math.isinf(seconds):
        yield
        return
    if dialect_name(conn) == "postgres":  # the server cancels the statement (SQLSTATE 57014)
        # SET LOCAL in a transaction of its own (a savepoint inside one already open): the
        # setting ends with it, so a transaction pooler (PgBouncer) cannot hand it to
        # another client's statements, nor run the search on a server connection without it.
        with conn.raw.transaction():  # type: ignore[attr-defined]
            conn.execute(f"SET LOCAL statement_timeout = {max(1, round(seconds * 1000))}")
            yield
        return
    deadline = time.perf_counter() + max(0.0, seconds)
    clock = time.perf_counter
    assert isinstance(conn, sqlite3.Connection)
    conn.set_progress_handler(lambda: clock() > deadline, PROGRESS_STEPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def _ran_out_of_time(error: BaseException) -> bool:
    """The time budget interrupted the search (on either backend)."""
    if isinstance(error, sqlite3.OperationalError):
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
    return getattr(error, "sqlstate", None) == "57014"


def _search_postgres(
    conn: Connection, parsed: SearchQuery, filters: tuple[str, list[object]], limit: int, offset: int
) -> SearchResults:
    """``search`` on PostgreSQL's own full text (bot/storage/postgres/fulltext.py)."""
    from bot.storage.postgres import fulltext

    found = fulltext.search(
        conn, parsed, *filters, limit=limit, offset=offset, fallback_min_matches=FALLBACK_MIN_MATCHES,
        total_cap=TOTAL_CAP, lift=f"(1.0 + {ACCEPTED_LIFT} * p.accepted + {SOLVED_LIFT} * t.solved)",
        title_weight=TITLE_WEIGHT, marks=(HL_START, HL_END, ELLIPSIS, SNIPPET_TOKENS), columns=_HIT_COLUMNS,
    )  # fmt: skip
    return SearchResults(
        hits=[_hit(row, suffix) for row, suffix in zip(found.rows, found.suffixes, strict=True)],  # type: ignore[arg-type]
        total=found.total,
        newest_first=found.newest_first,
        total_capped=found.capped,
        understood=parsed.describe(),
    )


def _filters(
    guild_id: int | None,
    forum_ids: Sequence[int] | None,
    author_id: int | None,
    solved_only: bool,
    shown_only: bool = False,
) -> tuple[str, list[object]]:
    clauses = ["p.status = 'publish'", "t.status IN ('open', 'closed')"]
    params: list[object] = []
    if guild_id is not None:
        clauses.insert(0, "p.guild_id = ?")
        params.append(guild_id)
    if forum_ids is not None:
        ids = sorted({int(i) for i in forum_ids})
        clauses.append(f"t.forum_id IN ({','.join('?' * len(ids))})")
        params += ids
    if author_id is not None:
        clauses.append("p.author_id = ?")
        params.append(author_id)
    if solved_only:
        clauses.append("t.solved = 1")
    if shown_only:  # a hidden member's reply, or any post of a topic they started
        clauses += [consent.shown_author_sql("p"), consent.shown_author_sql("t")]
    return " AND ".join(clauses), params


# CROSS JOIN keeps the FTS index the outer loop (SQLite never reorders a CROSS JOIN): left
# to itself the planner walks every post of the guild and probes the index per post.
_FROM = "FROM posts_fts CROSS JOIN posts p ON p.id = posts_fts.rowid CROSS JOIN topics t ON t.id = p.topic_id"
# A topic whose title matches stands for its opening post. The index is named: without
# statistics the planner may prefer posts_author (guild_id) and read every post of the guild
# for each matching title (seen with a wider posts_topic: 5 s per rare word at 1M posts).
_TITLE_FROM = (
    "FROM topics_fts CROSS JOIN topics t ON t.id = topics_fts.rowid "
    "CROSS JOIN posts p INDEXED BY posts_topic ON p.topic_id = t.id AND p.is_opening = 1"
)


def too_common(conn: Connection, expression: str) -> bool:
    """True when the expression matches too many posts (of every guild) to rank them all."""
    size = conn.execute("SELECT IFNULL(MAX(id), 0) FROM posts").fetchone()[0]
    threshold = FALLBACK_MIN_MATCHES
    if size <= threshold:
        return False
    matches = conn.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?)",
        (expression, threshold + 1),
    ).fetchone()[0]
    return bool(matches > threshold)


def _search(
    conn: Connection, parsed: SearchQuery, filters: tuple[str, list[object]], limit: int, offset: int
) -> SearchResults:
    where, params = filters
    expression = parsed.expression
    newest_first = too_common(conn, expression)
    capped = False
    if newest_first:
        # One pass, newest first, stopping after TOTAL_CAP + 1 matches (or, for a page beyond
        # them, the page's end + 1): the page and the total, a lower bound when capped.
        reach = max(TOTAL_CAP, offset + limit)
        rows = conn.execute(
            f"SELECT p.id {_FROM} WHERE posts_fts MATCH ? AND {where} ORDER BY posts_fts.rowid DESC LIMIT ?",
            [expression, *params, reach + 1],
        ).fetchall()
        total = len(rows)
        if total > reach:
            total, capped = reach, True
        ids = [row[0] for row in rows[offset : offset + limit]]
    else:
        lift = f"(1.0 + {ACCEPTED_LIFT} * p.accepted + {SOLVED_LIFT} * t.solved)"
        # A post's score: its text's bm25, plus (opening posts) its topic title's, weighted.
        matches = f"SELECT p.id AS id, bm25(posts_fts) * {lift} AS score {_FROM} WHERE posts_fts MATCH ? AND {where}"
        match_params = [expression, *params]
        # words to leave out apply to a post's text: titles are not asked then
        if not parsed.excludes and has_title_index(conn):
            matches = (
                f"SELECT id, SUM(score) AS score FROM ({matches} UNION ALL SELECT p.id AS id, "
                f"bm25(topics_fts) * {TITLE_WEIGHT} * {lift} AS score {_TITLE_FROM} "
                f"WHERE topics_fts MATCH ? AND {where}) GROUP BY id"
            )
            match_params += [expression, *params]
        rows = conn.execute(
            f"SELECT id, COUNT(*) OVER () AS total FROM ({matches}) ORDER BY score, id DESC LIMIT ? OFFSET ?",
            [*match_params, limit, offset],
        ).fetchall()
        ids = [row[0] for row in rows]
        count_sql = f"SELECT COUNT(*) FROM ({matches})"
        total = rows[0][1] if rows else conn.execute(count_sql, match_params).fetchone()[0]
    return SearchResults(
        hits=_hits(conn, expression, ids),
        total=total,
        newest_first=newest_first,
        total_capped=capped,
        understood=parsed.describe(),
    )


def _hits(conn: Connection, expression: str, ids: list[int]) -> list[SearchHit]:
    """The hits for these post ids, in this order, with snippets (computed only for them)."""
    if not ids:
        return []
    rows = conn.execute(
        f"SELECT {_HIT_COLUMNS}, "
        f"snippet(posts_fts, 0, ?, ?, ?, {SNIPPET_TOKENS}) AS snip {_FROM} "
        # The range goes to FTS5 (it seeks); the list is checked by SQLite (``+rowid`` is not
        # offered to FTS5), so the query is evaluated once and snippets only for these rows.
        f"WHERE posts_fts MATCH ? AND posts_fts.rowid BETWEEN ? AND ? "
        f"AND +posts_fts.rowid IN ({','.join('?' * len(ids))})",
        [HL_START, HL_END, ELLIPSIS, expression, min(ids), max(ids), *ids],
    ).fetchall()
    by_id = {row[0]: _hit(row) for row in rows}
    missing = [i for i in ids if i not in by_id]
    if missing:  # found by the topic title only: the opening post's first words
        rows = conn.execute(
            f"SELECT {_HIT_COLUMNS}, substr(p.content, 1, 200) AS snip FROM posts p JOIN topics t ON t.id = p.topic_id "
            f"WHERE p.id IN ({','.join('?' * len(missing))})",
            missing,
        ).fetchall()
        for row in rows:
            by_id[row[0]] = _hit(row, ELLIPSIS if len(row[17] or "") >= 200 else "")
    return [by_id[i] for i in ids if i in by_id]


_HIT_COLUMNS = (
    "p.id, p.number, p.topic_id, t.number AS topic_number, t.title, t.forum_id, t.thread_id, p.message_id, "
    "p.channel_id, p.author_id, p.author_name, p.accepted, t.solved, p.is_opening, p.created_at, p.guild_id, "
    "p.author_role"
)


def _hit(row: Row, suffix: str = "") -> SearchHit:
    return SearchHit(
        post_id=row[0],
        number=row[1],
        topic_id=row[2],
        topic_number=row[3],
        topic_title=row[4],
        forum_id=row[5],
        thread_id=row[6],
        message_id=row[7],
        channel_id=row[8],
        author_id=row[9],
        author_name=row[10],
        accepted=bool(row[11]),
        solved=bool(row[12]),
        is_opening=bool(row[13]),
        created_at=row[14],
        guild_id=row[15],
        author_role=row[16],
        snippet=(row[17] or "") + suffix,
    )
