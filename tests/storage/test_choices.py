"""Autocomplete's reads (bot/storage/choices.py) on both backends."""

from __future__ import annotations

from typing import Any

from bot.domain.choices import parse_query
from bot.storage import choices, topics
from tests.storage.seed import Seeder


def _numbers(found: list[choices.Choice]) -> list[int]:
    return [c.number for c in found]


def test_topics_by_number_prefix_words_and_nothing_typed(conn: Any) -> None:
    seeder = Seeder(conn)
    forum, other = seeder.forum("Discussion"), seeder.forum("Staff")
    made = [seeder.topic(forum, f"Topic {i} about {'SQL joins' if i % 3 == 0 else 'tea'}", "body") for i in range(40)]
    secret = seeder.topic(other, "Staff SQL joins", "body")
    gone = seeder.topic(forum, "Spam SQL joins offer", "body")
    topics.set_status(conn, gone.id, "spam")
    visible = [forum.id]

    def ask(text: str, **kw: Any) -> list[int]:
        return _numbers(choices.topic_choices(conn, 1, kw.pop("forums", visible), parse_query(text), **kw))

    # nothing typed: the newest 25 the member may see
    assert ask("") == sorted((t.number for t in made), reverse=True)[:25]
    # words: case-insensitive, every word, newest first, nothing from an unseen forum or hidden
    joins = [t.number for t in made if "SQL" in t.title][::-1]
    assert ask("sql JOIN") == joins
    assert ask("sql joins", include_hidden=True) == [gone.number, *joins]
    assert secret.number in ask("staff", forums=[forum.id, other.id])
    assert ask("staff") == []
    # a number prefix matches numbers, highest first, across magnitudes
    prefix = str(made[12].number)[:1]
    expected = sorted((t.number for t in made if str(t.number).startswith(prefix)), reverse=True)[:25]
    assert ask(prefix) == expected and ask("#" + prefix) == expected
    assert ask(str(made[7].number)) == [made[7].number]
    # LIKE's wildcards are text; links and ids offer nothing; no forum, nothing
    assert ask("%") == [] and ask("_") == []
    assert ask("https://discord.com/channels/1/2/3") == [] and ask("123456789012345678") == []
    assert ask("", forums=[]) == []


def test_posts_by_number_prefix_and_titles(conn: Any) -> None:
    seeder = Seeder(conn)
    forum = seeder.forum()
    topic = seeder.topic(forum, "Slow queries", "body")
    replies = [seeder.reply(topic, f"reply {i}") for i in range(12)]
    trashed = replies[-1]
    conn.execute("UPDATE posts SET status = 'trash' WHERE id = ?", (trashed.id,))
    found = choices.post_choices(conn, 1, [forum.id], parse_query(""))
    assert _numbers(found) == [*[r.number for r in replies[:-1]][::-1], topic.number]
    assert found[0].reply and not found[-1].reply and found[0].title == "Slow queries"
    moderator = choices.post_choices(conn, 1, [forum.id], parse_query(str(trashed.number)), include_hidden=True)
    assert [(c.number, c.status) for c in moderator] == [(trashed.number, "trash")]
    assert choices.post_choices(conn, 1, [forum.id], parse_query(str(trashed.number))) == []
    assert _numbers(choices.post_choices(conn, 1, [forum.id], parse_query("slow"))) == [topic.number]
