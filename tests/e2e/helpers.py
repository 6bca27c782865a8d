"""Scenario helpers for the e2e tests. simcord internals (env.backend) stay in this file."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import discord
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle, RoleHandle

from bot.client import ForumBot
from bot.storage import posts, topics
from bot.storage.models import Post, Topic


@dataclass
class World:
    env: Env
    bot: ForumBot
    built_bots: list[ForumBot]
    guild: GuildHandle
    general: ChannelHandle
    forum: ChannelHandle
    admin: MemberActor

    def member(self, name: str, *, roles: tuple[RoleHandle, ...] = ()) -> MemberActor:
        return self.guild.add_member(
            self.env.create_user(name.lower().replace(" ", "_"), global_name=name), roles=list(roles)
        )

    def thread(self, name: str) -> ChannelHandle:
        for thread in self.forum.threads:
            if thread.name == name:
                return thread
        raise AssertionError(f"no thread {name!r} in {[t.name for t in self.forum.threads]}")

    async def topic(self, thread: ChannelHandle) -> Topic | None:
        return await self.bot.db.run(topics.by_thread, thread.id)

    async def posts_of(self, thread: ChannelHandle, *, include_hidden: bool = False) -> list[Post]:
        topic = await self.topic(thread)
        assert topic is not None
        return await self.bot.db.run(posts.of_topic, topic.id, include_hidden=include_hidden)

    async def restart(self) -> ForumBot:
        """Stop the bot and start a fresh process on the same database (a new READY)."""
        from bot.app import create_bot
        from bot.services import threadedits

        threadedits.forget()  # a new process knows none of the old one's own thread edits
        old = self.bot
        await old.db.flush()
        fresh = create_bot(old.settings, sync_commands=True)
        assert isinstance(fresh, ForumBot)
        fresh.ownership.holder = old.ownership.holder  # the same process: it keeps its shard leases
        self.built_bots.append(fresh)
        await self.env.restart_bot(fresh)
        await old.db.close()
        self.bot = fresh
        await self.env.settle()
        return fresh

    # ---------------------------------------------------------------- simcord backend
    async def native_post(self, member: MemberActor, title: str, content: str, **message: Any) -> ChannelHandle:
        """A member starts a post with the forum's own New Post button."""
        backend = self.env.backend
        thread = backend.create_thread(self.forum.id, title, member.id, type=discord.ChannelType.public_thread.value)
        backend.create_message(thread.id, member.id, content, **message)
        await self.env.settle()
        return self.thread(title)

    def offline_message(self, thread: ChannelHandle, member: MemberActor, content: str) -> int:
        """A message written while the bot was not listening (downtime)."""
        return self.env.backend.create_message(thread.id, member.id, content, broadcast=False).id

    async def unchecked_message(self, thread: ChannelHandle, member: MemberActor, content: str) -> int:
        """A message Discord let through although the overwrites should have stopped it."""
        message = self.env.backend.create_message(thread.id, member.id, content)
        await self.env.settle()
        return message.id

    async def deliver_again(self, message_id: int) -> None:
        """Discord's MESSAGE_CREATE of that message delivered once more: what a second process
        running the same shard hears (two unsharded bots on one database), or a resumed session."""
        [payload] = [
            p
            for kind, event, p in self.env.backend.transcript
            if kind == "GATEWAY" and event == "MESSAGE_CREATE" and int(p["id"]) == message_id
        ]
        self.env.backend.emit("MESSAGE_CREATE", payload)
        await self.env.settle()

    async def show_to_everyone(self, root: str) -> None:
        """The server's Integrations settings let @everyone see a command (e.g. /forumadmin)."""
        for command in await self.bot.tree.fetch_commands():
            if command.name == root:
                self.guild.set_command_permissions(command, {self.guild.default_role: True})
                return
        raise AssertionError(f"no command {root}")

    def dm_texts(self, member: MemberActor) -> list[str]:
        return [m.content for m in member.user.dm_channel.history()]

    def close_dms(self, member: MemberActor) -> None:
        """The member does not accept DMs from server members: Discord answers 50007."""
        channel = member.user.dm_channel
        self.env.inject_error(
            "POST",
            f"/channels/{channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )


async def make_world(
    env: Env,
    bot: Any,
    built_bots: list[ForumBot],
    *,
    shard_id: int | None = None,
    guild_id: int | None = None,
    preferred_locale: str | None = None,
) -> World:
    owner = env.create_user("owner", global_name="Owner")
    guild = env.create_guild("Activity", owner=owner, shard_id=shard_id, id=guild_id, preferred_locale=preferred_locale)
    admin = guild.add_member(owner)
    general = guild.create_text_channel("general")
    forum = guild.create_forum_channel("Discussion")
    result = await admin.slash(general, "forumadmin add", channel=forum)
    assert "Registered" in text_of(result), text_of(result)
    return World(env=env, bot=bot, built_bots=built_bots, guild=guild, general=general, forum=forum, admin=admin)


def text_of(result: Any) -> str:
    """Everything a member read in answer to an interaction (response, followups, embeds)."""
    parts: list[str] = []
    for message in [result.response, *result.followups]:
        if message is None:
            continue
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
    return "\n".join(parts)


# ---------------------------------------------------------------- moderation (simcord backend)
SEND_MESSAGES = 1 << 11
SEND_MESSAGES_IN_THREADS = 1 << 38


def thread_state(thread: ChannelHandle) -> tuple[bool, bool]:
    """(locked, archived) of a thread as Discord holds it."""
    meta = thread._channel.thread_metadata
    assert meta is not None
    return bool(meta.locked), bool(meta.archived)


def member_overwrite(channel: ChannelHandle, user_id: int) -> tuple[int, int] | None:
    """(allow, deny) bits of the channel's overwrite for one member, None when there is none."""
    for overwrite in channel._channel.overwrites:
        if overwrite.target_id == user_id:
            return int(overwrite.allow), int(overwrite.deny)
    return None


def last_error(world: World) -> str:
    """The newest unexpected failure as /forumadmin health shows it ("" when none)."""
    failure = world.bot.last_failure
    return failure.line() if failure is not None else ""


def caught(world: World) -> list[BaseException]:
    """The errors that reached the bot's handlers, each unwrapped to its cause (discord.py's
    CommandInvokeError and the bot's NotDone removed). Reading them marks them seen."""
    from discord import app_commands

    from bot.errors import NotDone

    found = []
    for error in world.env.errors:
        while True:
            if isinstance(error, app_commands.CommandInvokeError):
                error = error.original
            elif isinstance(error, NotDone) and error.__cause__ is not None:
                error = error.__cause__
            else:
                break
        found.append(error)
    return found


def errors_text(world: World) -> str:
    """The expected errors that reached the bot's handlers (reading them marks them seen)."""
    return "\n".join(str(e) for e in world.env.errors)


def moderator_discord_role(world: World) -> RoleHandle:
    """A Discord role with Manage Threads, so Discord shows /mod to its members."""
    for role in world.guild.roles.values():
        if role.name == "Mods":
            return role
    return world.guild.create_role("Mods", permissions=discord.Permissions(manage_threads=True))


def applied_tag_ids(thread: ChannelHandle) -> list[int]:
    """The forum tags Discord shows on a thread."""
    return [int(tag) for tag in thread._channel.applied_tags]


# ---------------------------------------------------------------- downtime (reliability)
def offline_thread(world: World, member: MemberActor, title: str, content: str) -> tuple[ChannelHandle, int]:
    """A forum post started (New Post) while the bot was away: no gateway event reaches it."""
    backend = world.env.backend
    thread = backend.create_thread(
        world.forum.id, title, member.id, type=discord.ChannelType.public_thread.value, broadcast=False
    )
    message = backend.create_message(thread.id, member.id, content, broadcast=False)
    return world.thread(title), message.id


def archive_offline(world: World, thread: ChannelHandle) -> None:
    """Discord auto-archived the thread while the bot was away."""
    channel = world.env.backend.get_channel(thread.id)
    assert channel.thread_metadata is not None
    channel.thread_metadata.archived = True


def edit_offline(world: World, thread: ChannelHandle, message_id: int, content: str) -> None:
    """A member edited a message while the bot was away (no MESSAGE_UPDATE)."""
    backend = world.env.backend
    message = backend.get_message(thread.id, message_id)
    message.content = content
    message.edited_timestamp = backend.now_iso()


async def guild_numbers(world: World) -> list[tuple[int, int]]:
    """(number, message id) of every post recorded in the world's guild, by number."""

    def fetch(conn: Any) -> list[tuple[int, int]]:
        rows = conn.execute(
            "SELECT number, message_id FROM posts WHERE guild_id = ? ORDER BY number", (world.guild.id,)
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    return await world.bot.db.run(fetch)


async def assert_numbers_gapless(world: World) -> list[tuple[int, int]]:
    """Numbers are 1..N with no gap and no repeat; no message is recorded twice."""
    rows = await guild_numbers(world)
    assert [n for n, _ in rows] == list(range(1, len(rows) + 1)), rows
    assert len({m for _, m in rows}) == len(rows), rows
    return rows


def burst(world: World, thread: ChannelHandle, posts: list[tuple[MemberActor, str]]) -> list[int]:
    """Messages that reach Discord in the same instant (actors act one at a time); then settle."""
    return [world.env.backend.create_message(thread.id, member.id, content).id for member, content in posts]


# ---------------------------------------------------------------- load (simcord internals)
def dispatch_slash(world: World, actor: MemberActor, channel: ChannelHandle, name: str, **options: Any) -> Any:
    """Send a slash command without waiting for the bot (members acting at the same time).

    simcord's `actor.slash` settles after each interaction, so members act one at a time;
    this builds the same INTERACTION_CREATE (after the same visibility check) and only
    emits it. Call `await world.env.settle()` afterwards; returns the InteractionResult.
    """
    from simcord import interactions as sim_interactions
    from simcord.actors import _resolve_visible_command
    from simcord.enums import AppCommandType, InteractionType
    from simcord.results import InteractionResult

    env = world.env
    parts = name.split()
    root = _resolve_visible_command(actor, channel.id, parts[0], AppCommandType.CHAT_INPUT)
    leaf, nesting = sim_interactions.walk_to_subcommand(root, parts[1:])
    leaf_options, resolved = sim_interactions.build_options(actor, name, leaf, options, channel_id=channel.id)
    data: dict[str, Any] = {
        "id": root["id"],
        "name": root["name"],
        "type": root.get("type", AppCommandType.CHAT_INPUT),
        "options": sim_interactions.nest_options(root, nesting, leaf_options),
    }
    if resolved:
        data["resolved"] = resolved
    record, payload = sim_interactions.base_payload(
        env.backend,
        type=InteractionType.APPLICATION_COMMAND,
        channel_id=channel.id,
        guild_id=actor.guild.id,
        user_id=actor.id,
        data=data,
    )
    env.backend.emit("INTERACTION_CREATE", payload)
    return InteractionResult(env, record)


# ---------------------------------------------------------------- a second bot process (simcord internals)
class _UpperHalf(dict[int, int]):
    """A backend's per-millisecond snowflake sequences, starting halfway up (see Peer)."""

    def get(self, key: int, default: int | None = None) -> int:  # type: ignore[override]
        return super().get(key, 1 << 21)


class Peer:
    """Another bot process on the same database file, with its own simulated Discord.

    simcord runs one live Env per event loop, so the second process gets its own thread, loop
    and Env: its own view of Discord, holding the guilds on its shards. Every call into it goes
    through ``run``. Its snowflakes take the upper half of each millisecond's sequence, so no id
    it makes equals one the first env makes, as in one Discord. Its clock is its own: a test
    moves both (``advance_both``) to keep the two processes alive side by side.
    """

    def __init__(self, bot: ForumBot, *, shard_count: int) -> None:
        self.bots = [bot]  # every bot it ran (World.restart adds the fresh one): the newest runs now
        self.env = Env(bot, shard_count=shard_count)
        self.env.backend._sequences = _UpperHalf()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="simcord-peer", daemon=True)
        self._thread.start()

    @property
    def bot(self) -> ForumBot:
        return self.bots[-1]

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` on the peer's loop (awaited when it is a coroutine)."""

        async def call() -> Any:
            with self.env.time_context():
                result = fn(*args, **kwargs)
                return await result if inspect.isawaitable(result) else result

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self.loop))

    async def start(self) -> None:
        await self.run(self.env.start)

    async def stop(self) -> list[BaseException]:
        """Shut the peer down; the errors its bot met (the caller decides whether they were expected)."""

        async def down() -> list[BaseException]:
            errors = list(self.env.errors)
            await self.env.shutdown()
            for bot in self.bots:
                if bot.db.is_open:
                    await bot.db.close()
            return errors

        try:
            return await self.run(down)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()


async def advance_both(env: Env, peer: Peer, seconds: float, *, step: float = 60) -> None:
    """Both processes live through ``seconds``, side by side (each simulated Discord has its own clock)."""
    while seconds > 0:
        moved = min(step, seconds)
        await env.advance_time(moved)
        await peer.run(peer.env.advance_time, moved)
        seconds -= moved


# ---------------------------------------------------------------- text-channel forums (simcord backend)
def threads_of(channel: ChannelHandle) -> list[ChannelHandle]:
    return list(channel.threads)


def thread_named(channel: ChannelHandle, name: str) -> ChannelHandle:
    for thread in channel.threads:
        if thread.name == name:
            return thread
    raise AssertionError(f"no thread {name!r} in {[t.name for t in channel.threads]}")


def channel_message(channel: ChannelHandle, member: MemberActor, content: str, *, broadcast: bool = True) -> int:
    """A member's message in a (text) channel; with ``broadcast=False`` while the bot was away."""
    return world_backend(channel).create_message(channel.id, member.id, content, broadcast=broadcast).id


def create_thread_on(
    channel: ChannelHandle, member: MemberActor, message_id: int, name: str, *, broadcast: bool = True
) -> ChannelHandle:
    """Discord's *Create Thread* on a message of a text channel (the thread's id is the message's)."""
    world_backend(channel).create_thread(channel.id, name, member.id, message_id=message_id, broadcast=broadcast)
    return thread_named(channel, name)


def world_backend(channel: ChannelHandle) -> Any:
    return channel._env.backend


@contextmanager
def interaction_locale(locale: str) -> Iterator[None]:
    """Interactions members start inside the block carry ``locale`` (their Discord client's
    language). simcord 3.2.1 writes ``"locale": "en-US"`` into every INTERACTION_CREATE it
    builds (simcord.interactions.base_payload); this sets the field Discord would send, and the
    bot reads it from the real gateway payload as it would on Discord."""
    import simcord.interactions as built

    original = built.base_payload

    def localized(*args: Any, **kwargs: Any) -> Any:
        record, payload = original(*args, **kwargs)
        payload["locale"] = locale
        return record, payload

    built.base_payload = localized  # type: ignore[assignment]
    try:
        yield
    finally:
        built.base_payload = original  # type: ignore[assignment]


def registered_command(world: World, name: str) -> dict[str, Any]:
    """A command as the bot synced it to (simulated) Discord, localisations included."""
    found = world.env.backend.find_command(name, None)
    assert found is not None, f"/{name} is not registered"
    return dict(found)


@dataclass
class Cdn:
    """Discord's CDN over real HTTP: a local aiohttp server in front of simcord's attachment
    store (simcord serves the bytes only to discord.py's own ``get_from_cdn``; the bot's
    keeper streams them over HTTP, as from Discord). A link with ``?ex=expired`` is a 404,
    as Discord's expired links are. ``failing[name] = k`` answers the
    attachment named ``name`` with a 500 the next ``k`` times; ``requests`` counts the GETs."""

    base: str
    failing: dict[str, int]
    requests: list[str]


@contextlib.asynccontextmanager
async def attachment_cdn(env: Env) -> AsyncIterator[Cdn]:
    import simcord.backend.cdn as simcord_cdn
    from aiohttp import web

    cdn = Cdn(base="", failing={}, requests=[])

    async def serve(request: web.Request) -> web.StreamResponse:
        cdn.requests.append(request.path)
        name = request.path.rsplit("/", 1)[-1]
        if request.query.get("ex") == "expired":  # a signed link past its time, as Discord's CDN answers it
            return web.Response(status=404, text="This content is no longer available.")
        if cdn.failing.get(name, 0) > 0:
            cdn.failing[name] -= 1
            return web.Response(status=500)
        blob = env.backend.cdn.get(cdn.base + request.path)
        if blob is None:
            return web.Response(status=404)
        return web.Response(body=blob, content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    cdn.base = f"http://127.0.0.1:{port}"
    original = simcord_cdn.CDN_BASE
    simcord_cdn.CDN_BASE = cdn.base
    try:
        yield cdn
    finally:
        simcord_cdn.CDN_BASE = original
        await runner.cleanup()


def offline_attachment(world: World, thread: ChannelHandle, member: MemberActor, files: list[tuple[str, bytes]]) -> int:
    """A message with files written while the bot was not listening (downtime)."""
    backend = world.env.backend
    stored = backend.store_attachments(thread.id, files)
    return backend.create_message(thread.id, member.id, "", attachments=stored, broadcast=False).id


async def remove_attachments(world: World, thread: ChannelHandle, message_id: int, names: set[str]) -> None:
    """The author edits the message in Discord and removes these files from it."""
    backend = world.env.backend
    message = backend.get_message(thread.id, message_id)
    left = [a for a in message.attachments if a["filename"] not in names]
    backend.edit_message(thread.id, message_id, {"attachments": left})
    await world.env.settle()


# ---------------------------------------------------------------- changes made in Discord's own interface
PINNED = 1 << 1  # Discord's thread flag PINNED: the forum post pinned at the top of the forum


def with_thread_flags(monkeypatch: Any) -> dict[int, int]:
    """Threads that carry flags (thread id -> flags), as Discord keeps them: simcord 3.2.1
    writes every thread's ``flags`` as 0 in its payloads (GUILD_CREATE, THREAD_UPDATE, thread
    lists) and refuses ``flags`` in a channel's PATCH (``thread.edit(pinned=...)``), so a
    forum's pinned post could not be shown nor set otherwise."""
    from simcord.backend import serializers
    from simcord.http.router import RequestContext

    flags: dict[int, int] = {}
    original = serializers.thread_payload
    fields = RequestContext.fields

    def payload(backend: Any, thread: Any) -> Any:
        made = dict(original(backend, thread))
        made["flags"] = flags.get(thread.id, 0)
        return made

    def fields_with_flags(ctx: Any, *handled: str, **kwargs: Any) -> Any:
        body = ctx.body()
        if ctx.method == "PATCH" and "flags" in body and "channel_id" in ctx.args:
            channel = ctx.backend.channels.get(int(ctx.args["channel_id"]))
            if channel is not None and channel.is_thread:
                flags[channel.id] = int(body.pop("flags"))
        return fields(ctx, *handled, **kwargs)

    monkeypatch.setattr(serializers, "thread_payload", payload)
    monkeypatch.setattr(RequestContext, "fields", fields_with_flags)
    return flags


def pin_in_discord(
    world: World, flags: dict[int, int], thread: ChannelHandle, pinned: bool, *, broadcast: bool = True
) -> None:
    """A moderator pins (or unpins) the forum post in Discord; ``broadcast=False``: while the bot was away."""
    flags[thread.id] = PINNED if pinned else 0
    if broadcast:
        world.env.backend.announce_channel_update(thread.id)


def delete_offline(world: World, thread: ChannelHandle, *message_ids: int) -> None:
    """Messages deleted in Discord while the bot was away (no MESSAGE_DELETE). Discord's
    ``message_count`` leaves out the thread's first message and deleted ones; simcord 3.2.1
    counts every message ever sent, so it is set to what Discord would say."""
    backend = world.env.backend
    for message_id in message_ids:
        del backend.messages[thread.id][message_id]
    channel = backend.get_channel(thread.id)
    channel.message_count = max(0, len(backend.messages[thread.id]) - 1)


def delete_channel_offline(world: World, gone: ChannelHandle) -> None:
    """A forum post (a thread) or a channel deleted in Discord while the bot was away (no
    THREAD_DELETE or CHANNEL_DELETE)."""
    backend = world.env.backend
    channel = backend.get_channel(gone.id)
    del backend.channels[gone.id]
    backend.messages.pop(gone.id, None)
    guild = backend.get_guild(channel.guild_id)
    for ids in (guild.channel_ids, guild.thread_ids):
        if gone.id in ids:
            ids.remove(gone.id)
