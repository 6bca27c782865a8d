"""Search on PostgreSQL's own full text: what ``bot.storage.search`` and the archive's
search do with SQLite's FTS5, here with tsvector, GIN and ``ts_rank`` (migration 0002).

The member's query is parsed once, by ``bot.domain.searchquery`` as on SQLite; its terms
become a ``tsquery`` built by PostgreSQL's own functions from bound parameters (no member
text is ever SQL or tsquery syntax): a word or a quoted phrase is
``phraseto_tsquery('threadkeeper', text)`` (its words next to each other), ``word*`` is
``to_tsquery('threadkeeper', quote_literal(word) || ':*')``, the words of a branch are
joined with ``&&``, words left out with ``&& !!``, ``OR`` branches with ``||``.

Ranking: ``ts_rank`` (higher is better), negated so that lower is better as bm25 is on
SQLite; the same lift for accepted answers and solved topics, the same title weight, the
same newest-first fallback when the terms match too many posts, the same cap on counting.
Snippets (``ts_headline``) are computed only for the page shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.searchquery import SearchQuery, Term
from bot.storage.postgres.connection import translate

CONFIG = "threadkeeper"  # text search configuration of migration 0002: simple + unaccent


def _term(term: Term) -> tuple[str, str]:
    if term.prefix:
        return f"to_tsquery('{CONFIG}', quote_literal(?) || ':*')", term.text
    return f"phraseto_tsquery('{CONFIG}', ?)", term.text


def tsquery(conn: Any, parsed: SearchQuery) -> str:
    """The query as tsquery text ('' when PostgreSQL finds no word in it)."""
    return _facts(conn, parsed)[0]


def _facts(conn: Any, parsed: SearchQuery) -> tuple[str, bool, int]:
    """In one statement: the query as tsquery text ('' when PostgreSQL finds no word in it),
    whether the title index exists and the newest indexed post id (0: none)."""
    facts = "to_regclass('topics_fts') IS NOT NULL, (SELECT COALESCE(MAX(post_id), 0) FROM posts_fts)"
    branches: list[str] = []
    params: list[str] = []
    for include, exclude in parsed.groups:
        parts: list[str] = []
        for term in include:
            sql, value = _term(term)
            parts.append(sql)
            params.append(value)
        for term in exclude:
            sql, value = _term(term)
            parts.append(f"!! {sql}")
            params.append(value)
        if parts:
            branches.append("(" + " && ".join(parts) + ")")
    text = f"({' || '.join(branches)})::text" if branches else "''"
    row = conn.execute(f"SELECT {text}, {facts}", params).fetchone()
    return str(row[0] or ""), bool(row[1]), int(row[2])


def words_tsquery(conn: Any, words: Sequence[str]) -> str:
    """Every word required, the last also as a prefix (the archive's search box)."""
    parts = [f"phraseto_tsquery('{CONFIG}', ?)" for _ in words[:-1]]
    parts.append(f"to_tsquery('{CONFIG}', quote_literal(?) || ':*')")
    row = conn.execute(f"SELECT ({' && '.join(parts)})::text", list(words)).fetchone()
    return str(row[0] or "")


def _custom(conn: Any, sql: str, params: Sequence[object]) -> list[Any]:
    """Rows of ``sql``, planned for these parameters every time: never a prepared statement.
    psycopg prepares a statement run five times, and after five more PostgreSQL may keep a
    generic plan, made without the tsquery's value or the id range: for the fallback's windows
    that is the backward walk of every id (measured: common words 50 – 250 ms once the
    statements were prepared, 20 – 90 ms planned each time). Planning costs well under 1 ms."""
    return list(conn.raw.execute(translate(sql), list(params), prepare=False).fetchall())


def too_common(conn: Any, query: str, threshold: int, size: int | None = None) -> bool:
    """True when the query matches more than ``threshold`` posts (of every guild)."""
    return bool(_count_matches(conn, query, threshold, size)[0])


def _count_matches(
    conn: Any, query: str, threshold: int, size: int | None = None, *, count_all: bool = True
) -> tuple[bool | None, float | None]:
    """``too_common``, and the matches per id among the newest ``threshold *
    FIRST_WINDOW_PER_MATCH`` ids (None: not counted, or as many as the count's LIMIT).
    ``count_all=False``: None instead of the count over the whole index when nothing else
    decided it (the caller counts, as ``rank_ids`` with ``bound`` does)."""
    if size is None:
        size = conn.execute("SELECT COALESCE(MAX(post_id), 0) FROM posts_fts").fetchone()[0]
    if size <= threshold:
        return False, None
    # The newest ids first: words that common are dense there, and the planner walks the
    # range until threshold + 1 match (a few ms), where over the whole index it would build
    # the GIN bitmap of every post holding them ("the": half of them, 40 – 70 ms at 1M).
    count = "SELECT COUNT(*) FROM (SELECT 1 FROM posts_fts WHERE vector @@ ?::tsquery {} LIMIT ?) AS m"
    span = min(size, threshold * FIRST_WINDOW_PER_MATCH)
    recent = _custom(conn, count.format("AND post_id > ?"), (query, size - span, threshold + 1))[0][0]
    if recent > threshold:
        return True, None
    if _ONE_LEXEME.fullmatch(query) and _estimate(conn, query) >= ESTIMATE_SURE * threshold:
        return True, recent / span
    if not count_all:
        return None, recent / span
    matches = _custom(conn, count.format(""), (query, threshold + 1))[0][0]
    return bool(matches > threshold), recent / span


# The count over the whole index fetches threshold + 1 rows of posts_fts for their visibility
# (GIN has no index-only scans): 4,001 rows on about 3,600 pages, 30 – 100 ms with the pages
# cached, seconds without. Where the planner's statistics put the matches of a one-word query
# (a word or a prefix) at ESTIMATE_SURE times the threshold or more, it is too common without
# counting: the estimate of a word among the statistics' most common elements is its share of
# a 30,000-row sample (13,106 estimated for 13,088 matches at 1M posts), so a word under the
# threshold would have to be seen 1.5 times as often as it is (5 standard deviations at the
# threshold); prefixes are underestimated (the most common elements only). Words estimated
# lower, queries of several words (their estimate assumes the words independent), or vectors
# without statistics yet are counted.
ESTIMATE_SURE = 1.5
_ONE_LEXEME = re.compile(r"'(?:[^']|'')*'(?::\*)?")


# Databases (host, port, name) whose search vectors have statistics: once there, ANALYZE and
# autovacuum keep them (the pg_stats view costs 0.5 – 2 ms a look).
_ANALYZED: set[tuple[str, int, str]] = set()


def _estimate(conn: Any, query: str) -> float:
    """The planner's estimate of the posts matching ``query`` (0 when the search vectors have
    no statistics yet: no ANALYZE, or too few rows for one)."""
    info = conn.raw.info
    where = (str(info.host), int(info.port), str(info.dbname))
    if where not in _ANALYZED:
        rows = _custom(
            conn,
            "SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'posts_fts' "
            "AND attname = 'vector' AND most_common_elems IS NOT NULL)",
            (),
        )
        if not rows[0][0]:
            return 0.0
        _ANALYZED.add(where)
    plan = _custom(conn, "EXPLAIN (FORMAT JSON) SELECT 1 FROM posts_fts WHERE vector @@ ?::tsquery", (query,))
    return float(plan[0][0][0]["Plan"]["Plan Rows"])


# A query of words and prefixes (no phrase: the index cannot tell words next to each other
# from words anywhere in the post) that the newest ids and the statistics left undecided is
# counted from the GIN index alone: the rows of its Bitmap Index Scan, read with EXPLAIN
# ANALYZE of a one-row read (the bitmap is built whole, one heap page is read), 5 – 8 ms for a
# prefix matching 15,000 posts at 1M where counting 4,001 of them fetched ~3,600 heap pages
# (13 ms and more). The index holds entries of rows not yet vacuumed away, and a bitmap that
# outgrew work_mem counts a page as one: so only "more than the threshold" is taken from it
# (too common); otherwise the ranking counts its candidates as before.
_PHRASE = re.compile(r"<(?:-|\d+)>")


def _index_matches(conn: Any, query: str) -> int | None:
    """The entries of the search vectors' GIN index matching ``query`` (every guild); None for
    a phrase, or when PostgreSQL would not read the index as a bitmap."""
    if _PHRASE.search(query):
        return None
    raw = conn.raw
    raw.execute("SET enable_seqscan = off")  # a one-row read would rather walk the table
    try:
        plan = _custom(
            conn,
            "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) SELECT 1 FROM posts_fts "
            "WHERE vector @@ ?::tsquery LIMIT 1",
            (query,),
        )
    finally:
        raw.execute("RESET enable_seqscan")
    nodes = [plan[0][0][0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if node.get("Node Type") == "Bitmap Index Scan" and node.get("Index Name") == "posts_fts_vector":
            return int(node["Actual Rows"])
        nodes += node.get("Plans", [])
    return None


def has_title_index(conn: Any) -> bool:
    return conn.execute("SELECT to_regclass('topics_fts') IS NOT NULL").fetchone()[0] is True


def rank_ids(
    conn: Any,
    query: str,
    where: str,
    params: list[object],
    *,
    titles: bool,
    lift: str,
    title_weight: float,
    limit: int,
    offset: int,
    bound: int | None = None,
) -> tuple[list[int], int] | None:
    """A page of post ids, best first, and how many matched (posts, and opening posts of
    topics whose title matches, the two scores added). ``bound``: first count the posts
    matching (of every guild, as ``too_common``) up to ``bound`` + 1, in the same statement,
    and rank only when there are at most ``bound`` (None: there are more, nothing ranked)."""
    matches = (
        f"SELECT p.id AS id, -ts_rank(f.vector, ?::tsquery) * {lift} AS score FROM posts_fts f "
        f"JOIN posts p ON p.id = f.post_id JOIN topics t ON t.id = p.topic_id WHERE f.vector @@ ?::tsquery AND {where}"
    )
    match_params: list[object] = [query, query, *params]
    if titles:
        matches = (
            f"SELECT id, SUM(score) AS score FROM ({matches} UNION ALL SELECT p.id AS id, "
            f"-ts_rank(tf.vector, ?::tsquery) * {title_weight} * {lift} AS score FROM topics_fts tf "
            "JOIN topics t ON t.id = tf.topic_id JOIN posts p ON p.topic_id = t.id AND p.is_opening = 1 "
            f"WHERE tf.vector @@ ?::tsquery AND {where}) AS scored GROUP BY id"
        )
        match_params += [query, query, *params]
    page = f"SELECT id, COUNT(*) OVER () AS total FROM ({matches}) AS ranked"
    order = "ORDER BY score, id DESC LIMIT ? OFFSET ?"
    if bound is None:
        rows = _custom(conn, f"{page} {order}", [*match_params, limit, offset])
    else:
        # One statement instead of a count, then the ranking: the candidates are counted
        # first (a MATERIALIZED part runs once), and the ranking's WHERE, which names no
        # column, is a one-time filter: with more than ``bound`` candidates it never runs.
        rows = _custom(
            conn,
            "WITH cand AS MATERIALIZED (SELECT 1 FROM posts_fts WHERE vector @@ ?::tsquery LIMIT ?), "
            "n AS (SELECT COUNT(*) AS n FROM cand) "
            f"SELECT r.id, r.total, n.n FROM n LEFT JOIN ({page} WHERE (SELECT n FROM n) <= ? {order}) AS r ON true",
            [query, bound + 1, *match_params, bound, limit, offset],
        )
        if rows[0][2] > bound:
            return None
        rows = [row for row in rows if row[0] is not None]
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    total = conn.execute(f"SELECT COUNT(*) FROM ({matches}) AS ranked", match_params).fetchone()[0]
    return [], int(total)


# The newest-first fallback reads recent posts in windows of post ids: the first holds
# FIRST_WINDOW_PER_MATCH ids per match asked for, each next one is sized from the matches
# per id found so far to hold what is missing (with room to spare; twice the last while
# none were found). A later window is one query without LIMIT, so the planner intersects
# the GIN bitmap with the id range (BitmapAnd) when the words are rare in it; with ORDER BY
# ... LIMIT over every post it walked posts_fts_pkey backwards testing every vector until
# enough matched (126,000 rows for a word in 1 % of the posts at 1M posts, 170 – 350 ms).
FIRST_WINDOW_PER_MATCH = 4
WINDOW_SPARE = 1.1
# The first window sized from the matches per id among the newest ids (the count's sample,
# every guild and status; the filters keep most of them): a little more room, so that one
# window mostly does (each window builds the terms' GIN bitmap again).
FIRST_WINDOW_SPARE = 1.25


def newest_ids(
    conn: Any, query: str, where: str, params: list[object], cap: int, *, top: int | None = None,
    density: float | None = None,
) -> list[int]:  # fmt: skip
    """Matching posts' ids, newest first, at most ``cap``. ``top``: the newest post id, when
    known; ``density``: the matches per id counted among the newest ids (``_count_matches``),
    when known: the first window is then sized from it, as the later ones are."""
    if top is None:
        top = conn.execute("SELECT COALESCE(MAX(post_id), 0) FROM posts_fts").fetchone()[0]
    found: list[int] = []
    high, window, read = int(top), max(1, cap * FIRST_WINDOW_PER_MATCH), 0
    sized = bool(density)  # the first window from the density seen: no LIMIT, like the later ones
    if density:
        window = max(window, int(cap / density * FIRST_WINDOW_SPARE))
    while high > 0 and len(found) < cap:
        low = max(0, high - window)
        # The first window, small, with LIMIT: where the words are dense in it the planner
        # walks it newest first and stops early; the later ones, sized to hold about what is
        # missing, without: a LIMIT the planner expects to reach makes it walk them whole.
        first = read == 0 and not sized
        rows = _custom(
            conn,
            "SELECT p.id FROM posts_fts f JOIN posts p ON p.id = f.post_id JOIN topics t ON t.id = p.topic_id "
            f"WHERE f.vector @@ ?::tsquery AND f.post_id > ? AND f.post_id <= ? AND {where}"
            + (" ORDER BY f.post_id DESC LIMIT ?" if first else ""),
            [query, low, high, *params, *([cap] if first else [])],
        )
        found += sorted((row[0] for row in rows), reverse=True)
        read += high - low
        high = low
        per_id = len(found) / read  # matches per id so far: the next window should hold what is missing
        window = max(cap, int((cap - len(found)) / per_id * WINDOW_SPARE)) if found else 2 * window
    return found[:cap]


def headline(column: str) -> str:
    """SQL for the headline of ``column`` (the query and the options are the next two
    parameters), made from the text as it was indexed (migration 0002's threadkeeper_text)."""
    return f"translate(ts_headline('{CONFIG}', threadkeeper_text({column}), ?::tsquery, ?), E'\\x0e\\x0f', '<>')"


def headline_options(start: str, end: str, ellipsis: str, words: int) -> str:
    return (
        f"StartSel={start}, StopSel={end}, MaxWords={words}, MinWords={max(1, words // 3)}, "
        f'ShortWord=0, MaxFragments=2, FragmentDelimiter=" {ellipsis} "'
    )


def hit_rows(conn: Any, query: str, ids: list[int], options: str, columns: str) -> list[Any]:
    """``columns`` of the posts with these ids (joined to their topics as ``t``), and their
    headline (the matched words marked) as the last column: computed only for these rows."""
    marks = ",".join("?" * len(ids))
    return list(
        conn.execute(
            f"SELECT {columns}, CASE WHEN f.vector @@ ?::tsquery "
            f"THEN {headline('p.content')} END AS snip, p.content "
            "FROM posts p JOIN topics t ON t.id = p.topic_id JOIN posts_fts f ON f.post_id = p.id "
            f"WHERE p.id IN ({marks})",
            [query, query, options, *ids],
        ).fetchall()
    )


@dataclass(frozen=True)
class Found:
    """A page of ``bot.storage.search.search`` on PostgreSQL: what it turns into hits."""

    rows: list[tuple[Any, ...]]  # per post, in order: the columns asked for, then the snippet
    suffixes: list[str]  # what follows each snippet (an ellipsis after a cut opening post)
    total: int
    newest_first: bool
    capped: bool


def search(
    conn: Any,
    parsed: SearchQuery,
    where: str,
    params: list[object],
    *,
    limit: int,
    offset: int,
    fallback_min_matches: int,
    total_cap: int,
    lift: str,
    title_weight: float,
    marks: tuple[str, str, str, int],
    columns: str,
) -> Found:
    """``bot.storage.search.search`` on PostgreSQL: ``where``/``params`` filter posts ``p`` and
    topics ``t``; ``marks`` are the snippet's (start, end, ellipsis, words); each row holds
    ``columns`` (a plain comma list of columns, ``p.id`` first), then the snippet."""
    query, titled, top = _facts(conn, parsed)
    if not query:
        return Found([], [], 0, False, False)
    decided, density = _count_matches(conn, query, fallback_min_matches, top, count_all=False)
    if decided is None:
        entries = _index_matches(conn, query)
        if entries is not None and entries > fallback_min_matches:
            decided = True
    ranked: tuple[list[int], int] | None = None
    if not decided:  # not too common, or not counted yet: the ranking counts its candidates
        ranked = rank_ids(
            conn,
            query,
            where,
            params,
            titles=not parsed.excludes and titled,
            lift=lift,
            title_weight=title_weight,
            limit=limit,
            offset=offset,
            bound=fallback_min_matches if decided is None else None,
        )
    newest_first = ranked is None
    capped = False
    if newest_first:
        # As on SQLite: stop after total_cap + 1 matches (or, for a page beyond them, the
        # page's end + 1): the page and the total, a lower bound when capped.
        reach = max(total_cap, offset + limit)
        found = newest_ids(conn, query, where, params, reach + 1, top=top, density=density)
        total = len(found)
        if total > reach:
            total, capped = reach, True
        ids = found[offset : offset + limit]
    else:
        assert ranked is not None
        ids, total = ranked
    by_id: dict[int, tuple[tuple[Any, ...], str]] = {}
    if ids:
        start, end, ellipsis, words = marks
        width = len(columns.split(","))  # the headline follows the columns, then the text
        for row in hit_rows(conn, query, ids, headline_options(start, end, ellipsis, words), columns):
            if row[width] is None:  # found by the topic title only: the opening post's first words
                text = row[width + 1] or ""
                by_id[row[0]] = ((*row[:width], text[:200]), ellipsis if len(text) >= 200 else "")
            else:
                by_id[row[0]] = (tuple(row[: width + 1]), "")
    kept = [by_id[i] for i in ids if i in by_id]
    return Found([row for row, _ in kept], [suffix for _, suffix in kept], total, newest_first, capped)
