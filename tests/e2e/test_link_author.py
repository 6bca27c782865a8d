"""/forumadmin link-author: an imported bbPress author becomes a member, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import audit, authors, forums, posts, profiles, subscriptions
from tests.backends import BACKENDS
from tests.e2e.helpers import World, text_of

FIXTURE = Path(__file__).parent.parent / "fixtures" / "bbpress-example.xml"
TITLE = "What is the difference between personalized medicine and precision medicine?"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_an_imported_author_is_linked_and_marks_the_answer_on_their_topic(world: World) -> None:
    said = text_of(
        await world.admin.slash(world.general, "forumadmin import", file=("bbpress.xml", FIXTURE.read_bytes()))
    )
    assert "Import finished" in said, said
    marzana = world.member("Marzana")
    thread = world.thread(TITLE)
    answer = next(m for m in thread.history() if "`#3147`" in m.content)

    # Before the link the imported topic is nobody's: she may not mark its answer.
    refused = await marzana.context_menu(thread, "Mark as answer", answer)
    assert "Only the topic's author (Marzana M)" in text_of(refused)

    offered = await world.admin.autocomplete(world.general, "forumadmin link-author", "author", "marz")
    assert [c["value"] for c in offered] == ["Marzana M"]
    stats = await world.admin.slash(world.general, "forumadmin stats")
    fields = [f.value for m in [stats.response, *stats.followups] if m for e in m.embeds for f in e.fields]
    assert any("Marzana M" in v and "Dr. Kumar" in v for v in fields), fields

    done = await world.admin.slash(world.general, "forumadmin link-author", author="Marzana M", member=marzana)
    told = text_of(done)
    assert "**Marzana M** is now" in told and "3 posts and 1 topic" in told, told
    assert all(p.author_id == marzana.id for p in await world.posts_of(thread) if p.author_name == "Marzana M")
    forum_ids = [f.id for f in await world.bot.db.run(forums.registered_in, world.guild.id)]
    profile = await world.bot.db.run(
        lambda c: profiles.profile(c, guild_id=world.guild.id, user_id=marzana.id, forum_ids=forum_ids)
    )
    assert profile.topics_started == 1 and profile.replies_created == 2
    topic = await world.topic(thread)
    assert topic is not None and topic.author_id == marzana.id
    followed = await world.bot.db.run(subscriptions.of_member, world.guild.id, marzana.id)
    assert [s.topic_id for s in followed] == [topic.id]

    marked = await marzana.context_menu(thread, "Mark as answer", answer)
    assert "Marked [#3147]" in text_of(marked)
    assert (await world.bot.db.run(posts.by_number, world.guild.id, 3147)).accepted

    # She may edit her imported post (the bot's copy) too.
    opening = next(m for m in thread.history() if "`#3146`" in m.content)
    shown = await marzana.context_menu(thread, "Edit post", opening)
    assert shown.modal is not None

    # A second link of the same author is refused, naming who holds it; unknown names too.
    other = world.member("Other")
    again = await world.admin.slash(world.general, "forumadmin link-author", author="Marzana M", member=other)
    assert "is linked already, to <@" in text_of(again) and "Marzana" in text_of(again)
    unknown = await world.admin.slash(world.general, "forumadmin link-author", author="Nobody", member=other)
    assert "No imported author is called `Nobody`" in text_of(unknown)
    assert [e for e in world.env.errors if "Only the topic's author" not in str(e)]
    offered = await world.admin.autocomplete(world.general, "forumadmin link-author", "author", "")
    assert "Marzana M" not in [c["value"] for c in offered] and "Dr. Kumar" in [c["value"] for c in offered]
    entries = await world.bot.db.run(audit.entries, world.guild.id)
    linked = next(e for e in entries if e.action == "author.link")
    assert linked.target_user == marzana.id and linked.details["author"] == "Marzana M"
    assert await world.bot.db.run(authors.holder, world.guild.id, "Marzana M") == (marzana.id, "Marzana")
