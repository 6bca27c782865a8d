"""Leases and the shard filter on both backends (a real SQLite file, a real PostgreSQL database),
with real concurrent connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.shards import Shards, shard_of
from bot.storage import connect, create_database, guilds, housekeeping, kv, leases, members, subscriptions, topics
from bot.storage.api import Database, atomically, dialect, dialect_name
from tests.storage.seed import Seeder

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SHARD = leases.lease_name(0, 1)


def at(seconds: float) -> str:
    return timeutil.iso(T0 + timedelta(seconds=seconds))


async def two_processes(url: str) -> tuple[Database, Database]:
    first, second = create_database(Settings(database_url=url)), create_database(Settings(database_url=url))
    await first.open()
    await second.open()
    return first, second


async def take(db: Database, holder: str, now: float, *, names: tuple[str, ...] = (SHARD,)) -> list[str]:
    """``holder`` takes or renews ``names`` at ``now`` for 300 seconds; what it holds then."""
    return await db.transaction(leases.take, list(names), holder, at(now), at(now + 300))


async def test_one_holder_at_a_time_and_a_takeover_once_the_lease_runs_out(database_url: str) -> None:
    a, b = await two_processes(database_url)
    try:
        assert await take(a, "host-a:1:x", 0) == [SHARD]
        assert await take(b, "host-b:1:y", 1) == []  # held by A
        assert await take(a, "host-a:1:x", 100) == [SHARD]  # A renews: until 400
        assert await take(b, "host-b:1:y", 399) == []
        assert await take(b, "host-b:1:y", 400) == []  # not run out at its last instant
        assert await take(b, "host-b:1:y", 401) == [SHARD]  # ran out: B takes it over
        assert await take(a, "host-a:1:x", 402) == []  # A, late, finds it taken
        [lease] = await a.run(leases.all_leases)
        assert (lease.holder, lease.expires_at) == ("host-b:1:y", at(701))
    finally:
        await a.close()
        await b.close()


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases(database_url: str) -> None:
    a, b = await two_processes(database_url)
    try:
        assert await take(a, "a", 0) == [SHARD]
        assert await b.transaction(leases.release, "b") == 0  # B holds nothing: A's stays
        assert await take(b, "b", 1) == []
        assert await a.transaction(leases.release, "a") == 1
        assert await take(b, "b", 2) == [SHARD]
    finally:
        await a.close()
        await b.close()


async def test_shards_are_leased_one_by_one(database_url: str) -> None:
    names = tuple(leases.lease_name(k, 4) for k in range(4))
    a, b = await two_processes(database_url)
    try:
        assert await take(a, "a", 0, names=names[:2]) == sorted(names[:2])  # A runs shards 0, 1
        assert await take(b, "b", 1, names=names[1:]) == sorted(names[2:])  # B runs 1, 2, 3 by mistake: not 1
        assert await take(a, "a", 2, names=names) == sorted(names[:2])
    finally:
        await a.close()
        await b.close()


def test_racing_processes_never_hold_the_same_lease_at_once(database_url: str) -> None:
    """Two connections (two processes) race for a lease that runs out before every round."""
    settings = Settings(database_url=database_url)
    connect(settings, migrate_schema=True).close()
    rounds = 150
    won: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def process(holder: str) -> None:
        conn = connect(settings)
        try:
            for r in range(rounds):
                barrier.wait()
                now = r * 10.0  # the previous round's lease ran out at r * 10 - 5
                taken = atomically(conn, lambda c: leases.take(c, [SHARD], holder, at(now), at(now + 5)))  # noqa: B023
                if taken:
                    won[holder].append(r)
        except BaseException as error:  # reported below
            failures.append(error)
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=process, args=(holder,)) for holder in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(won["a"] + won["b"]) == list(range(rounds))  # every round exactly one winner
    assert not set(won["a"]) & set(won["b"])


def test_racing_processes_claim_each_refused_message_once(database_url: str) -> None:
    """Two connections (two processes hearing the same gateway events) race to act on the same
    messages (refuse or hold them, DM their authors): every message has exactly one claimant;
    claims older than a day are forgotten as new ones are made."""
    settings = Settings(database_url=database_url)
    connect(settings, migrate_schema=True).close()
    rounds = 150
    won: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def process(holder: str) -> None:
        conn = connect(settings)
        try:
            for r in range(rounds):
                barrier.wait()
                claim = lambda c: kv.claim_message(c, 10_000 + r, at(r), at(r - 86_400))  # noqa: B023, E731
                if atomically(conn, claim):
                    won[holder].append(r)
        except BaseException as error:  # reported below
            failures.append(error)
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=process, args=(holder,)) for holder in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(won["a"] + won["b"]) == list(range(rounds))  # every message exactly one claimant
    conn = connect(settings)
    try:
        assert kv.count_prefix(conn, kv.ACTED) == rounds
        assert atomically(conn, lambda c: kv.claim_message(c, 99, at(86_400 + 100.5), at(100.5)))
        assert kv.count_prefix(conn, kv.ACTED) == rounds - 101 + 1  # claims of rounds 0..100 forgotten
        assert not atomically(conn, lambda c: kv.claim_message(c, 10_149, at(86_401), at(101)))  # still known
    finally:
        conn.close()


@pytest.mark.parametrize("count", [1, 2, 3, 4, 16])
def test_the_shard_filter_is_discord_s_formula_in_sql(conn: Any, count: int) -> None:
    ids = [1, 4194303, 4194304, 81384788765712384, 1456074443980800015, (1 << 63) - 1]
    ids += [(347_155_200_000 + k) << 22 for k in range(40)]
    for guild_id in ids:
        guilds.ensure(conn, guild_id, "g")
    for mine in [frozenset({0}), frozenset({count - 1}), frozenset(range(0, count, 2)), frozenset()]:
        shards = Shards(count, mine)
        sql = f"SELECT guild_id FROM guilds WHERE {leases.shard_filter('guild_id', shards)} ORDER BY guild_id"
        found = [row[0] for row in conn.execute(sql)]
        assert found == sorted(g for g in ids if shard_of(g, count) in mine)
        assert found == sorted(g for g in ids if shards.holds(g))
    assert leases.shard_filter("guild_id", None) == "1 = 1"
    assert leases.shard_filter("guild_id", Shards(2, frozenset({0, 1}))) == "1 = 1"


def on_shard(shard: int, k: int = 0) -> int:
    """A guild id of shard ``shard`` of 2."""
    return ((347_155_200_000 + 2 * k + shard) << 22) | 7


MINE, THEIRS = Shards(2, frozenset({0})), Shards(2, frozenset({1}))


def test_expired_blocks_of_other_shards_are_not_due_here(conn: Any) -> None:
    for guild_id in (on_shard(0), on_shard(1)):
        guilds.ensure(conn, guild_id, "g")
        members.assign(
            conn,
            guild_id=guild_id,
            user_id=5,
            role=ForumRole.BLOCKED,
            source="block",
            assigned_by=1,
            now=at(0),
            expires_at=at(60),
        )
    later = T0 + timedelta(minutes=2)
    assert members.due_expiries(conn, later, MINE) == [(on_shard(0), 5)]
    assert members.due_expiries(conn, later, THEIRS) == [(on_shard(1), 5)]
    assert members.due_expiries(conn, later, Shards(2, frozenset())) == []
    assert len(members.due_expiries(conn, later)) == 2


def test_auto_close_of_this_shard_is_not_starved_by_another_shard(conn: Any) -> None:
    seeder = Seeder(conn)
    theirs, mine = on_shard(1, 0), on_shard(0, 1)  # theirs first in guild order
    for guild_id, count in ((theirs, 25), (mine, 1)):
        forum = seeder.forum(guild_id=guild_id)
        guilds.update_settings(seeder.conn, guild_id, {"auto_close_days": 1})
        for i in range(count):
            seeder.topic(forum, f"T{i}", "idle")
    later = seeder.clock + timedelta(days=2)
    assert {t.guild_id for t, _ in housekeeping.auto_close_due(seeder.conn, later)} == {theirs}  # starved
    due = housekeeping.auto_close_due(seeder.conn, later, 20, MINE)
    assert [(t.guild_id, t.title) for t, _ in due] == [(mine, "T0")]
    assert len(housekeeping.auto_close_due(seeder.conn, later, 20, THEIRS)) == 20


def test_digests_of_other_shards_are_not_due_here(conn: Any) -> None:
    seeder = Seeder(conn)
    for guild_id in (on_shard(1), on_shard(0)):
        topic = seeder.topic(seeder.forum(guild_id=guild_id), "Live", "question", author=1)
        subscriptions.subscribe_author(seeder.conn, topic.id, timeutil.iso(seeder.clock))
        seeder.reply(topic, "an answer", author=2)
    now = seeder.tick(seconds=1)
    assert [d.guild_id for d in subscriptions.due(seeder.conn, now, shards=MINE)] == [on_shard(0)]
    assert [d.guild_id for d in subscriptions.due(seeder.conn, now, shards=THEIRS)] == [on_shard(1)]
    assert len(subscriptions.due(seeder.conn, now)) == 2
    assert subscriptions.due(seeder.conn, now, shards=Shards(2, frozenset())) == []


def test_two_processes_recording_the_same_status_change_record_it_once(database_url: str) -> None:
    """Both processes saw the thread locked in Discord and both record it: the first closes the
    topic; the second, its transaction overlapping, finds it closed and writes no audit entry."""
    settings = Settings(database_url=database_url)
    conn = connect(settings, migrate_schema=True)
    try:
        seeder = Seeder(conn)
        topic = seeder.topic(seeder.forum(), "Locked in Discord", "q")
    finally:
        conn.close()
    barrier = threading.Barrier(2)
    recorded: list[str] = []
    failures: list[BaseException] = []

    def process(name: str) -> None:
        conn = connect(settings)
        try:
            # PostgreSQL: both transactions begin, then race (the row lock decides). SQLite's
            # BEGIN IMMEDIATE already serialises writers: they race for it instead.
            overlapping = dialect_name(conn) == "postgres"

            def record(c: Any) -> None:
                if overlapping:
                    barrier.wait()  # both transactions have begun, neither has written
                if topics.still_in_status(c, topic.id, "open"):
                    topics.set_status(c, topic.id, "closed", close_reason="other")
                    recorded.append(name)

            if not overlapping:
                barrier.wait()
            conn.execute(dialect(conn).BEGIN)
            try:
                record(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except BaseException as error:  # reported below
            failures.append(error)
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=process, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(recorded) == 1, (failures, recorded)
