from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.durations import describe, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(days=14)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 1D 30M ", timedelta(days=1, minutes=30)),
    ],
)
def test_parses(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "m", "forever", "30s", "1y", "-5m", "0m", "99999d", "1d x"])
def test_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(minutes=30), "30m"), (timedelta(days=1, hours=12), "1d 12h"), (timedelta(seconds=5), "0m")],
)
def test_describe(delta: timedelta, text: str) -> None:
    assert describe(delta) == text
