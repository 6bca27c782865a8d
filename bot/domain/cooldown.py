"""A per-key sliding window: at most ``rate`` uses per ``per`` seconds. Pure (the caller gives the time).

Used for `/search`'s per-member cooldown: a few searches per short window, then a clear
answer saying when to try again. Kept in memory: a restart forgets it, which costs nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable


class Cooldown:
    def __init__(self, rate: int, per: float) -> None:
        self.rate = max(1, rate)
        self.per = float(per)
        self._uses: dict[Hashable, deque[float]] = {}

    def hit(self, key: Hashable, now: float) -> float:
        """Count a use of ``key`` at ``now`` (seconds); 0 when allowed, else the seconds to wait
        (a refused use is not counted)."""
        uses = self._uses.setdefault(key, deque())
        while uses and uses[0] <= now - self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return max(0.0, uses[0] + self.per - now)
        uses.append(now)
        if len(self._uses) > 10_000:  # forget members who stopped searching
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        for key in [k for k, uses in self._uses.items() if not uses or uses[-1] <= now - self.per]:
            del self._uses[key]
