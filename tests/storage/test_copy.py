"""``python -m bot db copy URL`` (bot/storage/copy.py): a seeded forum copied between real
databases, SQLite to PostgreSQL and back; what must not happen (a non-empty target, an
interrupted copy) and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.roles import ForumRole
from bot.porting import exports
from bot.storage import (
    audit,
    connect,
    describe,
    kv,
    leases,
    members,
    posts,
    reports,
    restructuring,
    saved_searches,
    search,
    subscriptions,
)
from bot.storage import copy as dbcopy
from bot.storage.api import atomically, dialect
from bot.storage.errors import UnfinishedCopy
from bot.storage.models import NewPost, NewTopic
from tests.backends import Server
from tests.web.seed import GUILD, KUMAR, seed

NOW = "2026-11-29T08:00:00.000000+00:00"
DIRECTIONS = [("sqlite", "postgres"), ("postgres", "sqlite")]


@pytest.fixture
def make_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """New empty databases (no schema): a SQLite file that does not exist yet, or a bare
    PostgreSQL database (dropped after the test)."""
    made: list[str] = []
    files: list[str] = []
    server: Server | None = None

    def make(backend: str) -> str:
        nonlocal server
        if backend == "sqlite":
            files.append(f"sqlite:///{tmp_path / f'db{len(files)}.db'}")
            return files[-1]
        if server is None:
            server = request.getfixturevalue("pg_server")
            if server is None:
                pytest.skip("PostgreSQL tests are turned off (THREADKEEPER_TEST_PG=off)")
        made.append(server.empty_database())
        return made[-1]

    yield make
    for url in made:
        assert server is not None
        server.drop_database(url)


def open_db(url: str) -> Any:
    return connect(Settings(database_url=url), migrate_schema=True)


def seed_forum(url: str) -> None:
    """The web archive's example forum, then everything else a forum holds: revisions,
    reports, subscriptions (one deleted: a gap in the ids), the audit log, assignments,
    a role map, kv facts, failed DMs, a saved search, a retired thread, a lease, and a
    nested reply pointing at a later post."""
    seeded = seed(url, extra_topics=3)
    conn = open_db(url)
    try:
        conn.execute(dialect(conn).BEGIN)
        edited = posts.by_message(conn, 903147)
        assert edited is not None
        posts.record_edit(conn, 903147, KUMAR + " (edited)", NOW)
        posts.record_edit(conn, 903147, KUMAR + " (edited twice)", NOW)
        reports.report(conn, guild_id=GUILD, post_id=edited.id, reporter_id=42, reason="rude", now=NOW)
        reports.hold(conn, guild_id=GUILD, post_id=edited.id, reason="link", now=NOW)
        for user in (42, 43, 44):
            subscriptions.subscribe(conn, guild_id=GUILD, user_id=user, now=NOW, topic_id=seeded.topic_id)
        subscriptions.subscribe(conn, guild_id=GUILD, user_id=42, now=NOW, forum_id=seeded.forum_id)
        subscriptions.subscribe(conn, guild_id=GUILD, user_id=44, now=NOW, forum_id=seeded.staff_forum_id)
        subscriptions.unsubscribe(conn, user_id=44, forum_id=seeded.staff_forum_id)  # the last id, deleted
        subscriptions.dm_failed(conn, GUILD, 43, members_now(), "closed DMs")
        audit.record(
            conn, guild_id=GUILD, actor_id=1, actor_name="Mod", action="close", now=NOW, topic_id=seeded.topic_id
        )
        members.assign(
            conn,
            guild_id=GUILD,
            user_id=42,
            role=ForumRole.MODERATOR,
            source="role",
            assigned_by=1,
            now=NOW,
            forum_ids=[seeded.staff_forum_id],
        )
        members.block(conn, guild_id=GUILD, user_id=66, assigned_by=1, now=NOW, expires_at=None, reason="spam")
        members.map_role(conn, GUILD, 555, ForumRole.MODERATOR)
        kv.put(conn, "last_catchup_at", NOW)
        saved_searches.save(
            conn, key="k1", guild_id=GUILD, query="medicine", forum_id=None, author_id=None, solved_only=False, now=NOW
        )
        restructuring.retire_thread(conn, 123456, seeded.topic_id, "moved", NOW)
        leases.take(conn, ["shard 0/1"], "host:1:x", NOW, "2026-11-29T09:00:00+00:00")
        first, last = (posts.by_number(conn, GUILD, n) for n in (3147, 3155))
        assert first is not None and last is not None
        conn.execute("UPDATE posts SET parent_id = ? WHERE id = ?", (last.id, first.id))  # forward reference
        conn.execute("COMMIT")
    finally:
        conn.close()


def members_now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 29, 8, tzinfo=UTC)


def dump(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every copied table's rows, columns in name order, in key order."""
    lang = dialect(conn)
    found = {}
    for name in sorted(lang.tables(conn) - lang.internal_tables(conn) - set(dbcopy.SKIPPED)):
        columns = ", ".join(f'"{c}"' for c in sorted(lang.columns(conn, name)))
        key = ", ".join(f'"{c}"' for c in lang.primary_key(conn, name))
        found[name] = lang.tuples(conn, f'SELECT {columns} FROM "{name}" ORDER BY {key}')
    return found


def exported(conn: Any) -> dict[str, Any]:
    document = json.loads(exports.render(conn, "json", GUILD))
    document.pop("exported_at")
    return dict(document)


def run_copy(source_url: str, target_url: str, **options: Any) -> dbcopy.CopyReport:
    source = connect(Settings(database_url=source_url))
    target = connect(Settings(database_url=target_url), create=True, check=False)
    try:
        return dbcopy.copy_database(
            source,
            target,
            source_where=describe(Settings(database_url=source_url)),
            target_where=describe(Settings(database_url=target_url)),
            **options,
        )
    finally:
        source.close()
        target.close()


@pytest.mark.parametrize(("from_backend", "to_backend"), DIRECTIONS)
def test_a_forum_arrives_whole_and_goes_on(make_url: Callable[[str], str], from_backend: str, to_backend: str) -> None:
    source_url, target_url = make_url(from_backend), make_url(to_backend)
    seed_forum(source_url)
    source = open_db(source_url)
    before, export_before = dump(source), exported(source)
    next_number = source.execute("SELECT next_number FROM guilds WHERE guild_id = ?", (GUILD,)).fetchone()[0]
    source.close()

    report = run_copy(source_url, target_url, batch=3)  # several batches per table

    assert not report.restarted and report.rows == sum(len(rows) for rows in before.values())
    copied = {"posts", "revisions", "reports", "subscriptions", "audit_log", "assignments", "kv", "moderator_forums"}
    assert copied <= set(report.tables)
    assert "leases" in report.skipped and "posts_fts" in report.skipped
    target = open_db(target_url)
    try:
        assert dump(target) == before  # every row of every table, the mark gone
        assert exported(target) == export_before
        assert kv.get(target, dbcopy.MARK) is None and leases.all_leases(target) == []
        assert posts.revisions(target, posts.by_message(target, 903147).id)  # type: ignore[union-attr]
        hits = search.search(target, guild_id=GUILD, query="interchangeably")
        assert [hit.number for hit in hits.hits] == [3147]
        assert search.search(target, guild_id=GUILD, query="Filler topic").hits  # titles too
        # Numbers continue where they stood: the next topic and reply, no reuse, no gap.
        forum_id = target.execute("SELECT id FROM forums WHERE channel_id = 500").fetchone()[0]
        highest = {t: target.execute(f"SELECT MAX(id) FROM {t}").fetchone()[0] for t in ("topics", "posts")}
        target.execute(dialect(target).BEGIN)
        made = posts.record_topic(target, NewTopic(GUILD, forum_id, 990001, "After the move", new_post(990002, 990001)))
        reply = posts.record_reply(target, made.topic.id, new_post(990003, 990001))
        new_sub = subscriptions.subscribe(target, guild_id=GUILD, user_id=77, now=NOW, forum_id=forum_id)
        target.execute("COMMIT")
        assert (made.topic.number, reply.post.number) == (next_number, next_number + 1)
        assert made.topic.id == highest["topics"] + 1 and reply.post.id > highest["posts"]
        assert new_sub
    finally:
        target.close()


def new_post(message_id: int, channel_id: int) -> NewPost:
    return NewPost(
        guild_id=GUILD,
        message_id=message_id,
        channel_id=channel_id,
        author_id=7,
        author_name="Newcomer",
        author_role="participant",
        content="written after the move",
        created_at=NOW,
    )


def test_postgres_ids_continue_past_the_sources_sequence(make_url: Callable[[str], str]) -> None:
    """A deleted last row leaves PostgreSQL's sequence past max(id): the copy keeps that."""
    source_url, target_url = make_url("postgres"), make_url("postgres")
    seed_forum(source_url)  # its last subscription was deleted
    source = open_db(source_url)
    position = dialect(source).id_positions(source)["subscriptions"][1]
    assert position > source.execute("SELECT MAX(id) FROM subscriptions").fetchone()[0]
    source.close()
    run_copy(source_url, target_url)
    target = open_db(target_url)
    try:
        assert dialect(target).id_positions(target)["subscriptions"][1] == position
        assert (
            dialect(target).id_positions(target)["posts"][1]
            == target.execute("SELECT MAX(id) FROM posts").fetchone()[0]
        )
    finally:
        target.close()


@pytest.mark.parametrize(("from_backend", "to_backend"), DIRECTIONS)
def test_a_target_holding_a_forum_is_refused_untouched(
    make_url: Callable[[str], str], from_backend: str, to_backend: str
) -> None:
    source_url, target_url = make_url(from_backend), make_url(to_backend)
    seed_forum(source_url)
    seed(target_url)  # another forum
    target = open_db(target_url)
    before = dump(target)
    target.close()
    with pytest.raises(dbcopy.CopyRefused, match=r"is not empty .*topics 2"):
        run_copy(source_url, target_url)
    target = open_db(target_url)
    try:
        assert dump(target) == before and kv.get(target, dbcopy.MARK) is None
    finally:
        target.close()


@pytest.mark.parametrize(("from_backend", "to_backend"), DIRECTIONS)
def test_an_interrupted_copy_starts_over_and_ends_exact(
    make_url: Callable[[str], str], from_backend: str, to_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source_url, target_url = make_url(from_backend), make_url(to_backend)
    seed_forum(source_url)
    source = open_db(source_url)
    before = dump(source)
    source.close()
    real_insert = dbcopy._insert
    calls = {"n": 0}

    def failing(target: Any, sql: str, rows: list[Any]) -> None:
        calls["n"] += sql.startswith('INSERT INTO "posts"')
        if sql.startswith('INSERT INTO "posts"') and calls["n"] > 2:  # the third batch of posts
            raise RuntimeError("the machine went away")
        real_insert(target, sql, rows)

    monkeypatch.setattr(dbcopy, "_insert", failing)
    with pytest.raises(RuntimeError):
        run_copy(source_url, target_url, batch=2)
    target = connect(Settings(database_url=target_url), check=False)
    half = dump(target)
    assert kv.get(target, dbcopy.MARK) is not None
    assert 0 < len(half["posts"]) < len(before["posts"]) and half["topics"] == before["topics"]
    target.close()
    with pytest.raises(UnfinishedCopy, match="db copy"):  # no import, bot or archive on half a forum
        open_db(target_url)

    monkeypatch.setattr(dbcopy, "_insert", real_insert)
    report = run_copy(source_url, target_url, batch=2)
    assert report.restarted
    target = open_db(target_url)
    try:
        assert dump(target) == before
        assert search.search(target, guild_id=GUILD, query="interchangeably").total == 1  # no duplicate vectors
    finally:
        target.close()


def test_a_source_behind_the_code_is_refused(make_url: Callable[[str], str], tmp_path: Path) -> None:
    import sqlite3

    old = tmp_path / "old.db"
    sqlite3.connect(old).close()  # schema version 0
    with pytest.raises(dbcopy.CopyRefused, match="db migrate"):
        run_copy(f"sqlite:///{old}", make_url("sqlite"))


def _cli(env_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(env_url, "db", "copy", *args)


def _run(env_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": env_url, "LOG_LEVEL": "WARNING", "DISCORD_TOKEN": "not-a-real-token"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_the_command_line_copies_and_says_what(make_url: Callable[[str], str], tmp_path: Path) -> None:
    source_url, target_url = make_url("sqlite"), make_url("sqlite")
    seed_forum(source_url)
    done = _cli(source_url, target_url)
    assert done.returncode == 0, done.stderr
    assert "copied 20 tables" in done.stdout and " rows from " in done.stdout and " s" in done.stdout
    assert "posts" in done.stdout and "Traceback" not in done.stderr
    again = _cli(source_url, target_url)  # now the target holds a forum
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.strip().splitlines()[-1].startswith("db copy refused:") and "not empty" in again.stderr
    assert len([line for line in again.stderr.splitlines() if "refused" in line]) == 1


def test_the_command_line_refuses_an_unreachable_target_in_one_line(make_url: Callable[[str], str]) -> None:
    source_url = make_url("sqlite")
    seed_forum(source_url)
    failed = _cli(source_url, "postgresql://nobody@127.0.0.1:1/nothing")
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().count("\n") == 0 and "127.0.0.1:1/nothing" in failed.stderr
    wrong = _cli(source_url, "mysql://somewhere/db")
    assert wrong.returncode == 2 and wrong.stderr.strip().count("\n") == 0 and "postgresql://" in wrong.stderr


@pytest.mark.parametrize("to_backend", ["sqlite", "postgres"])
def test_an_unfinished_target_is_refused_by_every_command_and_a_rerun_starts_it_over(
    make_url: Callable[[str], str], to_backend: str
) -> None:
    """The bot, the archive, import and export refuse a target still marked unfinished, in one
    line saying how to finish it; the same db copy run again empties it and copies anew."""
    source_url, target_url = make_url("sqlite"), make_url(to_backend)
    seed_forum(source_url)
    run_copy(source_url, target_url)
    target = connect(Settings(database_url=target_url))
    try:
        atomically(target, dbcopy._mark)  # as an interrupted copy leaves it
    finally:
        target.close()
    where = describe(Settings(database_url=target_url))
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "bbpress-example.xml"
    for command in (["run"], ["web", "--port", "1"], ["export"], ["import", str(fixture), "--guild", "77"]):
        refused = _run(target_url, *command)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, (command, refused.stderr)
        [line] = refused.stderr.strip().splitlines()
        assert line.startswith(f"{where} holds an unfinished copy"), line
        shown = target_url if to_backend == "sqlite" else where  # a URL db copy takes (no password shown)
        assert f"`python -m bot db copy {shown}`" in line, line
    again = _cli(source_url, target_url)
    assert again.returncode == 0, again.stderr
    assert "(an unfinished copy was emptied first)" in again.stdout
    assert _run(target_url, "export").returncode == 0
