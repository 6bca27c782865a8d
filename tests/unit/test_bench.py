"""The benchmark's generator and every measurement, run tiny so the bench code cannot rot.

Not a timed test: it checks that each key is produced and the data looks like a forum.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import psycopg

from bench import data
from bench.__main__ import GOALS, PG_KEYS, REPORTED, main
from tests.backends import Server


def test_generator_makes_a_forum_with_zipf_words_and_a_huge_topic(tmp_path: Path) -> None:
    built = data.build(tmp_path / "tiny.db", data.TINY)
    conn = sqlite3.connect(built.path)
    assert conn.execute("SELECT COUNT(*) FROM topics").fetchone()[0] == data.TINY.topics
    assert conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == data.TINY.posts == built.posts
    # a few huge topics, many small ones, some unanswered
    biggest = conn.execute("SELECT MAX(reply_count) FROM topics").fetchone()[0]
    assert biggest >= data.TINY.huge_topics[0] * 0.9
    assert conn.execute("SELECT COUNT(*) FROM topics WHERE reply_count = 0").fetchone()[0] > 0
    # counters agree with the rows, and FTS indexes every post
    mismatched = conn.execute(
        "SELECT COUNT(*) FROM topics t WHERE reply_count != (SELECT COUNT(*) FROM posts p "
        "WHERE p.topic_id = t.id AND p.is_opening = 0 AND p.status = 'publish')"
    ).fetchone()[0]
    assert mismatched == 0
    the = conn.execute("SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH 'the'").fetchone()[0]
    rare = conn.execute(
        "SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH ?",
        (data.vocabulary(800, __import__("random").Random(6))[-1],),
    ).fetchone()[0]
    assert the > rare  # Zipf: the most common word is everywhere, the tail is rare
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_every_measurement_runs_tiny_and_writes_every_key(tmp_path: Path, capsys, pg_server: Server | None) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results.json"
    prefix = f"tk_test_bench_{uuid.uuid4().hex[:8]}"
    pg_url = pg_server.admin_url if pg_server is not None else "off"
    try:
        argv = ["--tiny", "--cache", str(tmp_path / "cache"), "--out", str(out), "--pg", pg_url, "--pg-prefix", prefix]
        assert main(argv) == 0
        if pg_server is not None:  # a second run finds the PostgreSQL fixtures by their marker and reuses them
            with psycopg.connect(pg_server.url(f"{prefix}_forum_tiny")) as conn:
                conn.execute("INSERT INTO bench_fixture VALUES ('kept')")
            assert main([*argv, "--out", str(tmp_path / "again.json")]) == 0
            with psycopg.connect(pg_server.url(f"{prefix}_forum_tiny")) as conn:
                assert conn.execute("SELECT COUNT(*) FROM bench_fixture").fetchone() == (2,)
    finally:
        if pg_server is not None:
            with psycopg.connect(pg_server.admin_url, autocommit=True) as admin:
                for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)):
                    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    results = json.loads(out.read_text())
    for key in [*GOALS, *REPORTED]:
        assert key in results
        if key == "search_p95_ms_1m" or (key in PG_KEYS and pg_server is None):
            continue
        assert isinstance(results[key], float | int), key
    assert results["machine"]["cores"] and results["machine"]["sqlite"]
    assert len(results["machine"]["load_average"]) == len(results["load_average_end"]) == 3
    assert results["details"]["catchup"]["missed"] == 180
    autocomplete = results["details"]["autocomplete"]["by_kind_p95_ms"]
    assert set(autocomplete) == {"empty", "digits", "word", "words", "no match"}
    spread = results["details"]["catchup_spread"]
    assert spread["history_calls"] == spread["minimum_calls"] == 2  # idle threads cost no history call
    printed = capsys.readouterr().out
    assert "record_ratio" in printed and "SQLite" in printed
    for key in PG_KEYS:
        assert key in printed
    if pg_server is None:
        assert "PostgreSQL keys skipped" in printed
    else:
        assert results["machine"]["postgresql"] and "PostgreSQL keys skipped" not in printed
        assert results["details"]["postgres"]["shards"]["two_processes"]["processes"] == 2


def test_postgres_keys_print_as_skipped_with_why_when_no_server_answers(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bench import __main__ as bench_main

    results = {
        "plan": "tiny",
        "machine": {"cores": 2, "sqlite": "3", "python": "3", "load_average": (0.5, 0.4, 0.3)},
        "load_average_end": (0.6, 0.5, 0.4),
        "seconds": 1.0,
        "notes": ["PostgreSQL keys skipped: no PostgreSQL server answers at 127.0.0.1:1/postgres: refused"],
        **{key: 1.0 for key in GOALS if key not in PG_KEYS},
        **{key: None for key in PG_KEYS},
    }
    printed = bench_main.table(results)
    for key in PG_KEYS:
        line = next(line for line in printed.splitlines() if line.startswith(key))
        assert line.rstrip().endswith(")") and "skipped" in line, line
    assert "no PostgreSQL server answers at 127.0.0.1:1" in printed
    assert "load average 0.50 0.40 0.30 at the start, 0.60 0.50 0.40 at the end" in printed
    assert bench_main.pg.unavailable("postgresql://postgres@127.0.0.1:1/postgres") is not None
