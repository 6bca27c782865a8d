"""The real bot on simcord: REST history calls of a catch-up, and the bot's resident memory.

``python -m bench.sim rss DB_PATH THREADS MESSAGES`` runs in a child process so the
memory it reports is the bot's (plus the in-process simulated Discord), not the
benchmark's own fixtures.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import sys
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.app import create_bot
from bot.client import ForumBot
from bot.config import Settings
from bot.storage import posts as posts_repo

HISTORY_ROUTE = re.compile(r"^/channels/\d+/messages$")
WORDS = [
    "the",
    "to",
    "and",
    "a",
    "of",
    "is",
    "it",
    "you",
    "that",
    "in",
    "for",
    "this",
    "on",
    "with",
    "have",
    "but",
    "not",
    "are",
    "question",
    "answer",
    "medicine",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))


def history_calls(env: Any, since: int) -> int:
    return sum(1 for entry in env.http_requests[since:] if entry.method == "GET" and HISTORY_ROUTE.match(entry.path))


async def _setup(env: Any, *, threads: int, per_thread: int, members: int, rng: random.Random) -> dict[str, Any]:
    owner = env.create_user("owner", global_name="Owner")
    guild = env.create_guild("Bench", owner=owner)
    admin = guild.add_member(owner)
    general = guild.create_text_channel("general")
    forum = guild.create_forum_channel("Discussion")
    people = [guild.add_member(env.create_user(f"member{i}", global_name=f"Member {i}")) for i in range(members)]
    backend = env.backend
    made = []
    for t in range(threads):
        author = people[t % len(people)]
        thread = backend.create_thread(forum.id, f"Topic {t}", author.id, type=discord.ChannelType.public_thread.value)
        for _ in range(per_thread):
            backend.create_message(thread.id, rng.choice(people).id, _text(rng), broadcast=False)
        made.append(thread.id)
    await env.settle()
    result = await admin.slash(general, "forumadmin add", channel=forum)
    await env.settle()
    return {"guild": guild, "forum": forum, "people": people, "threads": made, "admin": result}


async def catchup_calls(
    work: Path, *, threads: int, busy: list[int], spread: int = 0, per_thread: int = 3, seed: int = 5
) -> dict[str, Any]:
    """Record a forum, stop the bot, miss ``busy[i]`` messages in thread i (and one message in
    ``spread`` further threads), start a fresh bot, and count its history calls."""
    rng = random.Random(seed)
    db_path = work / f"catchup-{seed}.db"
    bot = create_bot(Settings(database_path=db_path), sync_commands=True)
    assert isinstance(bot, ForumBot)
    bots = [bot]
    try:
        async with simcord.run(bot, shard_count=1) as env:
            made = await _setup(env, threads=threads, per_thread=per_thread, members=20, rng=rng)
            people, ids = made["people"], made["threads"]
            # Downtime: the bot is gone while members keep writing.
            missed: dict[int, int] = {}
            for i, count in enumerate(busy):
                for _ in range(count):
                    env.backend.create_message(ids[i], rng.choice(people).id, _text(rng), broadcast=False)
                missed[ids[i]] = count
            for j in range(spread):
                thread_id = ids[len(busy) + j]
                env.backend.create_message(thread_id, rng.choice(people).id, _text(rng), broadcast=False)
                missed[thread_id] = 1
            await bot.db.flush()
            fresh = create_bot(bot.settings, sync_commands=True)
            assert isinstance(fresh, ForumBot)
            bots.append(fresh)
            since = len(env.http_requests)
            await env.restart_bot(fresh)
            await bot.db.close()
            await env.settle()
            for _ in range(200):  # the catch-up runs as a task started by on_ready
                report = fresh.recorder.last_catchup
                if report is not None and fresh.db.queue_depth == 0:
                    break
                await asyncio.sleep(0.05)
                await env.settle()
            await fresh.db.flush()
            calls = history_calls(env, since)
            for thread_id in missed:
                last = await fresh.db.run(posts_repo.last_message_id, thread_id)
                messages = [m.id for m in env.backend.messages[thread_id].values()]
                assert last == max(messages), f"thread {thread_id} not caught up"
            total_missed = sum(missed.values())
            minimum = sum(math.ceil(n / 100) for n in missed.values())
            return {
                "calls_per_100_missed": calls / total_missed * 100,
                "history_calls": calls,
                "minimum_calls": minimum,
                "missed": total_missed,
                "threads": threads,
                "threads_with_missed": len(missed),
                "catchup_recorded": fresh.recorder.last_catchup.recorded if fresh.recorder.last_catchup else None,
            }
    finally:
        for built in bots:
            if built.db.is_open:
                await built.db.close()


def _rss_kb() -> dict[str, int]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


async def _rss(db_path: Path, threads: int, per_thread: int) -> dict[str, Any]:
    logging.basicConfig(level=logging.WARNING)
    bot = create_bot(Settings(database_path=db_path), sync_commands=True)
    assert isinstance(bot, ForumBot)
    try:
        async with simcord.run(bot, shard_count=1) as env:
            await _setup(env, threads=threads, per_thread=per_thread, members=50, rng=random.Random(3))
            report = bot.recorder.last_catchup
            await bot.db.flush()
            memory = _rss_kb()
            return {
                "rss_mb": memory["VmRSS"] / 1024,
                "peak_rss_mb": memory["VmHWM"] / 1024,
                "catchup_recorded": report.recorded if report else None,
            }
    finally:
        if bot.db.is_open:
            await bot.db.close()


async def rss_of_bot(db_path: Path, *, threads: int, per_thread: int) -> dict[str, Any]:
    """Start the bot in a child process on ``db_path``, register a forum (its catch-up adopts
    ``threads`` × ``per_thread`` messages) and read the child's resident memory."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sim",
        "rss",
        str(db_path),
        str(threads),
        str(per_thread),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"rss child failed: {err.decode()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "rss":
        print(json.dumps(asyncio.run(_rss(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))))
    else:
        raise SystemExit("usage: python -m bench.sim rss DB_PATH THREADS MESSAGES_PER_THREAD")
