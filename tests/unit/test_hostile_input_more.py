"""Hostile input, property-based, for the parsers and renderers of the later features:
block durations, search queries (which must always be valid FTS5) and the web archive's
Markdown (which must never let a member's HTML or script through)."""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.durations import parse_duration
from bot.domain.searchquery import SearchQueryError, parse
from bot.web.markup import highlight, markdown

FAST = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
hostile_bits = st.sampled_from(
    [
        '"',
        "'",
        "*",
        "(",
        ")",
        "-",
        "NOT",
        "AND",
        "OR",
        "NEAR",
        "NEAR(",
        "^",
        ":",
        "content:",
        "{",
        "}",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "<a href='data:text/html,x'>",
        "![i](https://t.example/p.gif)",
        "```",
        "`",
        "&lt;",
        "&#x3C;script&#x3E;",
        "\x00",
        "\u202e",
        "🙂",
        "日本語",
        "30m",
        "12h",
        "7d",
        "0m",
        "99999999999d",
    ]
)
hostile = st.lists(st.one_of(any_text, hostile_bits), max_size=8).map(" ".join)


@FAST
@given(hostile)
def test_durations_are_a_sane_span_or_a_clear_error(text: str) -> None:
    try:
        span = parse_duration(text)
    except ValueError as error:
        assert str(error)
    else:
        assert timedelta(minutes=1) <= span <= timedelta(days=3660)


def _fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(content, tokenize='unicode61 remove_diacritics 2')")
    conn.executemany("INSERT INTO t(content) VALUES (?)", [("precision medicine",), ("personalized care 🙂",)])
    return conn


FTS = _fts()


@FAST
@given(hostile)
def test_every_search_is_valid_fts5_or_a_clear_message(text: str) -> None:
    try:
        query = parse(text)
    except SearchQueryError as error:
        assert str(error)
        return
    FTS.execute("SELECT rowid FROM t WHERE t MATCH ?", (query.expression,)).fetchall()  # never an error


ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "a",
    "ul",
    "ol",
    "li",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "mark",
    "u",
    "span",
    "label",
    "input",
    "time",
    "small",
}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcset"}:
                self.problems.append(f"attribute {name}")
            if name == "href" and not (value or "").lower().startswith(("http://", "https://", "mailto:", "#")):
                self.problems.append(f"href {value!r}")


@FAST
@given(hostile)
def test_archive_markdown_never_lets_member_html_or_script_through(text: str) -> None:
    for html in (str(markdown(text)), str(highlight(text))):
        inspector = _Inspector()
        inspector.feed(html)
        assert inspector.problems == [], (text, html)
