"""A bbPress 2.6.9 forum as WordPress 6.1.9's Tools › Export writes it: "All content" in one
file, or Forums, Topics and Replies as three files (tests/fixtures/README.md). Both read as
the same forum, on both backends: categories, private and hidden forums, statuses, GMT
dates (a pending post's zero date falls back to its local one), threading, tags, stickies,
super stickies (--super-sticky), anonymous authors, bbPress's revision-log reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.porting import export_json, phpserial
from bot.porting.load import detect_and_parse, detect_and_parse_many
from bot.porting.model import ImportRefused
from tests.backends import BACKENDS
from tests.web.seed import connect

FIXTURES = Path(__file__).parent.parent / "fixtures"
ALL = FIXTURES / "bbpress-2.6.9-all.xml"
SPLIT = [FIXTURES / f"bbpress-2.6.9-{kind}.xml" for kind in ("forums", "topics", "replies")]
GUILD = 4242
OTHER_SITE = FIXTURES / "other-site.xml"  # written by the tests that need it: another site's export


def _other_site(tmp_path: Path) -> Path:
    path = tmp_path / "other-site.xml"
    path.write_bytes(
        ALL.read_bytes().replace(b"forum.example.org</wp:base_site_url>", b"other.example.org</wp:base_site_url>")
    )
    return path


def test_the_three_files_read_as_the_one_file_in_any_order() -> None:
    whole = detect_and_parse(ALL.read_bytes(), super_sticky=[3175])
    for order in (SPLIT, SPLIT[::-1], [SPLIT[2], SPLIT[0], SPLIT[1]]):
        assert detect_and_parse_many([p.read_bytes() for p in order], super_sticky=[3175]) == whole
    assert whole.warnings == ()
    forums = {f.name: (f.category, f.hidden, [t.number for t in f.topics]) for f in whole.forums}
    assert forums == {
        "Announcements": (None, False, [3175]),
        "Moderators' Lounge": ("Staff", True, [3180]),
        "Backstage": ("Staff", True, [3185]),
        "Research": ("Health", False, [3190, 3198]),
        "Discussion": ("Health", False, [3146, 3195, 3170]),
    }  # categories hold no topics: they name their forums' category, and are no forum themselves


def test_one_file_of_a_split_export_imports_with_a_warning_and_nothing_published() -> None:
    doc = detect_and_parse(SPLIT[1].read_bytes())  # the topics alone: their forums are unknown
    assert [(f.name, f.hidden) for f in doc.forums] == [("Imported", True)]
    assert any("forums file left out" in w for w in doc.warnings)
    assert any("replies file left out" in w for w in doc.warnings)
    with pytest.raises(ImportRefused, match="no topics"):
        detect_and_parse(SPLIT[2].read_bytes())  # replies whose topics are in no file


@pytest.mark.parametrize(
    ("files", "supers", "says"),
    [
        ([ALL, OTHER_SITE], [], "different sites"),
        ([ALL], [9999], "#9999 are not topics"),
        ([SPLIT[0], SPLIT[1], SPLIT[2], ALL], [], "at most 3 files"),
    ],
)
def test_files_that_are_not_one_export_are_refused(
    tmp_path: Path, files: list[Path], supers: list[int], says: str
) -> None:
    files = [_other_site(tmp_path) if p == OTHER_SITE else p for p in files]
    with pytest.raises(ImportRefused, match=says):
        detect_and_parse_many([p.read_bytes() for p in files], super_sticky=supers)


def test_a_json_export_and_a_wxr_file_are_not_one_export(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="JSON export is one file"):
        detect_and_parse_many([b'{"format": "threadkeeper"}', ALL.read_bytes()])


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("a:2:{i:0;i:3170;i:1;i:3180;}", [3170, 3180]),
        ('a:1:{i:0;s:4:"3170";}', [3170]),
        ("[3170, 3180]", [3170, 3180]),
        ("3170,3180", [3170, 3180]),
        ("3170 3180", [3170, 3180]),
        ("a:1:{i:0;i:3170;", []),  # cut short
        ('a:1:{i:0;s:9:"3170";}', []),  # a length that does not match
        ('O:8:"stdClass":0:{}', []),  # objects are never read
        ("3170,x", []),
        ("", []),
    ],
)
def test_php_serialized_and_listed_ids(text: str, numbers: list[int]) -> None:
    assert phpserial.int_list(text) == numbers


def test_the_revision_log_reads_as_php_writes_it() -> None:
    log = 'a:1:{i:3177;a:2:{s:6:"author";i:6;s:6:"reason";s:9:"Café ok.";}}'  # lengths in bytes
    assert phpserial.loads(log) == {3177: {"author": 6, "reason": "Café ok."}}
    assert phpserial.loads("a:1:{" * 50 + "}" * 50) is None  # too deep: not read


def _without_synthetic_ids(document: Any) -> Any:
    """The document with the synthetic ids an offline import gives what Discord never held
    (negative; "Discord ids that had to change", SPEC §7) blanked."""
    if isinstance(document, dict):
        return {k: _without_synthetic_ids(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_without_synthetic_ids(v) for v in document]
    if isinstance(document, str) and document.startswith("-") and document[1:].isdigit():
        return "-"
    return document


def _rows(conn: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(sql, args).fetchall()]


def _import(monkeypatch: pytest.MonkeyPatch, database_url: str, files: list[Path], *extra: str) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return main(["import", *map(str, files), "--guild", str(GUILD), *extra])


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_split_export_imports_as_the_forum_it_was(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(monkeypatch, database_url, SPLIT, "--public", "--super-sticky", "a:1:{i:0;i:3175;}") == 0
    assert "imported 8 topic(s) and 19 post(s) into 5 forum(s)" in capsys.readouterr().out
    conn = connect(database_url)
    try:
        forums = _rows(conn, "SELECT name, category, public, archive, topic_count FROM forums ORDER BY name")
        # bbPress categories are their forums' category; private and hidden forums stay out of
        # the web archive (archive hidden) whatever --public says
        assert forums == [
            ("Announcements", None, 1, "public", 1),
            ("Backstage", "Staff", 0, "hidden", 1),
            ("Discussion", "Health", 1, "public", 2),
            ("Moderators' Lounge", "Staff", 0, "hidden", 1),
            ("Research", "Health", 1, "public", 1),
        ]
        topics = dict(
            (
                (n, (s, st, json.loads(tags)))
                for n, s, st, tags in _rows(conn, "SELECT number, status, sticky, tags FROM topics")
            )
        )
        assert topics == {
            3146: ("open", "none", ["medicine", "precision medicine"]),
            3170: ("closed", "sticky", []),  # the forum's _bbp_sticky_topics
            3175: ("open", "super", []),  # --super-sticky: the option is not in the export
            3180: ("open", "none", []),
            3185: ("open", "none", []),
            3190: ("open", "none", ["trials"]),
            3195: ("spam", "none", []),
            3198: ("pending", "none", []),
        }
        posts = {
            n: rest
            for n, *rest in _rows(
                conn,
                "SELECT p.number, p.author_name, p.status, parent.number, p.created_at FROM posts p "
                "LEFT JOIN posts parent ON parent.id = p.parent_id",
            )
        }
        assert posts[3147] == ["Dr. Kumar", "publish", None, "2021-03-01T11:00:00.000000+00:00"]  # GMT, not local
        assert posts[3160] == ["Marzana M", "publish", 3147, "2021-03-02T10:00:00.000000+00:00"]  # threaded
        assert posts[3161][:2] == ["Cheap Pills", "spam"] and posts[3162][1] == "trash"
        assert posts[3163][:2] == ["Curious Visitor", "publish"]  # anonymous authors keep their name
        # pending: post_date_gmt is 0000-00-00 00:00:00, so the local post_date is read
        assert posts[3164] == ["Guest Reader", "pending", None, "2021-03-04T14:05:00.000000+00:00"]
        assert posts[3198][0] == "Guest Reader"
        assert 12 not in posts and 13 not in posts  # the page and the attachment
        notes = _rows(
            conn,
            "SELECT number, edited_at, edited_by, edit_reason FROM posts WHERE edit_reason IS NOT NULL ORDER BY number",
        )
        assert notes == [
            (3176, "2021-01-04T08:30:00.000000+00:00", "Mod Mia", "Removed a link to a shop"),
            (3190, "2021-02-26T07:45:00.000000+00:00", "Mod Mia", "Added the trial's link"),  # the latest entry
        ]
        assert conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 0  # no earlier text made up
    finally:
        conn.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_split_and_whole_import_the_same_and_export_back_the_same(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _import(monkeypatch, database_url, SPLIT, "--super-sticky", "3175") == 0
    conn = connect(database_url)
    try:
        first = export_json.build(conn, GUILD, include_deleted=True, now="X")
    finally:
        conn.close()
    assert {f["name"]: f["category"] for f in first["forums"]} == {
        "Announcements": None,
        "Backstage": "Staff",
        "Discussion": "Health",
        "Moderators' Lounge": "Staff",
        "Research": "Health",
    }  # the export carries each forum's bbPress category
    whole = tmp_path / "whole.db"
    assert _import(monkeypatch, f"sqlite:///{whole}", [ALL], "--super-sticky", "3175") == 0
    conn = connect(f"sqlite:///{whole}")
    try:
        assert export_json.build(conn, GUILD, include_deleted=True, now="X") == first
    finally:
        conn.close()
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(first), encoding="utf-8")
    again = tmp_path / "again.db"
    assert _import(monkeypatch, f"sqlite:///{again}", [exported]) == 0
    conn = connect(f"sqlite:///{again}")
    try:
        second = export_json.build(conn, GUILD, include_deleted=True, now="X")
        assert _without_synthetic_ids(second) == _without_synthetic_ids(first)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("files", "extra", "says"),
    [
        (SPLIT, ["--super-sticky", "first,second"], "--super-sticky takes topic ids"),
        (SPLIT, ["--super-sticky", "4000"], "#4000 are not topics"),
        ([ALL, OTHER_SITE], [], "different sites"),
    ],
)
def test_bad_super_stickies_or_mixed_files_write_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: list[Path],
    extra: list[str],
    says: str,
) -> None:
    target = tmp_path / "untouched.db"
    monkeypatch.setenv("DATABASE_PATH", str(target))
    files = [_other_site(tmp_path) if p == OTHER_SITE else p for p in files]
    assert main(["import", *map(str, files), "--guild", str(GUILD), *extra]) == 2
    assert says in capsys.readouterr().err
    assert not target.exists()
