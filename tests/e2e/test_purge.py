"""/forumadmin purge and purge-member: tombstones on both backends."""

from __future__ import annotations

import json

import pytest

from bot.porting import export_json
from bot.storage import audit, posts
from tests.backends import BACKENDS
from tests.e2e.helpers import World, text_of

TITLE = "Precision medicine?"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_purge_leaves_a_tombstone(world: World) -> None:
    marzana, kumar, drm = world.member("Marzana M"), world.member("Dr. Kumar"), world.member("Dr. M")
    await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body="Are they the same?")
    thread = world.thread(TITLE)
    await kumar.slash(world.general, "reply", topic="#1", body="Call me on 555-0199 about it.")
    await world.env.advance_time(30)
    answer = await drm.send(thread, "Please do not post numbers.", reply_to=thread.history()[1])
    await world.env.advance_time(30)
    await kumar.send(thread, "Typed by Kumar: zebrafish")

    asked = await world.admin.slash(world.general, "forumadmin purge", post="#2")
    assert "Purge post **#2**" in text_of(asked) and asked.ephemeral
    assert (await world.bot.db.run(posts.by_number, world.guild.id, 2)).content  # nothing before the button
    done = await world.admin.click(asked.response, label="Purge permanently")
    assert "Purged 1 post (#2)" in text_of(done), text_of(done)

    tomb = await world.bot.db.run(posts.by_number, world.guild.id, 2)
    assert (tomb.status, tomb.content, tomb.author_name) == ("purged", "", "(purged)")
    assert all("555" not in m.content for m in thread.history())
    reply = await world.bot.db.run(posts.by_message, answer.id)
    assert reply.parent_id == tomb.id  # the reference holds
    shown = text_of(await marzana.slash(world.general, "topic show", topic="#1"))
    assert "555" not in shown and "#3" in shown
    found = text_of(await marzana.slash(world.general, "search", query="555"))
    assert "Nothing found" in found and "0 posts" in found
    doc = await world.bot.db.run(lambda c: export_json.build(c, world.guild.id, include_deleted=True, now="X"))
    assert "555" not in json.dumps(doc)
    entries = await world.bot.db.run(audit.entries, world.guild.id)
    purged = next(e for e in entries if e.action == "post.purge")
    assert purged.details["numbers"] == [2] and "555" not in json.dumps(purged.details) and not purged.reason

    asked = await world.admin.slash(world.general, "forumadmin purge-member", member=kumar)
    assert "Purge all 1 post of" in text_of(asked)
    done = await world.admin.click(asked.response, label="Purge permanently")
    assert "Purged 1 post (#4)" in text_of(done), text_of(done)
    assert all("zebrafish" not in m.content for m in thread.history())
    again = await world.admin.slash(world.general, "forumadmin purge-member", member=kumar)
    assert "has no posts to purge" in text_of(again)
    assert "is purged already" in text_of(await world.admin.slash(world.general, "forumadmin purge", post="#2"))
    numbers = [p.number for p in await world.posts_of(thread, include_hidden=True)]
    assert numbers == [1, 2, 3, 4]
    told = sorted(str(e).split(": ")[-1] for e in world.env.errors)
    assert told == [f"<@{kumar.id}> has no posts to purge.", "Post #2 is purged already."]
