"""/forumadmin import answers a file with an item out of bounds clearly, and posts and records nothing."""

from __future__ import annotations

import json

from tests.e2e.helpers import text_of
from tests.porting.test_hostile_fields import REPLY, TOPIC, U64_MAX, changed, wxr


async def nothing_recorded(world) -> bool:  # type: ignore[no-untyped-def]
    count = await world.bot.db.run(lambda conn: conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    return count == 0 and not world.forum.threads


async def test_forumadmin_import_names_the_item_and_writes_nothing(world) -> None:
    def as_json(path: str, value: object) -> bytes:
        return json.dumps(changed(path, value)).encode()

    cases = [
        ("title.json", as_json(f"{TOPIC}.title", "T" * 140), "title is 140 characters; at most 100"),
        ("id.json", as_json(f"{REPLY}.message_id", U64_MAX), f"'{U64_MAX}' is out of range"),
        ("guild.json", as_json("guild.id", "²"), "the server (`guild`): `id` '²' is not an id"),
        ("id.xml", wxr("<wp:post_id>3153</wp:post_id>", "<wp:post_id>٣</wp:post_id>"), "wp:post_id '٣' is not a"),
    ]
    for name, data, says in cases:
        result = await world.admin.slash(world.general, "forumadmin import", file=(name, data), forum=world.forum)
        seen = text_of(result)
        assert says in seen and "Nothing was imported" in seen, (name, seen)
        assert result.ephemeral
    assert len(world.env.errors) == len(cases)  # each one a refusal the member was told about
    world.env.errors.clear()
    assert await nothing_recorded(world)
