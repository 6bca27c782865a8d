"""A psycopg 3 connection dressed as the repositories' ``Connection`` (``bot.storage.api``).

- ``?`` placeholders become psycopg's ``%s`` and ``:name`` becomes ``%(name)s`` (a literal
  ``%`` becomes ``%%``), outside quoted strings and identifiers, once per statement text:
  the translation is cached, so a repository's statement costs one dict look-up.
- Rows index by position and by column name (``Row``), like ``sqlite3.Row``.
- The connection is in autocommit mode: a statement outside BEGIN commits alone, as on
  SQLite with ``isolation_level=None``; ``atomically`` and the writer send BEGIN/COMMIT.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg.rows import RowMaker, tuple_row

_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 4096  # statement texts; built IN (?, ?, ...) lists vary with their length


def translate(sql: str) -> str:
    """``sql`` with SQLite-style placeholders in psycopg's format (cached)."""
    found = _CACHE.get(sql)
    if found is not None:
        return found
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):  # a quoted string or identifier: copied as it is ('' and "" included)
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
            continue
        if ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        elif ch == ":" and i + 1 < n and sql[i + 1] == ":":  # a cast: ::type
            out.append("::")
            i += 2
            continue
        elif ch == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1 : end]})s")
            i = end
            continue
        else:
            out.append(ch)
        i += 1
    translated = "".join(out)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[sql] = translated
    return translated


class Row:
    """A result row by position (``row[0]``) and by column name (``row["id"]``), like ``sqlite3.Row``."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return tuple(self._values) == tuple(other._values)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=False))!r})"


def row_factory(cursor: Any) -> RowMaker[Row]:
    description = cursor.description
    if description is None:
        return lambda values: Row(values, {})
    index: dict[str, int] = {}
    for position, column in enumerate(description):
        index.setdefault(column.name, position)  # the first of two same-named columns, as sqlite3.Row
    return lambda values: Row(values, index)


class PgConnection:
    """The repositories' connection on PostgreSQL (see the module doc)."""

    dialect = "postgres"
    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Any = ()) -> psycopg.Cursor[Row]:
        cursor = self.raw.cursor(row_factory=row_factory)
        cursor.execute(translate(sql), _params(parameters))
        return cursor

    def executemany(self, sql: str, seq_of_parameters: Any) -> psycopg.Cursor[Row]:
        cursor = self.raw.cursor(row_factory=row_factory)
        cursor.executemany(translate(sql), [_params(p) for p in seq_of_parameters])
        return cursor

    def execute_tuples(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        with self.raw.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(translate(sql), _params(parameters))
            return cursor.fetchall()

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def _params(parameters: Any) -> Any:
    if parameters is None:
        return ()
    if isinstance(parameters, dict | tuple | list):
        return parameters
    return list(parameters)


def connect(url: str, **kwargs: Any) -> PgConnection:
    """A plain (unpooled) connection for the command line and tests, in autocommit mode."""
    return PgConnection(psycopg.connect(url, autocommit=True, **kwargs))
