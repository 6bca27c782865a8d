"""Now, on discord.py's clock: the one a simulated Discord moves in tests and the demo.

Pure code (bot/domain) and the repositories take the time as an argument; this is where it is read.
"""

from __future__ import annotations

from datetime import datetime

import discord


def utcnow() -> datetime:
    return discord.utils.utcnow()
