"""Crashes: a process really killed (SIGKILL) while recording loses nothing it acknowledged.

Also the CLI's online backup while a writer process writes, and `db check` on a corrupt file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _start_writer(db: Path, start: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_writer", str(db), "--start", str(start)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_acks(proc: subprocess.Popen[str], count: int, timeout: float = 60.0) -> list[int]:
    assert proc.stdout is not None
    acked: list[int] = []
    deadline = time.monotonic() + timeout
    while len(acked) < count:
        line = proc.stdout.readline()
        if not line:
            _, err = proc.communicate()
            raise AssertionError(f"writer stopped early: {err[-2000:]}")
        acked.append(int(line))
        assert time.monotonic() < deadline, "writer too slow"
    return acked


def _kill(proc: subprocess.Popen[str], acked: list[int]) -> list[int]:
    """SIGKILL now; every complete line already printed was acknowledged too."""
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    acked += [int(line) for line in out.split("\n")[:-1] if line.strip()]  # drop a partial last line
    return acked


def _check(db: Path, acked: list[int]) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    stored = {row[0] for row in conn.execute("SELECT message_id FROM posts")}
    missing = [m for m in acked if m not in stored]
    assert not missing, f"{len(missing)} acknowledged posts lost, e.g. {missing[:5]}"
    numbers = [row[0] for row in conn.execute("SELECT number FROM posts ORDER BY number")]
    assert numbers == list(range(1, len(numbers) + 1))  # unique and gapless
    # Counters moved in the same transactions as the rows they count.
    for topic_id, replies in conn.execute("SELECT id, reply_count FROM topics"):
        counted = conn.execute(
            "SELECT COUNT(*) FROM posts WHERE topic_id = ? AND is_opening = 0", (topic_id,)
        ).fetchone()[0]
        assert replies == counted
    return conn


def test_sigkill_while_recording_loses_no_acknowledged_post(tmp_path):
    db = tmp_path / "forum.db"
    first = _start_writer(db)
    acked = _kill(first, _wait_for_acks(first, 400))
    assert len(acked) >= 400
    _check(db, acked).close()

    # Restart on the same file (the WAL is recovered) and kill it again mid-stream.
    second = _start_writer(db, start=1)
    acked = _kill(second, acked + _wait_for_acks(second, 200))
    conn = _check(db, acked)
    assert conn.execute("SELECT COUNT(*) FROM topics").fetchone()[0] == 2
    conn.close()


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(db), "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "db", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_backup_while_a_writer_writes_is_a_consistent_copy(tmp_path):
    db = tmp_path / "forum.db"
    writer = _start_writer(db)
    try:
        _wait_for_acks(writer, 200)
        copies = []
        for i in range(3):
            target = tmp_path / "backups" / f"copy{i}.db"
            result = _cli(db, "backup", str(target))
            assert result.returncode == 0, result.stderr
            copies.append(target)
    finally:
        acked = _kill(writer, [])
    for copy in copies:
        # The copy is a snapshot: intact, and its counters agree with its rows.
        _check(copy, []).close()
        checked = _cli(copy, "check")
        assert checked.returncode == 0 and "ok" in checked.stdout, checked
    sizes = [sqlite3.connect(c).execute("SELECT COUNT(*) FROM posts").fetchone()[0] for c in copies]
    assert sizes == sorted(sizes) and sizes[0] > 0
    assert acked  # the writer was still writing when it was killed


def test_db_check_reports_a_corrupt_file_clearly(tmp_path):
    db = tmp_path / "forum.db"
    writer = _start_writer(db)
    _kill(writer, _wait_for_acks(writer, 300))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert _cli(db, "check").returncode == 0

    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for offset in range(3 * page + 100, len(data) - page, page):  # scribble over every page but the first few
        data[offset : offset + 64] = b"\xde\xad\xbe\xef" * 16
    db.write_bytes(bytes(data))
    result = _cli(db, "check")
    assert result.returncode != 0
    assert "CORRUPT" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "backup" in result.stderr  # says what to do
    assert len(result.stderr.splitlines()) < 60  # bounded, readable


def test_db_check_on_a_file_that_is_no_database(tmp_path):
    db = tmp_path / "forum.db"
    db.write_bytes(b"this is not an SQLite database at all" * 200)
    result = _cli(db, "check")
    assert result.returncode != 0
    assert "CORRUPT" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_db_check_on_a_missing_file(tmp_path):
    result = _cli(tmp_path / "nothing.db", "check")
    assert result.returncode != 0
    assert "No database" in (result.stderr + result.stdout)
