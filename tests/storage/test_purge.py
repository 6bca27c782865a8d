"""Purge: a tombstone keeps the number; content, revisions, attachments, search entries and
names are gone (both backends)."""

from bot.porting import export_json
from bot.storage import authors, posts, purge, reports, search, topics
from bot.storage.api import Database
from tests.storage.helpers import new_post, new_topic

AT = "2026-01-02T00:00:00+00:00"


async def test_purge_leaves_a_tombstone_and_keeps_numbers(db: Database, forum_id: int):
    recorded = await db.write(posts.record_topic, new_topic(forum_id, 1000))
    topic = recorded.topic
    reply = (await db.write(posts.record_reply, topic.id, new_post(2001, author=8, content="my secret zebrafish"))).post
    other = (await db.write(posts.record_reply, topic.id, new_post(2002, author=9, reply_to=2001, at=5))).post
    await db.transaction(posts.edit_post, reply.id, "my secret zebrafish, again", AT, editor=(5, "Mod"), reason="x")
    await db.transaction(
        reports.report, guild_id=1, post_id=reply.id, reporter_id=9, reason="it names me", now=AT
    )  # fmt: skip

    gone = await db.transaction(purge.purge_post, reply.id)
    assert gone is not None and gone.post.content == "my secret zebrafish, again"
    assert await db.transaction(purge.purge_post, reply.id) is None  # once
    tomb = await db.run(posts.by_id, reply.id)
    assert (tomb.number, tomb.status, tomb.content, tomb.author_name, tomb.attachments) == (
        reply.number, "purged", "", "(purged)", ()
    )  # fmt: skip
    assert tomb.edit_note is None and await db.run(posts.revision_notes, reply.id) == []
    found = await db.run(lambda c: search.search(c, guild_id=1, query="zebrafish"))
    assert found.hits == []
    assert (await db.run(posts.by_id, other.id)).parent_id == reply.id  # references hold
    assert (await db.run(topics.by_id, topic.id)).reply_count == 1
    reasons = await db.run(lambda c: [r[0] for r in c.execute("SELECT reason FROM reports").fetchall()])
    assert reasons == [""]
    doc = await db.run(lambda c: export_json.build(c, 1, include_deleted=True, now="X"))
    exported = [p for f in doc["forums"] for t in f["topics"] for p in t["posts"] if p["number"] == reply.number]
    assert exported[0]["status"] == "purged" and exported[0]["content"] == "" and exported[0]["revisions"] == []
    next_post = (await db.write(posts.record_reply, topic.id, new_post(2003, at=9))).post
    assert next_post.number == other.number + 1  # numbering holds


async def test_purge_member_purges_every_post_and_an_opening_posts_title(db: Database, forum_id: int):
    first = await db.write(posts.record_topic, new_topic(forum_id, 1000))  # author 7
    await db.write(posts.record_reply, first.topic.id, new_post(2001, author=7, content="mine"))
    await db.write(posts.record_reply, first.topic.id, new_post(2002, author=9, content="theirs", at=3))
    assert await db.run(purge.member_post_count, 1, 7) == 2
    done = await db.transaction(purge.purge_member, 1, 7)
    assert [p.post.message_id for p in done] == [first.post.message_id, 2001]
    assert await db.run(purge.member_post_count, 1, 7) == 0
    topic = await db.run(topics.by_id, first.topic.id)
    assert topic.title == f"Topic #{topic.number} (purged)" and topic.author_name == "(purged)"
    assert (await db.run(posts.by_message, 2002)).content == "theirs"
    assert [a.name for a in await db.run(authors.unlinked, 1)] == ["user9"]  # purged: no author to link
