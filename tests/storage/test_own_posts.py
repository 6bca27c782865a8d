"""Edits made through Edit post: revisions name the editor and the reason; the post carries
the latest edit's note; the title and the search index follow (both backends)."""

from bot.storage import posts, search, topics
from bot.storage.api import Database
from tests.storage.helpers import new_post, new_topic

AT = "2026-01-02T00:00:00+00:00"


async def test_an_edit_records_editor_reason_title_and_continuations(db: Database, forum_id: int):
    recorded = await db.write(posts.record_topic, new_topic(forum_id, 1000))
    topic = recorded.topic
    reply = (await db.write(posts.record_reply, topic.id, new_post(2001, content="helo wrold"))).post
    edited = await db.transaction(
        posts.edit_post, reply.id, "hello zebrafish", AT, editor=(77, "Mod\x01 Mia"), reason="Fixed a typo",
        continuations=[5, 6],
    )  # fmt: skip
    assert edited.content == "hello zebrafish" and edited.edited_at == AT and edited.continuations == (5, 6)
    assert edited.edit_note == "Edited by Mod Mia: Fixed a typo"
    assert await db.run(posts.revision_notes, reply.id) == [
        posts.Revision("helo wrold", AT, 77, "Mod Mia", "Fixed a typo")
    ]
    found = await db.run(lambda c: search.search(c, guild_id=topic.guild_id, query="zebrafish"))
    assert [hit.number for hit in found.hits] == [reply.number]

    # The author edits again: the note gives way; an edit typed in Discord names nobody.
    again = await db.transaction(posts.edit_post, reply.id, "hello, zebrafish", AT, editor=(8, "Kumar"))
    assert again.edit_note is None and again.continuations == (5, 6)
    await db.write(posts.record_edit, reply.message_id, "typed", AT)
    notes = await db.run(posts.revision_notes, reply.id)
    assert [(r.editor_name, r.reason) for r in notes] == [("Mod Mia", "Fixed a typo"), ("Kumar", None), (None, None)]

    opening = await db.transaction(
        posts.edit_post, recorded.post.id, recorded.post.content, AT, editor=(1, "Asker"), title="A new\ttitle"
    )
    assert opening.content == recorded.post.content
    assert (await db.run(topics.by_id, topic.id)).title == "A new title"
