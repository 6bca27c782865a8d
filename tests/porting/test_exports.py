"""Exports: JSON exactly as SPEC §7, a static HTML copy, Markdown, and the CLI."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.porting import export_html, export_json, export_markdown
from tests.web.seed import DELETED, GUILD, HOSTILE, QUESTION, SECRET, SPAM, TITLE, Seeded, seed


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    return seed(tmp_path / "forum.db", extra_topics=2)


def conn_of(seeded: Seeded) -> sqlite3.Connection:
    conn = sqlite3.connect(seeded.path)
    conn.row_factory = sqlite3.Row
    return conn


def test_json_follows_section_7(seeded: Seeded) -> None:
    document = export_json.build(conn_of(seeded), GUILD, include_deleted=True)
    assert list(document) == ["format", "version", "exported_at", "guild", "forums"]
    assert document["format"] == "threadkeeper" and document["version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", document["exported_at"])
    assert document["guild"] == {"id": str(GUILD), "name": "Activity"}
    forum = document["forums"][0]
    assert list(forum) == ["id", "channel_id", "name", "description", "category", "topics"]
    assert forum["category"] is None
    assert forum["channel_id"] == "500" and forum["name"] == "Discussion"
    topic = next(t for t in forum["topics"] if t["number"] == 3146)
    assert list(topic) == [
        "number", "thread_id", "title", "status", "sticky", "tags", "accepted_answers", "author", "created_at",
        "posts",
    ]  # fmt: skip
    assert topic["title"] == TITLE and topic["status"] == "open" and topic["sticky"] == "none"
    assert topic["accepted_answers"] == [3153]
    assert topic["author"] == {"id": topic["posts"][0]["author"]["id"], "name": "Marzana M", "role": "participant"}
    post = topic["posts"][0]
    assert list(post) == [
        "number", "message_id", "parent", "status", "author", "content", "attachments", "created_at", "edited_at",
        "revisions",
    ]  # fmt: skip
    assert post["number"] == 3146 and post["content"] == QUESTION and post["parent"] is None
    assert isinstance(post["message_id"], str) and isinstance(topic["thread_id"], str)
    numbers = [p["number"] for p in topic["posts"]]
    assert numbers[0] == 3146 and numbers == [3146, 3147, 3153, 3154, 3155, 3156, 3157]  # opening, then time order
    by_number = {p["number"]: p for p in topic["posts"]}
    assert by_number[3154]["parent"] == 3147
    assert by_number[3156]["status"] == "spam" and by_number[3157]["status"] == "deleted"
    json.dumps(document)  # serialisable as is


def test_deleted_posts_only_in_a_keymasters_export(seeded: Seeded) -> None:
    reader = export_json.build(conn_of(seeded), GUILD, include_deleted=False)
    posts = [p for f in reader["forums"] for t in f["topics"] for p in t["posts"]]
    assert DELETED not in json.dumps(reader) and all(p["status"] != "deleted" for p in posts)
    assert SPAM in json.dumps(reader)  # spam is a status, kept for moderators' records


def test_html_export_is_a_static_escaped_copy(seeded: Seeded) -> None:
    html = export_html.build(conn_of(seeded), GUILD, now="2026-11-28T10:00:00+00:00")
    assert html.startswith("<!doctype html>") and "<script" not in html and 'href="/' not in html
    assert "Viewing 3 reply threads" in html and f"Discussion</a> › <span>{TITLE}</span>" in html
    assert 'id="topic-3146"' in html and 'href="#topic-3146"' in html and 'id="post-3153"' in html
    assert SPAM not in html and DELETED not in html and HOSTILE[:8] not in html
    assert SECRET in html and "Private" in html  # a keymaster's copy holds private forums too
    assert "<style>" in html and "exported 2026-11-28T10:00:00+00:00" in html


def test_markdown_export(seeded: Seeded) -> None:
    text = export_markdown.build(conn_of(seeded), GUILD, now="2026-11-28T10:00:00+00:00")
    assert f"### #3146 {TITLE}" in text and "Viewing 3 reply threads" in text
    assert "**#3153** · **Dr. M** · *Participant*" in text and "Accepted answer" in text
    assert "↳ **#3154**" in text and "> > Thanks, that helps!" in text
    assert f"> {QUESTION}" in text
    assert SPAM not in text and DELETED not in text


@pytest.mark.parametrize(("fmt", "suffix"), [("json", "json"), ("html", "html"), ("markdown", "md")])
def test_cli_export_writes_each_format(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, suffix: str
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(seeded.path))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", "--format", fmt, "--guild", str(GUILD), "--out", str(out)]) == 0
    written = (out / f"threadkeeper-{GUILD}.{suffix}").read_text(encoding="utf-8")
    assert TITLE in written
    if fmt == "json":
        assert DELETED in written  # CLI exports are a keymaster's
