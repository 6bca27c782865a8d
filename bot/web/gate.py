"""How many searches the archive runs at once, and how many may wait (SPEC §6: a flood of
expensive searches never stops pages from answering).

Searches run on their own read connection (``bot.web.app``), one at a time per connection,
each bounded by the search's time budget (``bot.storage.search.TIME_BUDGET_SECONDS``). The
gate lets ``slots`` of them run and ``waiting`` more queue; anyone else, and anyone who
waited ``wait_seconds`` without a slot, is turned away at once with ``Busy`` (the archive
answers 503 with ``Retry-After``). Pages never pass through the gate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Busy(Exception):
    """No search slot now; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"busy, retry after {retry_after} s")
        self.retry_after = retry_after


class SearchGate:
    def __init__(
        self,
        *,
        slots: int = 1,
        waiting: int = 32,
        wait_seconds: float = 3.0,
        retry_after: int = 2,
        min_interval: float = 0.02,
    ) -> None:
        self.slots = max(1, slots)
        self.min_interval = max(0.0, min_interval)
        self.max_waiting = max(0, waiting)
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._free = asyncio.Semaphore(self.slots)
        self.waiting = 0  # requests queued for a slot now
        self.turned_away = 0  # 503s given (for tests and the bench)

    @property
    def full(self) -> bool:
        """Every slot taken and the queue full: the next search is turned away."""
        return self._free.locked() and self.waiting >= self.max_waiting

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a search slot for the block; ``Busy`` when none comes in time."""
        if self.full:
            self.turned_away += 1
            raise Busy(self.retry_after)
        self.waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), self.wait_seconds)
        except TimeoutError:
            self.turned_away += 1
            raise Busy(self.retry_after) from None
        finally:
            self.waiting -= 1
        taken = time.monotonic()
        try:
            yield
        finally:
            rest = taken + self.min_interval - time.monotonic()
            if rest > 0:
                asyncio.get_running_loop().call_later(rest, self._free.release)
            else:
                self._free.release()
