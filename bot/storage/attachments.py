"""Kept copies of attachments (``attachment_copies``; migrations 0020 / pg 0011).

The files live under the attachments directory (``Settings.attachments_root``); this module
records what became of each attachment of a post: ``kept`` (its file's relative path, type,
size, dimensions), ``skipped`` (``off``, ``too-big``, ``not-image``) or ``failed`` (tried
again at the next catch-up, up to ``MAX_TRIES``). The archive serves a kept file only through
``served``, which reads it through the same public predicates as the topic page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.storage import archive
from bot.storage import posts as posts_repo
from bot.storage.api import Connection, Row
from bot.storage.archive import PUBLIC_FORUM_SQL, PUBLISHED_POST_SQL, PUBLISHED_TOPIC_SQL

KEPT, SKIPPED, FAILED = "kept", "skipped", "failed"
MAX_TRIES = 5  # a failed download is tried again at up to this many catch-ups, then left as a link


@dataclass(frozen=True)
class Copy:
    """What became of attachment ``n`` (from 0) of a post."""

    guild_id: int
    post_id: int
    n: int
    filename: str
    state: str
    reason: str | None = None
    path: str | None = None
    content_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    tries: int = 0

    @property
    def is_image(self) -> bool:
        return self.state == KEPT and (self.content_type or "").startswith("image/")

    @classmethod
    def from_row(cls, row: Row) -> Copy:
        return cls(
            guild_id=row["guild_id"],
            post_id=row["post_id"],
            n=row["n"],
            filename=row["filename"],
            state=row["state"],
            reason=row["reason"],
            path=row["path"],
            content_type=row["content_type"],
            size=row["size"],
            width=row["width"],
            height=row["height"],
            tries=row["tries"],
        )


@dataclass(frozen=True)
class Waiting:
    """A post whose attachments are not all looked at (none yet, or a failed one to try again)."""

    guild_id: int
    post_id: int
    message_id: int
    channel_id: int
    attachments: tuple[dict[str, str], ...]
    done: frozenset[int]  # the attachments (n) kept or skipped already
    tries: int  # the most any of its failed ones was tried


_COLUMNS = "guild_id, post_id, n, filename, state, reason, path, content_type, size, width, height, tries"


def record(conn: Connection, copies: Sequence[Copy], now: str) -> None:
    """Write what became of these attachments (a second look replaces the first)."""
    conn.executemany(
        f"INSERT INTO attachment_copies ({_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id, post_id, n) DO UPDATE SET filename = excluded.filename, state = excluded.state, "
        "reason = excluded.reason, path = excluded.path, content_type = excluded.content_type, size = excluded.size, "
        "width = excluded.width, height = excluded.height, tries = excluded.tries, updated_at = excluded.updated_at",
        [
            (
                c.guild_id,
                c.post_id,
                c.n,
                c.filename,
                c.state,
                c.reason,
                c.path,
                c.content_type,
                c.size,
                c.width,
                c.height,
                c.tries,
                now,
            )
            for c in copies
        ],
    )


def of_posts(conn: Connection, post_ids: Iterable[int]) -> dict[int, dict[int, Copy]]:
    """The copies of these posts: post id -> n -> Copy (posts without any are absent)."""
    ids = sorted(set(post_ids))
    found: dict[int, dict[int, Copy]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM attachment_copies WHERE post_id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
        for row in rows:
            copy = Copy.from_row(row)
            found.setdefault(copy.post_id, {})[copy.n] = copy
    return found


def waiting_page(
    conn: Connection, *, guild_ids: Iterable[int] | None = None, after: int = 0, window: int = 500
) -> tuple[list[Waiting], int | None]:
    """Of the next ``window`` posts with attachments past post id ``after`` (id order), those
    whose attachments are not all kept or skipped: none looked at yet, or one that failed
    fewer than ``MAX_TRIES`` times (purged posts have no attachments left). Also the id to
    continue after; None at the end. Reads through the partial index ``posts_with_attachments``."""
    sql = (
        "SELECT p.id, p.guild_id, p.message_id, p.channel_id, p.attachments "
        "FROM posts p WHERE p.attachments <> '[]' AND p.id > ?"
    )
    params: list[object] = [after]
    if guild_ids is not None:
        wanted = sorted(set(guild_ids))
        if not wanted:
            return [], None
        sql += f" AND p.guild_id IN ({','.join('?' * len(wanted))})"
        params.extend(wanted)
    rows = conn.execute(sql + " ORDER BY p.id LIMIT ?", [*params, window]).fetchall()
    if not rows:
        return [], None
    copies = of_posts(conn, [row["id"] for row in rows])
    found: list[Waiting] = []
    for row in rows:
        attachments = tuple(json.loads(row["attachments"]))
        mine = copies.get(row["id"], {})
        done = frozenset(n for n, c in mine.items() if c.state in (KEPT, SKIPPED))
        tries = max((c.tries for c in mine.values() if c.state == FAILED), default=0)
        if len(done) >= len(attachments) or tries >= MAX_TRIES:
            continue
        found.append(
            Waiting(
                guild_id=row["guild_id"],
                post_id=row["id"],
                message_id=row["message_id"],
                channel_id=row["channel_id"],
                attachments=attachments,
                done=done,
                tries=tries,
            )
        )
    return found, rows[-1]["id"]


def waiting(conn: Connection, *, guild_ids: Iterable[int] | None = None) -> list[Waiting]:
    """Every post ``waiting_page`` would give, page after page."""
    found: list[Waiting] = []
    after: int | None = 0
    while after is not None:
        page, after = waiting_page(conn, guild_ids=guild_ids, after=after)
        found.extend(page)
    return found


def served(conn: Connection, guild_id: int, number: int, n: int) -> Copy | None:
    """Attachment ``n`` of post #``number`` of this guild when it is kept and an anonymous
    reader may see the post: a public forum, a published topic, and the post passing the very
    check the topic page reads its posts through (``archive.visible_posts``), so whatever hides
    a post from the archive hides its files too."""
    row = conn.execute(
        f"SELECT {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))} FROM posts p "
        "JOIN attachment_copies c ON c.post_id = p.id AND c.n = ? "
        "JOIN topics t ON t.id = p.topic_id JOIN forums f ON f.id = t.forum_id "
        f"WHERE p.guild_id = ? AND p.number = ? AND c.state = '{KEPT}' "
        f"AND {PUBLISHED_POST_SQL} AND {PUBLISHED_TOPIC_SQL} AND {PUBLIC_FORUM_SQL}",
        (n, guild_id, number),
    ).fetchone()
    if row is None:
        return None
    copy = Copy.from_row(row)
    return copy if archive.visible_posts(conn, [copy.post_id]) else None


def forget(conn: Connection, post_id: int) -> list[str]:
    """Drop a post's copies (a purge); the kept files' paths, for the caller to delete."""
    paths = [
        row["path"]
        for row in conn.execute(
            f"SELECT path FROM attachment_copies WHERE post_id = ? AND state = '{KEPT}'", (post_id,)
        ).fetchall()
        if row["path"]
    ]
    conn.execute("DELETE FROM attachment_copies WHERE post_id = ?", (post_id,))
    return paths


@dataclass(frozen=True)
class Trimmed:
    """An edit in Discord removed some of a post's attachments: what is left, and the kept
    files to delete (every copy of the post is dropped: the places ``n`` moved)."""

    guild_id: int
    post_id: int
    message_id: int
    channel_id: int
    files: tuple[str, ...]


def _url_path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def trim(conn: Connection, message_id: int, remaining_urls: Sequence[str]) -> Trimmed | None:
    """The message now holds only these attachments (its edit's ``attachments``, matched by
    the link's path: the signature in the query changes): drop the others from the post's
    record and every copy of the post; None when nothing was removed (or no such post)."""
    post = posts_repo.by_message(conn, message_id)
    if post is None or not post.attachments:
        return None
    wanted = {_url_path(url) for url in remaining_urls}
    left = [a for a in post.attachments if _url_path(str(a.get("url", ""))) in wanted]
    if len(left) == len(post.attachments):
        return None
    conn.execute("UPDATE posts SET attachments = ? WHERE id = ?", (json.dumps(left), post.id))
    files = forget(conn, post.id)
    return Trimmed(post.guild_id, post.id, post.message_id, post.channel_id, tuple(files))


@dataclass(frozen=True)
class Tally:
    kept: int = 0
    kept_bytes: int = 0
    skipped: int = 0
    failed: int = 0


def tally(conn: Connection, guild_id: int | None = None) -> Tally:
    """How many attachments are kept (and their bytes), skipped and failed (/forumadmin health)."""
    sql = "SELECT state, COUNT(*) AS n, SUM(size) AS bytes FROM attachment_copies"
    params: list[object] = []
    if guild_id is not None:
        sql += " WHERE guild_id = ?"
        params.append(guild_id)
    counts = {row["state"]: (row["n"], row["bytes"] or 0) for row in conn.execute(sql + " GROUP BY state", params)}
    return Tally(
        kept=counts.get(KEPT, (0, 0))[0],
        kept_bytes=counts.get(KEPT, (0, 0))[1],
        skipped=counts.get(SKIPPED, (0, 0))[0],
        failed=counts.get(FAILED, (0, 0))[0],
    )
