"""Keeping copies of attachments, off the recording path (docs/archive.md, "Attachments").

Discord's attachment URLs are signed and expire within about a day, so the archive keeps its
own copy of the attachments ``ARCHIVE_ATTACHMENTS`` asks for (pictures by default, each up
to ``ARCHIVE_ATTACHMENTS_MAX_MB``) under ``Settings.attachments_root``. Recording never
waits for a download: the recorder hands the keeper what it recorded (``offer``: a queue
and one worker task that exists only while there is work), and the keeper downloads,
checks and records each file (``bot.storage.attachments``). After a catch-up the keeper
looks at every post whose attachments are not all done (``sweep``: posts recorded by the
catch-up or an import, downloads that failed, a bot stopped mid-queue), fetching the
message again for fresh links when the recorded ones have expired.

A download is streamed and stopped at the limit whatever the ``Content-Length`` said; a
picture is one when its bytes say so (``bot.domain.attachments.sniff``). A transient failure
(connection, timeout, 429, 5xx) is tried again twice after a pause; what still fails is
recorded ``failed``, logged, and tried again at the next catch-up (``MAX_TRIES`` in all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot import clock, failures
from bot.domain import attachments as rules
from bot.domain import timeutil
from bot.storage import attachments as copies_repo
from bot.storage.attachments import FAILED, KEPT, SKIPPED, Copy

if TYPE_CHECKING:
    from bot.client import ForumBot

log = logging.getLogger("bot.services.attachments")
CHUNK = 64 * 1024
RETRY_PAUSES = (1.0, 4.0)  # seconds before the second and third try of a transient failure
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=15, sock_read=30)


class TooBig(Exception):
    """More bytes than the limit (said by Content-Length, or counted while reading)."""


class Gone(Exception):
    """403 / 404: the link expired or the file was deleted (a fresh link may still work)."""


class Transient(Exception):
    """A failure worth trying again soon: connection, timeout, 429, 5xx."""


@dataclass(frozen=True)
class Item:
    """One attachment as Discord (or an import's file) described it."""

    n: int
    filename: str
    url: str
    size: int | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Job:
    guild_id: int
    post_id: int
    message_id: int
    channel_id: int
    items: tuple[Item, ...]
    tries: int = 0  # how often these were tried before (a sweep's failed ones)
    refreshed: bool = False  # the links come from Discord just now (no second fetch of the message)


def items_of(message: discord.Message) -> tuple[Item, ...]:
    return tuple(
        Item(
            n=n,
            filename=a.filename,
            url=a.url,
            size=a.size,
            content_type=a.content_type,
            width=a.width,
            height=a.height,
        )
        for n, a in enumerate(message.attachments)
    )


def _items_of_payload(payload: dict[str, Any]) -> dict[int, Item]:
    found = {}
    for n, a in enumerate(payload.get("attachments") or []):
        found[n] = Item(
            n=n,
            filename=str(a.get("filename", "")),
            url=str(a.get("url", "")),
            size=a.get("size"),
            content_type=a.get("content_type"),
            width=a.get("width"),
            height=a.get("height"),
        )
    return found


async def download(session: aiohttp.ClientSession, url: str, limit: int) -> bytes:
    """The bytes at ``url``, at most ``limit`` of them (``TooBig`` past that, counted as they
    arrive: a Content-Length is believed only when it already says too many)."""
    try:
        async with session.get(url, allow_redirects=True) as response:
            if response.status in (403, 404, 410):
                raise Gone(f"HTTP {response.status}")
            if response.status == 429 or response.status >= 500:
                raise Transient(f"HTTP {response.status}")
            if response.status != 200:
                raise Gone(f"HTTP {response.status}")
            if response.content_length is not None and response.content_length > limit:
                raise TooBig(f"{response.content_length} bytes")
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > limit:
                    raise TooBig(f"more than {limit} bytes")
            return bytes(body)
    except (TimeoutError, aiohttp.ClientError) as error:
        raise Transient(f"{type(error).__name__}: {error}"[:200]) from error


def write_file(root: Path, relative: str, data: bytes) -> None:
    """Write a kept file whole or not at all (a temporary name, then renamed)."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def delete_files(root: Path, relatives: Iterable[str]) -> int:
    """Remove kept files (a purge); how many were there."""
    gone = 0
    for relative in relatives:
        target = root / relative
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            gone += 1
        with contextlib.suppress(OSError):
            target.parent.rmdir()  # the message's directory, when empty
    return gone


async def delete_kept(root: Path, relatives: Iterable[str]) -> int:
    """Remove kept files from the disk (a purge), off the event loop."""
    wanted = list(relatives)
    return await asyncio.to_thread(delete_files, root, wanted) if wanted else 0


class Keeper:
    """The bot's attachment keeper (``bot.attachments``)."""

    def __init__(self, bot: ForumBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.mode = settings.archive_attachments
        self.max_bytes = settings.archive_attachments_max_mb * 1024 * 1024
        self.root = settings.attachments_root
        self._jobs: deque[Job | tuple[int, ...] | None] = deque()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.retry_pauses: tuple[float, ...] = RETRY_PAUSES
        self.kept = self.failed = self.skipped = 0  # since start (logs, tests)

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    # ------------------------------------------------------------------ entry points
    def offer(self, message: discord.Message, post_id: int) -> None:
        """A post just recorded with ``message``'s attachments: queue them (never waits)."""
        if not message.attachments or message.guild is None or not self.enabled:
            return  # off: nothing recorded, so turning it on later looks at these posts too
        self._push(Job(message.guild.id, post_id, message.id, message.channel.id, items_of(message), refreshed=True))

    async def removed(self, trimmed: copies_repo.Trimmed, payload: dict[str, Any]) -> None:
        """An edit removed attachments (``bot.storage.attachments.trim``): their files leave the
        disk now, and the attachments left are kept again from the edit's links (their places moved)."""
        await delete_kept(self.root, trimmed.files)
        if not self.enabled:
            return
        items = tuple(_items_of_payload(payload).values())
        if items:
            job = Job(trimmed.guild_id, trimmed.post_id, trimmed.message_id, trimmed.channel_id, items, refreshed=True)
            self._push(job)

    def sweep(self, guild_ids: Iterable[int] | None = None) -> None:
        """Queue a look at every post of these guilds (all: None) whose attachments are not all done."""
        marker = tuple(sorted(guild_ids)) if guild_ids is not None else None
        if marker not in self._jobs:  # the same look already waiting (catch-ups in a row)
            self._jobs.append(marker)
        self._start()

    async def wait_idle(self) -> None:
        """Until the queue is empty and the worker has stopped (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ the worker
    def _push(self, job: Job) -> None:
        self._jobs.append(job)
        self._start()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._work(), name="attachment keeper")

    async def _work(self) -> None:
        while True:
            await self._drain()
            if self._session is not None:  # idle: no connection kept open (a new one for the next work)
                await self._session.close()
                self._session = None
            if not self._jobs:  # nothing came in while it closed
                return

    async def _drain(self) -> None:
        while self._jobs:
            job = self._jobs.popleft()
            try:
                if isinstance(job, Job):
                    await self._keep(job)
                else:
                    await self._sweep(job)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the one failure path (a full disk alerts the owner); tried again later
                guild = self.bot.get_guild(job.guild_id) if isinstance(job, Job) else None
                await failures.report(self.bot, error, where="attachments: keeping copies", guild=guild)

    async def _sweep(self, guild_ids: tuple[int, ...] | None) -> None:
        if not self.enabled:
            return
        after: int | None = 0
        while after is not None:
            batch, after = await self.bot.db.run(copies_repo.waiting_page, guild_ids=guild_ids, after=after)
            for waiting in batch:
                items = tuple(
                    Item(n=n, filename=str(a.get("filename", "")), url=str(a.get("url", "")))
                    for n, a in enumerate(waiting.attachments)
                    if n not in waiting.done
                )
                await self._keep(
                    Job(
                        waiting.guild_id,
                        waiting.post_id,
                        waiting.message_id,
                        waiting.channel_id,
                        items,
                        tries=waiting.tries,
                    )
                )

    async def _keep(self, job: Job) -> None:
        """Keep a post's attachments. A link Discord did not give just now (a recorded one: a
        catch-up's, an import's) is fetched only from Discord's CDN; any other, and one that
        expired, is replaced by the message's fresh link (one ``GET`` of the message) —
        a keymaster's import file never makes the bot fetch an address of its choosing."""
        results: list[Copy] = []
        fresh: dict[int, Item] | None = None  # after asking: None when Discord could not say
        asked = False
        for item in job.items:
            given = job.refreshed  # the link comes from Discord just now
            if not given and not rules.discord_cdn(item.url):
                if not asked:
                    fresh, asked = await self._fresh_items(job), True
                better = fresh.get(item.n) if fresh else None
                if better is None:
                    results.append(self._unfetched(job, item, final=fresh == {}))
                    continue
                item, given = better, True
            copy = await self._one(job, item)
            if copy.state == FAILED and copy.reason and copy.reason.startswith("gone") and not given:
                if not asked:
                    fresh, asked = await self._fresh_items(job), True
                better = fresh.get(item.n) if fresh else None
                if better is not None and better.url != item.url:
                    copy = await self._one(job, better)
                elif fresh == {}:  # Discord has no message with it (deleted, or an import's): final
                    copy = replace(copy, reason=f"{copy.reason}; no fresh link", tries=copies_repo.MAX_TRIES)
            results.append(copy)
        await self.bot.db.write(copies_repo.record, results, timeutil.iso(clock.utcnow()))
        for copy in results:
            if copy.state == KEPT:
                self.kept += 1
            elif copy.state == SKIPPED:
                self.skipped += 1
            else:
                self.failed += 1
                log.warning(
                    "attachments: could not keep %r of message %s (try %d of %d): %s",
                    copy.filename,
                    job.message_id,
                    copy.tries,
                    copies_repo.MAX_TRIES,
                    copy.reason,
                )

    def _unfetched(self, job: Job, item: Item, *, final: bool) -> Copy:
        """Not a Discord link, and Discord has none for it now: ``final`` when the message is gone."""
        return Copy(
            guild_id=job.guild_id,
            post_id=job.post_id,
            n=item.n,
            filename=item.filename,
            state=FAILED,
            reason="gone: not a Discord link; no fresh link" if final else "Discord could not give a fresh link",
            tries=copies_repo.MAX_TRIES if final else job.tries + 1,
        )

    async def _fresh_items(self, job: Job) -> dict[int, Item] | None:
        """The message's attachments as Discord gives them now (fresh signed links); {} when
        Discord has no such message (deleted, or an offline import's post); None when it could
        not say now (an outage: tried again at the next catch-up)."""
        if job.message_id <= 0:
            return {}
        try:
            payload = await self.bot.http.get_message(job.channel_id, job.message_id)
        except (discord.NotFound, discord.Forbidden):
            return {}
        except (discord.HTTPException, discord.RateLimited):
            return None
        return _items_of_payload(dict(payload))

    async def _one(self, job: Job, item: Item) -> Copy:
        base = Copy(
            guild_id=job.guild_id,
            post_id=job.post_id,
            n=item.n,
            filename=item.filename,
            state=SKIPPED,
            size=item.size,
            tries=job.tries,
        )
        why = rules.skip_reason(
            self.mode, self.max_bytes, filename=item.filename, content_type=item.content_type, size=item.size
        )
        if why is not None:
            return replace(base, reason=why)
        if rules.web_link(item.url) is None:
            return replace(base, state=FAILED, reason="gone: no link to fetch", tries=job.tries + 1)
        data: bytes | None = None
        problem = ""
        for pause in (0.0, *self.retry_pauses):
            if pause:
                await asyncio.sleep(pause)
            try:
                data = await download(self._http(), item.url, self.max_bytes)
                break
            except TooBig:
                return replace(base, reason=rules.TOO_BIG)
            except Gone as error:
                problem = f"gone: {error}"
                break
            except Transient as error:
                problem = str(error)
        if data is None:
            return replace(base, state=FAILED, reason=problem[:200], tries=job.tries + 1)
        kind = rules.sniff(data)
        if self.mode == "images" and kind is None:
            return replace(base, reason=rules.NOT_IMAGE, size=len(data))
        size = item.width, item.height
        if kind is not None and not (item.width and item.height):
            size = rules.dimensions(data) or (None, None)
        relative = rules.stored_path(job.guild_id, job.message_id, item.n, item.filename)
        try:
            await asyncio.to_thread(write_file, self.root, relative, data)
        except OSError as error:
            return replace(base, state=FAILED, reason=f"disk: {error}"[:200], tries=job.tries + 1)
        return replace(
            base,
            state=KEPT,
            path=relative,
            content_type=rules.IMAGE_TYPES[kind] if kind is not None else "application/octet-stream",
            size=len(data),
            width=size[0] if kind is not None else None,
            height=size[1] if kind is not None else None,
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=TIMEOUT, headers={"User-Agent": "Threadkeeper (archive attachments)"}
            )
        return self._session
