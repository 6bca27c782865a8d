"""Parsing block durations such as `30m`, `12h`, `7d` (or `1d12h`). Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.i18n import _

_PART = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """A positive duration, or ValueError with a message for the member."""
    value = (text or "").strip().lower().replace(" ", "")
    shown = (text or "").strip()[:30].replace("`", "'")
    if not value or _PART.sub("", value):
        raise ValueError(
            _("`{text}` is not a duration. Use minutes, hours, days or weeks: `30m`, `12h`, `7d`, `1d12h`.", text=shown)
        )
    seconds = sum(int(amount) * _UNITS[unit] for amount, unit in _PART.findall(value))
    if seconds <= 0:
        raise ValueError(_("A block must last at least one minute (`1m`)."))
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(_("That is longer than ten years; leave the duration out for a block without end."))
    return timedelta(seconds=seconds)


def describe(delta: timedelta) -> str:
    """`1d 12h` style text for a duration (minutes precision)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return " ".join(parts) or "0m"
