"""Members own their posts: Edit post (authors, moderators with a reason, the edit window,
long posts, Discord refusing) and Delete post, on both storage backends."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import audit, create_database, posts
from tests.backends import BACKENDS
from tests.e2e.helpers import World, moderator_discord_role, text_of, thread_state

TITLE = "Precision medicine?"


def fields_of(result: Any) -> dict[str, str]:
    """The form's text inputs (custom id → prefilled value) the bot showed."""
    modal = result.modal
    assert modal is not None, text_of(result)
    found: dict[str, str] = {}
    for row in modal["components"]:
        for item in row.get("components", [row.get("component")] if row.get("component") else []):
            found[item["custom_id"]] = item.get("value") or ""
    return found


async def _topic_with_reply(world: World, body: str = "Helo, it depends on the genes.") -> tuple[Any, ...]:
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body="Are they the same?")
    thread = world.thread(TITLE)
    await world.env.advance_time(30)
    replied = await kumar.slash(world.general, "reply", topic="#1", body=body)
    assert "Replied as **#2**" in text_of(replied), text_of(replied)
    return thread, marzana, kumar, thread.history()[1]


def denied(world: World, *phrases: str) -> None:
    """Every error that reached the bot's handlers was one of these expected refusals."""
    told = [str(e) for e in world.env.errors]
    assert all(any(p in t for p in phrases) for t in told), told
    assert all(any(p in t for t in told) for p in phrases), told


async def _post(world: World, number: int) -> Any:
    return await world.bot.db.run(posts.by_number, world.guild.id, number)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_member_edits_their_reply_and_nobody_else_can(world: World) -> None:
    thread, marzana, kumar, message = await _topic_with_reply(world)

    shown = await kumar.context_menu(thread, "Edit post", message)
    assert fields_of(shown) == {"text": "Helo, it depends on the genes."}  # no reason: it is their own
    done = await kumar.submit_modal(shown, {"text": "Hello, it depends on the genes."})
    assert done.ephemeral and "Post #2 edited." in text_of(done)

    edited = thread.history()[-1]
    assert edited.id == message.id
    assert edited.content == "**Dr. Kumar** · *Participant*\nHello, it depends on the genes."
    post = await _post(world, 2)
    assert post.content == "Hello, it depends on the genes." and post.edited_at is not None
    assert post.edit_note is None  # an author's own edit carries no note
    history = await world.bot.db.run(posts.revision_notes, post.id)
    assert [(r.content, r.editor_id, r.editor_name, r.reason) for r in history] == [
        ("Helo, it depends on the genes.", kumar.id, "Dr. Kumar", None)
    ]
    found = text_of(await kumar.slash(world.general, "search", query="Hello"))
    assert "#2" in found
    entries = await world.bot.db.run(audit.entries, world.guild.id)
    assert entries[0].action == "post.edit" and entries[0].actor_id == kumar.id

    # Another member: refused, nothing changes.
    refused = await marzana.context_menu(thread, "Edit post", edited)
    assert refused.ephemeral and refused.modal is None
    assert "Only its author or a moderator can edit post #2." in text_of(refused)
    assert any("Only its author" in str(e) for e in world.env.errors)

    # A message the member typed: Discord's own Edit is the way, and that edit is recorded.
    await world.env.advance_time(30)
    typed = await kumar.send(thread, "A typed note")
    told = await kumar.context_menu(thread, "Edit post", typed)
    assert "use Discord's own **Edit**" in text_of(told) and told.modal is None
    await kumar.edit(typed, "A typed note, edited")
    assert (await _post(world, 3)).content == "A typed note, edited"

    # Not a post at all.
    notice = await kumar.context_menu(world.general, "Edit post", (await kumar.send(world.general, "hi")))
    assert "not a post of this server's forums" in text_of(notice)
    assert (await _post(world, 2)).content == "Hello, it depends on the genes."
    denied(world, "Only its author", "Discord's own **Edit**", "not a post of this server's forums")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_moderator_edits_with_a_reason_readers_see(world: World) -> None:
    thread, marzana, kumar, message = await _topic_with_reply(world)
    mods = moderator_discord_role(world)
    mia = world.member("Mod Mia", roles=(mods,))
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="moderator", discord_role=mods)

    shown = await mia.context_menu(thread, "Edit post", message)
    assert set(fields_of(shown)) == {"text", "reason"}
    done = await mia.submit_modal(shown, {"text": "Hello, it depends on the genes.", "reason": "Fixed a typo"})
    assert "Post #2 edited." in text_of(done)

    post = await _post(world, 2)
    assert post.author_id == kumar.id and post.edit_note == "Edited by Mod Mia: Fixed a typo"
    shown_topic = text_of(await marzana.slash(world.general, "topic show", topic="#1"))
    assert "Edited by Mod Mia: Fixed a typo" in shown_topic
    history = text_of(await mia.slash(world.general, "mod history", post="#2"))
    assert "Edited by Mod Mia: Fixed a typo" in history and "Helo" in history
    entries = await world.bot.db.run(audit.entries, world.guild.id)
    assert (entries[0].action, entries[0].actor_id, entries[0].reason) == ("post.edit", mia.id, "Fixed a typo")

    await world.bot.db.flush()
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app_for(db))) as client:
            html = await (await client.get(f"/topics/1?guild={world.guild.id}")).text()
    finally:
        await db.close()
    seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Edited by Mod Mia: Fixed a typo" in seen and "Hello, it depends" in seen

    # The author edits again: the moderator's note gives way (it described the older edit).
    again = await kumar.context_menu(thread, "Edit post", thread.history()[-1])
    await kumar.submit_modal(again, {"text": "Hello! It depends on the genes."})
    assert (await _post(world, 2)).edit_note is None


def create_app_for(db: Any) -> Any:
    from bot.web.app import create_app

    return create_app(db)


async def test_the_opening_post_edits_its_title_too(world: World) -> None:
    thread, marzana, _kumar, _message = await _topic_with_reply(world)
    shown = await marzana.context_menu(thread, "Edit post", thread.history()[0])
    assert fields_of(shown) == {"title": TITLE, "text": "Are they the same?"}
    await marzana.submit_modal(shown, {"title": "Precision or personalized medicine?", "text": "Are they the same?"})
    topic = await world.topic(thread)
    assert topic is not None and topic.title == "Precision or personalized medicine?"
    assert world.bot.get_channel(thread.id).name == "Precision or personalized medicine?"  # type: ignore[union-attr]


async def test_the_edit_window_closed_topics_and_bad_text(world: World) -> None:
    thread, _marzana, kumar, message = await _topic_with_reply(world)
    await world.admin.slash(world.general, "forumadmin settings", edit_window_minutes=5)
    assert "edit_window_minutes: `5`" in text_of(await world.admin.slash(world.general, "forumadmin settings"))

    # Empty text: refused with the limits, the text handed back, nothing changed.
    shown = await kumar.context_menu(thread, "Edit post", message)
    empty = await kumar.submit_modal(shown, {"text": "   "})
    assert "1 to 4000 characters" in text_of(empty)
    assert (await _post(world, 2)).content == "Helo, it depends on the genes."

    await world.env.advance_time(6 * 60)
    late = await kumar.context_menu(thread, "Edit post", message)
    assert "within 5 minutes of posting; post #2 is older" in text_of(late) and late.modal is None

    # Moderators always may; and a closed topic stops its participants.
    await world.admin.slash(world.general, "forumadmin settings", edit_window_minutes=0)
    await world.admin.slash(world.general, "mod close", topic="#1", reason="solved")
    closed = await kumar.context_menu(thread, "Edit post", message)
    assert "This topic is closed: only moderators can edit its posts." in text_of(closed)
    admin = await world.admin.context_menu(thread, "Edit post", message)
    assert set(fields_of(admin)) == {"text", "reason"}
    edited = await world.admin.submit_modal(admin, {"text": "Hello, it depends.", "reason": "Typo"})
    assert "Post #2 edited." in text_of(edited)
    assert thread_state(thread) == (True, True)  # the closed topic's thread stays archived and locked
    assert (await _post(world, 2)).content == "Hello, it depends."
    denied(world, "Nothing was changed.", "within 5 minutes", "This topic is closed")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_long_post_is_split_again_and_discord_refusing_changes_nothing(world: World) -> None:
    long_text = ("word " * 780).strip()  # 3,899 characters: two messages
    thread, _marzana, kumar, message = await _topic_with_reply(world, long_text)
    post = await _post(world, 2)
    assert len(post.continuations) == 1 and len(thread.history()) == 3

    shown = await kumar.context_menu(thread, "Edit post", message)
    await kumar.submit_modal(shown, {"text": "Short now."})
    post = await _post(world, 2)
    assert post.content == "Short now." and post.continuations == ()
    assert [m.content.split("\n")[-1] for m in thread.history()] == ["Are they the same?", "Short now."]

    shown = await kumar.context_menu(thread, "Edit post", thread.history()[-1])
    await kumar.submit_modal(shown, {"text": long_text})
    post = await _post(world, 2)
    assert len(post.continuations) == 1 and post.content == long_text
    # The menu on the long post's second message edits the same post, from its first message.
    shown = await kumar.context_menu(thread, "Edit post", thread.history()[-1])
    assert fields_of(shown) == {"text": long_text}
    await kumar.submit_modal(shown, {"text": long_text + " more"})
    post = await _post(world, 2)
    assert post.content == long_text + " more" and len(post.continuations) == 1
    assert [m.id for m in thread.history()[1:]] == [post.message_id, *post.continuations]
    assert "".join(m.content for m in thread.history()[1:]).endswith(long_text[-100:] + " more")

    world.env.inject_error("PATCH", f"/channels/{thread.id}/messages/*", status=403, code=50013, times=None)
    shown = await kumar.context_menu(thread, "Edit post", thread.history()[1])
    refused = await kumar.submit_modal(shown, {"text": "Never recorded."})
    told = text_of(refused)
    assert "Post #2 is unchanged." in told and "Never recorded." in told and refused.ephemeral
    denied(world, "Post #2 is unchanged.")
    assert "missing a permission" in told
    assert (await _post(world, 2)).content == long_text + " more"
    assert len(await world.bot.db.run(posts.revision_notes, post.id)) == 3


async def test_a_moved_post_is_edited_in_the_bots_copy(world: World) -> None:
    _thread, _marzana, kumar, _message = await _topic_with_reply(world)
    elsewhere = world.guild.create_forum_channel("Elsewhere")
    await world.admin.slash(world.general, "forumadmin add", channel=elsewhere)
    await world.admin.slash(world.general, "mod move", topic="#1", forum=elsewhere)
    moved = next(t for t in elsewhere.threads if t.name == TITLE)
    copy = moved.history()[1]
    shown = await kumar.context_menu(moved, "Edit post", copy)
    await kumar.submit_modal(shown, {"text": "Hello after the move."})
    assert moved.history()[1].content == "`#2` **Dr. Kumar** · *Participant*\nHello after the move."
    assert (await _post(world, 2)).content == "Hello after the move."


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_author_deletes_their_post_with_a_confirmation(world: World) -> None:
    thread, marzana, kumar, message = await _topic_with_reply(world)
    refused = await marzana.context_menu(thread, "Delete post", message)
    assert "Only its author can delete post #2" in text_of(refused)
    opening = await marzana.context_menu(thread, "Delete post", thread.history()[0])
    assert "opens its topic" in text_of(opening)
    denied(world, "Only its author can delete", "opens its topic")

    asked = await kumar.context_menu(thread, "Delete post", message)
    assert "Delete post #2?" in text_of(asked) and asked.ephemeral
    assert len(thread.history()) == 2  # nothing happens before the confirmation
    done = await kumar.click(asked.response, label="Delete my post")
    assert "Post #2 deleted." in text_of(done)
    assert [m.id for m in thread.history()] == [thread.history()[0].id]
    post = await _post(world, 2)
    assert post.status == "deleted" and post.content == "Helo, it depends on the genes."
    topic = await world.topic(thread)
    assert topic is not None and topic.reply_count == 0
    entries = await world.bot.db.run(audit.entries, world.guild.id)
    assert (entries[0].action, entries[0].actor_id) == ("post.delete", kumar.id)
