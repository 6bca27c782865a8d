"""A process running the recording path until it is killed (used by test_crashes.py).

python -m tests.storage.crash_writer DB_PATH [--start N]

Registers a forum (once), records a topic, then records replies through the writer
queue (``db.write`` / ``db.submit``, group commit) forever, printing each message id
as soon as its write is acknowledged (its future resolved after COMMIT).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.storage import forums, posts
from bot.storage.models import NewPost, NewTopic
from bot.storage.sqlite.database import Database

GUILD = 1000
CHANNEL = 2000
THREAD_BASE = 10**15


def _post(message_id: int, thread_id: int) -> NewPost:
    return NewPost(
        guild_id=GUILD,
        message_id=message_id,
        channel_id=thread_id,
        author_id=7,
        author_name="Writer",
        author_role="participant",
        content=f"post {message_id} " + "x" * 200,
        created_at="2026-11-29T10:00:00+00:00",
    )


async def main(path: Path, start: int) -> None:
    db = Database(path)
    await db.open()
    forum = await db.transaction(
        forums.register,
        guild_id=GUILD,
        guild_name="Crash",
        channel_id=CHANNEL,
        name="Crashes",
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-11-29T10:00:00+00:00",
    )
    thread_id = THREAD_BASE + start * 10**12  # each run its own id space
    opening = _post(thread_id, thread_id)
    recorded = await db.write(
        posts.record_topic,
        NewTopic(guild_id=GUILD, forum_id=forum.id, thread_id=thread_id, title=f"t{start}", opening=opening),
    )
    print(opening.message_id, flush=True)
    message_id = thread_id
    while True:
        # Several writes in flight at once, as on a busy server: they share group commits.
        batch = []
        for _ in range(20):
            message_id += 1
            batch.append((message_id, db.submit(posts.record_reply, recorded.topic.id, _post(message_id, thread_id))))
        for acked, future in batch:
            await future
            print(acked, flush=True)


if __name__ == "__main__":
    start = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--start" else 0
    try:
        asyncio.run(main(Path(sys.argv[1]), start))
    except BaseException as error:
        print(f"writer failed: {error!r}", file=sys.stderr, flush=True)
        os._exit(3)  # aiosqlite's thread would otherwise keep a failed writer alive
