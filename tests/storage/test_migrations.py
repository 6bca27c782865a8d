"""Migration discipline: the shipped list is fixed, every database reaches one schema, the
runner owns each migration's transaction, and a newer schema is refused (docs/operations.md)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.schema import (
    RETIRED_VERSIONS,
    MigrationError,
    SchemaTooNew,
    _migrations,
    latest_version,
    migrate,
    statements,
)

# Every migration ever shipped, in order. A shipped migration is never deleted, renamed or
# renumbered: a change to the schema is a new file with a higher number, appended here.
# Gaps: 5 was never used; 10 shipped (0010_reading_outline) and was deleted, so version 10
# exists in the field and is never used again (0011 brings both kinds of database together).
SHIPPED = [
    "0001_initial.sql",
    "0002_moderation.sql",
    "0003_reading.sql",
    "0004_title_search.sql",
    "0006_list_indexes.sql",
    "0007_continuations.sql",
    "0008_live_write_cost.sql",
    "0009_status_counts.sql",
    "0011_posts_topic_again.sql",
    "0012_due_indexes.sql",
    "0013_leases.sql",
    "0014_choices.sql",
    "0015_own_posts.sql",
    "0016_forum_rules.sql",
    "0017_review_queue.sql",
    "0018_thread_state.sql",
    "0019_mention_names.sql",
    "0020_attachment_copies.sql",
    "0021_archive_consent.sql",
    "0022_sitemap_index.sql",
    "0023_reopened_at.sql",
]
LATEST = int(SHIPPED[-1][:4])
SINCE_0011 = [name for name in SHIPPED if name >= "0011"]

# 0010_reading_outline.sql as it shipped in 9567f8d (deleted in d6c478f), byte for byte.
OLD_0010 = """\
-- A topic's reading order comes from its posts' outlines (posts.outline: id, number, parent,
-- accepted, opening), read from this index alone; only the page's posts are then read in
-- full (topics.show_page). It replaces 0001's posts_topic (topic_id, created_at, id), which
-- it still serves: one index per post either way.
BEGIN;
DROP INDEX posts_topic;
CREATE INDEX posts_topic ON posts(topic_id, created_at, id, status, number, parent_id, accepted, is_opening);
PRAGMA user_version = 10;
COMMIT;
"""

POSTED = {"number": 7, "message_id": "3", "parent": None, "status": "publish", "content": "Hi",
          "author": {"id": "4", "name": "A", "role": "participant"}, "attachments": [],
          "created_at": "2026-11-28T10:00:00+00:00", "edited_at": None, "revisions": []}  # fmt: skip
ONE_TOPIC = {
    "format": "threadkeeper", "version": 1, "guild": {"id": "1", "name": "G"},
    "forums": [{"id": 1, "channel_id": "2", "name": "F", "description": "", "topics": [{
        "number": 7, "thread_id": "3", "title": "Hello", "status": "open", "sticky": "none", "tags": [],
        "accepted_answers": [], "author": POSTED["author"], "created_at": POSTED["created_at"], "posts": [POSTED],
    }]}],
}  # fmt: skip


def schema(conn: sqlite3.Connection) -> list[tuple[str, str, str, str | None]]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    return [tuple(row) for row in rows]


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def as_shipped_up_to(conn: sqlite3.Connection, last: int) -> None:
    """Migrate the way the old runner did: each file ran by executescript with its own
    BEGIN / PRAGMA user_version / COMMIT, as the files carried them until 0011."""
    for number, _, script in _migrations():
        if number <= last:
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


def with_posts(conn: sqlite3.Connection) -> int:
    """A topic of five posts, written with plain SQL of 0001's columns: it runs on the schema
    of any version (today's repositories would write today's columns)."""
    conn.execute("INSERT INTO guilds(guild_id) VALUES (1)")
    conn.execute("INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (1, 100, 'F', '2026-01-01')")
    conn.execute(
        "INSERT INTO topics(id, guild_id, forum_id, number, thread_id, title, author_id, author_name, author_role, "
        "created_at, last_post_at) VALUES (1, 1, 1, 1, 1000, 'T', 7, 'Ann', 'participant', ?, ?)",
        (f"{START}0", f"{START}5"),
    )
    for number in range(1, 6):
        conn.execute(
            "INSERT INTO posts(guild_id, topic_id, number, message_id, channel_id, is_opening, author_id, "
            "author_name, author_role, content, created_at) "
            "VALUES (1, 1, ?, ?, 1000, ?, 7, 'Ann', 'participant', ?, ?)",
            (number, 1000 + number, int(number == 1), f"post {number}", f"{START}{number}"),
        )
    return 1


START = "2026-01-01T00:00:0"  # + one digit: the posts' times, in order


# ---------------------------------------------------------------- the shipped list
def test_the_shipped_migrations_are_exactly_the_known_list() -> None:
    assert [name for _, name, _ in _migrations()] == SHIPPED
    on_disk = sorted(e.name for e in resources.files("bot.storage.sqlite.migrations").iterdir() if e.name[0] != "_")
    assert on_disk == SHIPPED, "a file in migrations/ that the runner would not read (or a missing one)"
    numbers = [int(name[:4]) for name in SHIPPED]
    gaps = set(range(1, max(numbers) + 1)) - set(numbers)
    assert gaps == set(RETIRED_VERSIONS) == {5, 10}  # each explained in RETIRED_VERSIONS
    assert all(len(why) > 20 for why in RETIRED_VERSIONS.values())
    assert latest_version() == LATEST


def test_every_migration_holds_schema_statements_only() -> None:
    for _, name, script in _migrations():
        assert statements(script, name), name  # no BEGIN, COMMIT or user_version: the runner's


def test_statements_split_where_sqlite_ends_them() -> None:
    script = """-- a comment; with a semicolon
CREATE TABLE a(x TEXT DEFAULT 'semi;colon');  /* and; here */
CREATE TRIGGER t AFTER INSERT ON a BEGIN
    INSERT INTO a(x) SELECT 'END;' WHERE 0;
END;
-- trailing comment"""
    found = statements(script)
    assert len(found) == 2
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")


@pytest.mark.parametrize(
    "script",
    [
        "BEGIN; CREATE TABLE a(x);",
        "CREATE TABLE a(x); COMMIT;",
        "CREATE TABLE a(x);\n-- done\nEND;",
        "CREATE TABLE a(x); PRAGMA user_version = 12;",
        "CREATE TABLE a(x); /* x */ pragma main.USER_VERSION=12;",
        "SAVEPOINT s; CREATE TABLE a(x); RELEASE s;",
        "CREATE TABLE a(x); ROLLBACK;",
        "CREATE TABLE a(x)",  # no final semicolon: half a statement?
    ],
)
def test_a_migration_carrying_its_own_transaction_is_refused_before_anything_runs(tmp_path, script) -> None:
    conn = connect(tmp_path / "m.db")
    migrate(conn)
    before = schema(conn)
    with pytest.raises(MigrationError):
        migrate(conn, [*_migrations(), (LATEST + 1, "next_x.sql", script)])
    assert version(conn) == LATEST and schema(conn) == before


# ---------------------------------------------------------------- one schema for every database
def test_fresh_at_9_and_at_10_with_the_deleted_0010_reach_the_same_schema(tmp_path: Path) -> None:
    fresh = connect(tmp_path / "fresh.db")
    assert migrate(fresh) == SHIPPED

    at_9 = connect(tmp_path / "at9.db")
    as_shipped_up_to(at_9, 9)
    topic_9 = with_posts(at_9)
    assert version(at_9) == 9
    assert migrate(at_9) == SINCE_0011

    at_10 = connect(tmp_path / "at10.db")
    as_shipped_up_to(at_10, 9)
    topic_10 = with_posts(at_10)
    at_10.executescript(OLD_0010)
    wide = at_10.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_topic'").fetchone()[0]
    assert version(at_10) == 10 and "is_opening" in wide
    assert migrate(at_10) == SINCE_0011

    assert schema(at_9) == schema(fresh) == schema(at_10)
    assert version(fresh) == version(at_9) == version(at_10) == latest_version()
    narrow = fresh.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_topic'").fetchone()[0]
    assert narrow == "CREATE INDEX posts_topic ON posts(topic_id, created_at, id)"
    for conn, topic_id in ((at_9, topic_9), (at_10, topic_10)):
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT number FROM posts INDEXED BY posts_topic WHERE topic_id = ? ORDER BY created_at, id", (topic_id,)
        ).fetchall()
        assert [row[0] for row in rows] == [1, 2, 3, 4, 5]


def test_0011_is_idempotent(tmp_path: Path) -> None:
    conn = connect(tmp_path / "again.db")
    migrate(conn)
    with_posts(conn)
    done = schema(conn)
    conn.execute("PRAGMA user_version = 10")  # as if 0011 had not run: it runs on its own result
    through_0011 = [m for m in _migrations() if m[0] <= 11]
    assert migrate(conn, through_0011) == ["0011_posts_topic_again.sql"]
    assert schema(conn) == done and version(conn) == 11


# ---------------------------------------------------------------- the runner owns the transaction
@pytest.mark.parametrize("isolation", [None, "DEFERRED"])
def test_a_failing_migration_leaves_user_version_and_schema_unchanged(tmp_path: Path, isolation) -> None:
    conn = sqlite3.connect(tmp_path / "fail.db", isolation_level=isolation)
    migrate(conn)
    before = schema(conn)
    failing = (
        "CREATE TABLE fresh(x);\n"
        "DROP INDEX posts_topic;\n"
        "ALTER TABLE posts ADD COLUMN extra TEXT;\n"
        "CREATE TABLE fresh(x);\n"  # fails: already there
    )
    good = "CREATE TABLE twelve(x);"
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [*_migrations(), (LATEST + 1, "next_good.sql", good), (LATEST + 2, "next_bad.sql", failing)])
    # The good one committed on its own; the bad one left nothing: not its table, index drop or column.
    assert version(conn) == LATEST + 1 and not conn.in_transaction
    assert schema(conn) == sorted([*before, ("table", "twelve", "twelve", "CREATE TABLE twelve(x)")])
    assert "extra" not in [row[1] for row in conn.execute("PRAGMA table_info(posts)")]


# ---------------------------------------------------------------- a newer schema is refused
def newer(path: Path) -> Path:
    conn = connect(path)
    migrate(conn)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    return path


def test_migrate_refuses_a_newer_schema(tmp_path: Path) -> None:
    conn = connect(newer(tmp_path / "new.db"))
    before = schema(conn)
    with pytest.raises(SchemaTooNew) as refused:
        migrate(conn)
    assert f"schema version {latest_version() + 1}, newer than this Threadkeeper knows" in str(refused.value)
    assert version(conn) == latest_version() + 1 and schema(conn) == before


@pytest.mark.parametrize("readonly", [False, True])
async def test_the_database_refuses_to_open_a_newer_schema(tmp_path: Path, readonly: bool) -> None:
    path = newer(tmp_path / "new.db")
    db = Database(path, readonly=readonly)
    with pytest.raises(SchemaTooNew):
        await db.open()
    assert not db.is_open
    assert version(connect(path)) == latest_version() + 1


@pytest.mark.parametrize(
    "argv",
    [["db", "migrate"], ["db", "check"], ["export", "--format", "json"], ["import", "FILE", "--guild", "1"], ["run"]],
)
def test_the_cli_refuses_a_newer_schema_in_one_line(tmp_path: Path, capsys, monkeypatch, argv) -> None:
    path = newer(tmp_path / "new.db")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(ONE_TOPIC))
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-token")  # `run` must refuse before connecting
    code = main([str(export) if arg == "FILE" else arg for arg in argv])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "newer than this Threadkeeper knows" in lines[0], (out, err)
    assert str(path) in lines[0]


def test_the_archive_refuses_a_newer_schema(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(newer(tmp_path / "new.db")))
    with pytest.raises(SystemExit) as refused:
        main(["web", "--port", "1"])  # never reaches the port
    assert "newer than this Threadkeeper knows" in str(refused.value.code)


def test_the_bot_refuses_a_newer_schema_at_start_without_a_traceback(tmp_path: Path) -> None:
    path = newer(tmp_path / "new.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(path), "DISCORD_TOKEN": "not-a-token"},
    )
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "newer than this Threadkeeper knows" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("package", ["bot.storage.sqlite.migrations", "bot.storage.postgres.migrations"])
def test_no_two_migrations_of_a_backend_share_a_number(package: str, tmp_path: Path, monkeypatch) -> None:
    from bot.storage import api

    numbers = [number for number, _, _ in api.migration_files(package)]
    assert numbers == sorted(set(numbers)) and numbers  # each shipped file has a number of its own
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "__init__.py").write_text("")
    (clash / "0001_a.sql").write_text("SELECT 1;")
    (clash / "0001_b.sql").write_text("SELECT 1;")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match=r"0001_a\.sql and 0001_b\.sql have the same number"):
        api.migration_files("clash")
