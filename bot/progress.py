"""A progress bar for long command-line work (``db copy``, ``import``, ``export``), written to stderr.

On a terminal: one line redrawn in place, at most ten times a second. Elsewhere (a log,
a pipe): a plain line at every tenth of the work, and for each stage after the work
(checking).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Bar:
    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None, unit: str = "rows") -> None:
        self.stream = stream or sys.stderr
        self.unit = unit
        self.tty = self.stream.isatty() if tty is None else tty
        self._drawn = 0.0
        self._stage = ""
        self._tenth = -1
        self._open = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if self.tty:
            now = time.monotonic()
            if stage == self._stage and now - self._drawn < 0.1 and done < total:
                return
            self._drawn, self._stage = now, stage
            filled = int(share * WIDTH)
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r{stage[:16]:<16} [{bar}] {share:4.0%} {done:,}/{total:,} {self.unit}\x1b[K")
            self.stream.flush()
            self._open = True
            return
        tenth = int(share * 10)
        if tenth != self._tenth or (stage != self._stage and done >= total):
            self._stage, self._tenth = stage, tenth
            self.stream.write(f"{stage}: {done:,}/{total:,} {self.unit} ({share:.0%})\n")
            self.stream.flush()

    def close(self) -> None:
        """End the redrawn line (a terminal), so what follows starts on its own line."""
        if self.tty and self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
