"""Autocomplete's reads: topics and posts by number prefix or title words, newest first.

Cheap on purpose (no full-text search): a number prefix is a few index ranges on
``(guild_id, number)``; words are ``LIKE`` over titles read from the covering index
``topics_choices`` (SQLite 0014, PostgreSQL 0005), newest number first, stopping at the
limit. Only topics of the forums given (the ones the member can see); hidden statuses only
when asked (moderators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.choices import MAX_CHOICES, ChoiceQuery, like_pattern, number_ranges
from bot.storage.api import Connection, dialect

SHOWN_TOPIC = ("open", "closed")


@dataclass(frozen=True)
class Choice:
    number: int
    title: str  # the topic's title
    status: str  # the topic's (or, for a post, the post's) status
    reply: bool = False  # a reply rather than a topic's opening post


def _in(column: str, values: Sequence[object]) -> str:
    return f"{column} IN ({','.join('?' * len(values))})"


def _topic_filter(forum_ids: Sequence[int], include_hidden: bool, alias: str = "") -> tuple[str, list[object]]:
    clauses = [_in(f"{alias}forum_id", forum_ids)]
    params: list[object] = [*forum_ids]
    if not include_hidden:
        clauses.append(_in(f"{alias}status", SHOWN_TOPIC))
        params += SHOWN_TOPIC
    return " AND ".join(clauses), params


def topic_choices(
    conn: Connection,
    guild_id: int,
    forum_ids: Sequence[int],
    query: ChoiceQuery,
    *,
    include_hidden: bool = False,
    limit: int = MAX_CHOICES,
) -> list[Choice]:
    """Topics of these forums matching the query, highest number (newest) first."""
    if not forum_ids or query.nothing or limit < 1:
        return []
    where, params = _topic_filter(forum_ids, include_hidden)
    hint = dialect(conn).indexed_by("topics_choices")
    select = f"SELECT number, title, status FROM topics {hint} WHERE guild_id = ? AND {where}"
    if query.prefix is None:
        # The title test first: it rejects most entries, and SQLite tries the terms as written
        # (a third of the time of testing the forum and status lists first on every entry).
        # ... and the longest word first: "the" passes nearly every title, "davine" few.
        typed = sorted(query.words, key=len, reverse=True)
        words = [f"{dialect(conn).contains_nocase('title')} AND " for _ in typed]
        sql = (
            f"SELECT number, title, status FROM topics {hint} WHERE guild_id = ? AND {''.join(words)}{where} "
            "ORDER BY number DESC LIMIT ?"
        )
        rows = conn.execute(sql, [guild_id, *map(like_pattern, typed), *params, limit]).fetchall()
        return [Choice(row[0], row[1], row[2]) for row in rows]
    found: list[Choice] = []
    greatest = conn.execute("SELECT MAX(number) FROM topics WHERE guild_id = ?", (guild_id,)).fetchone()[0]
    for low, high in number_ranges(query.prefix, greatest or 0):
        rows = conn.execute(
            f"{select} AND number BETWEEN ? AND ? ORDER BY number DESC LIMIT ?",
            [guild_id, *params, low, high, limit - len(found)],
        ).fetchall()
        found += [Choice(row[0], row[1], row[2]) for row in rows]
        if len(found) >= limit:
            break
    return found


def post_choices(
    conn: Connection,
    guild_id: int,
    forum_ids: Sequence[int],
    query: ChoiceQuery,
    *,
    include_hidden: bool = False,
    limit: int = MAX_CHOICES,
) -> list[Choice]:
    """Posts matching the query, highest number first: a number prefix matches post numbers
    (replies too); words match topic titles (their opening posts)."""
    if not forum_ids or query.nothing or limit < 1:
        return []
    if query.words:
        return topic_choices(conn, guild_id, forum_ids, query, include_hidden=include_hidden, limit=limit)
    where, params = _topic_filter(forum_ids, include_hidden, "t.")
    if not include_hidden:
        where += " AND p.status = 'publish'"
    select = (
        "SELECT p.number, t.title, p.status, p.is_opening FROM posts p JOIN topics t ON t.id = p.topic_id "
        f"WHERE p.guild_id = ? AND {where}"
    )
    if query.prefix is None:
        ranges: list[tuple[int, int] | None] = [None]
    else:
        greatest = conn.execute("SELECT MAX(number) FROM posts WHERE guild_id = ?", (guild_id,)).fetchone()[0]
        ranges = list(number_ranges(query.prefix, greatest or 0))
    found: list[Choice] = []
    for numbers in ranges:
        between = "" if numbers is None else " AND p.number BETWEEN ? AND ?"
        rows = conn.execute(
            f"{select}{between} ORDER BY p.number DESC LIMIT ?",
            [guild_id, *params, *(numbers or ()), limit - len(found)],
        ).fetchall()
        found += [Choice(row[0], row[1], row[2], reply=not row[3]) for row in rows]
        if len(found) >= limit:
            break
    return found
