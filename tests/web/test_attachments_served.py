"""Kept attachments in the archive (bot/web/files.py): pictures inline, files as downloads,
the rest linked; served only for posts the topic page shows; anything odd is a 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import attachments as copies_repo
from bot.storage import create_database, posts
from bot.storage.attachments import Copy
from bot.storage.models import NewPost
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import GUILD, connect, seed

PICTURE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
NUMBER = 3170
FILES = (
    {"filename": "diagram <1>.png", "url": "https://cdn.discordapp.com/attachments/1/2/diagram.png?ex=1"},
    {"filename": "paper.pdf", "url": "https://cdn.discordapp.com/attachments/1/3/paper.pdf?ex=1"},
    {"filename": "huge.mov", "url": "https://cdn.discordapp.com/attachments/1/4/huge.mov?ex=1"},
    {"filename": "evil.html", "url": "javascript:alert(1)"},
)


@dataclass
class Kept:
    client: TestClient
    conn: object
    root: Path
    forum_id: int


@pytest_asyncio.fixture
async def kept(database_url: str, tmp_path: Path) -> AsyncIterator[Kept]:
    seeded = seed(database_url)
    conn = connect(seeded.path)
    post = posts.record_reply(
        conn,
        seeded.topic_id,
        NewPost(
            guild_id=GUILD, message_id=990100, channel_id=700000, author_id=9, author_name="Pia",
            author_role="participant", content="See the diagram.", created_at="2026-11-28T10:20:00.000000+00:00",
            number=NUMBER, attachments=FILES,
        ),
    ).post  # fmt: skip
    root = tmp_path / "kept"
    (root / f"{GUILD}/990100").mkdir(parents=True)
    (root / f"{GUILD}/990100/0-diagram_1_.png").write_bytes(PICTURE)
    (root / f"{GUILD}/990100/1-paper.pdf").write_bytes(b"%PDF-1.4 <html><script>x</script>")
    (root.parent / "secret.txt").write_text("outside")
    copy = Copy(guild_id=GUILD, post_id=post.id, n=0, filename="diagram <1>.png", state="kept")
    copies_repo.record(
        conn,
        [
            Copy(**{**copy.__dict__, "path": f"{GUILD}/990100/0-diagram_1_.png", "content_type": "image/png",
                    "size": len(PICTURE), "width": 640, "height": 480}),
            Copy(**{**copy.__dict__, "n": 1, "filename": "paper.pdf", "path": f"{GUILD}/990100/1-paper.pdf",
                    "content_type": "application/octet-stream", "size": 2_500_000}),
            Copy(**{**copy.__dict__, "n": 2, "filename": "huge.mov", "state": "skipped", "reason": "too-big"}),
        ],
        "2026-11-28T10:21:00+00:00",
    )  # fmt: skip
    if hasattr(conn, "commit"):
        conn.commit()
    db = create_database(seeded.settings, readonly=True)
    await db.open(migrate_schema=False)
    async with TestClient(TestServer(create_app(db, attachments_root=root))) as client:
        yield Kept(client, conn, root, seeded.forum_id)
    await db.close()
    conn.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_topic_page_shows_pictures_and_links_files(kept: Kept) -> None:
    response = await kept.client.get(f"/topics/{NUMBER}?guild={GUILD}", allow_redirects=True)
    html = await response.text()
    assert response.status == 200
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    src = f"/attachments/{GUILD}/{NUMBER}/0/diagram_1_.png"
    assert f'<img src="{src}" loading="lazy" alt="diagram &lt;1&gt;.png" width="640" height="480">' in html
    assert f'<a href="/attachments/{GUILD}/{NUMBER}/1/paper.pdf" download>paper.pdf</a>' in html
    assert "(2.4 MB)" in html
    assert (
        'href="https://cdn.discordapp.com/attachments/1/4/huge.mov?ex=1" rel="nofollow ugc noopener noreferrer"' in html
    )
    assert 'javascript:alert(1)"' not in html and "<li>📎 evil.html</li>" in html  # named, never linked


@pytest.mark.parametrize("backend", BACKENDS)
async def test_kept_files_are_served_with_safe_headers(kept: Kept) -> None:
    picture = await kept.client.get(f"/attachments/{GUILD}/{NUMBER}/0/diagram_1_.png")
    assert picture.status == 200 and await picture.read() == PICTURE
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert picture.headers["Cache-Control"] == "public, max-age=3600"
    assert "sandbox" in picture.headers["Content-Security-Policy"]
    assert "Content-Disposition" not in picture.headers and "ETag" in picture.headers
    paper = await kept.client.get(f"/attachments/{GUILD}/{NUMBER}/1/paper.pdf")
    assert paper.status == 200 and paper.headers["Content-Type"] == "application/octet-stream"
    assert paper.headers["Content-Disposition"] == "attachment; filename*=UTF-8''paper.pdf"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_odd_or_hidden_attachments_are_404(kept: Kept) -> None:
    odd = [
        f"/attachments/{GUILD}/{NUMBER}/0/diagram.png",  # not the kept file's name
        f"/attachments/{GUILD}/{NUMBER}/2/huge.mov",  # skipped
        f"/attachments/{GUILD}/{NUMBER}/3/evil.html",  # never fetched
        f"/attachments/{GUILD}/{NUMBER}/00/diagram_1_.png",
        f"/attachments/{GUILD}/{NUMBER}/99999999999999999999/x",
        f"/attachments/{GUILD}/3156/0/x.png",  # a spam post
        f"/attachments/{GUILD}/3160/0/x.png",  # the hidden staff forum
        f"/attachments/{GUILD}/{NUMBER}/0/..%2F..%2Fsecret.txt",
        f"/attachments/{GUILD}/{NUMBER}/0/../../../secret.txt",
        f"/attachments/{GUILD}/{NUMBER}/0/diagram_1_.png/x",
        f"/attachments/{GUILD}/{NUMBER}/-1/x",
        f"/attachments/{GUILD + 1}/{NUMBER}/0/diagram_1_.png",
        "/attachments/0/0/0/x",
        f"/attachments/{GUILD}/{NUMBER}/٠/diagram_1_.png",
    ]
    for path in odd:
        response = await kept.client.get(path, allow_redirects=False)
        assert response.status == 404, (path, response.status)
    # A record pointing outside the directory (a damaged row) or at a file gone from the disk.
    conn = kept.conn
    conn.execute("UPDATE attachment_copies SET path = ? WHERE n = 1", ("../secret.txt",))  # type: ignore[attr-defined]
    conn.execute("UPDATE attachment_copies SET path = ? WHERE n = 0", (f"{GUILD}/990100/missing.png",))  # type: ignore[attr-defined]
    if hasattr(conn, "commit"):
        conn.commit()
    for path in (f"/attachments/{GUILD}/{NUMBER}/1/paper.pdf", f"/attachments/{GUILD}/{NUMBER}/0/diagram_1_.png"):
        assert (await kept.client.get(path)).status == 404, path


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_hidden_forum_or_post_serves_no_files(kept: Kept) -> None:
    path = f"/attachments/{GUILD}/{NUMBER}/0/diagram_1_.png"
    assert (await kept.client.get(path)).status == 200
    conn = kept.conn
    conn.execute("UPDATE forums SET archive = 'hidden' WHERE id = ?", (kept.forum_id,))  # type: ignore[attr-defined]
    if hasattr(conn, "commit"):
        conn.commit()
    assert (await kept.client.get(path)).status == 404
    conn.execute("UPDATE forums SET archive = 'public' WHERE id = ?", (kept.forum_id,))  # type: ignore[attr-defined]
    conn.execute("UPDATE posts SET status = 'trash' WHERE number = ?", (NUMBER,))  # type: ignore[attr-defined]
    if hasattr(conn, "commit"):
        conn.commit()
    assert (await kept.client.get(path)).status == 404
