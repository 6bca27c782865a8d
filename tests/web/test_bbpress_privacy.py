"""bbPress's private and hidden forums never reach the web archive, even imported with
--public: not on the index, not as forum or topic pages, not in search, feeds or sitemaps;
the index groups the public forums under their bbPress category."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main
from bot.config import Settings
from bot.storage import create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.web.seed import connect

FIXTURES = Path(__file__).parent.parent / "fixtures"
SPLIT = [FIXTURES / f"bbpress-2.6.9-{kind}.xml" for kind in ("forums", "topics", "replies")]
GUILD = 4242


@pytest.mark.parametrize("backend", BACKENDS)
async def test_private_and_hidden_bbpress_forums_stay_out_of_the_archive(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["import", *map(str, SPLIT), "--guild", str(GUILD), "--public"]) == 0
    conn = connect(database_url)
    try:
        ids = dict(conn.execute("SELECT name, id FROM forums").fetchall())
    finally:
        conn.close()
    db = create_database(Settings(database_url=database_url), readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db, base="https://forum.example.org"))) as client:

            async def page(path: str) -> tuple[int, str]:
                response = await client.get(path)
                return response.status, await response.text()

            status, index = await page("/")
            assert status == 200
            assert "Discussion" in index and "Research" in index and "Announcements" in index  # --public
            assert "Lounge" not in index and "Backstage" not in index
            # Categories group the index: Health holds Discussion and Research; Staff (all private) is not shown.
            listed = index[index.index("<main") :]
            assert listed.index("Health") < listed.index("Discussion") and listed.index("Health") < listed.index(
                "Research"
            )
            assert "Staff" not in index
            status, sitemap = await page("/sitemap.xml")  # one urlset for an archive this small
            assert status == 200 and "/topics/3146?" in sitemap and f"/forums/{ids['Discussion']}<" in sitemap
            for number in (3180, 3181, 3185):
                assert f"/topics/{number}?" not in sitemap
            for private in ("Moderators' Lounge", "Backstage"):
                assert f"/forums/{ids[private]}<" not in sitemap
            status, shown = await page("/topics/3146")
            assert status == 200 and "Viewing" in shown  # a public forum's topic is there
            for private in ("Moderators' Lounge", "Backstage"):
                assert (await page(f"/forums/{ids[private]}"))[0] == 404
                assert (await page(f"/forums/{ids[private]}/feed.xml"))[0] == 404
            for number in (3180, 3181, 3185):
                assert (await page(f"/topics/{number}"))[0] == 404
            for words in ("Secret staff plans", "first week", "launch plans"):
                status, found = await page(f"/search?q={words.replace(' ', '+')}")
                assert status == 200 and "Staff rota" not in found and "Launch checklist" not in found
            status, found = await page("/search?q=precision")
            assert "personalized medicine" in found  # the search itself works
    finally:
        await db.close()
