"""Process settings. Per-guild forum settings live in the database, not here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain import shards


@dataclass(frozen=True)
class Settings:
    """Everything the process needs; every field has a default."""

    discord_token: str | None = None
    database_path: Path = Path("data/threadkeeper.db")
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line with guild_id, command, error_code
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Group commit of the recording path: at most this many rows per commit.
    writer_batch_size: int = 100
    # SQLite's synchronous pragma: NORMAL (default, safe in WAL) or FULL (power-loss durable).
    synchronous: str = "NORMAL"
    # Sharding (SHARD_COUNT / SHARD_IDS): this process runs ``shard_ids`` of ``shard_count``
    # shards. None and None: one process, every shard, as many as Discord recommends.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        problem = shards.check(self.shard_count, self.shard_ids)
        if problem is not None:
            raise ConfigError(problem)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        guild = env.get("DEV_GUILD_ID", "").strip()
        return cls(
            discord_token=env.get("DISCORD_TOKEN", "").strip() or None,
            database_path=Path(env.get("DATABASE_PATH", "").strip() or "data/threadkeeper.db"),
            dev_guild_id=int(guild) if guild.isdigit() else None,
            log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
            log_format=(env.get("LOG_FORMAT", "").strip() or "text").lower(),
            web_host=env.get("WEB_HOST", "").strip() or "127.0.0.1",
            web_port=int(env.get("WEB_PORT", "").strip() or 8080),
            synchronous=(env.get("SQLITE_SYNCHRONOUS", "").strip() or "NORMAL").upper(),
            shard_count=_shard_count(env.get("SHARD_COUNT", "")),
            shard_ids=_shard_ids(env.get("SHARD_IDS", "")),
        )


class ConfigError(ValueError):
    """A setting that cannot work; its message is the one line `python -m bot` prints."""


def _shard_count(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise ConfigError(f"SHARD_COUNT must be a whole number, 1 or more (got {text!r}).")
    return int(text)


def _shard_ids(text: str) -> tuple[int, ...] | None:
    """``0,1`` (spaces allowed) -> (0, 1); unset -> None. Ranges and duplicates are checked by Settings."""
    if not text.strip():
        return None
    parts = [part.strip() for part in text.split(",")]
    bad = [part for part in parts if not (part.isascii() and part.isdigit())]
    if bad:
        raise ConfigError(f"SHARD_IDS must be shard numbers separated by commas, e.g. 0,1 (got {text.strip()!r}).")
    return tuple(int(part) for part in parts)
