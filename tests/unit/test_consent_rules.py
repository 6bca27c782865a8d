"""The counts the archive shows when members chose ``hidden`` (bot.storage.consent): table tests."""

from __future__ import annotations

import pytest

from bot.storage.consent import ForumShare, HiddenShare, hidden_author_sql, shown_forum, shown_topic
from bot.storage.models import Forum, Topic

TOPIC = Topic(
    id=1, guild_id=9, forum_id=2, number=10, thread_id=77, title="Otters", status="open", close_reason=None,
    sticky="none", tags=(), author_id=5, author_name="Asker", author_role="participant",
    created_at="2026-01-01T10:00:00+00:00", reply_count=6, voice_count=4,
    last_post_at="2026-01-03T10:00:00+00:00", last_post_number=19, solved=False,
)  # fmt: skip
FORUM = Forum(
    id=2, guild_id=9, channel_id=500, name="Discussion", description="", solved_tag_id=None, registered=True,
    public=True, topic_count=21, post_count=80, last_post_at="2026-01-03T10:00:00+00:00",
    created_at="2026-01-01T09:00:00+00:00",
)  # fmt: skip


@pytest.mark.parametrize(
    ("share", "replies", "voices", "last"),
    [
        (HiddenShare(), 6, 4, (19, "2026-01-03T10:00:00+00:00")),  # nothing hidden: as recorded
        (HiddenShare(2, 1, (15, "2026-01-02T10:00:00+00:00")), 4, 3, (15, "2026-01-02T10:00:00+00:00")),
        (HiddenShare(1, 1, (19, "2026-01-03T10:00:00+00:00")), 5, 3, (19, "2026-01-03T10:00:00+00:00")),
        # every reply hidden: the opening post is the freshest shown
        (HiddenShare(6, 3, None), 0, 1, (10, "2026-01-01T10:00:00+00:00")),
        # counters behind the posts (never below zero, one voice at least)
        (HiddenShare(9, 7, None), 0, 1, (10, "2026-01-01T10:00:00+00:00")),
    ],
)
def test_a_topics_counts_leave_hidden_posts_out(
    share: HiddenShare, replies: int, voices: int, last: tuple[int, str]
) -> None:
    shown = shown_topic(TOPIC, share)
    assert (shown.reply_count, shown.voice_count, (shown.last_post_number, shown.last_post_at)) == (
        replies,
        voices,
        last,
    )
    assert (shown.title, shown.number, shown.author_name) == (TOPIC.title, TOPIC.number, TOPIC.author_name)


@pytest.mark.parametrize(
    ("share", "topics", "posts", "last"),
    [
        (ForumShare(), 21, 80, "2026-01-03T10:00:00+00:00"),
        (ForumShare(1, 5, "2026-01-02T00:00:00+00:00"), 20, 75, "2026-01-02T00:00:00+00:00"),
        (ForumShare(0, 2, "2026-01-03T09:00:00+00:00"), 21, 78, "2026-01-03T09:00:00+00:00"),
        (ForumShare(21, 80, None), 0, 0, None),  # everything hidden: no freshness to show
        (ForumShare(30, 99, None), 0, 0, None),
    ],
)
def test_a_forums_counts_leave_hidden_topics_and_replies_out(
    share: ForumShare, topics: int, posts: int, last: str | None
) -> None:
    shown = shown_forum(FORUM, share)
    assert (shown.topic_count, shown.post_count, shown.last_post_at) == (topics, posts, last)


def test_the_filter_is_keyed_by_guild_then_member() -> None:
    sql = hidden_author_sql("p")
    assert "o.guild_id = p.guild_id" in sql and "o.member_id = p.author_id" in sql and sql.startswith("EXISTS")
