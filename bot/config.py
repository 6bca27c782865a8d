"""Process settings. Per-guild forum settings live in the database, not here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain import attachments, shards
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
    # The archive's public address (BASE_URL), e.g. "https://forum.example.org": every absolute
    # link (canonical, feeds, sitemap, OpenGraph) is built on it. "" = unset (docs/archive.md).
    base_url: str = ""
    # Group commit of the recording path: at most this many rows per commit.
    writer_batch_size: int = 100
    # SQLite's synchronous pragma: NORMAL (default, safe in WAL) or FULL (power-loss durable).
    synchronous: str = "NORMAL"
    # Sharding (SHARD_COUNT / SHARD_IDS): this process runs ``shard_ids`` of ``shard_count``
    # shards. None and None: one process, every shard, as many as Discord recommends.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # Copies of attachments (docs/archive.md, "Attachments"): ARCHIVE_ATTACHMENTS images | all | off,
    # each file at most ARCHIVE_ATTACHMENTS_MAX_MB; kept in ATTACHMENTS_DIR (default: an
    # `attachments` directory beside the SQLite database, or data/attachments on PostgreSQL).
    archive_attachments: str = attachments.DEFAULT_MODE
    archive_attachments_max_mb: int = attachments.DEFAULT_MAX_MB
    attachments_dir: Path | None = None

    @property
    def attachments_root(self) -> Path:
        """Where kept attachments live: ATTACHMENTS_DIR, else beside the SQLite database
        (``<its directory>/attachments``), else (PostgreSQL) ``data/attachments``."""
        if self.attachments_dir is not None:
            return self.attachments_dir
        url = self.database_url or ""
        if url.startswith("sqlite:///"):
            return Path(url.removeprefix("sqlite:///")).parent / "attachments"
        if url:
            return Path("data/attachments")
        return self.database_path.parent / "attachments"

    def __post_init__(self) -> None:
        problem = shards.check(self.shard_count, self.shard_ids)
        if problem is not None:
            raise ConfigError(problem)

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
            base_url=base_url(env.get("BASE_URL", "")),
            synchronous=(env.get("SQLITE_SYNCHRONOUS", "").strip() or "NORMAL").upper(),
            shard_count=_shard_count(env.get("SHARD_COUNT", "")),
            shard_ids=_shard_ids(env.get("SHARD_IDS", "")),
            archive_attachments=_attachments_mode(env.get("ARCHIVE_ATTACHMENTS", "")),
            archive_attachments_max_mb=_max_mb(env.get("ARCHIVE_ATTACHMENTS_MAX_MB", "")),
            attachments_dir=Path(env["ATTACHMENTS_DIR"].strip()) if env.get("ATTACHMENTS_DIR", "").strip() else None,
        )


def base_url(text: str) -> str:
    """``BASE_URL`` as the archive uses it: ``scheme://host[:port]`` without a trailing slash;
    "" when unset. The archive serves from its host's root, so a path, query or fragment is refused."""
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(
            f"BASE_URL must be the archive's public address, like https://forum.example.org (got {text[:60]!r})."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"BASE_URL takes no query, fragment or user name (got {text[:60]!r}).")
    try:
        parts.port  # noqa: B018 -- a port that is not a number raises here
    except ValueError:
        raise ConfigError(f"BASE_URL has a port that is not a number (got {text[:60]!r}).") from None
    return f"{parts.scheme}://{parts.netloc}"


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


def _attachments_mode(text: str) -> str:
    mode = attachments.parse_mode(text)
    if mode is None:
        raise ConfigError(f"ARCHIVE_ATTACHMENTS must be images, all or off (got {text.strip()[:30]!r}).")
    return mode


def _max_mb(text: str) -> int:
    text = text.strip() or str(attachments.DEFAULT_MAX_MB)
    value = strict_int(text, low=1, high=attachments.MAX_MB_LIMIT)
    if value is None:
        raise ConfigError(
            f"ARCHIVE_ATTACHMENTS_MAX_MB must be a whole number of megabytes from 1 to "
            f"{attachments.MAX_MB_LIMIT} (got {text[:30]!r})."
        )
    return value
