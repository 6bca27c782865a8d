"""The one failure path (bot/failures.py): a button, a form and a listener that fail are each
answered or reported: the member reads what happened (ephemeral, with an error code for what
is not their doing), the log holds the code with the traceback, /forumadmin health shows the
last error, and the server's owner is told when the database cannot be written."""

from __future__ import annotations

import logging
import re

import pytest

from bot.failures import STORAGE_UNAVAILABLE
from bot.services.alerts import STORAGE_ALERT
from bot.storage import posts, reports
from bot.storage.errors import StorageUnavailable
from tests.e2e.helpers import World, caught, last_error, text_of

CODE = re.compile(r"error code `([0-9a-f]{6})`")


async def read_only(world: World, on: bool = True) -> None:
    await world.bot.db.run(lambda conn: conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}"))


def alerts(world: World) -> list[str]:
    return [t for t in world.dm_texts(world.admin) if "cannot write its database" in t]


def logged(caplog: pytest.LogCaptureFixture, code: str) -> logging.LogRecord:
    """The one log record of the failure path carrying ``code``, with its traceback."""
    found = [r for r in caplog.records if r.name == "bot.failures" and getattr(r, "error_code", None) == code]
    assert len(found) == 1, [r.getMessage() for r in caplog.records]
    assert found[0].exc_info is not None and f"code={code}" in found[0].getMessage()
    return found[0]


async def health(world: World) -> str:
    return text_of(await world.admin.slash(world.general, "forumadmin health"))


async def reported_post(world: World):  # type: ignore[no-untyped-def]
    """A topic with a reply by someone else: (thread, the reply's message)."""
    asker, helper = world.member("Asker"), world.member("Helper")
    made = await asker.slash(world.general, "topic new", forum=world.forum, title="A question", body="What is it?")
    assert "Started topic" in text_of(made)
    thread = world.thread("A question")
    reply = await helper.send(thread, "Cheap watches here")
    return thread, reply, asker


async def test_a_queue_button_pressed_while_the_database_is_read_only_is_answered(world: World, caplog) -> None:
    thread, reply, asker = await reported_post(world)
    shown = await asker.context_menu(thread, "Report post", reply)
    assert "is reported" in text_of(await asker.submit_modal(shown, {"reason": "Advertising"}))
    queue = await world.admin.slash(world.general, "mod queue")
    assert "Report 1" in text_of(queue)

    await read_only(world)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        clicked = await world.admin.click(queue.response, custom_id="tk:mq:1:d")
    answer = text_of(clicked)
    assert clicked.ephemeral and STORAGE_UNAVAILABLE in answer, answer
    code = CODE.search(answer)
    assert code, answer
    record = logged(caplog, code.group(1))
    assert record.where == "queue button" and record.guild_id == world.guild.id  # type: ignore[attr-defined]
    assert alerts(world) == [STORAGE_ALERT.format(guild="Activity")]
    shown_health = await health(world)
    assert f"queue button: StorageUnavailable (read-only) (code `{code.group(1)}`)" in shown_health
    assert "Writable: **NO**" in shown_health

    await read_only(world, False)
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 1  # nothing was half-done
    again = await world.admin.click(queue.response, custom_id="tk:mq:1:d")
    assert "Report 1 dismissed" in text_of(again)


async def test_a_page_button_is_answered_while_read_only_and_when_discord_fails(world: World, caplog) -> None:
    asker = world.member("Asker")
    for i in range(17):  # two pages of the topic list (15 a page)
        await world.env.advance_time(60)
        made = await asker.slash(world.general, "topic new", forum=world.forum, title=f"Topic {i:02d}", body="words")
        assert "Started topic" in text_of(made)
    listed = await asker.slash(world.general, "topic list")
    assert "1/2" in text_of(listed) or "Page 1" in text_of(listed), text_of(listed)

    # Read-only storage: reading still works, so the page turns.
    await read_only(world)
    turned = await asker.click(listed.response, label="Next")
    assert turned.acknowledged and "Topic 01" in text_of(turned) and "Topic 16" not in text_of(turned)
    await read_only(world, False)

    # Discord refuses the page edit once: the member is told, with a code, instead of nothing.
    world.env.inject_error("POST", "/interactions/*/*/callback", status=500, times=1)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        failed = await asker.click(listed.response, label="Previous")
    answer = text_of(failed)
    assert failed.ephemeral and "Discord could not complete that (HTTP 500)" in answer, answer
    code = CODE.search(answer)
    assert code, answer
    assert logged(caplog, code.group(1)).where == "page button"  # type: ignore[attr-defined]
    assert f"page button: HTTPException (HTTP 500) (code `{code.group(1)}`)" in last_error(world)
    assert alerts(world) == []  # Discord's trouble, not the database's


async def test_the_report_form_submitted_while_read_only_is_answered(world: World, caplog) -> None:
    thread, reply, asker = await reported_post(world)
    shown = await asker.context_menu(thread, "Report post", reply)
    await read_only(world)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        submitted = await asker.submit_modal(shown, {"reason": "Advertising"})
    answer = text_of(submitted)
    assert submitted.ephemeral and STORAGE_UNAVAILABLE in answer, answer
    code = CODE.search(answer)
    assert code, answer
    record = logged(caplog, code.group(1))
    assert record.where == "Report post form"  # type: ignore[attr-defined]
    assert [type(e) for e in caught(world)] == [StorageUnavailable]
    assert alerts(world) == [STORAGE_ALERT.format(guild="Activity")]
    assert f"Report post form: StorageUnavailable (read-only) (code `{code.group(1)}`)" in await health(world)
    await read_only(world, False)
    assert await world.bot.db.run(reports.open_count, world.guild.id) == 0


async def test_the_report_form_refuses_a_blank_reason_without_an_error_code(world: World) -> None:
    thread, reply, asker = await reported_post(world)
    shown = await asker.context_menu(thread, "Report post", reply)
    submitted = await asker.submit_modal(shown, {"reason": "   "})
    assert text_of(submitted) == "Give a reason so the moderators know what to look at."
    assert submitted.ephemeral and world.bot.last_failure is None
    assert [type(e).__name__ for e in caught(world)] == ["UserFacingError"]  # refused, not failed


async def test_a_message_recorded_while_read_only_is_reported(world: World, caplog) -> None:
    ann = world.member("Ann")
    await ann.slash(world.general, "topic new", forum=world.forum, title="Before", body="first")
    thread = world.thread("Before")
    await read_only(world)
    await world.env.advance_time(60)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        typed = await ann.send(thread, "typed while read-only")
    [error] = caught(world)
    assert isinstance(error, StorageUnavailable) and error.reason == "read-only"
    [record] = [r for r in caplog.records if r.name == "bot.failures"]
    assert record.where == "on_message" and record.guild_id == world.guild.id  # type: ignore[attr-defined]
    assert record.exc_info is not None
    code = record.error_code  # type: ignore[attr-defined]
    assert f"on_message: StorageUnavailable (read-only) (code `{code}`)" in await health(world)
    assert alerts(world) == [STORAGE_ALERT.format(guild="Activity")]
    assert any(m.id == typed.id for m in thread.history())  # it stays in Discord ...

    await read_only(world, False)
    await world.env.advance_time(60)
    await ann.send(thread, "after")
    assert [p.content for p in await world.posts_of(thread)] == ["first", "typed while read-only", "after"]


async def test_an_unexpected_exception_in_a_listener_is_reported_with_a_code(world: World, caplog, monkeypatch) -> None:
    ann = world.member("Ann")
    await ann.slash(world.general, "topic new", forum=world.forum, title="Before", body="first")
    thread = world.thread("Before")
    await world.env.advance_time(60)
    reply = await ann.send(thread, "a reply")

    def broken(conn, message_id, content, edited_at, **_options):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the edit path")

    monkeypatch.setattr(posts, "record_edit", broken)
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        await ann.edit(reply, "a reply, edited")
    assert [str(e) for e in caught(world)] == ["a bug in the edit path"]
    [record] = [r for r in caplog.records if r.name == "bot.failures"]
    assert record.where == "on_raw_message_edit" and record.guild_id == world.guild.id  # type: ignore[attr-defined]
    assert record.exc_info is not None and "a bug in the edit path" in str(record.exc_info[1])
    code = record.error_code  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9a-f]{6}", code)
    assert f"on_raw_message_edit: RuntimeError (code `{code}`)" in await health(world)
    assert alerts(world) == []  # not the database's trouble: no alert


async def test_housekeeping_on_an_unwritable_database_is_reported_and_the_owner_told(world: World, caplog) -> None:
    bob = world.member("Bob")
    blocked = await world.admin.slash(world.general, "mod block", member=bob, duration="1m", reason="cool down")
    assert "blocked" in text_of(blocked).lower(), text_of(blocked)
    await read_only(world)  # the block falls due while nothing can be written
    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        await world.env.advance_time(150)  # the expiries job falls due, fails, and is tried again a minute later
    records = [r for r in caplog.records if r.name == "bot.failures"]
    assert len(records) >= 2 and all(r.where == "expiries job" for r in records)  # type: ignore[attr-defined]
    assert "StorageUnavailable (read-only)" in records[-1].getMessage()
    assert "expiries job: StorageUnavailable (read-only)" in last_error(world)
    assert alerts(world) == [STORAGE_ALERT.format(guild="Activity")]  # no guild of its own: every server's owner
    await read_only(world, False)
