"""Downtime: what happened while the bot was away is recorded when it comes back, once."""

from __future__ import annotations

import discord
import pytest

from bot.services.recording import GAP_KEY, RETRY_SECONDS
from bot.services.recording import catchup as recording
from bot.storage import kv, posts
from tests.backends import BACKENDS
from tests.e2e.helpers import (
    archive_offline,
    assert_numbers_gapless,
    edit_offline,
    last_error,
    offline_thread,
    text_of,
)

HISTORY = "/channels/*/messages"


async def _started(world, member, title="Downtime topic", body="opening words"):
    result = await member.slash(world.general, "topic new", forum=world.forum, title=title, body=body)
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


async def test_catch_up_reaches_archived_threads_new_topics_and_visible_edits(world):
    ann = world.member("Ann")
    bob = world.member("Bob")
    thread = await _started(world, ann)
    await bob.send(thread, "a live reply")
    live_id = max(m.id for m in thread.history())

    # The bot goes away. Meanwhile: replies, an edit, the thread is archived, a new post starts.
    missed = [world.offline_message(thread, bob, f"offline reply {i}") for i in range(3)]
    edit_offline(world, thread, live_id, "a live reply, edited while the bot was away")
    archive_offline(world, thread)
    fresh, opening_id = offline_thread(world, ann, "Started while away", "opening post written offline")
    fresh_reply = world.offline_message(fresh, bob, "a reply to it")

    await world.restart()

    recorded = await world.posts_of(thread)
    assert [p.content for p in recorded][-3:] == [f"offline reply {i}" for i in range(3)]
    assert {p.message_id for p in recorded} >= set(missed)
    edited = next(p for p in recorded if p.message_id == live_id)
    assert edited.content == "a live reply, edited while the bot was away"
    assert await world.bot.db.run(posts.revisions, edited.id) != []

    adopted = await world.topic(fresh)
    assert adopted is not None and adopted.title == "Started while away"
    fresh_posts = await world.posts_of(fresh)
    assert [(p.message_id, p.is_opening) for p in fresh_posts] == [(opening_id, True), (fresh_reply, False)]
    assert adopted.number == fresh_posts[0].number

    rows = await assert_numbers_gapless(world)
    assert len(rows) == 2 + 3 + 2  # opening, live reply, 3 offline; new topic and its reply


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_catch_ups_record_nothing_twice(world):
    ann = world.member("Ann")
    thread = await _started(world, ann)
    for i in range(5):
        world.offline_message(thread, ann, f"missed {i}")
    first = await world.bot.recorder.catch_up(full=True)  # no reconnect: the cache is stale, read every thread
    second = await world.bot.recorder.catch_up(full=True)
    assert first.recorded == 5
    assert second.recorded == 0 and second.edits == 0
    await world.restart()
    assert world.bot.recorder.last_catchup is not None
    assert world.bot.recorder.last_catchup.recorded == 0
    assert len(await assert_numbers_gapless(world)) == 6


async def test_a_server_error_during_catch_up_is_retried_after_a_back_off(world):
    ann = world.member("Ann")
    thread = await _started(world, ann)
    missed = [world.offline_message(thread, ann, f"missed {i}") for i in range(3)]
    # simcord hands the 503 straight to the bot (real discord.py would first retry 5xx
    # itself, then raise DiscordServerError: the same exception family).
    world.env.inject_error("GET", HISTORY, status=503, times=1)

    await world.restart()
    report_before = world.bot.recorder.last_catchup
    stored = {p.message_id for p in await world.posts_of(thread)}
    assert not set(missed) & stored  # the read failed: nothing yet, and the catch-up waits
    assert await world.bot.db.run(kv.get, GAP_KEY.format(thread.id)) is not None
    assert report_before is None  # still running: sleeping in its back-off
    assert "503" in last_error(world)

    await world.env.advance_time(RETRY_SECONDS + 1)
    report = world.bot.recorder.last_catchup
    assert report is not None and report.retries == 1 and report.failed_threads == 0
    stored = {p.message_id for p in await world.posts_of(thread)}
    assert set(missed) <= stored
    assert await world.bot.db.run(kv.get, GAP_KEY.format(thread.id)) is None
    assert len(await assert_numbers_gapless(world)) == 4


async def test_a_rate_limit_honours_retry_after_and_a_live_reply_cannot_hide_the_gap(world):
    ann = world.member("Ann")
    bob = world.member("Bob")
    thread = await _started(world, ann)
    missed = [world.offline_message(thread, bob, f"missed {i}") for i in range(3)]
    # Every history read fails for now: the first catch-up and the live path both fail.
    world.env.inject_error("GET", HISTORY, status=429, code=0, message="You are being rate limited.", times=None)
    await world.restart()
    assert world.bot.recorder.last_catchup is None

    # A member replies while the thread is still unreconciled: the reply is recorded ...
    await world.env.advance_time(1)
    await bob.send(thread, "live while the catch-up waits")
    stored = [p.content for p in await world.posts_of(thread)]
    assert "live while the catch-up waits" in stored
    # ... and the gap before it stays remembered, although the cursor moved past it.
    assert await world.bot.db.run(kv.get, GAP_KEY.format(thread.id)) is not None

    world.env.backend.faults.clear()  # Discord answers again
    await world.env.advance_time(RETRY_SECONDS * 4)
    stored_ids = {p.message_id for p in await world.posts_of(thread)}
    assert set(missed) <= stored_ids
    assert await world.bot.db.run(kv.get, GAP_KEY.format(thread.id)) is None
    assert len(await assert_numbers_gapless(world)) == 5


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_catch_up_interrupted_by_a_restart_finishes_on_the_next_start(world):
    ann = world.member("Ann")
    first = await _started(world, ann, title="First")
    await world.env.advance_time(60)
    second = await _started(world, ann, title="Second")
    missed_first = [world.offline_message(first, ann, f"first {i}") for i in range(3)]
    missed_second = [world.offline_message(second, ann, f"second {i}") for i in range(3)]
    # The first thread's history reads, the second's fails: the catch-up is half done
    # and waiting to retry when the process is restarted.
    world.env.inject_error("GET", f"/channels/{second.id}/messages", status=500, times=None)
    await world.restart()
    assert set(missed_first) <= {p.message_id for p in await world.posts_of(first)}
    assert not set(missed_second) & {p.message_id for p in await world.posts_of(second)}
    world.env.backend.faults.clear()

    await world.restart()
    assert set(missed_second) <= {p.message_id for p in await world.posts_of(second)}
    report = world.bot.recorder.last_catchup
    assert report is not None and report.recorded == 3 and report.failed_threads == 0
    assert len(await assert_numbers_gapless(world)) == 8


async def test_rate_limited_exception_sets_the_back_off():
    from bot.services.recording import Recorder

    class _Bot:
        db = None

    recorder = Recorder(_Bot())  # type: ignore[arg-type]
    recorder._note_failure("reading thread 42", discord.RateLimited(120.0))
    assert recorder._backoff(1) == 120.0
    assert recorder._backoff(1) == RETRY_SECONDS  # used once
    assert recorder._backoff(3) == RETRY_SECONDS * 4


async def test_a_live_reply_in_a_thread_the_catch_up_has_not_reached_first_fills_the_downtime(world):
    ann = world.member("Ann")
    bob = world.member("Bob")
    thread = await _started(world, ann)
    missed = [world.offline_message(thread, bob, f"missed {i}") for i in range(2)]
    # The state right after a fresh READY on a busy server: the catch-up (minutes long on
    # real Discord) has not reached this thread yet when a member replies in it.
    world.bot.recorder._synced.clear()
    await world.env.advance_time(60)
    await bob.send(thread, "back in the thread")
    contents = [p.content for p in await world.posts_of(thread)]
    assert contents == ["opening words", "missed 0", "missed 1", "back in the thread"]
    await world.bot.recorder.catch_up()  # the catch-up reaching it later adds nothing
    assert {p.message_id for p in await world.posts_of(thread)} >= set(missed)
    assert len(await assert_numbers_gapless(world)) == 4


async def test_archived_threads_are_listed_again_when_discord_refused_the_listing(world, monkeypatch):
    ann = world.member("Ann")
    thread = await _started(world, ann)
    missed = [world.offline_message(thread, ann, f"missed {i}") for i in range(2)]
    archive_offline(world, thread)
    # As after a real READY: archived threads are not in the gateway's cache, only in the listing.
    guild = world.bot.get_guild(world.guild.id)
    cached = guild.get_thread(thread.id)
    assert cached is not None
    guild._remove_thread(cached)
    listing = f"/channels/{world.forum.id}/threads/archived/public"
    monkeypatch.setattr(recording, "RETRY_SECONDS", 0.0)  # the test awaits the catch-up itself

    world.env.inject_error("GET", listing, status=429, times=1)
    report = await world.bot.recorder.catch_up()
    assert "listing the archived threads" in last_error(world)
    assert report.retries == 1 and report.unlisted_forums == 0 and report.recorded == 2
    assert set(missed) <= {p.message_id for p in await world.posts_of(thread)}

    # Refused on every try: the report says so (and /forumadmin health shows it).
    guild._remove_thread(guild.get_thread(thread.id) or cached)
    world.env.inject_error("GET", listing, status=503, times=None)
    report = await world.bot.recorder.catch_up()
    assert report.unlisted_forums == 1 and report.retries == recording.CATCHUP_RETRIES
    world.env.backend.faults.clear()


async def test_a_reply_in_a_topic_started_this_session_needs_no_history_read(world):
    ann = world.member("Ann")
    thread = await _started(world, ann)
    await world.env.advance_time(60)
    start = len(world.env.http_requests)
    await ann.send(thread, "a reply")
    reads = [r for r in world.env.http_requests[start:] if r.method == "GET" and r.path.endswith("/messages")]
    assert reads == []
    assert [p.content for p in await world.posts_of(thread)] == ["opening words", "a reply"]
