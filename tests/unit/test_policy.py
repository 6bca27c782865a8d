from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.policy import check_edit, check_post, clean_body, clean_title, parse_tags, slowmode_refusal
from bot.domain.roles import ForumRole

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def check(role, *, starting=False, status="open", last=None, throttle=10, registration=True):
    return check_post(
        role=role,
        starting_topic=starting,
        topic_status=None if starting else status,
        registration_open=registration,
        throttle_seconds=throttle,
        last_post_at=last,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("role", "kwargs", "kind"),
    [
        (ForumRole.PARTICIPANT, {}, None),
        (ForumRole.SPECTATOR, {}, "role"),
        (ForumRole.SPECTATOR, {"starting": True}, "role"),
        (ForumRole.BLOCKED, {}, "role"),
        (ForumRole.PARTICIPANT, {"status": "closed"}, "closed"),
        (ForumRole.MODERATOR, {"status": "closed"}, None),
        (ForumRole.PARTICIPANT, {"last": NOW - timedelta(seconds=3)}, "throttle"),
        (ForumRole.PARTICIPANT, {"last": NOW - timedelta(seconds=10)}, None),
        (ForumRole.PARTICIPANT, {"last": NOW - timedelta(seconds=3), "throttle": 0}, None),
        (ForumRole.MODERATOR, {"last": NOW - timedelta(seconds=1)}, None),  # moderators are exempt
    ],
)
def test_check_post(role, kwargs, kind):
    refusal = check(role, **kwargs)
    assert (refusal.kind if refusal else None) == kind


def test_throttle_says_how_long_to_wait():
    refusal = check(ForumRole.PARTICIPANT, last=NOW - timedelta(seconds=3.5))
    assert refusal is not None and "7 seconds" in refusal.reason


@pytest.mark.parametrize(
    ("raw", "clean"), [("  Hello   world ", "Hello world"), ("x" * 100, "x" * 100), ("a\nb", "a b")]
)
def test_clean_title_accepts(raw, clean):
    assert clean_title(raw) == clean


@pytest.mark.parametrize("raw", ["", "   \n\t", "x" * 101])
def test_clean_title_rejects(raw):
    with pytest.raises(ValueError):
        clean_title(raw)


def test_clean_body_bounds():
    assert clean_body(" hi ") == "hi"
    assert len(clean_body("y" * 4000)) == 4000
    for raw in ("", "  \n ", "y" * 4001):
        with pytest.raises(ValueError):
            clean_body(raw)


def test_parse_tags():
    available = ["Solved", "Question", "Bug"]
    assert parse_tags(None, available) == []
    assert parse_tags(" question, BUG ,question,", available) == ["Question", "Bug"]
    with pytest.raises(ValueError, match="no tag `nope`"):
        parse_tags("nope", available)
    with pytest.raises(ValueError, match="At most 5"):
        parse_tags("a,b,c,d,e,f", ["a", "b", "c", "d", "e", "f"])


def edit(role=ForumRole.PARTICIPANT, *, author=True, post="publish", topic="open", bot=True, window=0, age=60):
    return check_edit(
        number=7,
        is_author=author,
        role=role,
        post_status=post,
        topic_status=topic,
        sent_by_bot=bot,
        window_minutes=window,
        posted_at=NOW - timedelta(seconds=age),
        now=NOW,
    )


def test_check_edit_lets_authors_edit_their_posts_and_moderators_any_the_bot_sent():
    assert not edit().as_moderator
    assert not edit(ForumRole.MODERATOR).as_moderator
    assert edit(ForumRole.MODERATOR, author=False).as_moderator
    assert edit(ForumRole.KEYMASTER, author=False, topic="closed", window=1, age=3600).as_moderator
    assert not edit(window=5, age=299).as_moderator


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"author": False}, "Only its author or a moderator can edit post #7."),
        ({"post": "trash"}, "Post #7 is trash: only published posts can be edited."),
        ({"topic": "spam", "role": ForumRole.KEYMASTER}, "Post #7 is in a spam topic"),
        ({"bot": False}, "use Discord's own **Edit**"),
        ({"bot": False, "author": False, "role": ForumRole.MODERATOR}, "only they can edit it, there"),
        ({"topic": "closed"}, "This topic is closed: only moderators can edit its posts."),
        ({"window": 5, "age": 301}, "within 5 minutes of posting; post #7 is older"),
        ({"window": 1, "age": 61}, "within 1 minute of posting"),
        ({"role": ForumRole.BLOCKED}, "You cannot edit posts as a Blocked."),
    ],
)
def test_check_edit_refuses_with_a_reason(kwargs, said):
    with pytest.raises(ValueError, match=None) as refused:
        edit(**kwargs)
    assert said in str(refused.value)


@pytest.mark.parametrize(
    ("role", "delay", "ago", "words"),
    [
        (ForumRole.PARTICIPANT, 60, 20, "in 40 seconds"),
        (ForumRole.PARTICIPANT, 60, 59.5, "in 1 second."),
        (ForumRole.PARTICIPANT, 60, 60, None),  # the slowmode has passed
        (ForumRole.PARTICIPANT, 0, 1, None),  # no slowmode
        (ForumRole.PARTICIPANT, 60, None, None),  # never posted here
        (ForumRole.MODERATOR, 60, 1, None),  # moderators are exempt
        (ForumRole.KEYMASTER, 60, 1, None),
    ],
)
def test_slowmode_refusal(role: ForumRole, delay: int, ago: float | None, words: str | None) -> None:
    last = None if ago is None else NOW - timedelta(seconds=ago)
    said = slowmode_refusal(role=role, delay_seconds=delay, last_here_at=last, now=NOW)
    assert (said is None) == (words is None) and (words is None or words in (said or ""))
