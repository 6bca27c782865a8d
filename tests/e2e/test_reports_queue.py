"""Report post (message menu + modal) and /mod queue with persistent Approve / Dismiss."""

from __future__ import annotations

import pytest

from bot.storage import audit, posts, reports
from tests.backends import BACKENDS
from tests.e2e.helpers import World, errors_text, text_of


async def start_topic(world: World, author, title: str = "A question"):  # type: ignore[no-untyped-def]
    result = await author.slash(world.general, "topic new", forum=world.forum, title=title, body="What is it?")
    assert "Started topic" in text_of(result), text_of(result)
    return world.thread(title)


async def report(world: World, reporter, thread, message, reason: str):  # type: ignore[no-untyped-def]
    shown = await reporter.context_menu(thread, "Report post", message)
    submitted = await reporter.submit_modal(shown, {"reason": reason})
    return text_of(submitted)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_report_reaches_the_queue_and_approve_trashes_the_post(world: World) -> None:
    asker = world.member("Asker")
    spammer = world.member("Spammer")
    thread = await start_topic(world, asker)
    bad = await spammer.send(thread, "Cheap watches here")

    answer = await report(world, asker, thread, bad, "Advertising")
    assert "post **#2** is reported" in answer
    queue = await world.admin.slash(world.general, "mod queue")
    shown = text_of(queue)
    assert queue.ephemeral and "Report 1" in shown and "Advertising" in shown and "Cheap watches here" in shown

    clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:a")
    assert "Report 1 approved" in text_of(clicked) and "Nothing waiting" in text_of(clicked)
    post = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert post is not None and post.status == "trash"
    assert all(m.id != bad.id for m in thread.history())
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 0
    actions = [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))]
    assert actions[0] == "report.approve"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_dismiss_keeps_the_post_and_the_buttons_survive_a_restart(world: World) -> None:
    asker = world.member("Asker")
    helper = world.member("Helper")
    thread = await start_topic(world, asker)
    fine = await helper.send(thread, "A fair answer")
    await report(world, asker, thread, fine, "I disagree")
    queue = await world.admin.slash(world.general, "mod queue")
    stale = await world.admin.slash(world.general, "mod queue")  # a second copy, left open
    assert "Report 1" in text_of(queue) and "Report 1" in text_of(stale)

    await world.restart()
    clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:d")
    assert "Report 1 dismissed" in text_of(clicked) and "stays" in text_of(clicked)
    post = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert post is not None and post.status == "publish"
    assert any(m.id == fine.id for m in thread.history())
    again = await world.admin.click(stale.response, custom_id="tk:mq:1:d")
    assert "already dismissed" in text_of(again)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_reports_of_non_posts_and_own_posts_are_refused(world: World) -> None:
    asker = world.member("Asker")
    thread = await start_topic(world, asker)
    await world.env.advance_time(20)
    mine = await asker.send(thread, "My own words")
    chat = await asker.send(world.general, "Just chatting")
    await asker.context_menu(thread, "Report post", mine)
    await asker.context_menu(world.general, "Report post", chat)
    told = errors_text(world)
    assert "your own post" in told and "Only forum posts can be reported" in told
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_held_post_from_catch_up_is_approved_and_its_flag_cleared(world: World) -> None:
    asker = world.member("Asker")
    watcher = world.member("Watcher")
    thread = await start_topic(world, asker)
    await world.admin.slash(world.general, "mod role", member=watcher, role="spectator")
    world.offline_message(thread, watcher, "Written while the bot was away")
    await world.restart()
    held = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert held is not None and held.flag is not None

    queue = await world.admin.slash(world.general, "mod queue")
    shown = text_of(queue)
    assert "Flagged 1" in shown and "Written while the bot was away" in shown
    clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:a")
    assert "Flagged 1 approved" in text_of(clicked)
    kept = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert kept is not None and kept.status == "publish" and kept.flag is None
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_queue_delete_refused_by_discord_keeps_the_report_open(world: World) -> None:
    asker = world.member("Asker")
    spammer = world.member("Spammer")
    thread = await start_topic(world, asker)
    bad = await spammer.send(thread, "Spam")
    await report(world, asker, thread, bad, "Spam")
    queue = await world.admin.slash(world.general, "mod queue")
    world.env.inject_error(
        "DELETE", f"/channels/{thread.id}/messages/{bad.id}", status=403, code=50013, message="Missing Permissions"
    )
    clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:a")
    assert "would not delete the message" in text_of(clicked)
    post = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert post is not None and post.status == "publish"
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_refused_post_the_bot_could_not_delete_is_held_and_dismiss_trashes_it(world: World) -> None:
    asker = world.member("Asker")
    watcher = world.member("Watcher")
    thread = await start_topic(world, asker)
    await world.admin.slash(world.general, "mod role", member=watcher, role="spectator")
    world.env.inject_error("DELETE", f"/channels/{thread.id}/messages/*", status=403, code=50013, times=1)
    message_id = await world.unchecked_message(thread, watcher, "I slipped through")
    held = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert held is not None and held.flag is not None and held.message_id == message_id

    queue = await world.admin.slash(world.general, "mod queue")
    assert "Flagged 1" in text_of(queue) and "I slipped through" in text_of(queue)
    clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:d")
    assert "Flagged 1 dismissed" in text_of(clicked) and "trash" in text_of(clicked)
    gone = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert gone is not None and gone.status == "trash"
    assert all(m.id != message_id for m in thread.history())
