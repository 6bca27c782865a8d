"""python -m bot: export and db commands on a database the real bot wrote."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings
from tests.backends import BACKENDS


def run_cli(args: list[str], database: Path | Settings, capsys, monkeypatch) -> tuple[int, str, str]:
    """``python -m bot ARGS`` on this database (a SQLite path, or the settings of either backend)."""
    if isinstance(database, Settings):
        monkeypatch.setenv("DATABASE_PATH", str(database.database_path))
        if database.database_url:
            monkeypatch.setenv("DATABASE_URL", database.database_url)
        else:
            monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PATH", str(database))
        monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("backend", BACKENDS)
async def test_export_json_is_the_documented_format(world, settings, capsys, monkeypatch):
    asker, helper = world.member("Marzana M"), world.member("Dr. Kumar")
    await asker.slash(world.general, "topic new", forum=world.forum, title="Q", body="Is there a difference?")
    thread = world.thread("Q")
    answer = await helper.send(thread, "Often used interchangeably")
    await helper.edit(answer, "Often used interchangeably ...")
    await world.env.advance_time(11)
    gone = await helper.send(thread, "oops")
    await helper.delete(gone)
    await world.bot.db.flush()
    code, out, _ = run_cli(
        ["export", "--format", "json", "--guild", str(world.guild.id)], settings, capsys, monkeypatch
    )
    assert code == 0
    document = json.loads(out)
    assert (document["format"], document["version"]) == ("threadkeeper", 1)
    assert document["guild"] == {"id": str(world.guild.id), "name": "Activity"}
    [forum] = document["forums"]
    assert set(forum) == {"id", "channel_id", "name", "description", "category", "topics"}
    assert (forum["name"], forum["category"]) == ("Discussion", None)
    [topic] = forum["topics"]
    assert set(topic) == {
        "number",
        "thread_id",
        "title",
        "status",
        "sticky",
        "tags",
        "accepted_answers",
        "author",
        "created_at",
        "posts",
    }
    assert (topic["number"], topic["status"], topic["sticky"], topic["thread_id"]) == (
        1,
        "open",
        "none",
        str(thread.id),
    )
    assert topic["author"] == {"id": str(asker.id), "name": "Marzana M", "role": "participant"}
    opening, reply, deleted = topic["posts"]
    assert set(opening) == {
        "number",
        "message_id",
        "parent",
        "status",
        "author",
        "content",
        "attachments",
        "created_at",
        "edited_at",
        "revisions",
    }
    assert (opening["number"], opening["parent"], opening["status"]) == (1, None, "publish")
    assert reply["content"] == "Often used interchangeably ..." and reply["edited_at"]
    assert [r["content"] for r in reply["revisions"]] == ["Often used interchangeably"]
    assert deleted["status"] == "deleted"  # CLI exports are a keymaster's: deleted posts included
    assert "+00:00" in document["exported_at"] and "+00:00" in opening["created_at"]


async def test_export_of_an_unknown_guild_and_a_missing_database(world, settings, capsys, monkeypatch, tmp_path):
    await world.bot.db.flush()
    code, _, err = run_cli(["export", "--guild", "42"], settings, capsys, monkeypatch)
    assert code == 2 and "No guild 42" in err
    code, out, err = run_cli(["export"], tmp_path / "missing.db", capsys, monkeypatch)
    assert code == 2 and "No database at" in err and "missing.db" in err and not out


def test_db_migrate_check_backup(tmp_path, capsys, monkeypatch):
    database = tmp_path / "data" / "forum.db"
    assert run_cli(["db", "migrate"], database, capsys, monkeypatch)[1].startswith("applied: 0001")
    assert "up to date" in run_cli(["db", "migrate"], database, capsys, monkeypatch)[1]
    code, out, _ = run_cli(["db", "check"], database, capsys, monkeypatch)
    assert code == 0 and "ok" in out
    backup = tmp_path / "backup.db"
    assert run_cli(["db", "backup", str(backup)], database, capsys, monkeypatch)[0] == 0
    assert sqlite3.connect(backup).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_db_check_reports_corruption(tmp_path, capsys, monkeypatch):
    database = tmp_path / "forum.db"
    run_cli(["db", "migrate"], database, capsys, monkeypatch)
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.executemany("INSERT INTO kv(key, value) VALUES (?, ?)", [(f"k{i}", "v" * 500) for i in range(400)])
    conn.commit()
    conn.close()
    raw = bytearray(database.read_bytes())
    for offset in range(4096 * 3, len(raw), 4096):  # scribble over every page after the third
        raw[offset + 8 : offset + 40] = b"\xff" * 32
    database.write_bytes(bytes(raw))
    code, _, err = run_cli(["db", "check"], database, capsys, monkeypatch)
    assert code == 1 and "CORRUPT" in err


def test_run_without_a_token_explains_and_exits_cleanly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(tmp_path / "x.db")},
    )
    assert result.returncode == 0 and "No DISCORD_TOKEN" in result.stdout and "demo" in result.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres:secret@127.0.0.1:1/nothing", "postgresql://postgres@127.0.0.1:1/nothing"),
        ("mysql://somewhere/forum", "DATABASE_URL must start with postgresql:// or sqlite:///"),
    ],
)
@pytest.mark.parametrize("command", [["export"], ["db", "migrate"], ["db", "check"], ["web"]])
def test_an_unreachable_or_wrong_database_url_is_one_line(url, expected, command, tmp_path, capsys, monkeypatch):
    code, out, err = run_cli(command, Settings(database_path=tmp_path / "f.db", database_url=url), capsys, monkeypatch)
    assert code == 2 and not out
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert "secret" not in err  # the password is never shown


def test_the_bot_does_not_start_on_an_unreachable_database(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DISCORD_TOKEN": "not-a-real-token",
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/forum",
        },
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Cannot open the database postgresql://postgres@127.0.0.1:1/forum:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_and_export_show_their_progress_on_stderr(settings, capsys, monkeypatch):
    """Not a terminal here (captured): plain lines at every tenth, not a redrawn bar (bot/progress.py)."""
    fixture = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
    code, out, err = run_cli(["import", str(fixture), "--guild", "77"], settings, capsys, monkeypatch)
    assert code == 0 and "imported 2 topic(s)" in out
    assert "import: 2/2 topics (100%)" in err.splitlines() and "\r" not in err
    code, out, err = run_cli(["export", "--format", "markdown", "--guild", "77"], settings, capsys, monkeypatch)
    assert code == 0 and out.startswith("# ")
    assert "guild 77: 2/2 topics (100%)" in err.splitlines() and "\r" not in err
