"""What a member reads when Discord refuses: a 429 says when to try again."""

from __future__ import annotations

from dataclasses import dataclass, field

import discord
import pytest

from bot.failures import describe_http_error, retry_after


@dataclass
class Response:
    """The two fields discord.HTTPException reads from an aiohttp response, plus headers."""

    status: int
    reason: str = "Too Many Requests"
    headers: dict[str, str] = field(default_factory=dict)


def http_error(status: int, headers: dict[str, str] | None = None) -> discord.HTTPException:
    return discord.HTTPException(Response(status, headers=headers or {}), {"code": 0, "message": "nope"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "seconds", "said"),
    [
        ({}, None, "try again in a minute"),
        ({"Retry-After": "7"}, 7, "try again in 7 seconds"),
        ({"Retry-After": "0.4"}, 1, "try again in 1 second."),
        ({"Retry-After": "90.2"}, 91, "try again in 91 seconds"),
        ({"Retry-After": "600"}, 600, "try again in 10 minutes"),
        ({"Retry-After": "soon"}, None, "try again in a minute"),
        ({"Retry-After": "-3"}, None, "try again in a minute"),
    ],
)
def test_a_rate_limit_says_when_to_retry(headers: dict[str, str], seconds: int | None, said: str) -> None:
    error = http_error(429, headers)
    assert retry_after(error) == seconds
    text = describe_http_error(error)
    assert "rate limiting" in text and said in text


def test_other_failures_keep_their_messages() -> None:
    assert "HTTP 500" in describe_http_error(http_error(500))
    assert "rate limiting" not in describe_http_error(http_error(400))
