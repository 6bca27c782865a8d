"""Pure pieces of the reading features: query parsing, highlighted snippets, digests, stats text."""

from __future__ import annotations

import pytest

from bot.domain.searchquery import SearchQueryError, parse
from bot.storage.search import HL_END, HL_START
from bot.storage.stats import ForumStats
from bot.storage.subscriptions import Digest, DigestPost
from bot.ui.digest import DM_LIMIT, digest_text
from bot.ui.search import highlighted
from bot.ui.stats import duration, fill_weeks, share, stats_text


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("hello world", '("hello" AND "world")'),
        ('"exact phrase"', '("exact phrase")'),
        ('say "hi"" there', '("say" AND "hi" AND "there")'),
        ('a"b', '("a" AND "b")'),
        ("medic*", '("medic"*)'),
        ("me*", '("me"*)'),
        ("me* OR mo* OR ma* OR mi*", '("me"*) OR ("mo"*) OR ("ma"*) OR ("mi"*)'),
        ("me* me* me* me* me*", '("me"*)'),
        ("cats -dogs", '(("cats") NOT ("dogs"))'),
        ("cats NOT dogs birds", '(("cats" AND "birds") NOT ("dogs"))'),
        ("cats OR dogs", '("cats") OR ("dogs")'),
        ("OR cats OR OR dogs OR", '("cats") OR ("dogs")'),
        ("NEAR(cats dogs)", '("cats" AND "dogs")'),
        ("x:y", '("x:y")'),
        ("🎉 party", '("party")'),
        ("OR", '("OR")'),
        ("cats cats", '("cats")'),
    ],
)
def test_parse_builds_only_quoted_strings(text: str, expression: str) -> None:
    assert parse(text).expression == expression


@pytest.mark.parametrize("text", ["", " ", "🎉🎉", "((", '"', "*", "-", "-cats", "NOT cats", "x" * 201])
def test_parse_refuses_what_can_find_nothing(text: str) -> None:
    with pytest.raises(SearchQueryError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("m*", "at least 2 letters before the `*`"),
        ("cats m*", "at least 2 letters"),
        ("-m*", "at least 2 letters"),
        ("m** cats", "at least 2 letters"),
        ("ab-c*", "`c*`"),  # the star applies to the tokenizer's last word: "ab" "c"*
        ("日*", "at least 2 letters"),
        ("ab* OR cd* OR ef* OR gh* OR ij*", "at most 4 word beginnings"),
        ("ab* cd* ef* gh* -ij*", "at most 4 word beginnings"),
    ],
)
def test_parse_refuses_searches_that_would_read_too_much(text: str, message: str) -> None:
    with pytest.raises(SearchQueryError) as raised:
        parse(text)
    assert message in raised.value.message


def test_highlighted_escapes_members_markdown_and_bolds_matches() -> None:
    snippet = f"a *b* {HL_START}match{HL_END} @everyone [x](y)"
    shown = highlighted(snippet)
    assert "**match**" in shown
    assert "\\*b\\*" in shown and "\\[x" in shown
    assert "@everyone" not in shown
    assert len(highlighted("word " * 200, limit=50)) < 80


def _digest(kind: str, total: int, posts: int) -> Digest:
    return Digest(
        subscription_id=1,
        guild_id=1,
        user_id=2,
        kind=kind,
        label="Title *with* markdown",
        forum_channel_id=3,
        thread_id=4,
        topic_number=12,
        newest_post_id=9,
        total=total,
        posts=[
            DigestPost(
                number=20 + i,
                author_name="Dr. _M_",
                content="x" * 1000,
                channel_id=4,
                message_id=100 + i,
                topic_title="T",
                topic_number=12,
                thread_id=4,
            )
            for i in range(posts)
        ],
    )


def test_digest_text_counts_links_escapes_and_fits_a_dm() -> None:
    text = digest_text(_digest("topic", 11, 8), guild_name="Activity")
    assert text.startswith("**11 new replies** in [Title \\*with\\* markdown]")
    assert "[#20](https://discord.com/channels/1/4/100)" in text
    assert "Dr. \\_M\\_" in text and "… and 3 more." in text
    assert "/unsubscribe topic:#12" in text
    assert len(text) <= DM_LIMIT
    one = digest_text(_digest("topic", 1, 1), guild_name="A")
    assert "**1 new reply**" in one
    forum = digest_text(_digest("forum", 2, 2), guild_name="A")
    assert "**2 new topics** in the forum" in forum and "[#12 T]" in forum


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "no replies yet"), (5, "5 s"), (600, "10 min"), (5400, "1.5 h"), (3 * 86400, "3.0 days")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_stats_text_and_weeks() -> None:
    stats = ForumStats(
        topics=4, replies=6, solved=1, unanswered=2, first_reply_seconds=[60, 180, 600], active_members=[("A", 1, 3)]
    )
    text = stats_text(stats)
    assert "Solved: **1** (25% of topics)" in text and "Median time to first reply: **3 min**" in text
    assert "1. **A** — 3 posts" in text
    assert share(0, 0) == "—"
    assert fill_weeks([("2026-01-05", 2), ("2026-01-26", 1)]) == [
        ("2026-01-05", 2),
        ("2026-01-12", 0),
        ("2026-01-19", 0),
        ("2026-01-26", 1),
    ]


def test_cooldown_is_a_sliding_window_per_key() -> None:
    from bot.domain.cooldown import Cooldown

    limit = Cooldown(3, 30)
    assert [limit.hit("a", t) for t in (0, 10, 20)] == [0, 0, 0]
    assert limit.hit("a", 25) == 5  # the use at 0 leaves the window at 30
    assert limit.hit("b", 25) == 0  # another member
    assert limit.hit("a", 30) == 0  # a refused use was not counted: the window moved on
    assert limit.hit("a", 31) == 9
    for key in range(10_001):
        limit.hit(key, 100)
    assert limit.hit("a", 100) == 0 and "b" not in limit._uses  # forgotten once quiet
