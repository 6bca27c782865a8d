"""Process settings. Per-guild forum settings live in the database, not here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.numbers import PORT_MAX, strict_id, strict_int


class ConfigError(ValueError):
    """A setting in the environment or .env that cannot be used as it is (one line to print)."""


@dataclass(frozen=True)
class Settings:
    """Everything the process needs; every field has a default."""

    discord_token: str | None = None
    database_path: Path = Path("data/threadkeeper.db")
    # postgresql://user:password@host/db or sqlite:///path; wins over database_path when set.
    database_url: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line with guild_id, command, error_code
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Group commit of the recording path: at most this many rows per commit.
    writer_batch_size: int = 100
    # SQLite's synchronous pragma: NORMAL (default, safe in WAL) or FULL (power-loss durable).
    synchronous: str = "NORMAL"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        guild = env.get("DEV_GUILD_ID", "").strip()
        dev_guild_id = strict_id(guild) if guild else None
        if guild and dev_guild_id is None:
            raise ConfigError(f"DEV_GUILD_ID must be a server id (digits 0-9), not {guild[:30]!r}.")
        port = env.get("WEB_PORT", "").strip() or "8080"
        web_port = strict_int(port, low=1, high=PORT_MAX)
        if web_port is None:
            raise ConfigError(f"WEB_PORT must be a port number from 1 to {PORT_MAX}, not {port[:30]!r}.")
        return cls(
            discord_token=env.get("DISCORD_TOKEN", "").strip() or None,
            database_path=Path(env.get("DATABASE_PATH", "").strip() or "data/threadkeeper.db"),
            database_url=env.get("DATABASE_URL", "").strip() or None,
            dev_guild_id=dev_guild_id,
            log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
            log_format=(env.get("LOG_FORMAT", "").strip() or "text").lower(),
            web_host=env.get("WEB_HOST", "").strip() or "127.0.0.1",
            web_port=web_port,
            synchronous=(env.get("SQLITE_SYNCHRONOUS", "").strip() or "NORMAL").upper(),
        )
