"""Kept copies of attachments (bot/storage/attachments.py) on both backends: which posts
wait for the keeper, page by page; an edit's removal; the health tally."""

from __future__ import annotations

from dataclasses import replace

from bot.storage import attachments as copies_repo
from bot.storage import posts
from bot.storage.api import Database
from bot.storage.attachments import MAX_TRIES, Copy
from tests.storage.helpers import new_post, new_topic

AT = "2026-01-02T00:00:00+00:00"


def _files(*names: str) -> tuple[dict[str, str], ...]:
    return tuple(
        {"filename": n, "url": f"https://cdn.discordapp.com/attachments/1/{i}/{n}?ex=1"} for i, n in enumerate(names)
    )


async def test_waiting_posts_page_by_page_until_kept_skipped_or_given_up(db: Database, forum_id: int) -> None:
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000))).topic
    made = []
    for k in range(7):
        new = replace(new_post(2000 + k, at=k), attachments=_files("a.png", "b.txt"))
        made.append((await db.write(posts.record_reply, topic.id, new)).post)
    await db.write(posts.record_reply, topic.id, new_post(2100, at=20))  # no attachments: never waiting
    first = made[0]
    kept = Copy(guild_id=1, post_id=first.id, n=0, filename="a.png", state="kept", path="1/2000/0-a.png")
    await db.transaction(copies_repo.record, [kept, replace(kept, n=1, filename="b.txt", state="skipped")], AT)
    half = made[1]  # one done, one failed: only the failed one is still to do
    await db.transaction(
        copies_repo.record,
        [replace(kept, post_id=half.id), replace(kept, post_id=half.id, n=1, state="failed", path=None, tries=2)],
        AT,
    )
    given_up = made[2]
    await db.transaction(
        copies_repo.record, [replace(kept, post_id=given_up.id, state="failed", path=None, tries=MAX_TRIES)], AT
    )
    seen, after, pages = [], 0, 0
    while after is not None:
        page, after = await db.run(copies_repo.waiting_page, after=after, window=2)
        seen.extend(page)
        pages += 1
    assert [w.post_id for w in seen] == [p.id for p in made[1:2] + made[3:]]
    assert pages == 5  # 8 posts with attachments (the opening has none), 2 a window, then the end
    assert (seen[0].done, seen[0].tries) == (frozenset({0}), 2)
    assert [w.post_id for w in await db.run(copies_repo.waiting)] == [w.post_id for w in seen]
    assert (
        await db.run(copies_repo.waiting, guild_ids=[2]) == [] and await db.run(copies_repo.waiting, guild_ids=[]) == []
    )
    tally = await db.run(copies_repo.tally, 1)
    assert (tally.kept, tally.skipped, tally.failed) == (2, 1, 2)


async def test_an_edit_that_removes_a_file_trims_the_record_and_every_copy(db: Database, forum_id: int) -> None:
    topic = (await db.write(posts.record_topic, new_topic(forum_id, 1000))).topic
    new = replace(new_post(2000), attachments=_files("a.png", "b.png", "c.png"))
    post = (await db.write(posts.record_reply, topic.id, new)).post
    copies = [
        Copy(guild_id=1, post_id=post.id, n=n, filename=f"{x}.png", state="kept", path=f"1/2000/{n}-{x}.png")
        for n, x in enumerate("abc")
    ]
    await db.transaction(copies_repo.record, copies, AT)
    fresh = [
        "https://cdn.discordapp.com/attachments/1/0/a.png?ex=2",
        "https://cdn.discordapp.com/attachments/1/2/c.png?ex=2",
    ]
    assert (
        await db.transaction(copies_repo.trim, 2000, [*fresh, "https://cdn.discordapp.com/attachments/1/1/b.png"])
        is None
    )
    trimmed = await db.transaction(copies_repo.trim, 2000, fresh)
    assert trimmed is not None and sorted(trimmed.files) == ["1/2000/0-a.png", "1/2000/1-b.png", "1/2000/2-c.png"]
    after = await db.run(posts.by_id, post.id)
    assert [a["filename"] for a in after.attachments] == ["a.png", "c.png"]
    assert await db.run(copies_repo.of_posts, [post.id]) == {}
    assert await db.transaction(copies_repo.trim, 2999, []) is None  # no such post
