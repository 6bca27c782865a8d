"""Generated forum data: Zipf-distributed words, realistic lengths, many topics, a few huge ones.

Fixtures are bulk-loaded with raw ``sqlite3.executemany`` into the bot's own schema (every
migration applied, so its indexes and FTS triggers are the real ones). Only fixtures are
built this way: the paths the benchmark measures are the bot's.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.storage.sqlite.database import migrate

# Bump when the generated data changes: cached fixtures are keyed by it.
GENERATOR_VERSION = 4  # 4: migration 0014's topics_choices index (autocomplete)
GUILD_ID = 900_000_000_000_000_001
FORUM_CHANNEL_BASE = 910_000_000_000_000_000
DISCORD_EPOCH_MS = 1_420_070_400_000
START = datetime(2024, 11, 1, tzinfo=UTC)
SPAN_DAYS = 730


# The most frequent words of English forum text, most frequent first; the long tail is
# made of pronounceable pseudo-words so every rank has a distinct token.
def _words(text: str) -> list[str]:
    return text.split()


COMMON = _words(
    """
the to and a of i is it you that in for this on be with have but not are my was can if do as so
just what or at your they from an will there all would me like about one we get has been know
no more any use think some how when out up them which also other time work then only should
could did way thanks need because try here help problem using want make see same still new
issue question answer code server version error file set found does way medicine precision
personalized difference data update install config setting user post
"""
)
SYLLABLES = _words(
    """
ka ri to na mo le su vi da pe lo ra ne ti ku ma se do fa gi ho ju ba ze ly cro pra ste tri bla
gen mor vel tan dur sil pon rek
"""
)


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Zipf:
    """Draws ranks 0..n-1 with P(r) ∝ 1/(r+1)^s."""

    def __init__(self, n: int, s: float = 1.07) -> None:
        weights = [1.0 / (rank + 1) ** s for rank in range(n)]
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random, k: int) -> list[int]:
        cum, total = self.cum, self.total
        return [bisect.bisect_left(cum, rng.random() * total) for _ in range(k)]


@dataclass(frozen=True)
class Size:
    topics: int
    posts: int
    forums: int = 8
    members: int = 5000
    vocabulary: int = 30000
    huge_topics: tuple[int, ...] = ()  # reply counts of a few huge topics


FULL = Size(topics=100_000, posts=1_000_000, huge_topics=(25_000, 12_000, 6_000))
TINY = Size(topics=60, posts=600, forums=3, members=40, vocabulary=800, huge_topics=(120,))


def snowflake(moment: datetime, seq: int) -> int:
    ms = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (seq & 0x3FFFFF)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class TextMaker:
    def __init__(self, size: Size, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(size.vocabulary, rng)
        self.zipf = Zipf(len(self.words))

    def length(self) -> int:
        # Forum posts: median ~25 words, a long tail of long answers, capped by Discord's 2,000 characters.
        return max(1, min(300, int(math.exp(self.rng.gauss(math.log(25), 0.9)))))

    def text(self, n: int | None = None) -> str:
        n = self.length() if n is None else n
        words = self.words
        body = " ".join(words[r] for r in self.zipf.draw(self.rng, n))
        return body[:2000]

    def title(self) -> str:
        return self.text(self.rng.randint(3, 10)).capitalize()[:100] + "?"


def reply_counts(size: Size, rng: random.Random) -> list[int]:
    """Replies per topic: many unanswered, most short, a few huge; sums to posts - topics."""
    budget = size.posts - size.topics
    huge = [min(h, budget // 4) for h in size.huge_topics]
    rest = budget - sum(huge)
    normal = size.topics - len(huge)
    raw = [0.0 if rng.random() < 0.18 else min(400.0, rng.paretovariate(1.3)) for _ in range(normal)]
    scale = rest / max(1e-9, sum(raw))
    counts = [int(x * scale) for x in raw]
    short = rest - sum(counts)
    for i in range(abs(short)):
        j = i % normal
        if short > 0:
            counts[j] += 1
        elif counts[j] > 0:
            counts[j] -= 1
    positions = rng.sample(range(size.topics), len(huge))
    for position, count in sorted(zip(positions, huge, strict=True)):
        counts.insert(position, count)
    return counts


def create_schema(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn)
    return conn


@dataclass
class Built:
    path: Path
    topics: int
    posts: int
    forum_ids: list[int]
    guild_id: int = GUILD_ID


def build(path: Path, size: Size, *, seed: int = 6) -> Built:
    """Write a forum of ``size`` into a new database at ``path`` (raw executemany, one transaction)."""
    rng = random.Random(seed)
    maker = TextMaker(size, rng)
    if path.exists():
        path.unlink()
    conn = create_schema(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    trigger_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_fts_insert'").fetchone()[0]
    conn.execute("BEGIN")
    conn.execute("DROP TRIGGER posts_fts_insert")  # the index is rebuilt in one pass below
    conn.execute(
        "INSERT INTO guilds(guild_id, name) VALUES (?, 'Bench')",
        (GUILD_ID,),
    )
    now = START
    forum_ids = []
    for f in range(size.forums):
        forum_ids.append(
            conn.execute(
                "INSERT INTO forums(guild_id, channel_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                (GUILD_ID, FORUM_CHANNEL_BASE + f, f"Forum {f + 1}", iso(now)),
            ).fetchone()[0]
        )
    forum_zipf = Zipf(size.forums, 1.0)
    member_zipf = Zipf(size.members, 0.9)
    names = [f"Member {i}" for i in range(size.members)]
    counts = reply_counts(size, rng)
    number = 0
    post_id = 0
    seq = 0
    topic_rows: list[tuple[object, ...]] = []
    post_rows: list[tuple[object, ...]] = []
    voice_rows: list[tuple[int, int]] = []
    forum_stats: dict[int, list[Any]] = {fid: [0, 0, ""] for fid in forum_ids}
    step = SPAN_DAYS * 86400 / max(1, size.topics)

    def flush() -> None:
        conn.executemany(
            "INSERT INTO topics(id, guild_id, forum_id, number, thread_id, title, status, close_reason, sticky, tags, "
            "author_id, author_name, author_role, created_at, reply_count, voice_count, last_post_at, "
            "last_post_number, solved) VALUES (" + ",".join("?" * 19) + ")",
            topic_rows,
        )
        conn.executemany(
            "INSERT INTO posts(id, guild_id, topic_id, number, message_id, channel_id, parent_id, is_opening, "
            "author_id, author_name, author_role, content, attachments, status, flag, accepted, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 'participant', ?, '[]', ?, NULL, ?, ?)",
            post_rows,
        )
        conn.executemany("INSERT OR IGNORE INTO topic_voices(topic_id, author_id) VALUES (?, ?)", voice_rows)
        topic_rows.clear()
        post_rows.clear()
        voice_rows.clear()

    for t, replies in enumerate(counts):
        topic_id = t + 1
        forum_id = forum_ids[forum_zipf.draw(rng, 1)[0]]
        created = START + timedelta(seconds=t * step + rng.random() * step)
        roll = rng.random()
        status = "open" if roll < 0.86 else "closed" if roll < 0.98 else rng.choice(("spam", "trash", "deleted"))
        sticky = "none"
        if rng.random() < 0.0004:
            sticky = "super" if rng.random() < 0.2 else "sticky"
        authors = member_zipf.draw(rng, replies + 1)
        seq += 1
        thread_id = snowflake(created, seq)
        number += 1
        topic_number = number
        last_at = created
        last_number = number
        voices = set(authors)
        published = 0
        accepted_any = False
        post_id += 1
        post_rows.append(
            (post_id, GUILD_ID, topic_id, number, thread_id, thread_id, 1, authors[0], names[authors[0]],
             maker.text(), "publish", 0, iso(created))
        )  # fmt: skip
        gap = max(30.0, min(86400.0 * 3, step * 20 / max(1, replies)))
        moment = created
        for r in range(replies):
            moment = moment + timedelta(seconds=rng.expovariate(1 / gap))
            seq += 1
            number += 1
            post_id += 1
            post_status = "publish" if rng.random() < 0.985 else rng.choice(("deleted", "spam", "trash"))
            accepted = int(post_status == "publish" and not accepted_any and rng.random() < 0.08)
            accepted_any = accepted_any or bool(accepted)
            author = authors[r + 1]
            post_rows.append(
                (post_id, GUILD_ID, topic_id, number, snowflake(moment, seq), thread_id, 0, author, names[author],
                 maker.text(), post_status, accepted, iso(moment))
            )  # fmt: skip
            if post_status == "publish":
                published += 1
                last_at, last_number = moment, number
        for author in voices:
            voice_rows.append((topic_id, author))
        topic_rows.append(
            (topic_id, GUILD_ID, forum_id, topic_number, thread_id, maker.title(), status, None, sticky,
             json.dumps([]), authors[0], names[authors[0]], "participant", iso(created), published,
             len(voices), iso(last_at), last_number, int(accepted_any))
        )  # fmt: skip
        if status in ("open", "closed"):
            stats = forum_stats[forum_id]
            stats[0] += 1
            stats[1] += published + 1
            stats[2] = max(str(stats[2]), iso(last_at))
        if len(post_rows) >= 20000:
            flush()
    flush()
    for fid, (topic_count, post_count, last) in forum_stats.items():
        conn.execute(
            "UPDATE forums SET topic_count = ?, post_count = ?, last_post_at = ? WHERE id = ?",
            (topic_count, post_count, last or None, fid),
        )
    conn.execute("UPDATE guilds SET next_number = ? WHERE guild_id = ?", (number + 1, GUILD_ID))
    conn.execute("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')")
    conn.execute(trigger_sql)
    conn.execute("COMMIT")
    # no ANALYZE: the bot's own databases have no statistics either
    conn.close()
    return Built(path=path, topics=size.topics, posts=post_id, forum_ids=forum_ids)


def cached(cache_dir: Path, name: str, size: Size, *, seed: int = 6) -> Built:
    """The fixture ``name`` of ``size``, built once and kept under ``cache_dir`` (keyed by the generator version)."""
    from bot.storage.sqlite.database import latest_version

    key = f"{name}-g{GENERATOR_VERSION}-s{latest_version()}-{size.topics}t-{size.posts}p-{seed}.db"
    path = cache_dir / key
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        return Built(path=path, topics=info["topics"], posts=info["posts"], forum_ids=info["forum_ids"])
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob(f"{name}-*"):
        stale.unlink()
    building = cache_dir / (key + ".building")
    built = build(building, size, seed=seed)
    for suffix in ("-wal", "-shm"):
        Path(str(building) + suffix).unlink(missing_ok=True)
    shutil.move(building, path)
    meta.write_text(json.dumps({"topics": built.topics, "posts": built.posts, "forum_ids": built.forum_ids}))
    return Built(path=path, topics=built.topics, posts=built.posts, forum_ids=built.forum_ids)


def warm(path: Path) -> float:
    """Write out pending disk writes, then read ``path`` once: the measurements then meet the
    database as a running bot meets its own (in the page cache) and do not share the disk with
    the write-back of fixtures just built or copied. Returns the seconds the read took."""
    os.sync()
    started = time.perf_counter()
    with path.open("rb") as f:
        while f.read(1 << 22):
            pass
    return time.perf_counter() - started


def copy_db(source: Path, target: Path) -> Path:
    for suffix in ("-wal", "-shm"):  # a stale WAL next to the copy would corrupt it
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def replies_for(
    maker: TextMaker,
    rng: random.Random,
    *,
    topics: list[tuple[int, int]],
    count: int,
    first_message_id: int,
    members: int,
    guild_id: int = GUILD_ID,
) -> Iterator[tuple[int, int, int, int, str]]:
    """(topic_id, channel_id, message_id, author_id, content) for new replies: Zipf over topics."""
    topic_zipf = Zipf(len(topics), 1.0)
    member_zipf = Zipf(members, 0.9)
    picks = topic_zipf.draw(rng, count)
    authors = member_zipf.draw(rng, count)
    for i in range(count):
        topic_id, channel_id = topics[picks[i]]
        yield topic_id, channel_id, first_message_id + i, authors[i], maker.text()
