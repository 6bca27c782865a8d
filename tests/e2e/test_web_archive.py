"""The web archive reads what the real bot recorded through simcord."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage import create_database
from bot.web.app import create_app
from tests.backends import BACKENDS
from tests.e2e.test_example_thread import DRM, KUMAR, QUESTION, TITLE


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_archive_shows_the_recorded_example_thread(world):
    marzana = world.member("Marzana M")
    kumar = world.member("Dr. Kumar")
    drm = world.member("Dr. M")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    thread = world.thread(TITLE)
    answer = await kumar.send(thread, KUMAR)
    await drm.send(thread, DRM)
    await world.env.advance_time(30)
    await marzana.send(thread, "Thanks <b>Dr.</b> Kumar!", reply_to=answer)
    await world.bot.db.flush()

    db = create_database(world.bot.settings, readonly=True)
    await db.open(migrate_schema=False)
    try:
        async with TestClient(TestServer(create_app(db))) as client:
            index = await (await client.get("/")).text()
            assert "Activity" in index and "Discussion" in index
            response = await client.get(f"/topics/1?guild={world.guild.id}")
            assert response.status == 200
            html = await response.text()
    finally:
        await db.close()
    seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert f"Forums › Discussion › {TITLE}" in seen
    assert "Viewing 2 reply threads" in seen  # the thank-you answers Dr. Kumar's reply
    for number, name in ((1, "Marzana M"), (2, "Dr. Kumar"), (3, "Dr. M")):
        assert f'id="post-{number}"' in html and name in html
    assert seen.count("Participant") == 4
    assert 'class="post depth-1" id="post-4"' in html
    assert "&lt;b&gt;Dr.&lt;/b&gt;" in html
