"""The archive in a real browser (Debian's chromium through Playwright), desktop and phone width.

Screenshots go to test-artifacts/ (ignored by git). `UPDATE_DOCS_SCREENSHOT=1` also
rewrites docs/archive.png, the picture the README shows.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.config import Settings
from bot.demo import FIRST_NUMBER, TITLE, play, prepare_database
from bot.storage import archive as archive_repo
from bot.storage import posts
from bot.storage.models import Mentioned, NewPost
from bot.storage.sqlite.database import Database
from bot.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (`make test` installs it)")


SPOILER = "the dosage depends on the genome"


def add_a_spoiler(conn: Any, guild_id: int) -> None:
    """A later reply with Discord markup (a mention, a timestamp, a spoiler), recorded as the
    bot records a member's message, Discord's resolved mention names included."""
    topic = archive_repo.topics_numbered(conn, FIRST_NUMBER, guild_id)[0]
    asker = archive_repo.opening_post(conn, topic.id)
    assert asker is not None
    later = datetime.fromisoformat(topic.last_post_at) + timedelta(hours=1)
    body = f"Thanks <@{asker.author_id}>, see <t:{int(later.timestamp())}:D>. ||{SPOILER}||"
    posts.record_reply(
        conn,
        topic.id,
        NewPost(
            guild_id=guild_id,
            message_id=topic.thread_id + 999,
            channel_id=topic.thread_id,
            author_id=4242,
            author_name="Lee",
            author_role="participant",
            content=body,
            created_at=later.isoformat(),
            mentioned=(Mentioned("user", asker.author_id, asker.author_name),),
        ),
    )


@pytest_asyncio.fixture
async def archive(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    path = tmp_path / "demo.db"
    prepare_database(path)
    report = await play(Settings(database_path=path), say=lambda _line: None)
    writer = Database(path)
    await writer.open(migrate_schema=False)
    try:
        await writer.transaction(add_a_spoiler, report.guild_id)
    finally:
        await writer.close()
    db = Database(path, readonly=True)
    await db.open(migrate_schema=False)
    server = TestServer(create_app(db))
    await server.start_server()
    try:
        yield str(server.make_url("/")).rstrip("/"), report.guild_id
    finally:
        await server.close()
        await db.close()


async def test_the_topic_page_in_chromium_on_desktop_and_phone(archive: tuple[str, int]) -> None:
    from playwright.async_api import async_playwright

    base, guild_id = archive
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            desktop = await browser.new_page(viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            desktop.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            await desktop.goto(f"{base}/")
            await desktop.click("text=Discussion")
            await desktop.click(f"text={TITLE}")
            assert f"guild={guild_id}" in desktop.url
            crumbs = await desktop.inner_text("nav.crumbs")
            assert crumbs == f"Forums › Discussion › {TITLE}"
            assert await desktop.inner_text("p.viewing") == "Viewing 3 reply threads"
            names = await desktop.locator(".post .author .name").all_inner_texts()
            roles = await desktop.locator(".post .author .role").all_inner_texts()
            assert names == ["Marzana M", "Dr. M", "Dr. Kumar", "Lee"]  # accepted answer right after the question
            assert roles == ["Participant"] * 4
            # Discord markup: the mention by name, the timestamp as a date, the spoiler hidden until clicked.
            lee = desktop.locator(".post").last
            assert "Thanks @Marzana M, see " in await lee.inner_text()
            assert await lee.locator(".content time").count() == 1
            spoiler = lee.locator("label.spoiler")
            hidden = spoiler.locator(".spoiler-text")
            assert await hidden.text_content() == SPOILER and not await hidden.is_visible()
            assert SPOILER not in await lee.inner_text()  # what the reader sees: a dark bar
            accepted = desktop.locator(".post.accepted")
            assert await accepted.count() == 1 and "Accepted answer" in await accepted.inner_text()
            # The author column sits beside the post on a wide screen.
            author = await desktop.locator(".post .author").first.bounding_box()
            body = await desktop.locator(".post .body").first.bounding_box()
            assert author and body and author["x"] + author["width"] <= body["x"] + 1
            # The answer up front: a box under the question, its jump link landing on the answer.
            box = desktop.locator("aside.answer-box")
            assert await box.count() == 1 and "Dr. M" in await box.inner_text()
            discord = desktop.locator("a.discord")
            assert await discord.inner_text() == "Reply in Discord"
            assert (await discord.get_attribute("href") or "").startswith(f"https://discord.com/channels/{guild_id}/")
            await desktop.screenshot(path=str(ARTIFACTS / "archive-topic-desktop.png"), full_page=True)
            if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
                await desktop.screenshot(path=str(ROOT / "docs" / "archive.png"), full_page=True)
            await spoiler.click()  # revealed by a click, no script
            assert await hidden.is_visible()
            assert SPOILER in await lee.inner_text()
            await desktop.set_viewport_size({"width": 1100, "height": 500})
            await box.locator("a.jump").click()
            answer = desktop.locator(".post.accepted")
            target = await answer.get_attribute("id")
            assert target and desktop.url.endswith("#" + target)
            assert await answer.evaluate(
                "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight; }"
            )
            assert await desktop.evaluate("window.scrollY") > 0  # the jump scrolled down to the answer
            await desktop.set_viewport_size({"width": 1100, "height": 900})
            assert not errors, errors  # the strict CSP blocks nothing the page needs

            phone = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
            await phone.goto(desktop.url)
            overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
            author = await phone.locator(".post .author").first.bounding_box()
            body = await phone.locator(".post .body").first.bounding_box()
            assert author and body and author["y"] + author["height"] <= body["y"] + 1  # stacked
            await phone.screenshot(path=str(ARTIFACTS / "archive-topic-phone.png"), full_page=True)

            await phone.fill("input[name=q]", "precision")
            await phone.click("button[type=submit]")
            assert await phone.locator("mark").count() >= 1
            await phone.screenshot(path=str(ARTIFACTS / "archive-search-phone.png"), full_page=True)
        finally:
            await browser.close()
    assert (ARTIFACTS / "archive-topic-phone.png").stat().st_size > 1000
