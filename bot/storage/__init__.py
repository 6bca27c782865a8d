"""Storage: repositories own every line of SQL and run on SQLite or PostgreSQL (``api``).

``create_database(settings)`` builds the configured backend's ``Database`` (not yet open):
``DATABASE_URL`` (``postgresql://...`` or ``sqlite:///path``) wins over ``DATABASE_PATH``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.api import Database

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def target(settings: Settings) -> tuple[str, str | Path]:
    """("sqlite", path) or ("postgres", url) for these settings; ValueError for an unknown URL."""
    url = (settings.database_url or "").strip()
    if not url:
        return "sqlite", Path(settings.database_path)
    if url.startswith(POSTGRES_SCHEMES):
        return "postgres", url
    if url.startswith("sqlite:///"):
        # As SQLAlchemy reads it: sqlite:///relative/path, sqlite:////absolute/path.
        return "sqlite", Path(url[len("sqlite:///") :])
    raise ValueError(
        f"DATABASE_URL must start with postgresql:// or sqlite:/// (got {url.split('://')[0] or url!r}://...)"
    )


def create_database(settings: Settings, *, readonly: bool = False, **options: Any) -> Database:
    """The configured backend's ``Database``, unopened (``await db.open()``)."""
    kind, where = target(settings)
    if kind == "postgres":
        from bot.storage.postgres.database import Database as PgDatabase

        return PgDatabase(str(where), readonly=readonly, **options)
    from bot.storage.sqlite.database import Database as SqliteDatabase

    return SqliteDatabase(Path(where), readonly=readonly, synchronous=settings.synchronous)


def connect(settings: Settings, *, migrate_schema: bool = False, create: bool = False, check: bool = True) -> Any:
    """A plain synchronous connection for the command line (export, import, db).

    SQLite: ``sqlite3`` with named rows, foreign keys on; PostgreSQL: a ``PgConnection``.
    Raises ``DatabaseUnavailable`` with one line for the operator when it cannot connect
    (SQLite: when the file is missing, unless ``migrate_schema`` or ``create``; or cannot be
    read at all), and ``SchemaTooNew`` for a schema a newer Threadkeeper wrote (``check``:
    a backup copies pages and understands nothing, so it does not check).
    """
    import sqlite3

    from bot.storage.api import DatabaseUnavailable, SqliteConnection

    kind, where = target(settings)
    if kind == "postgres":
        import psycopg

        from bot.storage.postgres import database as pg
        from bot.storage.postgres.connection import connect as pg_connect

        try:
            conn = pg_connect(str(where), connect_timeout=10)
        except psycopg.Error as error:
            raise pg.unavailable(str(where), error) from None
        try:
            if migrate_schema:
                pg.migrate(conn)
            elif check:
                pg.check_schema(conn)
            if migrate_schema or check:
                refuse_unfinished_copy(conn, describe(settings))
        except BaseException:
            conn.close()
            raise
        return conn
    path = Path(where)
    if migrate_schema or create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise DatabaseUnavailable(f"No database at {path} (set DATABASE_PATH or DATABASE_URL).")
    from bot.storage.sqlite.schema import check_schema, migrate

    lite = sqlite3.connect(path, isolation_level=None, factory=SqliteConnection)
    lite.row_factory = sqlite3.Row
    try:
        lite.execute("PRAGMA foreign_keys=ON")
        if migrate_schema:
            migrate(lite, where=path)
        elif check:
            check_schema(lite, path)
        if migrate_schema or check:
            refuse_unfinished_copy(lite, path, f"sqlite:///{path}")
    except sqlite3.DatabaseError as error:
        lite.close()
        raise DatabaseUnavailable(f"{path}: SQLite cannot read it ({error}); run `python -m bot db check`.") from None
    except BaseException:
        lite.close()
        raise
    return lite


def refuse_unfinished_copy(conn: Any, where: object, url: object = None) -> None:
    """``UnfinishedCopy`` when the database is a ``db copy`` target still marked unfinished: no bot,
    archive, import or export works on half a forum (bot/storage/copy.py)."""
    from bot.storage.api import dialect
    from bot.storage.errors import UnfinishedCopy
    from bot.storage.kv import COPY_UNFINISHED, get

    if "kv" in dialect(conn).tables(conn) and get(conn, COPY_UNFINISHED) is not None:
        raise UnfinishedCopy(where, url)


def describe(settings: Settings) -> str:
    """Where the configured database is, for messages (no password)."""
    kind, where = target(settings)
    if kind == "postgres":
        from bot.storage.postgres.database import where as pg_where

        return pg_where(str(where))
    return str(where)
