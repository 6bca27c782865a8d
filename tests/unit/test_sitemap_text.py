"""The sitemap's fast paths give the same text as the general ones (bot/web/crawl.py, seo.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from bot.web.crawl import lastmod
from bot.web.seo import topic_path


def general_lastmod(text: str | None) -> str:
    """lastmod as first written: parse, convert to UTC, format (5 µs a topic)."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@pytest.mark.parametrize(
    "recorded",
    [
        "2024-11-01T03:10:40+00:00",  # whole seconds
        "2024-11-01T03:10:40.123456+00:00",  # as timeutil.iso records
        "2024-11-01T03:10:40.1+00:00",
        "2024-11-01T03:10:40+00:00:00",
        "2024-11-01T03:10:40Z",
        "2024-11-01T03:10:40",  # no offset: taken as UTC
        "2024-11-01 03:10:40+00:00",  # a space for the T
        "2024-11-01T03:10:40+02:00",  # another offset: converted
        "2024-11-01T23:59:59.999999-05:00",  # converted across midnight
        "2024-W44-5T03:10:40+00:00",  # a week date
        "20241101T031040+00:00",  # basic format
        "2024-11-01T03:10+00:00",  # no seconds
        "2024-13-01T03:10:40+00:00",  # no such month: none
        "2024-11-01T03:10:40.123456+0000",
        "yesterday",
        "",
        None,
    ],
)
def test_lastmod_is_the_general_conversion(recorded: str | None) -> None:
    assert lastmod(recorded) == general_lastmod(recorded)


@pytest.mark.parametrize(
    ("guild_id", "number", "page"), [(1, 7, 1), (900000000000000001, 107, 1), (5, 3, 2), (5, 3, 40)]
)
def test_topic_path_is_the_encoded_query(guild_id: int, number: int, page: int) -> None:
    query = {"guild": str(guild_id)} | ({"page": str(page)} if page > 1 else {})
    assert topic_path(guild_id, number, page) == f"/topics/{number}?{urlencode(query)}"
