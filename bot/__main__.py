"""python -m bot: run | demo | web | export | db (SPEC §5)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from bot.config import ConfigError, Settings
from bot.domain.numbers import PORT_MAX, describe_id_problem, strict_id, strict_int
from bot.logging_setup import configure
from bot.storage import describe
from bot.storage.api import DatabaseUnavailable

NO_TOKEN = """\
No DISCORD_TOKEN is set, so Threadkeeper cannot connect to Discord.

To get one:
  1. Open https://discord.com/developers/applications and create an application.
  2. Bot tab: Reset Token, copy it; turn on the Message Content and Server Members intents.
  3. Put it in .env as DISCORD_TOKEN=... (see .env.example) and run `make run` again.

Without a token, `python -m bot demo` plays the forum offline on a simulated Discord.
"""


def guild_id_arg(text: str) -> int:
    """``--guild``: a server id in ASCII digits, 1 .. 2**63 - 1."""
    value = strict_id(text)
    if value is None:
        raise argparse.ArgumentTypeError(describe_id_problem(text))
    return value


def port_arg(text: str) -> int:
    value = strict_int(text, low=1, high=PORT_MAX)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a port number from 1 to {PORT_MAX}")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bot", description="Threadkeeper, a bbPress-style forum bot")
    sub = root.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot against Discord (DISCORD_TOKEN)")
    run.add_argument("--sync", action="store_true", help="sync the slash commands now")
    sub.add_parser("demo", help="run the bot offline on a simulated Discord, then serve the archive")
    web = sub.add_parser("web", help="serve the read-only web archive")
    web.add_argument("--host")
    web.add_argument("--port", type=port_arg)
    export = sub.add_parser("export", help="export without Discord")
    export.add_argument("--format", choices=("json", "html", "markdown"), default="json")
    export.add_argument("--guild", type=guild_id_arg, help="guild id (default: every guild, one file each)")
    export.add_argument("--out", type=Path, help="output file or directory (default: stdout for one guild)")
    imp = sub.add_parser(
        "import", help="import a Threadkeeper JSON file or a bbPress WXR export (its 1 to 3 files) without Discord"
    )
    imp.add_argument(
        "file", type=Path, nargs="+", help="one export; WordPress's forums, topics and replies files as one"
    )
    imp.add_argument("--guild", type=guild_id_arg, help="guild id (default: the JSON export's own; required for WXR)")
    imp.add_argument("--public", action="store_true", help="show forums the import creates in the web archive")
    imp.add_argument(
        "--super-sticky",
        metavar="IDS",
        default="",
        help="bbPress's super-sticky topic ids (the _bbp_super_sticky_topics option, not in the WXR): "
        "3170,3180, or the option's value as WP-CLI prints it",
    )
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("migrate", help="apply schema migrations")
    dbsub.add_parser("check", help="integrity check")
    backup = dbsub.add_parser("backup", help="online backup to PATH")
    backup.add_argument("path", type=Path)
    copy = dbsub.add_parser("copy", help="copy the whole database into an empty one at URL (SQLite or PostgreSQL)")
    copy.add_argument("url", help="postgresql://user:password@host/db or sqlite:///path")
    return root


def cmd_run(settings: Settings, sync: bool, *, demo_without_token: bool) -> int:
    """`run`: against Discord. Without a token, explain; bare `python -m bot` then plays the demo."""
    if not settings.discord_token:
        print(NO_TOKEN)
        if not demo_without_token:
            return 0
        print("Starting the offline demo now (Ctrl+C stops it).\n")
        from bot.demo import main as demo_main

        return demo_main(settings)
    from bot.app import create_bot

    _connect(settings, create=True).close()  # unreachable, unreadable or too new: one line now, before Discord
    bot = create_bot(settings, sync_mode="always" if sync else "auto")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: the bot closed on the way out
        asyncio.run(_serve(bot, settings.discord_token))
    return 0


async def _serve(bot: Any, token: str) -> None:
    """``bot.run`` plus a clean close on SIGTERM (systemd's stop), as on Ctrl+C: the bot releases
    its shard leases, so the next process does the once-per-guild work at once."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)


def _connect(settings: Settings, *, check: bool = True, create: bool = False) -> Any:
    """The configured database (SQLite or PostgreSQL) for a one-off command; its schema checked
    unless ``check`` is False (``DatabaseUnavailable`` / ``SchemaTooNew``: one line in main)."""
    from bot.storage import connect

    return connect(settings, check=check, create=create)


def cmd_export(settings: Settings, fmt: str, guild: int | None, out: Path | None) -> int:
    from bot.porting import exports
    from bot.storage import export as rows

    conn = _connect(settings)
    where = describe(settings)
    guilds = [guild] if guild is not None else rows.guild_ids(conn)
    if guild is not None and guild not in rows.guild_ids(conn):
        print(f"No guild {guild} in {where}.", file=sys.stderr)
        return 2
    if not guilds:
        print(f"{where} holds no forum yet.", file=sys.stderr)
        return 2
    from bot.progress import Bar

    bar = Bar(unit="topics")
    for guild_id in guilds:
        stage = f"guild {guild_id}"
        text = exports.render(conn, fmt, guild_id, step=functools.partial(bar, stage))
        bar.close()
        if out is None and len(guilds) == 1:
            sys.stdout.write(text)
            continue
        target = out or Path(".")
        if len(guilds) > 1 or target.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            target = target / exports.filename(fmt, guild_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    return 0


def cmd_import(settings: Settings, files: list[Path], guild: int | None, public: bool, super_sticky: str = "") -> int:
    from bot.porting.apply import import_offline
    from bot.porting.load import detect_and_parse_many
    from bot.porting.model import ImportRefused
    from bot.porting.phpserial import int_list

    supers = int_list(super_sticky) if super_sticky.strip() else []
    if super_sticky.strip() and not supers:
        print("--super-sticky takes topic ids: 3170,3180 (or the option's value as WP-CLI prints it).", file=sys.stderr)
        return 2
    datas = []
    for file in files:
        try:
            datas.append(file.read_bytes())
        except OSError as error:
            print(f"Cannot read {file}: {error.strerror}", file=sys.stderr)
            return 2
    try:
        doc = detect_and_parse_many(datas, super_sticky=supers)
    except ImportRefused as error:
        print(error.message, file=sys.stderr)
        return 2
    if guild is None:
        guild = doc.guild_id  # a Threadkeeper export names its server (checked by the parser)
    if guild is None:
        print("This file names no Discord server: pass --guild ID (the server the forum belongs to).", file=sys.stderr)
        return 2
    from bot.progress import Bar
    from bot.storage import connect

    conn = connect(settings, migrate_schema=True)
    bar = Bar(unit="topics")
    summary = import_offline(conn, guild, doc, public=public, step=lambda done, total: bar("import", done, total))
    bar.close()
    print(
        f"imported {summary.topics} topic(s) and {summary.posts} post(s) into {summary.forums} forum(s) of guild "
        f"{guild}; {summary.numbers_kept} number(s) kept, {summary.numbers_changed} renumbered"
    )
    for warning in doc.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_db(settings: Settings, what: str, path: Path | None) -> int:
    from bot.storage import connect, target

    kind, _ = target(settings)
    if what == "migrate":
        if kind == "postgres":
            from bot.storage.postgres.database import migrate as pg_migrate

            applied = pg_migrate(connect(settings))
        else:
            from bot.storage.sqlite.database import migrate

            applied = migrate(connect(settings, create=True, check=False), where=describe(settings))
        print("applied: " + ", ".join(applied) if applied else "the schema is up to date")
        return 0
    # A backup copies pages and understands nothing: it works on a newer schema too.
    # The check reads the schema version itself (a damaged file is reported, not raised).
    conn = _connect(settings, check=False)
    if kind == "postgres":
        if what == "check":
            return _check_postgres(conn, describe(settings))
        print(
            f"{describe(settings)}: back up PostgreSQL with its own tools, e.g. `pg_dump -Fc -f {path} DBNAME` "
            "(docs/operations.md).",
            file=sys.stderr,
        )
        return 2
    if what == "check":
        return _check(conn, Path(describe(settings)))
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(path)
    try:
        with copy:
            conn.backup(copy)  # SQLite's online backup: consistent while the bot writes
    except sqlite3.DatabaseError as error:
        print(f"{describe(settings)}: backup failed: {error}. Run `python -m bot db check`.", file=sys.stderr)
        return 1
    finally:
        copy.close()
    print(f"backed up {describe(settings)} to {path}")
    return 0


def cmd_copy(settings: Settings, url: str) -> int:
    """`db copy URL`: the configured database into an empty one (bot/storage/copy.py)."""
    from bot.progress import Bar
    from bot.storage import connect, target
    from bot.storage.api import StorageError
    from bot.storage.copy import CopyFailed, CopyRefused, copy_database

    to = Settings(database_url=url)
    try:
        kind, where = target(to)
    except ValueError:
        print(f"db copy: the URL must start with postgresql:// or sqlite:/// (got {url[:40]!r})", file=sys.stderr)
        return 2
    source_where, target_where = describe(settings), describe(to)
    if kind == "sqlite" and target(settings)[0] == "sqlite":
        same = Path(where).resolve() == Path(target(settings)[1]).resolve()
    else:
        same = source_where == target_where
    if same:
        print(f"db copy: {target_where} is the configured database itself", file=sys.stderr)
        return 2
    source = _connect(settings)  # missing, unreachable or too new: one line in main()
    bar = Bar()
    failures: tuple[type[Exception], ...] = (CopyFailed, *StorageError)
    try:
        try:
            destination = connect(to, create=True, check=False)
        except OSError as error:
            print(f"db copy: cannot create {target_where}: {error.strerror or error}", file=sys.stderr)
            return 2
        try:
            report = copy_database(
                source, destination, source_where=source_where, target_where=target_where, progress=bar
            )
        finally:
            destination.close()
    except CopyRefused as error:
        bar.close()
        print(f"db copy refused: {error}; nothing was written.", file=sys.stderr)
        return 2
    except failures as error:
        bar.close()
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(
            f"db copy failed: {first}. {target_where} holds an unfinished copy: run the same command again "
            "to start over.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(
            f"db copy interrupted: {target_where} holds an unfinished copy: run the same command again to start over.",
            file=sys.stderr,
        )
        return 130
    finally:
        source.close()
    bar.close()
    width = max((len(name) for name in report.tables), default=0)
    for name, rows in report.tables.items():
        print(f"  {name:<{width}} {rows:>12,}")
    print(
        f"copied {len(report.tables)} tables, {report.rows:,} rows from {source_where} to {target_where} "
        f"in {report.seconds:.1f} s" + (" (an unfinished copy was emptied first)" if report.restarted else "")
    )
    print(
        f"checked: rows of every table, the next numbers of {report.guilds} guild(s), {report.sequences} id "
        f"sequence(s), the search index; not copied: {', '.join(report.skipped) or 'nothing'} "
        '(docs/operations.md, "Moving a forum")'
    )
    return 0


CORRUPT_ADVICE = (
    "Stop the bot, keep this file for inspection, and restore the newest good backup "
    "(see docs/operations.md): copy it into place, run `python -m bot db check`, then start the bot; "
    "its catch-up records what was posted in Discord since the backup."
)


def _check_postgres(conn: Any, where: str) -> int:
    from bot.storage.postgres.database import integrity_check, schema_version

    problems = integrity_check(conn)
    if problems:
        print(f"{where}: {len(problems)} problem(s)", file=sys.stderr)
        for line in problems[:30]:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"{where}: ok (schema version {schema_version(conn)})")
    return 0


def _check(conn: sqlite3.Connection, path: Path) -> int:
    from bot.storage.sqlite.database import check_schema, integrity_check

    try:
        version = check_schema(conn, path)  # SchemaTooNew: refused in one line by main()
        problems = integrity_check(conn)
    except sqlite3.DatabaseError as error:  # not a database at all, or too damaged to read
        problems = [f"SQLite cannot read it: {error}"]
    lines = [line.strip() for problem in problems for line in problem.splitlines() if line.strip()]
    if lines:
        print(f"{path}: CORRUPT ({len(lines)} problem(s))", file=sys.stderr)
        for line in lines[:30]:
            print("  " + line, file=sys.stderr)
        if len(lines) > 30:
            print(f"  ... and {len(lines) - 30} more", file=sys.stderr)
        print(CORRUPT_ADVICE, file=sys.stderr)
        return 1
    print(f"{path}: ok (schema version {version})")
    return 0


def main(argv: list[str] | None = None) -> int:
    from bot.storage.errors import SchemaTooNew, UnfinishedCopy

    load_dotenv()
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"Threadkeeper cannot start: {error}", file=sys.stderr)
        return 2
    configure(settings.log_level, settings.log_format)
    try:
        return _main(args, settings)
    except (
        DatabaseUnavailable,
        SchemaTooNew,
        UnfinishedCopy,
    ) as error:  # one line, no traceback (SPEC §5, docs/operations.md)
        print(error, file=sys.stderr)
        return 2
    except ValueError as error:
        if "DATABASE_URL" not in str(error):
            raise
        print(error, file=sys.stderr)
        return 2


def _main(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "run":
        return cmd_run(settings, getattr(args, "sync", False), demo_without_token=args.command is None)
    if command == "export":
        return cmd_export(settings, args.format, args.guild, args.out)
    if command == "import":
        return cmd_import(settings, args.file, args.guild, args.public, args.super_sticky)
    if command == "db" and args.db_command == "copy":
        return cmd_copy(settings, args.url)
    if command == "db":
        return cmd_db(settings, args.db_command, getattr(args, "path", None))
    if command == "web":
        from bot.web.app import serve

        serve(settings, args.host or settings.web_host, args.port or settings.web_port)
        return 0
    if command == "demo":
        from bot.demo import main as demo_main

        return demo_main(settings)
    return 2


if __name__ == "__main__":
    sys.exit(main())
