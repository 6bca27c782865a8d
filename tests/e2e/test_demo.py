"""`python -m bot demo`: the scenario (not the server loop) on a fresh database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo import DRM, KUMAR, QUESTION, SPECTATOR_TRY, TITLE, NotADemoDatabase, play, prepare_database


async def test_the_demo_plays_the_example_thread(tmp_path: Path) -> None:
    path = tmp_path / "data" / "demo.db"
    prepare_database(path)
    lines: list[str] = []
    report = await play(Settings(database_path=path), say=lines.append)

    conn = sqlite3.connect(path)
    topic = conn.execute("SELECT number, title, solved, guild_id FROM topics").fetchall()
    assert topic == [(3146, TITLE, 1, report.guild_id)]
    assert conn.execute("SELECT name FROM guilds").fetchall() == [("Activity",)]
    assert conn.execute("SELECT name FROM forums").fetchall() == [("Discussion",)]
    posts = conn.execute(
        "SELECT number, author_name, author_role, content, accepted, status FROM posts ORDER BY number"
    ).fetchall()
    assert posts == [
        (3146, "Marzana M", "participant", QUESTION, 0, "publish"),
        (3147, "Dr. Kumar", "participant", KUMAR, 0, "publish"),
        (3153, "Dr. M", "participant", DRM, 1, "publish"),
    ]
    # dated over the last days, in the example thread's order: a day or so apart, the newest yesterday
    dates = [datetime.fromisoformat(row[0]) for row in conn.execute("SELECT created_at FROM posts ORDER BY number")]
    now = datetime.now(UTC)
    assert dates == sorted(dates) and all(timedelta(hours=20) < b - a < timedelta(hours=30) for a, b in pairwise(dates))
    assert now - timedelta(days=4) < dates[0] < dates[-1] < now
    assert all(SPECTATOR_TRY not in row[3] for row in posts)
    conn.close()
    story = "\n".join(lines)
    assert "Discord refuses" in story and "You must be a participant to reply to this topic" in story
    assert "Viewing 2 reply threads" in story and report.accepted == 3153 and report.numbers == [3146, 3147, 3153]
    assert f"Forums › Discussion › {TITLE}" in story
    assert "#3146 Marzana M  Participant" in story and "✓ accepted answer" in story

    # A second run replaces its own database instead of piling up a second guild.
    prepare_database(path)
    assert not path.exists()


def test_the_demo_never_overwrites_a_real_forum(tmp_path: Path) -> None:
    from tests.web.seed import seed

    seeded = seed(tmp_path / "real.db")
    with pytest.raises(NotADemoDatabase):
        prepare_database(seeded.path)
    assert seeded.path.exists()


async def test_the_demo_plays_on_postgresql_and_replaces_only_its_own_database(database_url: str) -> None:
    from bot.demo import prepare
    from bot.storage import connect
    from tests.web.seed import seed

    settings = Settings(database_url=database_url)
    prepare(settings)  # a fresh database: nothing to replace
    report = await play(settings, say=lambda _line: None)
    conn = connect(settings)
    posts = conn.execute("SELECT number, author_name, accepted FROM posts ORDER BY number").fetchall()
    assert [tuple(row) for row in posts] == [(3146, "Marzana M", 0), (3147, "Dr. Kumar", 0), (3153, "Dr. M", 1)]
    assert report.accepted == 3153
    conn.close()
    prepare(settings)  # its own earlier run: the tables go, the next run makes them again
    conn = connect(settings)
    assert conn.execute("SELECT to_regclass('posts')").fetchone()[0] is None
    conn.close()
    seed(database_url)  # a real forum now
    with pytest.raises(NotADemoDatabase):
        prepare(settings)
    conn = connect(settings)
    assert conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] > 0
    conn.close()


@pytest.fixture
def backend() -> str:
    return "postgres"
