"""The bot's own changes to a thread's lock, so the recorder does not take them for a
moderator's (bot/services/recording/threads.py).

Every path that locks or unlocks a thread (closing, reopening, moving, merging, importing a
closed topic) records the topic itself; it calls ``expect(thread_id)`` just before the edit.
Discord's THREAD_UPDATE may arrive before or after the edit's answer, so the mark holds for
``WINDOW`` seconds. A moderator's lock within that window is recorded by the next catch-up.
"""

from __future__ import annotations

import time

WINDOW = 10.0
_expected: dict[int, float] = {}


def expect(thread_id: int) -> None:
    now = time.monotonic()
    for stale in [t for t, until in _expected.items() if until < now]:
        del _expected[stale]
    _expected[thread_id] = now + WINDOW


def by_the_bot(thread_id: int) -> bool:
    until = _expected.get(thread_id)
    return until is not None and until >= time.monotonic()


def forget() -> None:
    """Drop every mark (tests: simcord gives each test's threads the same ids)."""
    _expected.clear()
