"""/profile: what a member sees about themselves and about others."""

from __future__ import annotations

from tests.e2e.helpers import text_of


async def test_profile_counts_topics_replies_answers_and_lists_latest_topics(world) -> None:  # type: ignore[no-untyped-def]
    marzana, kumar = world.member("Marzana M"), world.member("Dr. Kumar")
    await marzana.slash(world.general, "topic new", forum=world.forum, title="First question", body="one?")
    await world.env.advance_time(15)
    await marzana.slash(world.general, "topic new", forum=world.forum, title="Second question", body="two?")
    first = world.thread("First question")
    answer = await kumar.send(first, "the answer")
    await world.env.advance_time(15)
    deleted = await kumar.send(first, "a reply that goes away")
    await kumar.delete(deleted)
    await marzana.context_menu(first, "Mark as answer", answer)

    mine = text_of(await marzana.slash(world.general, "profile"))
    assert "Marzana M" in mine
    assert "Forum role: **Participant**" in mine
    assert "Topics started: **2**" in mine and "Replies created: **0**" in mine
    assert "Accepted answers: **0**" in mine
    assert "First post: [#1]" in mine and "Last post: [#2]" in mine
    latest = mine.split("Latest topics")[1]
    assert latest.index("Second question") < latest.index("First question")
    assert "✅" in mine  # the first question is solved

    theirs = text_of(await marzana.slash(world.general, "profile", member=kumar))
    assert "Dr. Kumar" in theirs
    assert "Topics started: **0**" in theirs
    assert "Replies created: **1**" in theirs  # the deleted reply does not count
    assert "Accepted answers: **1**" in theirs
    assert "First post: [#3]" in theirs and "Last post: [#3]" in theirs

    admin = text_of(await marzana.slash(world.general, "profile", member=world.admin))
    assert "Forum role: **Keymaster**" in admin and "First post: none yet" in admin
