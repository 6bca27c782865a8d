"""Times are stored as ISO 8601 UTC strings with offset (sortable as text)."""

from __future__ import annotations

from datetime import UTC, datetime

import discord


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def utcnow() -> datetime:
    """Now, on discord.py's clock (the one a simulated Discord moves in tests and the demo)."""
    return discord.utils.utcnow()
