"""``python -m bot db copy URL``: the whole configured database into an empty one (SPEC §5).

SQLite to PostgreSQL, PostgreSQL to SQLite, or the same kind. In order:

1. Refusals, before anything is written: a source whose schema is behind this code (run
   ``db migrate`` first) or is itself an unfinished copy; a target that holds a forum
   (any Threadkeeper table with rows) or whose schema is newer.
2. The target's schema is migrated with its own backend's migrations, and the mark
   ``db_copy_unfinished`` is put in its kv table, in its own transaction.
3. Every table of the source, its columns read from the source's catalogue, is copied in
   foreign-key order, in batches of ``BATCH_ROWS`` rows in primary-key order, one target
   transaction per batch, all read from one snapshot of the source (so the copy is
   consistent even if something writes the source meanwhile). A column referring to its
   own table (a nested reply's ``parent_id``) that points at a row not copied yet is
   written after the table.
4. What the target's triggers changed while rows arrived is written again from the source
   (the forums' status counters, ``TRIGGER_KEPT``); each id sequence is set past the
   highest id and the source's own position (PostgreSQL ``setval``; SQLite gives
   max(id) + 1); the backend's indexes are finished (SQLite rebuilds its full-text
   indexes; PostgreSQL analyses).
5. Checks: row counts per table, the guilds' next numbers (where the next topic or reply
   number comes from), the forums' counters, the id sequences, the search vectors. Only
   when all agree is the mark removed.

Not copied (``SKIPPED`` and the backend's ``internal_tables``): the full-text indexes (the
target's triggers fill them as rows arrive), PostgreSQL's record of applied migrations
(the target's own), SQLite's own tables, and ``leases``.

Interrupted (an error, Ctrl+C, a lost connection): the target keeps the mark. A second
run into a target that holds the mark starts over: it empties every Threadkeeper table of
the target and copies again from scratch. So nothing is duplicated, and the mark tells
anyone looking that the target is not a forum yet: ``bot.storage.connect`` refuses it
(``UnfinishedCopy``) to the bot, the archive, import and export.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain import timeutil
from bot.storage import kv
from bot.storage.api import atomically, dialect, dialect_name

BATCH_ROWS = 2000
MARK = kv.COPY_UNFINISHED

SKIPPED = {
    "leases": "which running process does a shard's work: held by the source's processes, taken "
    "afresh by the bots started on the target",
}
# Columns the target's triggers change while later tables arrive: rewritten from the source.
TRIGGER_KEPT = {"forums": ("open_count", "closed_count", "solved_count")}

Progress = Callable[[str, int, int], None]  # (what, rows done, rows in all)


class CopyRefused(Exception):
    """The copy cannot start; nothing was written. ``str()`` is one line for the operator."""


class CopyFailed(Exception):
    """The copy ran but what arrived differs from the source; the target keeps the mark."""


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows copied, in copy order
    skipped: list[str] = field(default_factory=list)
    sequences: int = 0
    guilds: int = 0
    restarted: bool = False
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    key: list[str]
    self_refs: list[tuple[str, str]]  # (column, referenced column of the same table)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema(conn: Any) -> tuple[int, int, Callable[[Any], Any]]:
    """(version, latest this code knows, migrate) of the connection's backend."""
    if dialect_name(conn) == "postgres":
        from bot.storage.postgres import database as pg

        return pg.schema_version(conn), pg.latest_version(), pg.migrate
    from bot.storage.sqlite import schema

    return schema.schema_version(conn), schema.latest_version(), schema.migrate


def _copied_tables(conn: Any) -> list[Table]:
    """The source's tables to copy, parents before children (foreign keys)."""
    lang = dialect(conn)
    names = sorted(lang.tables(conn) - lang.internal_tables(conn) - set(SKIPPED))
    refs = {name: lang.references(conn, name) for name in names}
    ordered: list[str] = []
    waiting = list(names)
    while waiting:
        ready = [n for n in waiting if all(r == n or r in ordered or r not in names for _, r, _ in refs[n])]
        if not ready:
            raise CopyRefused(f"the source's foreign keys form a circle among {', '.join(waiting)}")
        ordered += ready
        waiting = [n for n in waiting if n not in ready]
    return [
        Table(
            name,
            lang.columns(conn, name),
            lang.primary_key(conn, name),
            [(column, ref_column) for column, ref, ref_column in refs[name] if ref == name],
        )
        for name in ordered
    ]


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0])


def _held_rows(target: Any, names: set[str]) -> dict[str, int]:
    lang = dialect(target)
    present = lang.tables(target) & names
    return {name: rows for name in sorted(present) if (rows := _count(target, name))}


def _refuse_source(source: Any, where: str) -> None:
    version, latest, _ = _schema(source)
    if version < latest:
        raise CopyRefused(
            f"{where} has schema version {version}, this Threadkeeper's is {latest}: "
            "run `python -m bot db migrate` first, then copy"
        )
    if "kv" in dialect(source).tables(source) and kv.get(source, MARK) is not None:
        raise CopyRefused(f"{where} is itself an unfinished copy (kv {MARK}): copy from the database it came from")


def _prepare_target(target: Any, where: str, names: set[str]) -> bool:
    """Refuse a target holding a forum; migrate it; put the mark. True when it held an
    unfinished copy (emptied here)."""
    from bot.storage.errors import SchemaTooNew

    version, latest, migrate = _schema(target)
    if version > latest:
        raise SchemaTooNew(version, latest, where)
    held = _held_rows(target, names | set(SKIPPED))
    unfinished = "kv" in held and kv.get(target, MARK) is not None
    if held and not unfinished:
        listed = ", ".join(f"{name} {rows}" for name, rows in held.items())
        raise CopyRefused(f"{where} is not empty ({listed} rows): db copy writes only into an empty database")
    migrate(target)
    lang = dialect(target)
    if unfinished:
        order = _order_for_clearing(target, names)

        def start_over(conn: Any) -> None:
            lang.clear(conn, order)
            _mark(conn)

        atomically(target, start_over)
    else:
        atomically(target, _mark)
    return unfinished


def _order_for_clearing(target: Any, names: set[str]) -> list[str]:
    present = dialect(target).tables(target) & (names | set(SKIPPED))
    return [t.name for t in reversed(_copied_tables(target)) if t.name in present] + sorted(present & set(SKIPPED))


def _mark(conn: Any) -> None:
    kv.put(conn, MARK, "since " + timeutil.iso(datetime.now(UTC)))


def _check_columns(source_tables: list[Table], target: Any, where: str) -> None:
    lang = dialect(target)
    present = lang.tables(target)
    for table in source_tables:
        if table.name not in present:
            raise CopyRefused(f"{where} has no table {table.name} after its migrations: the schemas differ")
        theirs = set(lang.columns(target, table.name))
        if theirs != set(table.columns):
            differ = sorted(theirs ^ set(table.columns))
            raise CopyRefused(f"{table.name}: the schemas differ in column(s) {', '.join(differ)}")


def _pages(source: Any, table: Table, batch: int) -> Any:
    """The table's rows as tuples, ``batch`` at a time, in primary-key order (keyset pages)."""
    lang = dialect(source)
    columns = ", ".join(_quote(c) for c in table.columns)
    key = ", ".join(_quote(c) for c in table.key)
    extra = [c for c in table.key if c not in table.columns]  # SQLite's rowid
    select = f"SELECT {columns}{''.join(', ' + _quote(c) for c in extra)} FROM {_quote(table.name)}"
    where = f"({key}) > ({', '.join('?' for _ in table.key)})" if len(table.key) > 1 else f"{key} > ?"
    positions = [
        table.columns.index(c) if c in table.columns else len(table.columns) + extra.index(c) for c in table.key
    ]
    last: tuple[Any, ...] | None = None
    while True:
        if last is None:
            rows = lang.tuples(source, f"{select} ORDER BY {key} LIMIT {int(batch)}")
        else:
            rows = lang.tuples(source, f"{select} WHERE {where} ORDER BY {key} LIMIT {int(batch)}", last)
        if not rows:
            return
        last = tuple(rows[-1][p] for p in positions)
        yield [row[: len(table.columns)] for row in rows]


def _copy_table(source: Any, target: Any, table: Table, batch: int, tick: Callable[[int], None]) -> int:
    marks = ", ".join("?" for _ in table.columns)
    insert = f"INSERT INTO {_quote(table.name)} ({', '.join(_quote(c) for c in table.columns)}) VALUES ({marks})"
    refs = [(table.columns.index(column), ref) for column, ref in table.self_refs]
    own = table.columns.index(table.key[0]) if len(table.key) == 1 and table.key[0] in table.columns else None
    later: list[tuple[str, Any, Any]] = []  # (column, value, key) written after the table
    copied = 0
    for page in _pages(source, table, batch):
        rows = [list(row) for row in page]
        for row in rows:
            for index, ref in refs:
                value = row[index]
                if value is not None and (own is None or ref != table.key[0] or value >= row[own]):
                    later.append((table.columns[index], value, row[own] if own is not None else None))
                    row[index] = None
        _insert(target, insert, rows)
        copied += len(rows)
        tick(len(rows))
    if later:
        if own is None:
            raise CopyFailed(f"{table.name}: a reference to its own rows without a one-column key")
        name = _quote(table.name)
        key = _quote(table.key[0])

        def refer(c: Any) -> None:
            for column, value, row_key in later:
                c.execute(f"UPDATE {name} SET {_quote(column)} = ? WHERE {key} = ?", (value, row_key))

        atomically(target, refer)
    return copied


def _insert(target: Any, sql: str, rows: list[Any]) -> None:
    """``sql`` for each of ``rows`` in one target transaction."""
    atomically(target, lambda c: c.executemany(sql, rows))


def _rewrite_trigger_kept(source: Any, target: Any, tables: list[Table]) -> None:
    for table in tables:
        columns = TRIGGER_KEPT.get(table.name)
        if not columns or len(table.key) != 1:
            continue
        key = table.key[0]
        read = f"SELECT {', '.join(_quote(c) for c in (*columns, key))} FROM {_quote(table.name)}"
        rows = dialect(source).tuples(source, read)
        sets = ", ".join(f"{_quote(c)} = ?" for c in columns)
        write = f"UPDATE {_quote(table.name)} SET {sets} WHERE {_quote(key)} = ?"
        _insert(target, write, rows)


def _set_sequences(source: Any, target: Any, tables: list[Table]) -> int:
    """Each target id sequence past the highest id and past the source's own position."""
    positions = dialect(source).id_positions(source)
    lang = dialect(target)
    targets = lang.id_positions(target)
    done = 0
    for table in tables:
        if table.name not in targets:
            continue
        column = targets[table.name][0]
        highest = target.execute(f"SELECT MAX({_quote(column)}) FROM {_quote(table.name)}").fetchone()[0]
        position = max(int(highest or 0), positions.get(table.name, ("", 0))[1])
        done += bool(lang.set_id_position(target, table.name, column, position))
    return done


def _verify(source: Any, target: Any, counts: dict[str, int], tables: list[Table]) -> list[str]:
    problems = []
    for table in tables:
        arrived = _count(target, table.name) - (1 if table.name == "kv" else 0)  # the mark
        if arrived != counts[table.name]:
            problems.append(f"{table.name}: {arrived} rows arrived of {counts[table.name]}")
    checks = ["SELECT guild_id, next_number FROM guilds ORDER BY guild_id"]
    for name, columns in TRIGGER_KEPT.items():
        checks.append(f"SELECT id, {', '.join(columns)} FROM {name} ORDER BY id")
    for sql in checks:
        if dialect(source).tuples(source, sql) != dialect(target).tuples(target, sql):
            problems.append(f"differs from the source: {sql}")
    theirs = dialect(target).id_positions(target)
    for name, (_, position) in dialect(source).id_positions(source).items():
        if name in theirs and dialect_name(target) == "postgres" and theirs[name][1] < position:
            problems.append(f"{name}: ids continue from {theirs[name][1]}, the source's from {position}")
    for table in tables:
        if table.name in theirs:
            column, position = theirs[table.name]
            highest = target.execute(f"SELECT MAX({_quote(column)}) FROM {_quote(table.name)}").fetchone()[0]
            if highest is not None and position < highest:
                problems.append(f"{table.name}: the id sequence stands at {position}, below its highest id {highest}")
    return problems + dialect(target).index_problems(target)


def copy_database(
    source: Any,
    target: Any,
    *,
    source_where: str,
    target_where: str,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy ``source`` into the empty ``target`` (both open connections; see the module doc).

    Raises ``CopyRefused`` (nothing written), ``SchemaTooNew``, ``CopyFailed`` (the counts
    differ; the target keeps the mark), or the driver's error from a batch (the batch is
    rolled back; the target keeps the mark, and a second run starts over).
    """
    started = time.monotonic()
    say = progress or (lambda what, done, total: None)
    _refuse_source(source, source_where)
    report = CopyReport()
    lang = dialect(source)
    source.execute(lang.SNAPSHOT)
    try:
        tables = _copied_tables(source)
        names = {t.name for t in tables}
        rest = lang.tables(source) - names
        report.skipped = sorted(
            n for n in rest if not n.startswith("sqlite_") and not any(n.startswith(o + "_") for o in rest if o != n)
        )
        counts = {t.name: _count(source, t.name) for t in tables}
        total = sum(counts.values())
        report.restarted = _prepare_target(target, target_where, names)
        _check_columns(tables, target, target_where)
        done = 0
        for table in tables:
            if counts[table.name]:
                say(table.name, done, total)

            def tick(rows: int, name: str = table.name) -> None:
                nonlocal done
                done += rows
                say(name, done, total)

            report.tables[table.name] = _copy_table(source, target, table, batch, tick)
        say("checking", done, total)
        _rewrite_trigger_kept(source, target, tables)
        report.sequences = atomically(target, lambda c: _set_sequences(source, c, tables))
        dialect(target).after_bulk_load(target)
        problems = _verify(source, target, counts, tables)
        report.guilds = counts.get("guilds", 0)
    finally:
        source.execute("ROLLBACK")  # the read snapshot: nothing was written to the source
    if problems:
        raise CopyFailed(f"{target_where}: the copy differs from the source: {'; '.join(problems[:5])}")
    atomically(target, lambda c: kv.delete(c, MARK))
    report.seconds = time.monotonic() - started
    return report
