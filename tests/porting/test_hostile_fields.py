"""Imports refuse ids, numbers and lengths out of bounds with a message naming the item,
and write nothing; control characters leave what they record."""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.porting.load import detect_and_parse
from bot.porting.model import ImportRefused
from tests.web.seed import connect

FIXTURE = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
U64_MAX = str(2**64 - 1)  # a Discord snowflake may be any unsigned 64-bit number; SQLite's INTEGER is signed
I64_OVER = str(2**63)
AT = "2026-11-28T10:00:00+00:00"


def post(number: int, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "number": number, "message_id": str(9000 + number), "parent": None, "status": "publish",
        "author": {"id": "4", "name": "Ann", "role": "participant"}, "content": "Hi", "attachments": [],
        "created_at": AT, "edited_at": None, "revisions": [],
    }  # fmt: skip
    found.update(extra)
    return found


def document() -> dict[str, Any]:
    return {
        "format": "threadkeeper", "version": 1, "exported_at": AT, "guild": {"id": "77", "name": "Activity"},
        "forums": [{"id": 1, "channel_id": "2", "name": "Discussion", "description": "", "topics": [{
            "number": 12, "thread_id": "9012", "title": "Foo", "status": "open", "sticky": "none",
            "tags": ["medicine"], "accepted_answers": [], "author": post(12)["author"], "created_at": AT,
            "posts": [post(12), post(13)],
        }]}],
    }  # fmt: skip


def refused(doc: dict[str, Any]) -> str:
    with pytest.raises(ImportRefused) as refusal:
        detect_and_parse(json.dumps(doc).encode())
    return refusal.value.message


def changed(path: str, value: Any) -> dict[str, Any]:
    """The document with one field replaced: ``forums.0.topics.0.posts.1.content``."""
    doc = copy.deepcopy(document())
    *parents, last = path.split(".")
    target: Any = doc
    for key in parents:
        target = target[int(key)] if key.isdecimal() else target[key]
    target[int(last) if last.isdecimal() else last] = value
    return doc


TOPIC = "forums.0.topics.0"
REPLY = f"{TOPIC}.posts.1"


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        # lengths, measured as recorded
        (f"{TOPIC}.title", "T" * 140, "topic #12 'TTTTTT"),
        (f"{TOPIC}.title", "T" * 140, ": title is 140 characters; at most 100. Nothing was imported."),
        (f"{TOPIC}.title", " \x01 ", "topic #12 '  ': the title is empty"),
        (f"{TOPIC}.tags", ["x" * 51], "topic #12 'Foo': tag 'xxxxxxxxxxxxxxxxxxx…' is 51 characters; at most 50"),
        (f"{TOPIC}.tags", ["a", "b", "c", "d", "e", "f"], "topic #12 'Foo': 6 tags; at most 5"),
        (f"{REPLY}.content", "y" * 20_001, "topic #12 'Foo', post #13: body is 20001 characters; at most 20000"),
        (f"{REPLY}.revisions", [{"content": "z" * 20_001, "edited_at": AT}], "post #13: revision 1 is 20001"),
        (
            f"{REPLY}.revisions",
            [{"content": "z", "edited_at": AT, "editor": {"id": "5", "name": "E" * 101}, "reason": None}],
            "post #13: revision 1 editor name is 101 characters",
        ),
        (
            f"{REPLY}.revisions",
            [{"content": "z", "edited_at": AT, "editor": None, "reason": "r" * 1001}],
            "post #13: revision 1 reason is 1001 characters",
        ),
        (f"{REPLY}.revisions", [{"content": "z", "edited_at": AT, "editor": "Mia"}], "`editor` must be {id, name}"),
        (f"{REPLY}.author", {"id": "4", "name": "N" * 101, "role": "participant"}, "author name 'NNNN"),
        (f"{REPLY}.attachments", [{"filename": "f", "url": "u"}] * 11, "post #13: 11 attachments; at most 10"),
        (f"{REPLY}.attachments", [{"filename": "f", "url": "h" * 2001}], "an attachment url is 2001 characters"),
        ("forums.0.name", "F" * 101, "forum 'FFFF"),
        ("forums.0.description", "d" * 1001, "forum 'Discussion': description is 1001 characters; at most 1000"),
        ("guild.name", "G" * 101, "the server name 'GGG"),
        # ids: ASCII digits, 1 .. 2**63 - 1
        (f"{REPLY}.message_id", U64_MAX, f"topic #12 'Foo', post 2: `message_id` '{U64_MAX}' is out of range"),
        (f"{REPLY}.message_id", I64_OVER, "is out of range: an id is 1 to 9223372036854775807"),
        (f"{REPLY}.message_id", "²", "`message_id` '²' is not an id written in the digits 0-9"),
        (f"{REPLY}.message_id", "١٢", "is not an id written in the digits 0-9"),
        (f"{REPLY}.message_id", " 12", "is not an id written in the digits 0-9"),
        (f"{REPLY}.message_id", 12, "`message_id` must be an id written as a string of digits"),
        (f"{TOPIC}.thread_id", "0", "topic #12 'Foo': `thread_id` '0' is out of range"),
        ("forums.0.channel_id", "12abc", "forum 'Discussion': `channel_id` '12abc' is not an id"),
        (f"{REPLY}.author", {"id": U64_MAX, "name": "Ann", "role": "participant"}, "`author.id`"),
        ("guild.id", U64_MAX, f"the server (`guild`): `id` '{U64_MAX}' is out of range"),
        ("guild.id", "nope", "the server (`guild`): `id` 'nope' is not an id"),
        # numbers: whole numbers 1 .. 2**62 - 1
        (f"{REPLY}.number", 2**62, "post 2: `number` 4611686018427387904 is out of range"),
        (f"{REPLY}.number", "13", "post 2: `number` must be a positive whole number"),
        (f"{REPLY}.parent", -12, "post 2: `parent` -12 is out of range: numbers are 1 to 4611686018427387903"),
    ],
)
def test_json_fields_out_of_bounds_are_refused_naming_the_item(path: str, value: Any, says: str) -> None:
    assert says in refused(changed(path, value))


def test_the_first_problem_is_named_and_the_rest_counted() -> None:
    doc = changed(f"{TOPIC}.title", "T" * 101)
    doc["forums"][0]["topics"][0]["posts"][1]["content"] = "y" * 20_001
    assert "title is 101 characters" in (message := refused(doc)) and "(1 more problem like it)" in message


def test_json_within_bounds_is_taken_and_recorded_without_control_characters(tmp_path: Path) -> None:
    doc = changed(f"{TOPIC}.title", "T" * 99 + "\x01")  # 100 as written, 99 as recorded
    topic = doc["forums"][0]["topics"][0]
    topic["tags"] = ["x" * 50, "med\x07icine"]
    topic["posts"][1].update(
        content="Line\x00 one\r\nline\ttwo\x1b", author={"id": "0", "name": "Ann\x02", "role": "participant"}
    )
    topic["posts"][1]["message_id"] = "-5"  # a synthetic id from an offline import: a new one is made
    topic["posts"][1]["revisions"] = [{"content": "Old\x03", "edited_at": AT}]
    data = json.dumps(doc).encode()
    from bot.porting.apply import import_offline

    conn = connect(tmp_path / "ok.db")
    import_offline(conn, 77, detect_and_parse(data))
    title, tags = conn.execute("SELECT title, tags FROM topics").fetchone()
    assert title == "T" * 99 and json.loads(tags) == ["x" * 50, "medicine"]
    reply = conn.execute("SELECT content, author_name, author_id, message_id FROM posts WHERE number = 13").fetchone()
    assert tuple(reply) == ("Line one\nline\ttwo", "Ann", 0, reply[3]) and reply[3] < 0
    assert conn.execute("SELECT content FROM revisions").fetchone()[0] == "Old"


# ---------------------------------------------------------------- WXR
def wxr(old: str, new: str, count: int = 1) -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, count).encode()


QUESTION = "What is the difference between personalized medicine and precision medicine?"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (wxr(f"<title>{QUESTION}</title>", f"<title>{'Q' * 140}</title>"),
         "topic #3146 'QQQQ"),
        (wxr(f"<title>{QUESTION}</title>", f"<title>{'Q' * 140}</title>"),
         ": title is 140 characters; at most 100. Nothing was imported."),
        (wxr("<wp:post_id>3153</wp:post_id>", "<wp:post_id>²</wp:post_id>"),
         ("reply 'Reply To: What is the difference betw", "…': wp:post_id '²' is not a post id written in the digits")),
        (wxr("<wp:post_id>3153</wp:post_id>", f"<wp:post_id>{U64_MAX}</wp:post_id>"),
         f"wp:post_id '{U64_MAX}' is out of range: a post id is 1 to 4611686018427387903"),
        (wxr("<wp:post_id>3146</wp:post_id>", "<wp:post_id>٣١٤٦</wp:post_id>"),
         ("topic 'What is the difference between person", "…': wp:post_id '٣١٤٦' is not a post id")),
        (wxr("<wp:post_parent>3100</wp:post_parent>", "<wp:post_parent>-3100</wp:post_parent>"),
         ("topic #3146 'What is the", "…': wp:post_parent '-3100' is not a post id")),
        (wxr("<![CDATA[3147]]></wp:meta_value>", "<![CDATA[3147x]]></wp:meta_value>"),
         ("reply #3160 'Reply To:", "…': _bbp_reply_to '3147x' is not a post id")),
        (wxr("<![CDATA[Dr. M]]>", f"<![CDATA[{'M' * 120}]]>"),
         ("topic #3146 'What is the", "…', post #3153: author name 'MMMM")),
        (wxr('nicename="medicine"><![CDATA[medicine]]>', f'nicename="m"><![CDATA[{"m" * 60}]]>'),
         "tag 'mmmmmmmmmmmmmmmmmmm…' is 60 characters; at most 50"),
        (wxr("<title>Discussion</title>", f"<title>{'D' * 101}</title>"),
         "forum 'DDDD"),
        (wxr("<content:encoded><![CDATA[Be kind.]]>", f"<content:encoded><![CDATA[{'k' * 20_001}]]>"),
         "topic #3170 'Forum rules', opening post: body is 20001 characters; at most 20000"),
    ],
)  # fmt: skip
def test_wxr_fields_out_of_bounds_are_refused_naming_the_item(data: bytes, says: str | tuple[str, ...]) -> None:
    with pytest.raises(ImportRefused) as refusal:
        detect_and_parse(data)
    for part in (says,) if isinstance(says, str) else says:
        assert part in refusal.value.message


def test_wxr_items_of_other_types_keep_being_ignored_whatever_their_ids() -> None:
    data = wxr("<wp:post_id>12</wp:post_id>", "<wp:post_id>²</wp:post_id>")  # the WordPress page
    assert detect_and_parse(data).topic_count == 2


# ---------------------------------------------------------------- the command line writes nothing
@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (json.dumps(changed(f"{TOPIC}.title", "T" * 140)).encode(), "x.json", "title is 140 characters; at most 100"),
        (json.dumps(changed("guild.id", U64_MAX)).encode(), "x.json", "is out of range"),
        (wxr("<wp:post_id>3153</wp:post_id>", "<wp:post_id>²</wp:post_id>"), "x.xml", "is not a post id"),
    ],
)
def test_the_cli_reports_a_refused_import_in_one_line_and_writes_nothing(
    tmp_path: Path, capsys, monkeypatch, data: bytes, name: str, says: str
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    target = tmp_path / "forum.db"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    assert main(["import", str(source), "--guild", "77"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and says in err and "Nothing was imported" in err
    assert not target.exists()


def test_the_cli_leaves_an_existing_database_untouched(tmp_path: Path, capsys, monkeypatch) -> None:
    target = tmp_path / "forum.db"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document()))
    monkeypatch.setenv("DATABASE_PATH", str(target))
    assert main(["import", str(good)]) == 0  # the export's own server, 77
    before = sqlite3.connect(target).execute("SELECT COUNT(*), MAX(number) FROM posts").fetchone()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(changed(f"{REPLY}.content", "y" * 20_001)))
    capsys.readouterr()
    assert main(["import", str(bad)]) == 2
    assert re.search(r"post #13: body is 20001 characters", capsys.readouterr().err)
    assert sqlite3.connect(target).execute("SELECT COUNT(*), MAX(number) FROM posts").fetchone() == before
