"""The benchmark's generator and every measurement, run tiny so the bench code cannot rot.

Not a timed test: it checks that each key is produced and the data looks like a forum.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bench import data
from bench.__main__ import GOALS, main


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


def test_every_measurement_runs_tiny_and_writes_every_key(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results.json"
    assert main(["--tiny", "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    for key in GOALS:
        assert key in results
        if key != "search_p95_ms_1m":
            assert isinstance(results[key], float | int), key
    assert results["machine"]["cores"] and results["machine"]["sqlite"]
    assert results["details"]["catchup"]["missed"] == 180
    autocomplete = results["details"]["autocomplete"]["by_kind_p95_ms"]
    assert set(autocomplete) == {"empty", "digits", "word", "words", "no match"}
    spread = results["details"]["catchup_spread"]
    assert spread["history_calls"] == spread["minimum_calls"] == 2  # idle threads cost no history call
    printed = capsys.readouterr().out
    assert "record_ratio" in printed and "SQLite" in printed
