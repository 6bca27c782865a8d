"""`python -m bot` without a token, and the archive's pure text helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import __main__ as cli
from bot.storage.search import HL_END, HL_START
from bot.web import markup


def test_no_token_prints_the_help_then_starts_the_demo(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr(cli, "load_dotenv", lambda: None)
    started = []
    monkeypatch.setattr("bot.demo.main", lambda settings: started.append(settings) or 0)
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert "No DISCORD_TOKEN is set" in out and "python -m bot demo" in out
    assert out.index("No DISCORD_TOKEN") < out.index("Starting the offline demo")
    assert len(started) == 1


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        (None, "never"),
        ("2026-11-28T11:59:30+00:00", "just now"),
        ("2026-11-28T11:59:00+00:00", "1 minute ago"),
        ("2026-11-28T10:00:00+00:00", "2 hours ago"),
        ("2026-11-27T12:00:00+00:00", "1 day ago"),
        ("2026-11-14T12:00:00+00:00", "2 weeks ago"),
        ("2025-11-28T12:00:00+00:00", "1 year ago"),
        ("2026-11-28T13:00:00+00:00", "just now"),  # a clock ahead never reads negative
    ],
)
def test_freshness(iso: str | None, expected: str) -> None:
    assert markup.ago(iso, NOW) == expected


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**bold** and *it*", "<p><strong>bold</strong> and <em>it</em></p>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"),
        ("![pixel](https://tracker.example/p.gif)",
         '<p>!<a href="https://tracker.example/p.gif" rel="nofollow ugc noopener">pixel</a></p>'),
        ("<@123> hi", '<p><span class="mention unknown">@unknown-user</span> hi</p>'),
    ],
)  # fmt: skip
def test_markdown_is_safe(text: str, html: str) -> None:
    assert str(markup.markdown(text)) == html


def test_snippet_highlight_escapes_before_marking() -> None:
    snippet = f"<b>x</b> {HL_START}precision{HL_END} & more {HL_START}<script>{HL_END}"
    assert str(markup.highlight(snippet)) == (
        "&lt;b&gt;x&lt;/b&gt; <mark>precision</mark> &amp; more <mark>&lt;script&gt;</mark>"
    )
