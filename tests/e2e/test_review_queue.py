"""/mod queue [kind], /mod approve and /mod spam-member (issue 14, parts 4 and 5), on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.roles import ForumRole
from bot.storage import audit, members, posts, topics
from tests.backends import BACKENDS
from tests.e2e.helpers import World, errors_text, moderator_discord_role, text_of

FIXTURE = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
QUESTION = "What is the difference between personalized medicine and precision medicine?"
PENDING_ITEMS = """
	<item>
		<title>Reply To: a held reply</title>
		<dc:creator><![CDATA[drm]]></dc:creator>
		<content:encoded><![CDATA[A reply that waited for approval in bbPress.]]></content:encoded>
		<wp:post_id>3163</wp:post_id>
		<wp:post_date_gmt>2021-03-02 12:00:00</wp:post_date_gmt>
		<wp:post_parent>3146</wp:post_parent>
		<wp:status>pending</wp:status>
		<wp:post_type>reply</wp:post_type>
	</item>
	<item>
		<title>Reply To: another held reply</title>
		<dc:creator><![CDATA[spammer]]></dc:creator>
		<content:encoded><![CDATA[Another one, not worth publishing.]]></content:encoded>
		<wp:post_id>3164</wp:post_id>
		<wp:post_date_gmt>2021-03-02 12:30:00</wp:post_date_gmt>
		<wp:post_parent>3146</wp:post_parent>
		<wp:status>pending</wp:status>
		<wp:post_type>reply</wp:post_type>
	</item>
	<item>
		<title>A topic held for approval</title>
		<dc:creator><![CDATA[drkumar]]></dc:creator>
		<content:encoded><![CDATA[May I start this topic?]]></content:encoded>
		<wp:post_id>3180</wp:post_id>
		<wp:post_date_gmt>2021-03-04 08:00:00</wp:post_date_gmt>
		<wp:post_parent>3100</wp:post_parent>
		<wp:status>pending</wp:status>
		<wp:post_type>topic</wp:post_type>
	</item>
	<item>
		<title>Reply To: A topic held for approval</title>
		<dc:creator><![CDATA[marzana]]></dc:creator>
		<content:encoded><![CDATA[Its reply comes along.]]></content:encoded>
		<wp:post_id>3181</wp:post_id>
		<wp:post_date_gmt>2021-03-04 09:00:00</wp:post_date_gmt>
		<wp:post_parent>3180</wp:post_parent>
		<wp:status>publish</wp:status>
		<wp:post_type>reply</wp:post_type>
	</item>
"""


def with_pending() -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    anchor = "\t<item>\n\t\t<title>logo.png</title>"
    assert anchor in text
    return text.replace(anchor, PENDING_ITEMS + anchor).encode()


def custom_ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    """The custom ids of the buttons on a command's answer, row by row."""
    rows = result.response.components
    return [c["custom_id"] for row in rows for c in row.get("components", [row]) if "custom_id" in c]


async def number_post(world: World, number: int):  # type: ignore[no-untyped-def]
    found = await world.bot.db.run(posts.by_number, world.guild.id, number)
    assert found is not None
    return found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_imported_pending_posts_are_approved_dismissed_and_restored(world: World) -> None:
    imported = await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", with_pending()))
    assert "Import finished: 3 topic(s)" in text_of(imported), text_of(imported)
    thread = world.thread(QUESTION)
    assert not any("waited for approval" in m.content for m in thread.history())
    held_topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 3180)
    assert held_topic is not None and held_topic.status == "pending"

    queue = await world.admin.slash(world.general, "mod queue", kind="pending")
    shown = text_of(queue)
    assert queue.ephemeral and "posts held for approval · 3" in shown
    assert "post **#3163**" in shown and "post **#3164**" in shown and "topic **#3180**" in shown
    reply, other, opening = [await number_post(world, n) for n in (3163, 3164, 3180)]
    assert custom_ids(queue) == [
        f"tk:mp:{reply.id}:a:pending:0",
        f"tk:mp:{reply.id}:d:pending:0",
        f"tk:mp:{other.id}:a:pending:0",
        f"tk:mp:{other.id}:d:pending:0",
        f"tk:mp:{opening.id}:a:pending:0",
        f"tk:mp:{opening.id}:d:pending:0",
    ]

    copy = await world.admin.slash(world.general, "mod queue", kind="pending")  # a second copy, left open
    # /mod approve posts the reply back at the end of its thread, attributed, with its number.
    approved = await world.admin.slash(world.general, "mod approve", post="#3163")
    assert "Approved post **#3163** by Dr. M" in text_of(approved), text_of(approved)
    last = thread.history()[-1]
    assert "`#3163`" in last.content and "Dr. M" in last.content and "waited for approval" in last.content
    reply = await number_post(world, 3163)
    assert reply.status == "publish" and reply.message_id == last.id
    again = await world.admin.slash(world.general, "mod approve", post="#3163")
    assert "Post #3163 is published, not held for approval" in text_of(again) and again.ephemeral
    assert "not held for approval" in errors_text(world)

    # The queue's buttons work after a restart: Dismiss a reply, Approve a held topic.
    await world.restart()
    dismissed = await world.admin.click(queue.response, custom_id=f"tk:mp:{other.id}:d:pending:0")
    assert "Dismissed post **#3164**" in text_of(dismissed), text_of(dismissed)
    assert (await number_post(world, 3164)).status == "trash"
    assert "topic **#3180**" in text_of(dismissed) and "#3164" not in text_of(dismissed).split("Dismissed")[0]
    clicked = await world.admin.click(queue.response, custom_id=f"tk:mp:{opening.id}:a:pending:0")
    assert "Approved topic **#3180**" in text_of(clicked), text_of(clicked)
    assert "Nothing waiting: no posts held for approval." in text_of(clicked)
    rebuilt = world.thread("A topic held for approval")
    contents = [m.content for m in sorted(rebuilt.history(), key=lambda m: m.id)]
    assert len(contents) == 2 and "`#3180`" in contents[0] and "May I start" in contents[0]
    assert "`#3181`" in contents[1] and "Its reply comes along." in contents[1]
    topic = await world.topic(rebuilt)
    assert topic is not None and topic.status == "open" and topic.number == 3180 and topic.reply_count == 1
    stale = await world.admin.click(copy.response, custom_id=f"tk:mp:{reply.id}:a:pending:0")  # an older copy
    assert "Post #3163 is published now; nothing to do." in text_of(stale)

    # The trash holds the imported trash and the dismissed reply; Restore publishes one.
    trash = await world.admin.slash(world.general, "mod queue", kind="trash")
    assert "post **#3162**" in text_of(trash) and "post **#3164**" in text_of(trash)
    restored = await world.admin.click(trash.response, custom_id=f"tk:mp:{other.id}:r:trash:0")
    assert "Restored post **#3164**" in text_of(restored), text_of(restored)
    assert (await number_post(world, 3164)).status == "publish"
    assert "`#3164`" in thread.history()[-1].content

    actions = [e.action for e in await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))]
    assert actions[:4] == ["post.restore", "topic.approve", "post.dismiss", "post.approve"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_spam_member_marks_recent_posts_spam_and_blocks(world: World) -> None:
    asker, spammer = world.member("Asker"), world.member("Spammer")
    await asker.slash(world.general, "topic new", forum=world.forum, title="A question", body="What is it?")
    question = world.thread("A question")
    await world.env.advance_time(20)
    kept = await asker.send(question, "Still wondering")
    await world.env.advance_time(20)
    bad = await spammer.send(question, "Buy cheap watches")
    await world.env.advance_time(20)
    await spammer.slash(world.general, "topic new", forum=world.forum, title="Watches", body="Cheap watches!")
    watches = world.thread("Watches")
    await asker.send(watches, "Is this spam?")

    # A moderator may not mark a keymaster (nor anyone above them) as a spammer.
    mod = world.member("Mo", roles=(moderator_discord_role(world),))
    await world.admin.slash(world.general, "mod role", member=mod, role="moderator")
    refused = await mod.slash(world.general, "mod spam-member", member=world.admin)
    assert "Nobody changes a keymaster's role" in text_of(refused) and refused.ephemeral
    assert "Nobody changes a keymaster's role" in errors_text(world)
    assert await world.bot.db.run(members.assignment, world.guild.id, world.admin.id) is None

    done = await mod.slash(world.general, "mod spam-member", member=spammer)
    said = text_of(done)
    assert "marked as a spammer" in said and "2 posts of the last 7 day(s) are spam (#4, #3)" in said, said
    assert all(m.id != bad.id for m in question.history()) and any(m.id == kept.id for m in question.history())
    assert all(t.name != "Watches" for t in world.forum.threads)
    assert (await number_post(world, 3)).status == "spam" and (await number_post(world, 2)).status == "publish"
    spam_topic = await world.bot.db.run(topics.containing_post_number, world.guild.id, 4)
    assert spam_topic is not None and spam_topic.status == "spam"
    blocked = await world.bot.db.run(members.assignment, world.guild.id, spammer.id)
    assert blocked is not None and blocked.role is ForumRole.BLOCKED and blocked.expires_at is None
    entries = await world.bot.db.run(lambda c: audit.entries(c, world.guild.id))
    entry = entries[0]
    assert entry.action == "member.spam" and entry.target_user == spammer.id and entry.actor_id == mod.id
    assert entry.details["posts"] == [4, 3] and entry.details["days"] == 7
    assert [e.action for e in entries].count("member.spam") == 1

    queue = await mod.slash(world.general, "mod queue", kind="spam")
    assert "topic **#4**" in text_of(queue) and "post **#3**" in text_of(queue)
    await world.env.advance_time(20)
    await world.unchecked_message(question, spammer, "Let me back in")  # Discord's overwrites stop it too
    assert all(m.content != "Let me back in" for m in question.history())  # blocked

    restored = await mod.slash(world.general, "mod restore", post="#3")
    assert "Restored post **#3**" in text_of(restored)
    unblocked = await mod.slash(world.general, "mod unblock", member=spammer)
    assert "is unblocked" in text_of(unblocked)
    assert await world.bot.db.run(members.assignment, world.guild.id, spammer.id) is None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_queue_kinds_page_and_restore_deleted_posts(world: World) -> None:
    asker, helper = world.member("Asker"), world.member("Helper")
    await asker.slash(world.general, "topic new", forum=world.forum, title="A question", body="What is it?")
    thread = world.thread("A question")
    for index in range(5):
        await helper.send(thread, f"Aside number {index}")
        await world.env.advance_time(20)
    for number in range(2, 7):
        await world.admin.slash(world.general, "mod trash", post=f"#{number}")
    mine = await asker.send(thread, "I take this back")
    await asker.delete(mine)
    await world.bot.db.flush()

    first = await world.admin.slash(world.general, "mod queue", kind="trash")
    assert "trash · 5" in text_of(first) and "Page 1 of 2" in text_of(first)
    assert "post **#5**" in text_of(first) and "post **#6**" not in text_of(first)
    assert "tk:mqp:trash:1:n" in custom_ids(first)
    await world.restart()
    second = await world.admin.click(first.response, custom_id="tk:mqp:trash:1:n")
    assert "Page 2 of 2" in text_of(second) and "post **#6**" in text_of(second)

    deleted = await world.admin.slash(world.general, "mod queue", kind="deleted")
    assert "post **#7**" in text_of(deleted) and "I take this back" in text_of(deleted)
    post = await number_post(world, 7)
    clicked = await world.admin.click(deleted.response, custom_id=f"tk:mp:{post.id}:r:deleted:0")
    assert "Restored post **#7**" in text_of(clicked) and "Nothing waiting: no deleted posts." in text_of(clicked)
    assert "I take this back" in thread.history()[-1].content
    assert (await number_post(world, 7)).status == "publish"

    empty = await world.admin.slash(world.general, "mod queue")
    assert "Nothing waiting: no open reports or flagged posts." in text_of(empty)
