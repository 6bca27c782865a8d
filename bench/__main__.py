"""``python -m bench``: every speed goal of the bot, measured in one run on this machine.

Writes ``bench/results.json`` and prints a table. ``--tiny`` runs every measurement on a
tiny forum (seconds; what the test suite does so the benchmark cannot rot). The same
workloads run on PostgreSQL (``bench/pg.py``) on the server at ``--pg`` in the same run; when
none answers, the PostgreSQL keys print as skipped, with why.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import data, measure, pg, sim, web

HERE = Path(__file__).resolve().parent

# key: (goal, "<=" or ">=", unit)
GOALS: dict[str, tuple[float, str, str]] = {
    "record_ratio": (0.5, ">=", "×"),
    "command_p99_ms_idle": (10, "<=", "ms"),
    "command_p99_ms_catchup": (50, "<=", "ms"),
    "search_p95_ms_1m": (50, "<=", "ms"),
    "web_search_p95_ms_1m": (100, "<=", "ms"),
    "web_page_p95_ms_during_search_flood": (100, "<=", "ms"),
    "list_p95_ms_100k": (5, "<=", "ms"),
    "autocomplete_p95_ms_100k": (30, "<=", "ms"),
    "catchup_calls_per_100_missed": (1.1, "<=", "calls"),
    "rss_mb_1m": (150, "<=", "MB"),
    "archive_topic_p95_ms_1m": (20, "<=", "ms"),
    "archive_sitemap_ms_1m": (500, "<=", "ms"),
    # the same workloads on PostgreSQL (bench/pg.py), on the server at --pg
    "pg_record_ratio": (0.5, ">=", "×"),
    "pg_command_p99_ms_idle": (15, "<=", "ms"),
    "pg_search_p95_ms_1m": (50, "<=", "ms"),
    "pg_list_p95_ms_100k": (5, "<=", "ms"),
}
# key: unit; measured and reported without a goal (docs/performance.md says what limits them)
REPORTED: dict[str, str] = {"shard_processes_2_ratio": "×"}
PG_KEYS = ("pg_record_ratio", "pg_command_p99_ms_idle", "pg_search_p95_ms_1m", "pg_list_p95_ms_100k",
           "shard_processes_2_ratio")  # fmt: skip


@dataclass(frozen=True)
class Plan:
    name: str
    forum: data.Size  # search, list, memory
    command: data.Size  # command latency
    record: data.Size  # record ratio
    record_rows: int
    replies: int
    catchup: int
    sim_threads: int
    sim_busy: tuple[int, ...]
    sim_spread: int
    rss_threads: int
    rss_per_thread: int
    flood_seconds: float
    shard_posts: int  # live replies per shard process (shard_processes_2_ratio)


FULL = Plan(
    name="full",
    forum=data.FULL,
    command=data.Size(topics=10_000, posts=100_000, huge_topics=(2_500, 1_200)),
    record=data.Size(topics=2_000, posts=20_000, huge_topics=(800,)),
    record_rows=20_000,
    replies=2_000,
    catchup=50_000,
    sim_threads=300,
    sim_busy=(3_000, 2_000, 1_500, 1_000, 800, 600, 500, 300, 200, 100),
    sim_spread=100,
    rss_threads=20,
    rss_per_thread=50,
    flood_seconds=10.0,
    shard_posts=3_000,
)
TINY = Plan(
    name="tiny",
    forum=data.TINY,
    command=data.TINY,
    record=data.TINY,
    record_rows=200,
    replies=20,
    catchup=300,
    sim_threads=6,
    sim_busy=(150, 30),
    sim_spread=2,
    rss_threads=2,
    rss_per_thread=5,
    flood_seconds=0.5,
    shard_posts=200,
)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def verdict(key: str, value: float | None) -> str:
    if value is None:
        return "skipped" if key in PG_KEYS else "n/a"
    if key in REPORTED:
        return "reported"
    goal, op, _ = GOALS[key]
    ok = value >= goal if op == ">=" else value <= goal
    return "ok" if ok else "MISSED"


def table(results: dict[str, Any]) -> str:
    info = results["machine"]
    lines = [
        f"Threadkeeper bench ({results['plan']}) · {info['cores']} cores · SQLite {info['sqlite']} · "
        f"PostgreSQL {info.get('postgresql') or '-'} · Python {info['python']} · {results['seconds']:.0f} s · "
        "load average "
        + " ".join(f"{v:.2f}" for v in info["load_average"])
        + " at the start, "
        + " ".join(f"{v:.2f}" for v in results["load_average_end"])
        + " at the end",
        f"{'key':36} {'value':>12} {'goal':>10}  result",
    ]
    rows = [(key, op + " " + format(goal, "g"), unit) for key, (goal, op, unit) in GOALS.items()]
    rows += [(key, "-", unit) for key, unit in REPORTED.items()]
    for key, goal_text, unit in rows:
        value = results[key]
        shown = "null" if value is None else f"{value:.3g}" if value < 100 else f"{value:.0f}"
        lines.append(f"{key:36} {shown:>12} {goal_text:>10}  {verdict(key, value)} ({unit})")
    for note in results["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --only: the measurement groups (each fills some keys); "sqlite" and "pg" name several
GROUPS: dict[str, tuple[str, ...]] = {
    "record": ("record_ratio",),
    "command": ("command_p99_ms_idle", "command_p99_ms_catchup"),
    "search": ("search_p95_ms_1m",),
    "web": ("web_search_p95_ms_1m", "web_page_p95_ms_during_search_flood"),
    "archive": ("archive_topic_p95_ms_1m", "archive_sitemap_ms_1m"),
    "list": ("list_p95_ms_100k",),
    "autocomplete": ("autocomplete_p95_ms_100k",),
    "show": (),
    "catchup": ("catchup_calls_per_100_missed",),
    "rss": ("rss_mb_1m",),
    "pg_record": ("pg_record_ratio",),
    "pg_command": ("pg_command_p99_ms_idle",),
    "pg_search": ("pg_search_p95_ms_1m",),
    "pg_list": ("pg_list_p95_ms_100k",),
    "pg_shards": ("shard_processes_2_ratio",),
}
ALIASES: dict[str, tuple[str, ...]] = {
    "sqlite": tuple(g for g in GROUPS if not g.startswith("pg_")),
    "pg": tuple(g for g in GROUPS if g.startswith("pg_")),
}


def groups_of(only: str | None) -> set[str]:
    """The groups named by ``--only`` (comma-separated groups or aliases; None: all)."""
    if not only:
        return set(GROUPS)
    chosen: set[str] = set()
    for name in (n.strip() for n in only.split(",") if n.strip()):
        if name in ALIASES:
            chosen.update(ALIASES[name])
        elif name in GROUPS:
            chosen.add(name)
        else:
            raise SystemExit(f"--only: unknown group {name!r} (known: {', '.join([*ALIASES, *GROUPS])})")
    return chosen


ARCHIVE_KEYS = GROUPS["archive"]


async def archive_keys(plan: Plan, forum: data.Built) -> dict[str, Any]:
    """The web archive's topic pages and sitemaps on the 1M-post forum (bench/web.py)."""
    log("web archive: topic pages (the biggest topics' last pages too), then the sitemaps")
    return {
        "archive_topics": await web.topic_pages(forum, count=200 if plan.name == "full" else 20),
        "archive_sitemap": await web.sitemap(forum),
    }


async def postgres(
    plan: Plan, admin_url: str, prefix: str, fixtures: dict[str, data.Built], wanted: set[str]
) -> dict[str, Any]:
    """The PostgreSQL keys (bench/pg.py): details by key, or why they were skipped."""
    details: dict[str, Any] = {}
    reason = pg.unavailable(admin_url)
    if reason is not None:
        return {"skipped": reason}
    log(f"PostgreSQL fixtures (databases {prefix}_*_{plan.name} on {pg.where(admin_url)}, loaded once)")
    names = {kind: pg.cached(admin_url, f"{prefix}_{kind}_{plan.name}", built) for kind, built in fixtures.items()}
    base = {kind: url.rsplit("/", 1)[1] for kind, url in names.items()}
    if "pg_record" in wanted:
        log("pg_record_ratio")
        details["record"] = await pg.record_ratio(
            admin_url, base["record"], fixtures["record"], plan.record, rows=plan.record_rows
        )
    if "pg_command" in wanted:
        log("pg command latency, idle")
        details["command_idle"] = await pg.command_latency(
            admin_url, base["command"], fixtures["command"], plan.command, replies=plan.replies
        )
    if wanted & {"pg_search", "pg_list"}:
        log("pg: reading the 1M-post database once (pg_prewarm; as the SQLite file is read before its search)")
        details["forum_warm"] = pg.warm(names["forum"])
    if "pg_search" in wanted:
        log("pg search")
        details["search"] = await pg.search_latency(names["forum"], fixtures["forum"], plan.forum)
    if "pg_list" in wanted:
        log("pg /topic list")
        details["list"] = await pg.list_latency(names["forum"], fixtures["forum"])
    if "pg_shards" in wanted:
        empty = f"{prefix}_empty_{plan.name}"
        pg.cached(admin_url, empty, None)
        log("shard processes: one, then two, writing different guilds")
        details["shards"] = await pg.shard_ratio(admin_url, empty, count=plan.shard_posts)
    return details


def _value(details: dict[str, Any], *path: str) -> Any:
    for part in path:
        if not isinstance(details, dict) or part not in details:
            return None
        details = details[part]
    return details


async def run(
    plan: Plan,
    cache: Path,
    work: Path,
    *,
    pg_url: str = pg.DEFAULT_URL,
    pg_prefix: str = "threadkeeper_bench",
    only: set[str] | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    wanted = set(GROUPS) if only is None else only
    details: dict[str, Any] = {}
    notes: list[str] = []
    info = machine()  # with the load average at the start

    log(f"fixtures (cached under {cache})")
    needs = {
        "forum": {"search", "web", "archive", "list", "autocomplete", "show", "rss", "pg_search", "pg_list"},
        "command": {"command", "pg_command"},
        "record": {"record", "pg_record"},
    }
    sizes = {"forum": plan.forum, "command": plan.command, "record": plan.record}
    fixtures = {
        kind: data.cached(cache, f"{kind}-{plan.name}", sizes[kind])
        for kind, groups in needs.items()
        if groups & wanted
    }

    if "record" in wanted:
        log("record_ratio")
        details["record"] = await measure.record_ratio(work, fixtures["record"], plan.record, rows=plan.record_rows)

    if "command" in wanted:
        command = fixtures["command"]
        log("command latency, idle")
        details["command_idle"] = await measure.command_latency(
            work, command, plan.command, replies=plan.replies, catchup=0, name="idle"
        )
        log("command latency during a catch-up")
        details["command_catchup"] = await measure.command_latency(
            work, command, plan.command, replies=plan.replies, catchup=plan.catchup, name="catchup"
        )

    forum = fixtures.get("forum")
    if "search" in wanted and forum is not None:
        log("search (after reading the 1M-post database once: a running bot's database is in the page cache)")
        details["forum_file_read_seconds"] = data.warm(forum.path)
        details["search"] = await measure.search_latency(forum, plan.forum)
        if details["search"]["p95_ms"] is None:
            notes.append(details["search"]["note"])

    if "web" in wanted and forum is not None:
        log("web archive: hostile searches, then topic pages during a search flood")
        details["web_search"] = await web.search_latency(forum)
        details["web_flood"] = await web.pages_during_flood(
            forum, seconds=plan.flood_seconds, pages=100 if plan.name == "full" else 10
        )

    if "archive" in wanted and forum is not None:
        if "search" not in wanted:
            data.warm(forum.path)
        details.update(await archive_keys(plan, forum))

    if "list" in wanted and forum is not None:
        log("/topic list")
        details["list"] = await measure.list_latency(forum)

    if "autocomplete" in wanted and forum is not None:
        log("autocomplete of topic options")
        details["autocomplete"] = await measure.autocomplete_latency(forum)

    if "show" in wanted and forum is not None:
        log("/topic show on the biggest topics (details only)")
        details["show_huge"] = await measure.show_latency(forum)

    if "catchup" in wanted:
        log("catch-up through simcord")
        details["catchup"] = await sim.catchup_calls(
            work, threads=plan.sim_threads, busy=list(plan.sim_busy), spread=0, seed=5
        )
        details["catchup_spread"] = await sim.catchup_calls(
            work, threads=plan.sim_threads, busy=[], spread=plan.sim_spread, seed=7
        )
        notes.append(
            "catch-up reads at most 100 messages per call, so a thread with n missed messages costs at least "
            f"ceil(n/100) calls: {details['catchup_spread']['missed']} messages missed one per thread took "
            f"{details['catchup_spread']['history_calls']} calls (minimum {details['catchup_spread']['minimum_calls']})"
        )

    if "rss" in wanted and forum is not None:
        log("resident memory (child process, 1M-post database copy)")
        rss_db = data.copy_db(forum.path, work / "rss.db")
        details["rss"] = await sim.rss_of_bot(rss_db, threads=plan.rss_threads, per_thread=plan.rss_per_thread)
        rss_db.unlink()
        details["rss_empty"] = await sim.rss_of_bot(
            work / "rss-empty.db", threads=plan.rss_threads, per_thread=plan.rss_per_thread
        )

    pg_wanted = {g for g in wanted if g.startswith("pg_")}
    pgd: dict[str, Any] = {}
    if pg_wanted:
        details["postgres"] = pgd = await postgres(plan, pg_url, pg_prefix, fixtures, pg_wanted)
        if "skipped" in pgd:
            notes.append(f"PostgreSQL keys skipped: {pgd['skipped']}")
        else:
            with pg.psycopg.connect(pg_url, connect_timeout=5) as conn:
                info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            if "shards" in pgd:
                shards = pgd["shards"]
                notes.append(
                    "shard processes: one wrote {:.0f} posts/s, two {:.0f} posts/s together; CPU of one core per "
                    "process {}, the whole machine busy {:.0%} while two ran".format(
                        shards["one_process"]["posts_per_s"], shards["two_processes"]["posts_per_s"],
                        shards["two_processes"]["process_cpu_share"], shards["two_processes"]["machine_cpu_busy"],
                    )
                )  # fmt: skip
    if wanted != set(GROUPS):
        notes.append(f"only: {', '.join(sorted(wanted))} (--only); the other keys were not measured")

    return {
        "plan": plan.name,
        "machine": info,
        "load_average_end": os.getloadavg(),
        "record_ratio": _value(details, "record", "record_ratio"),
        "command_p99_ms_idle": _value(details, "command_idle", "p99_ms"),
        "command_p99_ms_catchup": _value(details, "command_catchup", "p99_ms"),
        "search_p95_ms_1m": _value(details, "search", "p95_ms"),
        "web_search_p95_ms_1m": _value(details, "web_search", "p95_ms"),
        "web_page_p95_ms_during_search_flood": _value(details, "web_flood", "p95_ms"),
        "list_p95_ms_100k": _value(details, "list", "p95_ms"),
        "autocomplete_p95_ms_100k": _value(details, "autocomplete", "p95_ms"),
        "catchup_calls_per_100_missed": _value(details, "catchup", "calls_per_100_missed"),
        "rss_mb_1m": _value(details, "rss", "rss_mb"),
        "archive_topic_p95_ms_1m": _value(details, "archive_topics", "p95_ms"),
        "archive_sitemap_ms_1m": _value(details, "archive_sitemap", "slowest_ms"),
        "pg_record_ratio": _value(pgd, "record", "record_ratio"),
        "pg_command_p99_ms_idle": _value(pgd, "command_idle", "p99_ms"),
        "pg_search_p95_ms_1m": _value(pgd, "search", "p95_ms"),
        "pg_list_p95_ms_100k": _value(pgd, "list", "p95_ms"),
        "shard_processes_2_ratio": _value(pgd, "shards", "ratio"),
        "sizes": {
            "forum_posts": forum.posts if forum else None,
            "forum_topics": forum.topics if forum else None,
            "command_posts": fixtures["command"].posts if "command" in fixtures else None,
            "record_rows": plan.record_rows,
        },
        "details": details,
        "notes": notes,
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="every measurement on a tiny forum (seconds)")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache", help="where generated fixtures are kept")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", pg.DEFAULT_URL),
        help="a PostgreSQL server's maintenance database whose user may create databases "
        "(default: $BENCH_PG_URL, else %(default)s); 'off' skips the PostgreSQL keys",
    )
    parser.add_argument("--pg-prefix", default="threadkeeper_bench", help="names of the bench's databases there")
    parser.add_argument(
        "--only",
        help="measure only these groups, comma-separated: sqlite, pg (aliases of several), "
        + ", ".join(GROUPS)
        + " (the other keys print as not measured; the results file is written only when --out is given)",
    )
    args = parser.parse_args(argv)
    plan = TINY if args.tiny else FULL
    only = groups_of(args.only)
    with tempfile.TemporaryDirectory(prefix="threadkeeper-bench-") as work:
        results = asyncio.run(run(plan, args.cache, Path(work), pg_url=args.pg, pg_prefix=args.pg_prefix, only=only))
    if args.only is None or "--out" in (argv if argv is not None else sys.argv):
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")  # a partial run: only when asked
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
