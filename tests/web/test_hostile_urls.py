"""Odd numbers in paths and query strings are a 400 or a 404, never a 500; a feed stays XML;
an address the archive cannot listen on is one line, not a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.config import Settings
from bot.domain.numbers import ID_MAX, strict_id, strict_int
from bot.storage.sqlite.database import Database
from bot.web import app as web_app
from tests.web.seed import GUILD, Seeded, connect, seed

# Each is not a plain ASCII number, or not in range: int() accepts several of them
# ("٣", "+2", " 2", "1_0"); str.isdigit() accepts "²", which int() then refuses.
ODD = ["²", "٣", "３", "-1", "+2", " 2", "2 ", "1_0", "0x10", "1e3", "2.0", "", "0", "9" * 25, "9" * 5000, "%00"]


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    return seed(tmp_path / "forum.db", extra_topics=20)


@pytest_asyncio.fixture
async def client(seeded: Seeded) -> AsyncIterator[TestClient]:
    db = Database(seeded.path, readonly=True)
    await db.open(migrate_schema=False)
    async with TestClient(TestServer(web_app.create_app(db))) as test_client:
        yield test_client
    await db.close()


def test_strict_numbers() -> None:
    assert strict_int("12") == 12 and strict_int("007") == 7 and strict_id(str(ID_MAX)) == ID_MAX
    for odd in ODD:
        assert strict_id(odd) is None, odd
    assert strict_id(str(ID_MAX + 1)) is None and strict_id(str(2**64 - 1)) is None
    assert strict_int("5", low=1, high=4) is None and strict_int(5) is None  # type: ignore[arg-type]


async def status_of(client: TestClient, url: str) -> int:
    response = await client.get(url, allow_redirects=False)
    await response.read()
    return response.status


async def test_odd_page_guild_and_path_numbers_are_400_or_404(client: TestClient, seeded: Seeded) -> None:
    forum, topic = f"/forums/{seeded.forum_id}", f"/topics/3146?guild={GUILD}"
    seen: dict[str, int] = {}
    for odd in ODD:
        for url in (
            f"{topic}&page={odd}",  # ?page=² was a 500
            f"{forum}?page={odd}",
            f"/topics/3146?guild={odd}",
            f"/search?q=medicine&guild={odd}",
        ):
            seen[url] = await status_of(client, url)
            assert seen[url] == 400, (url, seen[url])
        for url in (f"/topics/{odd}", f"/forums/{odd}", f"/forums/{odd}/feed.xml", f"/topics/{odd}?guild={GUILD}"):
            seen[url] = await status_of(client, url)
            assert seen[url] == 404, (url, seen[url])
    # The plain ones still work; a number past the last page is a page that does not exist.
    assert await status_of(client, f"{topic}&page=1") == 200
    assert await status_of(client, f"{forum}?page=2") == 200
    assert await status_of(client, f"{forum}?page=99") == 404
    assert await status_of(client, f"/topics/{ID_MAX}") == 404


async def test_a_feed_stays_well_formed_over_an_old_record_holding_control_characters(tmp_path: Path) -> None:
    seeded = seed(tmp_path / "old.db")
    conn = connect(seeded.path)  # written as a build before the rule would have: raw, unfiltered
    conn.execute("UPDATE topics SET title = ? WHERE number = 3146", ("Old\x01 title\x1f",))
    conn.execute("UPDATE posts SET content = ? WHERE number = 3146", ("Old\x0b body\x00",))
    conn.close()
    db = Database(seeded.path, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(web_app.create_app(db))) as test_client:
            response = await test_client.get(f"/forums/{seeded.forum_id}/feed.xml")
            assert response.status == 200
            root = ElementTree.fromstring(await response.read())
    finally:
        await db.close()
    titles = [item.findtext("title") for item in root.iter("item")]
    assert "Old title" in titles


# ---------------------------------------------------------------- a port already in use
@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return seed(tmp_path / "forum.db").path


def test_web_on_a_port_in_use_says_so_in_one_line(database: Path, busy_port: int, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(database))
    with pytest.raises(SystemExit) as refused:
        main(["web", "--host", "127.0.0.1", "--port", str(busy_port)])
    line = str(refused.value.code)
    assert "\n" not in line and f"127.0.0.1:{busy_port}" in line and "already in use" in line
    assert "WEB_PORT" in line and "--port" in line
    assert capsys.readouterr().out == ""  # not even "Serving ..."


def test_a_port_taken_after_the_check_is_one_line_too(database: Path, busy_port: int, monkeypatch) -> None:
    monkeypatch.setattr(web_app, "check_listen", lambda *args, **kwargs: None)  # lost the race
    with pytest.raises(SystemExit) as refused:
        web_app.serve(Settings(database_path=database), "127.0.0.1", busy_port)
    assert "already in use" in str(refused.value.code) and "WEB_PORT" in str(refused.value.code)


def test_web_as_a_process_exits_non_zero_without_a_traceback(database: Path, busy_port: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=database.parent,
        env={"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(database), "WEB_PORT": str(busy_port)},
    )
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "already in use" in result.stderr and "WEB_PORT" in result.stderr


def test_the_demo_refuses_a_port_in_use_before_playing(tmp_path: Path, busy_port: int, monkeypatch, capsys) -> None:
    target = tmp_path / "demo.db"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    monkeypatch.setenv("WEB_HOST", "127.0.0.1")
    monkeypatch.setenv("WEB_PORT", str(busy_port))
    assert main(["demo"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "already in use" in err and "WEB_PORT=" in err
    assert "--port" not in err  # the demo takes no --port
    assert not target.exists()  # nothing was played


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [("WEB_PORT", "٣", "WEB_PORT must be a port number"), ("WEB_PORT", "70000", "WEB_PORT must be a port number"),
     ("DEV_GUILD_ID", "²", "DEV_GUILD_ID must be a server id")],
)  # fmt: skip
def test_odd_numbers_in_the_environment_are_one_line(variable, value, says, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "x.db"))
    monkeypatch.setenv(variable, value)
    assert main(["db", "migrate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err


@pytest.mark.parametrize("argv", [["web", "--port", "٣"], ["export", "--guild", "²"], ["import", "x", "--guild", "-1"]])
def test_odd_numbers_on_the_command_line_are_refused(argv, capsys) -> None:
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2 and "error: argument" in capsys.readouterr().err
