"""Attachments that stay readable (issue 15): the bot keeps copies off the recording path,
the archive shows pictures inline from its copy and serves them only for public posts."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.porting import export_html
from bot.storage import attachments as copies_repo
from bot.storage import create_database, posts
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.helpers import attachment_cdn, offline_attachment, remove_attachments, text_of


def png(width: int, height: int, padding: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    extra = chunk(b"tEXt", b"c\x00" + b"x" * padding) if padding else b""
    return b"\x89PNG\r\n\x1a\n" + body + extra + chunk(b"IEND", b"")


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    """As the e2e default, with a 1 MB limit (and on PostgreSQL a directory of the test's own)."""
    if backend == "postgres":
        return Settings(
            database_path=tmp_path / "forum.db",
            database_url=request.getfixturevalue("database_url"),
            attachments_dir=tmp_path / "kept",
            archive_attachments_max_mb=1,
        )
    return Settings(database_path=tmp_path / "forum.db", archive_attachments_max_mb=1)


async def _started(world, title: str = "Screenshots"):  # type: ignore[no-untyped-def]
    member = world.member("Pia")
    await member.slash(world.general, "topic new", forum=world.forum, title=title, body="My setup, see below.")
    await world.env.advance_time(30)  # past the forum's throttle
    return member, world.thread(title)


async def _archive(world, paths: list[str]) -> dict[str, tuple[int, dict[str, str], bytes]]:  # type: ignore[no-untyped-def]
    await world.bot.db.flush()
    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    found = {}
    try:
        app = create_app(db, attachments_root=world.bot.settings.attachments_root)
        async with TestClient(TestServer(app)) as client:
            for path in paths:
                response = await client.get(path, allow_redirects=False)
                found[path] = (response.status, dict(response.headers), await response.read())
    finally:
        await db.close()
    return found


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_picture_is_kept_shown_inline_and_served_and_other_files_are_linked(world, tmp_path):
    picture, big = png(3, 2), png(4, 4, padding=1_200_000)
    async with attachment_cdn(world.env) as cdn:
        member, thread = await _started(world)
        await member.send(
            thread, "Here:", attachments=[("my shot.png", picture), ("notes.txt", b"plain words"), ("big.png", big)]
        )
        await world.env.settle()
        await world.bot.attachments.wait_idle()
    recorded = [p for p in await world.posts_of(thread) if p.attachments]
    assert len(recorded) == 1
    post = recorded[0]
    assert [a["filename"] for a in post.attachments] == ["my shot.png", "notes.txt", "big.png"]
    copies = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id]
    assert copies[0].state == "kept" and copies[0].content_type == "image/png"
    assert (copies[0].width, copies[0].height, copies[0].size) == (3, 2, len(picture))
    assert (copies[1].state, copies[1].reason) == ("skipped", "not-image")
    assert (copies[2].state, copies[2].reason) == ("skipped", "too-big")
    root = world.bot.settings.attachments_root
    assert copies[0].path == f"{world.guild.id}/{post.message_id}/0-my_shot.png"
    assert (root / copies[0].path).read_bytes() == picture
    assert not any(name.endswith("notes.txt") or name.endswith("big.png") for name in cdn.requests)

    src = f"/attachments/{world.guild.id}/{post.number}/0/my_shot.png"
    topic = f"/topics/1?guild={world.guild.id}"
    pages = await _archive(
        world,
        [
            topic,
            src,
            f"/attachments/{world.guild.id}/{post.number}/0/other.png",  # not the kept file's name
            f"/attachments/{world.guild.id}/{post.number}/1/notes.txt",  # not kept
            f"/attachments/{world.guild.id}/{post.number}/9/x.png",
            f"/attachments/{world.guild.id}/{post.number}/10/x.png",
            f"/attachments/{world.guild.id}/{post.number}/0/..%2F..%2F..%2Fforum.db",
            f"/attachments/{world.guild.id}/1/0/my_shot.png",  # the opening post has none
            f"/attachments/1/{post.number}/0/my_shot.png",  # another guild
            f"/attachments/{world.guild.id}/٣/0/my_shot.png",
        ],
    )
    status, _headers, body = pages[topic]
    html = body.decode()
    assert status == 200
    assert f'<img src="{src}" loading="lazy" alt="my shot.png" width="3" height="2">' in html
    assert 'rel="nofollow ugc noopener noreferrer">notes.txt</a>' in html and "its links expire" in html
    status, headers, body = pages[src]
    assert status == 200 and body == picture
    assert headers["Content-Type"] == "image/png" and headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in headers["Cache-Control"] and "Content-Disposition" not in headers
    for path, (status, _headers, _body) in pages.items():
        if path not in (topic, src):
            assert status == 404, path

    # The HTML export links the kept copy where it lies in the attachments directory; the rest to Discord.
    html = await world.bot.db.run(lambda conn: export_html.build(conn, world.guild.id, now="2026-01-02T00:00:00+00:00"))
    kept = f"attachments/{copies[0].path}"
    assert f'<img src="{kept}" loading="lazy" alt="my shot.png" width="3" height="2">' in html
    assert f'href="{post.attachments[1]["url"]}" rel="nofollow ugc noopener noreferrer">notes.txt</a>' in html

    health = text_of(await world.admin.slash(world.general, "forumadmin health"))
    assert "Attachments: pictures up to 1 MB kept in" in health, health
    assert f"1 kept ({len(picture)} B), 2 linked to Discord, 0 failed" in health, health

    # Hidden from the archive: its files are not served either.
    await world.bot.db.transaction(posts.set_status, post.id, "spam")
    pages = await _archive(world, [src])
    assert pages[src][0] == 404


@pytest.mark.parametrize("backend", BACKENDS)
async def test_all_keeps_other_files_as_downloads(world, tmp_path):
    world.bot.attachments.mode = "all"
    async with attachment_cdn(world.env):
        member, thread = await _started(world)
        await member.send(thread, "The log:", attachments=[("run.log", b"<script>alert(1)</script>")])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
    post = next(p for p in await world.posts_of(thread) if p.attachments)
    copy = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id][0]
    assert (copy.state, copy.content_type) == ("kept", "application/octet-stream")
    src = f"/attachments/{world.guild.id}/{post.number}/0/run.log"
    pages = await _archive(world, [src, f"/topics/1?guild={world.guild.id}"])
    status, headers, body = pages[src]
    assert status == 200 and body == b"<script>alert(1)</script>"
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    html = pages[f"/topics/1?guild={world.guild.id}"][2].decode()
    assert f'<a href="{src}" download>run.log</a>' in html and "<img" not in html


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_failed_download_is_recorded_and_kept_at_the_next_catch_up(world, tmp_path):
    world.bot.attachments.retry_pauses = (0.0, 0.0)
    picture = png(5, 7)
    async with attachment_cdn(world.env) as cdn:
        member, thread = await _started(world)
        cdn.failing["flaky.png"] = 3  # every try of this round
        await member.send(thread, "", attachments=[("flaky.png", picture)])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
        post = next(p for p in await world.posts_of(thread) if p.attachments)
        copy = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id][0]
        assert (copy.state, copy.tries) == ("failed", 1) and "500" in (copy.reason or "")
        assert post.content == "" and post.status == "publish"  # the record itself is whole
        assert not list(world.bot.settings.attachments_root.glob("**/*.png"))

        # The bot was away meanwhile: one more picture, and the catch-up tries the failed one again.
        offline_attachment(world, thread, member, [("later.png", png(2, 2))])
        bot = await world.restart()
        bot.attachments.retry_pauses = (0.0, 0.0)
        await world.env.settle()
        await bot.attachments.wait_idle()
    kept = {p.attachments[0]["filename"]: p for p in await world.posts_of(thread) if p.attachments}
    assert set(kept) == {"flaky.png", "later.png"}
    found = await bot.db.run(copies_repo.of_posts, [p.id for p in kept.values()])
    assert found[kept["flaky.png"].id][0].state == "kept" and found[kept["flaky.png"].id][0].width == 5
    assert found[kept["later.png"].id][0].state == "kept"
    assert await bot.db.run(copies_repo.waiting) == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_purge_removes_the_kept_copies(world, tmp_path):
    async with attachment_cdn(world.env):
        member, thread = await _started(world)
        await member.send(thread, "oops, my address is on it", attachments=[("letter.png", png(8, 8))])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
    post = next(p for p in await world.posts_of(thread) if p.attachments)
    kept = world.bot.settings.attachments_root / f"{world.guild.id}/{post.message_id}/0-letter.png"
    assert kept.is_file()
    asked = await world.admin.slash(world.general, "forumadmin purge", post=f"#{post.number}")
    await world.admin.click(asked.response, label="Purge permanently")
    assert not kept.exists() and not kept.parent.exists()
    assert await world.bot.db.run(copies_repo.of_posts, [post.id]) == {}
    assert await world.bot.db.run(copies_repo.waiting) == []
    pages = await _archive(world, [f"/attachments/{world.guild.id}/{post.number}/0/letter.png"])
    assert next(iter(pages.values()))[0] == 404


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_expired_link_is_refreshed_from_discord_and_a_gone_message_is_given_up(world, tmp_path):
    world.bot.attachments.retry_pauses = (0.0, 0.0)
    async with attachment_cdn(world.env) as cdn:
        member, thread = await _started(world)
        cdn.failing["old.png"] = 3
        cdn.failing["deleted.png"] = 3
        await member.send(thread, "", attachments=[("old.png", png(6, 6))])
        await world.env.advance_time(30)
        gone = await member.send(thread, "", attachments=[("deleted.png", png(6, 6))])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
        recorded = {p.attachments[0]["filename"]: p for p in await world.posts_of(thread) if p.attachments}
        assert set(recorded) == {"old.png", "deleted.png"}

        def expire(conn):  # type: ignore[no-untyped-def]
            for post in recorded.values():
                url = post.attachments[0]["url"] + "?ex=expired"
                conn.execute(
                    "UPDATE posts SET attachments = ? WHERE id = ?",
                    (json.dumps([{"filename": post.attachments[0]["filename"], "url": url}]), post.id),
                )

        await world.bot.db.transaction(expire)
        world.env.backend.delete_message(thread.id, gone.id)  # gone from Discord, the bot not told
        before = len(cdn.requests)
        world.bot.attachments.sweep()  # as after a catch-up
        await world.bot.attachments.wait_idle()
    found = await world.bot.db.run(copies_repo.of_posts, [p.id for p in recorded.values()])
    old = found[recorded["old.png"].id][0]
    assert (old.state, old.width) == ("kept", 6)  # fetched again from the message's fresh link
    dead = found[recorded["deleted.png"].id][0]
    assert dead.state == "failed" and "no fresh link" in (dead.reason or "")
    assert dead.tries == copies_repo.MAX_TRIES  # not tried at every catch-up from now on
    # A recorded link off Discord's CDN is never fetched as it is: the message's fresh link is.
    assert len(cdn.requests) - before == 1 and "ex=expired" not in str(cdn.requests)
    assert await world.bot.db.run(copies_repo.waiting) == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_off_keeps_nothing_and_turning_it_on_looks_at_those_posts(world, tmp_path):
    world.bot.attachments.mode = "off"
    async with attachment_cdn(world.env) as cdn:
        member, thread = await _started(world)
        await member.send(thread, "", attachments=[("before.png", png(2, 3))])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
        post = next(p for p in await world.posts_of(thread) if p.attachments)
        assert cdn.requests == [] and await world.bot.db.run(copies_repo.of_posts, [post.id]) == {}
        world.bot.attachments.sweep()
        await world.bot.attachments.wait_idle()
        assert cdn.requests == []
        world.bot.attachments.mode = "images"  # ARCHIVE_ATTACHMENTS=images from the next start on
        world.bot.attachments.sweep()
        await world.bot.attachments.wait_idle()
    copy = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id][0]
    assert (copy.state, copy.width, copy.height) == ("kept", 2, 3)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_file_removed_in_discord_leaves_the_record_and_the_disk(world, tmp_path):
    async with attachment_cdn(world.env):
        member, thread = await _started(world)
        sent = await member.send(thread, "two", attachments=[("face.png", png(4, 4)), ("view.png", png(9, 3))])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
        post = next(p for p in await world.posts_of(thread) if p.attachments)
        root = world.bot.settings.attachments_root / f"{world.guild.id}/{post.message_id}"
        assert sorted(f.name for f in root.iterdir()) == ["0-face.png", "1-view.png"]
        await remove_attachments(world, thread, sent.id, {"face.png"})
        await world.bot.attachments.wait_idle()
    post = next(p for p in await world.posts_of(thread) if p.number == post.number)
    assert [a["filename"] for a in post.attachments] == ["view.png"]
    assert sorted(f.name for f in root.iterdir()) == ["0-view.png"]
    copies = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id]
    assert list(copies) == [0] and (copies[0].filename, copies[0].width) == ("view.png", 9)
    assert post.content == "two"
    pages = await _archive(
        world,
        [
            f"/attachments/{world.guild.id}/{post.number}/0/face.png",
            f"/attachments/{world.guild.id}/{post.number}/1/view.png",
            f"/attachments/{world.guild.id}/{post.number}/0/view.png",
        ],
    )
    assert [status for status, _h, _b in pages.values()] == [404, 404, 200]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_disk_that_refuses_the_file_leaves_a_failed_record(world, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the directory should be")
    world.bot.attachments.root = blocked
    async with attachment_cdn(world.env):
        member, thread = await _started(world)
        await member.send(thread, "pic", attachments=[("a.png", png(1, 1))])
        await world.env.settle()
        await world.bot.attachments.wait_idle()
    post = next(p for p in await world.posts_of(thread) if p.attachments)
    copy = (await world.bot.db.run(copies_repo.of_posts, [post.id]))[post.id][0]
    assert copy.state == "failed" and (copy.reason or "").startswith("disk:") and copy.tries == 1
    assert post.content == "pic" and post.status == "publish"
    assert blocked.read_text() == "a file where the directory should be"
    assert [w.post_id for w in await world.bot.db.run(copies_repo.waiting)] == [post.id]  # tried again later
