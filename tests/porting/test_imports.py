"""Imports without Discord: parsing (JSON, WXR), hostile files, the round trip."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.porting import export_json
from bot.porting.apply import import_offline
from bot.porting.html_markdown import html_to_markdown
from bot.porting.load import detect_and_parse
from bot.porting.model import MAX_IMPORT_BYTES, ImportRefused
from tests.backends import BACKENDS
from tests.web.seed import GUILD, Seeded, connect, seed

FIXTURE = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"


def _export(path: Path, guild_id: int) -> dict:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return export_json.build(conn, guild_id, include_deleted=True, now="X")
    finally:
        conn.close()


def _give_history(path: Path) -> None:
    """Two revisions of #3147: one Discord alone knows of, one a moderator made with a reason."""
    conn = connect(path)
    conn.execute(
        "INSERT INTO revisions(post_id, content, revised_at) SELECT id, 'first draft', '2026-11-28T11:00:00+00:00' "
        "FROM posts WHERE number = 3147"
    )
    conn.execute(
        "INSERT INTO revisions(post_id, content, revised_at, editor_id, editor_name, reason) "
        "SELECT id, 'second draft', '2026-11-28T12:00:00+00:00', 42, 'Mod Mia', 'Fixed a typo' "
        "FROM posts WHERE number = 3147"
    )
    conn.execute(
        "UPDATE posts SET edited_at = '2026-11-28T12:00:00+00:00', edited_by = 'Mod Mia', "
        "edit_reason = 'Fixed a typo' WHERE number = 3147"
    )
    conn.close()


HISTORY = [
    {"content": "first draft", "edited_at": "2026-11-28T11:00:00+00:00", "editor": None, "reason": None},
    {
        "content": "second draft",
        "edited_at": "2026-11-28T12:00:00+00:00",
        "editor": {"id": "42", "name": "Mod Mia"},
        "reason": "Fixed a typo",
    },
]


def _revisions_of(doc: dict, number: int) -> list[dict]:
    return next(p["revisions"] for f in doc["forums"] for t in f["topics"] for p in t["posts"] if p["number"] == number)


def test_json_round_trip_gives_the_same_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded: Seeded = seed(tmp_path / "a.db", extra_topics=3)
    _give_history(seeded.path)  # revisions, editors and reasons travel too
    conn = connect(seeded.path)
    conn.execute("UPDATE topics SET status = 'closed', sticky = 'super' WHERE number = 4001")
    conn.execute("UPDATE forums SET category = 'Help desk' WHERE id = (SELECT MIN(id) FROM forums)")
    conn.close()
    before = _export(seeded.path, GUILD)
    assert _revisions_of(before, 3147) == HISTORY
    assert "Help desk" in [f["category"] for f in before["forums"]]  # the category travels too
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(before), encoding="utf-8")

    target = tmp_path / "b.db"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    assert main(["import", str(exported)]) == 0
    after = _export(target, GUILD)
    assert after == before
    conn = connect(target)
    note = conn.execute("SELECT edited_by, edit_reason FROM posts WHERE number = 3147").fetchone()
    conn.close()
    assert tuple(note) == ("Mod Mia", "Fixed a typo")  # readers see the imported note too


@pytest.mark.parametrize("backend", ["postgres"])
def test_an_export_imported_into_postgresql_exports_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """SQLite -> JSON -> PostgreSQL (python -m bot import) -> JSON: the same document."""
    seeded: Seeded = seed(tmp_path / "a.db", extra_topics=3)
    _give_history(seeded.path)
    conn = connect(seeded.path)
    conn.execute("UPDATE forums SET category = 'Help desk' WHERE id = (SELECT MIN(id) FROM forums)")
    conn.close()
    before = _export(seeded.path, GUILD)
    assert "Help desk" in [f["category"] for f in before["forums"]]
    assert _revisions_of(before, 3147) == HISTORY
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(before), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["import", str(exported)]) == 0
    conn = connect(database_url)
    try:
        assert export_json.build(conn, GUILD, include_deleted=True, now="X") == before
    finally:
        conn.close()


def test_import_keeps_free_numbers_and_renumbers_taken_ones(tmp_path: Path) -> None:
    doc = detect_and_parse(FIXTURE.read_bytes())
    seeded = seed(tmp_path / "taken.db")  # #3146, #3147, #3153 ... are taken in guild 100
    conn = connect(seeded.path)
    summary = import_offline(conn, 555, doc)  # another guild: all free
    assert summary.numbers_changed == 0 and summary.topics == 2 and summary.posts == 8
    summary = import_offline(conn, GUILD, doc)  # the same guild: taken numbers move on
    assert summary.numbers_changed > 0
    numbers = [row[0] for row in conn.execute("SELECT number FROM posts WHERE guild_id = ? ORDER BY id", (GUILD,))]
    assert len(numbers) == len(set(numbers))


def test_wxr_becomes_the_example_thread(tmp_path: Path) -> None:
    conn = connect(tmp_path / "wxr.db")
    summary = import_offline(conn, GUILD, detect_and_parse(FIXTURE.read_bytes()), public=True)
    assert (summary.forums, summary.topics, summary.posts) == (1, 2, 8)
    rows = conn.execute(
        "SELECT p.number, p.author_name, p.status, parent.number, p.content FROM posts p "
        "LEFT JOIN posts parent ON parent.id = p.parent_id ORDER BY p.number"
    ).fetchall()
    got = {row[0]: tuple(row[1:4]) for row in rows}
    assert got[3146] == ("Marzana M", "publish", None)
    assert got[3147] == ("Dr. Kumar", "publish", None)
    assert got[3153] == ("Dr. M", "publish", None)
    assert got[3160] == ("Marzana M", "publish", 3147)  # the threaded reply keeps its parent
    assert got[3161][1] == "spam" and got[3162][1] == "trash"  # recorded, hidden
    assert 12 not in got and 13 not in got  # the page and the attachment are ignored
    content = {row[0]: row[4] for row in rows}
    assert content[3146] == (
        "Is there a difference between *personalized medicine* and **precision medicine**, or they are the same?"
    )
    assert "[this overview](<https://www.example.org/precision>)" in content[3147]
    assert "javascript" not in content[3147] and "alert" not in content[3153]
    topics = dict(conn.execute("SELECT number, status FROM topics").fetchall())
    assert topics == {3146: "open", 3170: "closed"}
    forum = conn.execute("SELECT name, description, topic_count, post_count FROM forums").fetchone()
    assert tuple(forum) == ("Discussion", "Talk about anything.", 2, 6)
    assert conn.execute("SELECT name FROM guilds WHERE guild_id = ?", (GUILD,)).fetchone()[0] == "Activity"
    tags = conn.execute("SELECT tags FROM topics WHERE number = 3146").fetchone()[0]
    assert json.loads(tags) == ["medicine"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3;</title></item></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>"""


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"<rss><channel><item>", "not well-formed XML"),
        (BILLION_LAUGHS, "entity or DTD tricks"),
        (EXTERNAL, "entity or DTD tricks"),
        (b"<html><body>hi</body></html>", "not a WordPress export"),
        (b'<rss version="2.0"><channel><title>empty</title></channel></rss>', "no topics"),
        (b"\x00\x01binary nonsense", "neither a Threadkeeper JSON export nor"),
        (b"{not json", "not valid JSON"),
        (b'{"format": "other"}', "not a Threadkeeper export"),
        (b'{"format": "threadkeeper", "version": 2}', "version 2 is not supported"),
        (b'{"format": "threadkeeper", "version": 1, "guild": {}, "forums": [{"name": "x", "topics": [{}]}]}',
         "damaged"),
        (b"[" * 100000 + b"]" * 100000, "neither"),
        (b'{"a":' * 100000 + b"1" + b"}" * 100000, "not valid JSON"),
    ],
)  # fmt: skip
def test_hostile_or_wrong_files_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        detect_and_parse(data)
    assert says in refused.value.message


def test_fifty_megabytes_of_nonsense_is_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:
    nonsense = tmp_path / "big.xml"
    nonsense.write_bytes(b"<" + b"x" * (50 * 1024 * 1024))
    assert nonsense.stat().st_size > MAX_IMPORT_BYTES
    target = tmp_path / "untouched.db"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    assert main(["import", str(nonsense), "--guild", "1"]) == 2
    assert not target.exists()  # nothing half-imported: not even a database


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failure_midway_leaves_nothing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = connect(database_url)
    doc = detect_and_parse(FIXTURE.read_bytes())
    calls = {"n": 0}
    from bot.porting import apply

    original = apply.record_reply

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(apply, "record_reply", failing)
    with pytest.raises(RuntimeError):
        import_offline(conn, GUILD, doc)
    assert conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM forums").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("a<br>b<br />c", "a\nb\nc"),
        ("<strong>b</strong> <em>i</em> <del>s</del> <code>x</code>", "**b** *i* ~~s~~ `x`"),
        ('<a href="https://e.org/a?b=1">link</a>', "[link](<https://e.org/a?b=1>)"),
        ('<a href="javascript:alert(1)">bad</a>', "bad"),
        ("<script>alert(1)</script>after", "after"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
        ("<blockquote>quoted</blockquote>reply", "> quoted\n\nreply"),
        ("<pre>x  =  1</pre>", "```\nx  =  1\n```"),
        ("&lt;b&gt; &amp; &quot;", '<b> & "'),
        ("<h2>Title</h2>text", "**Title**\n\ntext"),
        ("", ""),
    ],
)
def test_html_to_discord_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown
