"""SPEC.md's example thread, played as members would play it."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS
from tests.e2e.helpers import text_of

QUESTION = "Is there a difference between personalized medicine and precision medicine, or they are the same?"
TITLE = "What is the difference between personalized medicine and precision medicine?"
KUMAR = "Precision medicine and personalized medicine are often used interchangeably ..."
DRM = 'The terms "precision medicine" and "personalized medicine" overlap ...'


@pytest.mark.parametrize("backend", BACKENDS)
async def test_marzana_asks_two_doctors_answer_a_spectator_is_refused(world):
    readers = world.guild.create_role("Readers")
    await world.admin.slash(world.general, "forumadmin rolemap", forum_role="spectator", discord_role=readers)

    marzana = world.member("Marzana M")
    kumar = world.member("Dr. Kumar")
    drm = world.member("Dr. M")
    reader = world.member("Reader", roles=(readers,))

    asked = await marzana.slash(world.general, "topic new", forum=world.forum, title=TITLE, body=QUESTION)
    assert asked.ephemeral
    assert "#1" in text_of(asked)
    thread = world.thread(TITLE)
    opening = thread.history()[0]
    assert "Marzana M" in opening.content and "Participant" in opening.content and QUESTION in opening.content

    await kumar.send(thread, KUMAR)
    await drm.send(thread, DRM)

    # Discord itself stops the spectator (the overwrites deny replying to the mapped role) ...
    try:
        await reader.send(thread, "me too")
    except Exception as error:  # simcord raises Discord's 50013 for the member's client
        assert "50013" in str(error) or "Missing Permissions" in str(error)
    else:
        raise AssertionError("Discord let a spectator reply")
    # ... and the bot's own check catches what the overwrites miss.
    await world.unchecked_message(thread, reader, "I can reply anyway?")
    assert all(m.content != "I can reply anyway?" for m in thread.history())
    dms = "\n".join(world.dm_texts(reader))
    assert "You must be a participant to reply to this topic" in dms
    assert "/forum join" in dms and "I can reply anyway?" in dms

    recorded = await world.posts_of(thread)
    assert [(p.number, p.author_name, p.author_role) for p in recorded] == [
        (1, "Marzana M", "participant"),
        (2, "Dr. Kumar", "participant"),
        (3, "Dr. M", "participant"),
    ]

    shown = await reader.slash(world.general, "topic show", topic="#1")
    page = text_of(shown)
    assert "Activity › Discussion › " + TITLE in page
    assert "Viewing 2 reply threads" in page
    for number, name in ((1, "Marzana M"), (2, "Dr. Kumar"), (3, "Dr. M")):
        assert f"#{number}**" in page and name in page
    assert page.count("*Participant*") == 3
