import sqlite3

import pytest

from bot.domain.reading import reading_order
from bot.storage import answers, forums, guilds, posts, restructuring, topics
from bot.storage.api import Database
from bot.storage.postgres import database as pg
from bot.storage.sqlite.database import latest_version, migrate
from tests.storage.helpers import new_post, new_topic


async def test_schema_is_migrated_and_migrating_again_changes_nothing(db: Database):
    if db.backend == "postgres":
        assert await db.run(pg.schema_version) == pg.latest_version()
        assert await db.run(pg.migrate) == []
        return
    assert await db.run(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) == latest_version()
    assert await db.run(migrate) == []
    assert await db.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert await db.run(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0]) == 1


async def test_topics_and_replies_share_one_sequence_and_recording_is_idempotent(db: Database, forum_id: int):
    first = await db.write(posts.record_topic, new_topic(forum_id, 1000))
    again = await db.write(posts.record_topic, new_topic(forum_id, 1000))
    reply = await db.write(posts.record_reply, first.topic.id, new_post(2001, author=8, channel=1000, at=5))
    reply_again = await db.write(posts.record_reply, first.topic.id, new_post(2001, author=8, channel=1000, at=5))
    second = await db.write(posts.record_topic, new_topic(forum_id, 3000))
    assert (first.post.number, first.topic.number, reply.post.number, second.topic.number) == (1, 1, 2, 3)
    assert first.created and not again.created and reply.created and not reply_again.created
    topic = await db.run(topics.by_id, first.topic.id)
    assert (topic.reply_count, topic.voice_count, topic.last_post_number) == (1, 2, 2)
    forum = await db.run(forums.get, forum_id)
    assert (forum.topic_count, forum.post_count) == (2, 3)


async def test_numbers_are_per_guild(db: Database, forum_id: int):
    other = await db.transaction(
        forums.register,
        guild_id=2,
        guild_name="H",
        channel_id=200,
        name="Other",
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-01-01T00:00:00.000000+00:00",
    )
    await db.write(posts.record_topic, new_topic(forum_id, 1000))
    recorded = await db.write(posts.record_topic, new_topic(other.id, 5000, guild=2))
    assert recorded.topic.number == 1
    assert await db.run(topics.containing_post_number, 1, 1) is not None
    assert (await db.run(topics.containing_post_number, 2, 1)).guild_id == 2


async def test_imported_numbers_are_kept_where_free_and_never_reused(db: Database, forum_id: int):
    await db.write(posts.record_topic, new_topic(forum_id, 1000))  # #1
    kept = await db.write(posts.record_reply, 1, new_post(2001, number=3146))
    taken = await db.write(posts.record_reply, 1, new_post(2002, number=1, at=3))
    assert kept.post.number == 3146 and taken.post.number == 3147
    assert await db.run(guilds.allocate_number, 1) == 3148


async def test_nested_replies_and_reply_threads(db: Database, forum_id: int):
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000))).topic
    await db.write(posts.record_reply, topic.id, new_post(2001, at=1))
    await db.write(posts.record_reply, topic.id, new_post(2002, at=2, reply_to=2001))  # answers a reply
    await db.write(posts.record_reply, topic.id, new_post(2003, at=3, reply_to=1001))  # answers the opening post
    page = await db.run(topics.show, topic.id)
    assert page.reply_threads == 2
    nested = await db.run(posts.by_message, 2002)
    assert nested.parent_id == (await db.run(posts.by_message, 2001)).id


async def test_edits_keep_revisions_and_deletes_keep_content(db: Database, forum_id: int):
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000))).topic
    await db.write(posts.record_reply, topic.id, new_post(2001, content="first"))
    assert await db.write(posts.record_edit, 2001, "second", "2026-01-02T00:00:00+00:00") is not None
    assert await db.write(posts.record_edit, 2001, "second", "2026-01-03T00:00:00+00:00") is None  # unchanged
    post = await db.run(posts.by_message, 2001)
    assert post.content == "second" and await db.run(posts.revisions, post.id) == [
        ("first", "2026-01-02T00:00:00+00:00")
    ]
    deleted = await db.write(posts.mark_deleted, [2001, 999])
    assert [p.message_id for p in deleted] == [2001]
    kept = await db.run(posts.by_message, 2001)
    assert kept.status == "deleted" and kept.content == "second"
    assert (await db.run(topics.by_id, topic.id)).reply_count == 0
    assert [p.message_id for p in await db.run(posts.of_topic, topic.id)] == [1001]


async def test_one_failing_write_in_a_group_fails_alone(db: Database, forum_id: int):
    def boom(conn):
        conn.execute("INSERT INTO kv(key, value) VALUES ('half', 'written')")
        raise RuntimeError("boom")

    ok = db.submit(posts.record_topic, new_topic(forum_id, 1000))
    bad = db.submit(boom)
    ok2 = db.submit(posts.record_topic, new_topic(forum_id, 3000))
    assert (await ok).created and (await ok2).created
    with pytest.raises(RuntimeError):
        await bad
    assert await db.run(lambda c: c.execute("SELECT COUNT(*) FROM kv WHERE key = 'half'").fetchone()[0]) == 0
    assert db.commits == 1  # all three went through one group commit


async def test_list_page_sorts_and_stickies(db: Database, forum_id: int):
    ids = []
    for i, thread in enumerate((1000, 2000, 3000, 4000)):
        t = new_topic(forum_id, thread, title=f"t{i}")
        ids.append((await db.write(posts.record_topic, t)).topic.id)
    await db.write(posts.record_reply, ids[0], new_post(9001, channel=1000, at=30))
    await db.run(lambda c: c.execute("UPDATE topics SET sticky = 'sticky' WHERE id = ?", (ids[2],)))
    page, total = await db.run(lambda c: topics.list_page(c, forum_ids=[forum_id], sort="active", limit=2))
    assert total == 4 and [t.title for t in page] == ["t2", "t0"]
    page, _ = await db.run(lambda c: topics.list_page(c, forum_ids=[forum_id], sort="active", offset=2, limit=2))
    assert [t.title for t in page] == ["t3", "t1"]
    page, total = await db.run(lambda c: topics.list_page(c, forum_ids=[forum_id], sort="unanswered"))
    assert total == 3 and "t0" not in [t.title for t in page]
    page, _ = await db.run(lambda c: topics.list_page(c, forum_ids=[forum_id], sort="popular"))
    assert page[1].title == "t0"


async def test_a_page_of_numbers_skips_what_an_import_took_as_one_by_one_does(db: Database, forum_id: int):
    await db.write(posts.record_topic, new_topic(forum_id, 1000))  # #1; the sequence is at 2
    for message, number in ((2001, 3), (2002, 5), (2003, 9)):  # an import took 3, 5 and 9
        await db.write(posts.record_reply, 1, new_post(message, number=number))
    await db.run(lambda conn: conn.execute("UPDATE guilds SET next_number = 2"))

    def both(conn: sqlite3.Connection) -> tuple[list[int], list[int]]:
        conn.execute("SAVEPOINT one_by_one")
        singly = [guilds.allocate_number(conn, 1) for _ in range(6)]
        conn.execute("ROLLBACK TO one_by_one")
        conn.execute("RELEASE one_by_one")
        return singly, guilds.allocate_numbers(conn, 1, 6)

    singly, paged = await db.transaction(both)
    assert paged == singly == [2, 4, 6, 7, 8, 10]
    assert await db.run(guilds.allocate_number, 1) == 11
    assert await db.run(guilds.allocate_numbers, 2, 2) == [1, 2]  # a guild with no row yet


async def test_posting_context_reads_topic_retirement_and_role_facts_at_once(db: Database, forum_id: int):
    recorded = await db.write(posts.record_topic, new_topic(forum_id, 1000, author=7))
    await db.transaction(restructuring.retire_thread, 3000, recorded.topic.id, "moved", "2026-01-01")
    known = await db.run(topics.posting_context, 1000, 1, 7, [])
    assert known.topic == recorded.topic and not known.retired
    assert known.inputs.last_post_at == recorded.post.created_at  # the author's throttle clock
    fresh = await db.run(topics.posting_context, 2000, 1, 8, [])
    assert fresh.topic is None and not fresh.retired and fresh.inputs.last_post_at is None
    retired = await db.run(topics.posting_context, 3000, 1, 8, [])
    assert retired.topic is None and retired.retired


async def test_a_page_of_a_topic_is_the_slice_of_its_whole_reading_order(db: Database, forum_id: int):
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000))).topic
    for i in range(23):  # replies, some answering earlier ones, one hidden, one accepted
        parent = 2000 + i // 3 if i % 3 and i > 2 else None
        await db.write(posts.record_reply, topic.id, new_post(2000 + i, at=i + 1, reply_to=parent))
    hidden = await db.run(posts.by_message, 2005)
    await db.transaction(posts.set_status, hidden.id, "trash")
    await db.transaction(answers.toggle, (await db.run(posts.by_message, 2010)).id)
    whole = await db.run(topics.show, topic.id)
    ordered = [(p.number, depth) for p, depth in reading_order(whole.posts)]
    for per_page in (1, 5, 7, 50):
        pages = -(-len(ordered) // per_page)
        for page in range(pages + 1):  # one past the end shows the last page
            view = await db.run(lambda c, p=page, n=per_page: topics.show_page(c, topic.id, page=p, per_page=n))
            shown = min(page, pages - 1)
            assert (view.page, view.pages, view.total_posts) == (shown, pages, len(ordered))
            assert view.reply_threads == whole.reply_threads
            assert [(p.number, d) for p, d in view.entries] == ordered[shown * per_page : (shown + 1) * per_page]
        number, _ = ordered[-1]
        assert await db.run(topics.page_of, topic.id, number, per_page) == (len(ordered) - 1) // per_page
    assert await db.run(topics.page_of, topic.id, hidden.number, 5) is None
