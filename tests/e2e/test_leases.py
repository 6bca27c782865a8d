"""Two unsharded bot processes on one database (a mistake, or a replacement started early).

Both run shard 0 of 1; the lease of that shard in the database decides which one does the
work that must happen once per guild (catch-up, digests, expired blocks, auto-close). The
other records and answers as usual but does none of it, until the lease is free: released by
a clean stop, or run out because its holder stopped renewing it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.app import create_bot
from bot.client import ForumBot
from bot.config import Settings
from bot.services.ownership import LEASE_SECONDS, RENEW_SECONDS
from bot.storage import leases, members, posts
from tests.e2e.helpers import Peer, World, advance_both, make_world, text_of

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"])  # one SQLite file, one PostgreSQL database


@pytest_asyncio.fixture
async def peer(settings: Settings, world: World) -> AsyncIterator[Peer]:
    """Process B, started after process A (``world``) holds the lease."""
    bot = create_bot(settings, sync_commands=True)
    assert isinstance(bot, ForumBot)
    bot.ownership.holder += ":b"  # another process
    process = Peer(bot, shard_count=1)
    await process.start()
    yield process
    assert await process.stop() == []


@pytest_asyncio.fixture
async def b(peer: Peer) -> World:
    return await peer.run(make_world, peer.env, peer.bot, peer.bots)


async def holder_of_shard(world: World) -> str:
    found = {lease.name: lease.holder for lease in await world.bot.db.run(leases.all_leases)}
    return found["shard 0/1"]


async def scene(b: World, peer: Peer) -> tuple[object, object, int]:
    """In B's guild: a troll blocked for 2 minutes, a topic with a reply for its subscribed author,
    and a message written while B was down; B comes back (a fresh READY) while A holds the lease."""
    troll = await peer.run(b.member, "Troll")
    blocked = text_of(await peer.run(b.admin.slash, b.general, "mod block", member=troll, duration="2m"))
    assert "is blocked" in blocked
    asker = await peer.run(b.member, "Asker")
    await peer.run(asker.slash, b.general, "topic new", forum=b.forum, title="Q", body="?")
    helper = await peer.run(b.member, "Helper")
    await peer.run(helper.send, b.thread("Q"), "An answer")
    missed = await peer.run(b.offline_message, b.thread("Q"), helper, "written while B was down")
    await peer.run(b.restart)
    assert await peer.run(b.bot.db.run, posts.by_message, missed) is None  # its READY catch-up is A's to do
    return troll, asker, missed


async def test_the_second_process_leaves_once_per_guild_work_to_the_lease_holder(
    world: World, b: World, peer: Peer
) -> None:
    a = world
    assert await holder_of_shard(a) == a.bot.ownership.holder
    health = text_of(await peer.run(b.admin.slash, b.general, "forumadmin health"))
    assert "this server is on shard 0 of 1" in health
    assert "done by **another process**" in health and " pid " in health

    troll, asker, missed = await scene(b, peer)
    await advance_both(a.env, peer, 10 * 60)  # both alive: A renews its lease, B may not take it
    assert await a.bot.db.run(members.assignment, b.guild.id, troll.id) is not None  # ran out, not lifted
    assert await peer.run(b.dm_texts, asker) == []  # no digest from B
    assert await a.bot.db.run(posts.by_message, missed) is None  # no catch-up by B
    assert await holder_of_shard(a) == a.bot.ownership.holder

    await a.bot.ownership.release()  # A stops cleanly (ForumBot.close)
    await peer.run(peer.env.advance_time, RENEW_SECONDS + 60)  # B's next renewal, then a housekeeping round
    await peer.run(peer.bot.db.flush)
    assert await holder_of_shard(a) == peer.bot.ownership.holder
    assert await a.bot.db.run(members.assignment, b.guild.id, troll.id) is None
    assert await a.bot.db.run(posts.by_message, missed) is not None  # taking the shard over caught it up
    [digest] = await peer.run(b.dm_texts, asker)
    assert "An answer" in digest
    health = text_of(await peer.run(b.admin.slash, b.general, "forumadmin health"))
    assert "Once-per-server work (catch-up, digests, expiries, auto-close): done by this process" in health


async def test_a_lease_its_holder_stopped_renewing_is_taken_over_when_it_runs_out(
    world: World, b: World, peer: Peer
) -> None:
    a = world
    troll, _, missed = await scene(b, peer)
    # A hangs (its clock, and so its renewals, stand still); B lives on.
    for _ in range(int(LEASE_SECONDS // 60) - 1):
        await peer.run(peer.env.advance_time, 60)
    assert await holder_of_shard(a) == a.bot.ownership.holder  # not run out yet
    assert await a.bot.db.run(members.assignment, b.guild.id, troll.id) is not None

    for _ in range(4):
        await peer.run(peer.env.advance_time, 60)
    await peer.run(peer.bot.db.flush)
    assert await holder_of_shard(a) == peer.bot.ownership.holder
    assert await a.bot.db.run(members.assignment, b.guild.id, troll.id) is None
    assert await a.bot.db.run(posts.by_message, missed) is not None
    # A wakes up: its renewal finds the lease taken and it does no once-per-guild work any more.
    await a.env.advance_time(RENEW_SECONDS)
    assert a.bot.ownership.owned().none
    assert await holder_of_shard(a) == peer.bot.ownership.holder
