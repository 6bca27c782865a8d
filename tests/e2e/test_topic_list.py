"""/topic list: every sort and status, stickies first, pages with buttons that survive a restart."""

from __future__ import annotations

import re

from tests.e2e.helpers import text_of


def listed(result) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(n) for n in re.findall(r"`#(\d+)`", text_of(result))]


def footer(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(e.footer.text or "" for e in result.response.embeds)


async def set_topic(world, number: int, **columns: str) -> None:  # type: ignore[no-untyped-def]
    assignments = ", ".join(f"{name} = ?" for name in columns)

    def update(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(f"UPDATE topics SET {assignments} WHERE number = ?", [*columns.values(), number])

    await world.bot.db.transaction(update)


async def _topics(world, titles: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    numbers = {}
    for title in titles:
        result = await world.admin.slash(world.general, "topic new", forum=world.forum, title=title, body=title)
        numbers[title] = int(re.search(r"#(\d+)", text_of(result)).group(1))  # type: ignore[union-attr]
        await world.env.advance_time(1)
    return numbers


async def test_each_sort_and_status(world) -> None:  # type: ignore[no-untyped-def]
    n = await _topics(world, ["Alpha", "Beta", "Gamma", "Delta"])
    member = world.member("Reader")
    # Beta gets two replies, Alpha one (later: Alpha is the most active)
    await world.admin.send(world.thread("Beta"), "beta one")
    await world.env.advance_time(1)
    await world.admin.send(world.thread("Beta"), "beta two")
    await world.env.advance_time(1)
    answer = await world.admin.send(world.thread("Alpha"), "alpha answer")
    await world.admin.context_menu(world.thread("Alpha"), "Mark as answer", answer)
    await set_topic(world, n["Gamma"], status="closed")

    latest = listed(await member.slash(world.general, "topic list"))
    assert latest == [n["Delta"], n["Gamma"], n["Beta"], n["Alpha"]]
    active = listed(await member.slash(world.general, "topic list", sort="active"))
    assert active == [n["Alpha"], n["Beta"], n["Delta"], n["Gamma"]]
    unanswered = listed(await member.slash(world.general, "topic list", sort="unanswered"))
    assert unanswered == [n["Delta"], n["Gamma"]]
    popular = listed(await member.slash(world.general, "topic list", sort="popular"))
    assert popular == [n["Beta"], n["Alpha"], n["Delta"], n["Gamma"]]

    assert listed(await member.slash(world.general, "topic list", status="open")) == [n["Delta"], n["Beta"], n["Alpha"]]
    assert listed(await member.slash(world.general, "topic list", status="closed")) == [n["Gamma"]]
    assert listed(await member.slash(world.general, "topic list", status="solved")) == [n["Alpha"]]
    assert len(listed(await member.slash(world.general, "topic list", status="all"))) == 4
    assert listed(
        await member.slash(world.general, "topic list", forum=world.forum, sort="popular", status="open")
    ) == [
        n["Beta"],
        n["Alpha"],
        n["Delta"],
    ]

    page = text_of(await member.slash(world.general, "topic list"))
    assert "Voices 1 · Posts 3" in page  # Beta: the keymaster alone, opening post + 2 replies

    # hidden topics never list
    await set_topic(world, n["Delta"], status="trash")
    assert n["Delta"] not in listed(await member.slash(world.general, "topic list"))


async def test_stickies_first_and_super_stickies_in_every_forum(world) -> None:  # type: ignore[no-untyped-def]
    other = world.guild.create_forum_channel("Other")
    await world.admin.slash(world.general, "forumadmin add", channel=other)
    n = await _topics(world, ["Old sticky", "Plain one", "Plain two"])
    elsewhere = await world.admin.slash(world.general, "topic new", forum=other, title="Announcement", body="hi")
    announcement = int(re.search(r"#(\d+)", text_of(elsewhere)).group(1))  # type: ignore[union-attr]
    await set_topic(world, n["Old sticky"], sticky="sticky")
    await set_topic(world, announcement, sticky="super")

    in_forum = listed(await world.admin.slash(world.general, "topic list", forum=world.forum))
    assert in_forum == [announcement, n["Old sticky"], n["Plain two"], n["Plain one"]]
    in_other = listed(await world.admin.slash(world.general, "topic list", forum=other))
    assert in_other == [announcement]  # a sticky (not super) stays in its own forum
    everywhere = listed(await world.admin.slash(world.general, "topic list"))
    assert everywhere[:2] == [announcement, n["Old sticky"]]


async def test_pages_of_fifteen_with_buttons_that_survive_a_restart(world) -> None:  # type: ignore[no-untyped-def]
    n = await _topics(world, [f"Topic {i:02d}" for i in range(17)])
    await set_topic(world, n["Topic 00"], sticky="sticky")
    member = world.member("Pager")
    result = await member.slash(world.general, "topic list")
    first = listed(result)
    assert len(first) == 15 and first[0] == n["Topic 00"]
    assert "Page 1 of 2" in footer(result) and "17 topics" in footer(result)

    await world.restart()
    await member.click(result.response, label="Next")
    second = listed(result)
    assert "Page 2 of 2" in footer(result)
    assert len(second) == 2
    assert set(first) | set(second) == set(n.values())
    await member.click(result.response, label="Previous")
    assert listed(result) == first
