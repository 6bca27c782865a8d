"""The database layer says StorageUnavailable (full, read-only, locked) on every way in, and
leaves every other error what it is: callers never read SQLite's message text."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.config import Settings
from bot.storage import create_database, kv, posts
from bot.storage.errors import StorageUnavailable
from bot.storage.sqlite.database import Database, as_unavailable
from tests.storage.helpers import new_post, new_topic

# SQLite's own faults (query_only, max_page_count, a second connection's lock) are SQLite's
# tests; PostgreSQL's read-only server is the last one's.
SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


def _put(conn: sqlite3.Connection) -> None:
    kv.put(conn, "probe", "x")


async def _every_way_in(db: Database) -> list[BaseException]:
    """A write through run, transaction, write and submit_bulk: what each raised."""
    found: list[BaseException] = []
    for attempt in (db.run(_put), db.transaction(_put), db.write(_put), db.submit_bulk(_put)):
        with pytest.raises(Exception) as raised:
            await attempt
        found.append(raised.value)
    return found


@SQLITE
async def test_a_read_only_database_raises_storage_unavailable_on_every_way_in(db: Database) -> None:
    await db.run(lambda conn: conn.execute("PRAGMA query_only = ON"))
    raised = await _every_way_in(db)
    assert all(isinstance(e, StorageUnavailable) and e.reason == "read-only" for e in raised), raised
    assert all(isinstance(e.__cause__, sqlite3.OperationalError) for e in raised)  # the traceback keeps SQLite's
    assert await db.run(kv.get, "probe") is None  # reading still works
    await db.run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
    await db.write(_put)
    assert await db.run(kv.get, "probe") == "x"


@SQLITE
async def test_a_full_database_raises_storage_unavailable(db: Database, forum_id: int) -> None:
    topic = (await db.transaction(posts.record_topic, new_topic(forum_id))).topic

    def fill(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    await db.run(fill)
    with pytest.raises(StorageUnavailable) as raised:
        await db.write(posts.record_reply, topic.id, new_post(5000, content="many words " * 2000))
    assert raised.value.reason == "full"


@SQLITE
async def test_a_database_locked_past_its_timeout_raises_storage_unavailable(db: Database) -> None:
    await db.run(lambda conn: conn.execute("PRAGMA busy_timeout = 50"))
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program (a backup script, the sqlite3 shell) holds the lock
    try:
        with pytest.raises(StorageUnavailable) as raised:
            await db.transaction(_put)
        assert raised.value.reason == "locked"
    finally:
        other.execute("ROLLBACK")
        other.close()
    await db.transaction(_put)  # free again


@SQLITE
async def test_other_errors_stay_what_they_are(db: Database, forum_id: int) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await db.run(lambda conn: conn.execute("SELECT * FROM nowhere"))
    topic = (await db.transaction(posts.record_topic, new_topic(forum_id))).topic

    def duplicate(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO topics SELECT * FROM topics WHERE id = ?", (topic.id,))

    results = await asyncio.gather(db.write(duplicate), return_exceptions=True)
    assert isinstance(results[0], sqlite3.IntegrityError)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (sqlite3.OperationalError("database or disk is full"), "full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (sqlite3.OperationalError("database is locked"), "locked"),
        (sqlite3.OperationalError("disk I/O error"), "unreachable"),
        (sqlite3.OperationalError("unable to open database file"), "unreachable"),
        (sqlite3.OperationalError("no such table: x"), None),
        (sqlite3.IntegrityError("UNIQUE constraint failed: posts.message_id"), None),
        (ValueError("database is locked"), None),  # not a driver error: never translated
    ],
)
def test_errors_without_a_result_code_are_recognised_by_sqlites_words(error: Exception, reason: str | None) -> None:
    found = as_unavailable(error)
    assert (found.reason if found else None) == reason


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_read_only_postgresql_raises_storage_unavailable_on_every_way_in(db, database_url: str) -> None:
    """A server that refuses writes (a standby, default_transaction_read_only): SQLSTATE 25006."""
    await db.write(_put)  # the schema is there, and writable through the bot's own handle
    refusing = create_database(Settings(database_url=database_url), readonly=True)
    await refusing.open(migrate_schema=False)
    try:
        raised = await _every_way_in(refusing)
        assert all(isinstance(e, StorageUnavailable) and e.reason == "read-only" for e in raised), raised
        assert all(getattr(e.__cause__, "sqlstate", None) == "25006" for e in raised)  # the driver's error kept
        assert await refusing.run(kv.get, "probe") == "x"  # reading still works
    finally:
        await refusing.close()
