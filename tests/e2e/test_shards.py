"""Two bot processes with disjoint shards (SHARD_IDS 0 and 1 of SHARD_COUNT 2) on one database
(a SQLite file, and a PostgreSQL database).

Process A runs on the test's simulated Discord; process B is a Peer (its own simulated Discord
on its own thread, tests/e2e/helpers.py). Each serves the guilds on its shard and nothing else:
it records and answers its own, catches up its own, and lifts and closes what is due in its own,
while the other process's rows sit in the same database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import discord
import pytest
import pytest_asyncio

from bot.app import create_bot
from bot.client import ForumBot
from bot.config import Settings
from bot.storage import audit, forums, kv, members, posts, topics
from tests.e2e.helpers import Peer, World, make_world, text_of

# On both backends: two processes share one SQLite file or one PostgreSQL database.
pytestmark = [pytest.mark.simcord(shard_count=2), pytest.mark.parametrize("backend", ["sqlite", "postgres"])]

NOW_MS = 347_155_200_000  # simcord's clock starts at 2026-01-01, this many ms after Discord's epoch
# Guild ids on their shards, B's below A's: queries that walk guilds in id order meet B's first.
GUILD_A = (NOW_MS - 2) << 22  # shard 0 of 2
GUILD_B = (NOW_MS - 3) << 22  # shard 1 of 2


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("database_url") if backend == "postgres" else None
    return Settings(database_path=tmp_path / "forum.db", database_url=url, shard_count=2, shard_ids=(0,))


@pytest_asyncio.fixture
async def a(simcord_env, simcord_bot: ForumBot, built_bots: list[ForumBot]) -> World:  # type: ignore[no-untyped-def]
    return await make_world(simcord_env, simcord_bot, built_bots, shard_id=0, guild_id=GUILD_A)


@pytest_asyncio.fixture
async def peer(settings: Settings) -> AsyncIterator[Peer]:
    bot = create_bot(replace(settings, shard_ids=(1,)), sync_commands=True)
    assert isinstance(bot, ForumBot)
    bot.ownership.holder += ":b"  # another process
    process = Peer(bot, shard_count=2)
    await process.start()
    yield process
    assert await process.stop() == []


@pytest_asyncio.fixture
async def b(peer: Peer) -> World:
    return await peer.run(make_world, peer.env, peer.bot, peer.bots, shard_id=1, guild_id=GUILD_B)


async def in_b(peer: Peer, world: World, name: str, **options: object) -> str:
    """A keymaster of B's guild runs a slash command there; what they read."""
    return text_of(await peer.run(world.admin.slash, world.general, name, **options))


async def rows_of(world: World, guild_id: int) -> list[tuple[int, str]]:
    """(number, content) of every post of a guild, read by ``world``'s process from the shared file."""
    sql = "SELECT number, content FROM posts WHERE guild_id = ? ORDER BY number"
    return await world.bot.db.run(lambda c: [(r[0], r[1]) for r in c.execute(sql, (guild_id,))])


async def test_each_process_records_and_answers_its_own_guilds_only(a: World, b: World, peer: Peer) -> None:
    assert (a.guild.id, b.guild.id) == (GUILD_A, GUILD_B)
    asker_a = a.member("Asker A")
    await asker_a.slash(a.general, "topic new", forum=a.forum, title="Question A", body="In A?")
    await a.member("Helper A").send(a.thread("Question A"), "Answer in A")
    asker_b = await peer.run(b.member, "Asker B")
    await peer.run(asker_b.slash, b.general, "topic new", forum=b.forum, title="Question B", body="In B?")
    helper_b = await peer.run(b.member, "Helper B")
    await peer.run(helper_b.send, b.thread("Question B"), "Answer in B")
    await peer.run(peer.bot.db.flush)
    await a.bot.db.flush()

    # One file, two guilds, each numbered from 1 by its own process.
    assert await rows_of(a, GUILD_A) == [(1, "In A?"), (2, "Answer in A")]
    assert await rows_of(a, GUILD_B) == [(1, "In B?"), (2, "Answer in B")]

    health_a = text_of(await a.admin.slash(a.general, "forumadmin health"))
    assert "this server is on shard 0 of 2; this process runs shard 0" in health_a
    assert "Once-per-server work (catch-up, digests, expiries, auto-close): done by this process" in health_a
    health_b = await in_b(peer, b, "forumadmin health")
    assert "this server is on shard 1 of 2; this process runs shard 1" in health_b
    assert "Process: " in health_b and " pid " in health_b

    # A guild of shard 1 on A's Discord, its forum registered by another process: A never hears
    # of it, even after a restart that loads every registered forum.
    owner = a.env.create_user("elsewhere_owner", global_name="Elsewhere Owner")
    elsewhere = a.env.create_guild("Elsewhere", owner=owner, shard_id=1)
    keeper = elsewhere.add_member(owner)
    general = elsewhere.create_text_channel("general")
    forum = elsewhere.create_forum_channel("Discussion")
    await a.bot.db.transaction(
        forums.register,
        guild_id=elsewhere.id,
        guild_name="Elsewhere",
        channel_id=forum.id,
        name="Discussion",
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-01-01T00:00:00.000000+00:00",
    )
    await a.restart()
    assert forum.id in a.bot.recorder.forum_ids and a.bot.get_guild(elsewhere.id) is None
    before = len(a.env.http_requests)
    backend = a.env.backend
    thread = backend.create_thread(forum.id, "Unheard", keeper.id, type=discord.ChannelType.public_thread.value)
    backend.create_message(thread.id, keeper.id, "Is anyone there?")
    await a.env.settle()
    unanswered = await keeper.slash(general, "topic new", forum=forum, title="Nobody", body="answers")
    assert not unanswered.acknowledged and unanswered.response is None
    assert await a.bot.db.run(topics.by_thread, thread.id) is None
    assert await rows_of(a, elsewhere.id) == []
    assert a.env.http_requests[before:] == []  # not a single call about that guild


async def test_a_catch_up_touches_only_its_own_guilds(a: World, b: World, peer: Peer) -> None:
    await a.member("Asker A").slash(a.general, "topic new", forum=a.forum, title="QA", body="?")
    asker_b = await peer.run(b.member, "Asker B")
    await peer.run(asker_b.slash, b.general, "topic new", forum=b.forum, title="QB", body="?")
    thread_a, thread_b = a.thread("QA"), b.thread("QB")
    missed_a = a.offline_message(thread_a, a.member("Writer A"), "written while A was down")
    writer_b = await peer.run(b.member, "Writer B")
    missed_b = await peer.run(b.offline_message, thread_b, writer_b, "written while B was down")

    await a.restart()
    report = a.bot.recorder.last_catchup
    assert report is not None and (report.threads, report.recorded) == (1, 1)  # its one thread, not B's
    assert await a.bot.db.run(posts.by_message, missed_a) is not None
    assert await a.bot.db.run(posts.by_message, missed_b) is None  # B's, for B to catch up

    await a.bot.db.flush()
    at_a = await a.bot.db.run(kv.catchup_time, GUILD_A)
    assert at_a is not None

    await peer.run(peer.env.advance_time, 3600)  # B comes back an hour later
    await peer.run(b.restart)
    report_b = peer.bot.recorder.last_catchup
    assert report_b is not None and (report_b.threads, report_b.recorded) == (1, 1)
    await peer.run(peer.bot.db.flush)
    assert await a.bot.db.run(posts.by_message, missed_b) is not None
    assert [content for _, content in await rows_of(a, GUILD_B)] == ["?", "written while B was down"]
    # Each server's health tells its own catch-up's time, not the last one any process ran.
    at_b = await a.bot.db.run(kv.catchup_time, GUILD_B)
    assert at_b is not None and at_b > at_a and await a.bot.db.run(kv.catchup_time, GUILD_A) == at_a
    assert f"Last catch-up: {at_a}" in text_of(await a.admin.slash(a.general, "forumadmin health"))
    assert f"Last catch-up: {at_b}" in await in_b(peer, b, "forumadmin health")


async def test_an_expired_block_is_lifted_by_the_owning_process_only(a: World, b: World, peer: Peer) -> None:
    troll_a = a.member("Troll A")
    troll_b = await peer.run(b.member, "Troll B")
    assert "is blocked" in text_of(await a.admin.slash(a.general, "mod block", member=troll_a, duration="30m"))
    assert "is blocked" in await in_b(peer, b, "mod block", member=troll_b, duration="30m")
    await peer.run(peer.bot.db.flush)

    # A lives through 31 minutes; B (whose clock stands still) is not due yet but A's clock says
    # both blocks ran out: A lifts its own and leaves B's alone.
    await a.env.advance_time(31 * 60)
    assert await a.bot.db.run(members.assignment, GUILD_A, troll_a.id) is None
    assert await a.bot.db.run(members.assignment, GUILD_B, troll_b.id) is not None

    await peer.run(peer.env.advance_time, 31 * 60)
    await peer.run(peer.bot.db.flush)
    assert await a.bot.db.run(members.assignment, GUILD_B, troll_b.id) is None
    entries = await a.bot.db.run(lambda c: audit.entries(c, GUILD_B, member_id=troll_b.id))
    newest = entries[0]
    assert (newest.action, newest.actor_id) == ("member.unblock", peer.bot.user.id)


async def test_auto_close_is_not_starved_by_the_other_process_guilds(a: World, b: World, peer: Peer) -> None:
    # 21 idle topics in B's guild (more than one round of auto-close takes) come first in
    # guild order; A's single idle topic must still be closed by A, and B's by B.
    assert "auto_close_days" in await in_b(peer, b, "forumadmin settings", auto_close_days=1)
    for i in range(21):
        assert "Started topic" in await in_b(peer, b, "topic new", forum=b.forum, title=f"B{i}", body="idle")
    await a.admin.slash(a.general, "forumadmin settings", auto_close_days=1)
    await a.admin.slash(a.general, "topic new", forum=a.forum, title="A0", body="idle")
    await peer.run(peer.bot.db.flush)
    cog = a.bot.get_cog("Moderation")
    assert cog is not None
    cog.housekeeper.interval = 3600  # fewer simulated ticks; the logic is the same
    for _ in range(26):
        await a.env.advance_time(3600)
    closed = await a.bot.db.run(topics.by_thread, a.thread("A0").id)
    assert closed is not None and closed.status == "closed" and closed.close_reason == "stale"
    count = "SELECT COUNT(*) FROM topics WHERE guild_id = ? AND status = 'open'"
    assert await a.bot.db.run(lambda c: c.execute(count, (GUILD_B,)).fetchone()[0]) == 21  # B's are B's

    peer_cog = await peer.run(peer.bot.get_cog, "Moderation")
    peer_cog.housekeeper.interval = 3600
    for _ in range(26):
        await peer.run(peer.env.advance_time, 3600)
    await peer.run(peer.bot.db.flush)
    # B closes its own (20 a round, every 10 minutes); none is left open after a day.
    assert await a.bot.db.run(lambda c: c.execute(count, (GUILD_B,)).fetchone()[0]) == 0
