"""bot/domain/forumrules.py: one forum's rules, parsed and applied (SPEC §1 "Per-forum scope")."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.forumrules import (
    ALLOWED,
    ForumRules,
    changed,
    keymaster_lockout,
    may_reply,
    may_start_topic,
    parse_rule,
    role_in_forum,
    rule_refusal,
    with_changes,
)
from bot.domain.roles import ForumRole

K, M, P, S, B = ForumRole.KEYMASTER, ForumRole.MODERATOR, ForumRole.PARTICIPANT, ForumRole.SPECTATOR, ForumRole.BLOCKED


@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("posting", "everyone", "everyone"),
        ("posting", " Moderators ", "moderators"),
        ("status", "CLOSED", "closed"),
        ("archive", "hidden", "hidden"),
        ("hold", "links", "links"),
        ("hold", "new", "new"),
        ("hold", "all", "all"),
        ("hold", "none", "none"),
    ],
)
def test_parse_rule_accepts(name: str, typed: str, expected: str) -> None:
    assert parse_rule(name, typed) == expected


@pytest.mark.parametrize(
    ("name", "typed", "words"),
    [
        ("posting", "mods", "`posting` cannot be `mods`: choose everyone or moderators."),
        ("status", "", "`status` cannot be `nothing`: choose open or closed."),
        ("archive", "private", "`archive` cannot be `private`: choose public or hidden."),
        ("hold", "some", "`hold` cannot be `some`: choose none or links or new or all."),
        ("colour", "red", "There is no forum rule `colour`. Rules: posting, status, archive, hold."),
    ],
)
def test_parse_rule_refuses_in_words(name: str, typed: str, words: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_rule(name, typed)
    assert str(raised.value) == words


def test_defaults_are_the_first_allowed_values() -> None:
    assert ForumRules().as_dict() == {name: values[0] for name, values in ALLOWED.items()}
    assert ForumRules().as_dict() == {"posting": "everyone", "status": "open", "archive": "public", "hold": "none"}


def test_with_changes_sets_only_given_rules_and_changed_lists_them() -> None:
    before = ForumRules(hold="links")
    after = with_changes(before, {"posting": "Moderators", "status": None, "archive": "hidden", "hold": None})
    assert after == ForumRules(posting="moderators", archive="hidden", hold="links")
    assert changed(before, after) == {"posting": ("everyone", "moderators"), "archive": ("public", "hidden")}
    assert changed(after, after) == {}
    with pytest.raises(ValueError):
        with_changes(before, {"posting": "moderators", "status": "shut"})


def test_stored_unknown_values_read_as_defaults() -> None:
    expected = ForumRules(posting="moderators", archive="hidden")
    assert ForumRules.stored("moderators", "weird", "hidden", "??") == expected


READ_ONLY, CLOSED = ForumRules(posting="moderators"), ForumRules(status="closed")
BOTH = ForumRules("moderators", "closed")


@pytest.mark.parametrize(
    ("role", "rules", "start", "reply"),
    [
        (P, ForumRules(), True, True),
        (S, ForumRules(), False, False),
        (B, ForumRules(), False, False),
        (P, READ_ONLY, False, False),
        (M, READ_ONLY, True, True),
        (K, READ_ONLY, True, True),
        (P, CLOSED, False, True),
        (M, CLOSED, True, True),
        (P, BOTH, False, False),
        (K, BOTH, True, True),
        (S, CLOSED, False, False),
    ],
)
def test_who_may_post_under_which_rules(role: ForumRole, rules: ForumRules, start: bool, reply: bool) -> None:
    assert may_start_topic(role, rules) is start
    assert may_reply(role, rules) is reply
    if role.can_start_topics:
        assert (rule_refusal(role, rules, starting_topic=True) is None) is start
        assert (rule_refusal(role, rules, starting_topic=False) is None) is reply


def test_refusal_words() -> None:
    assert rule_refusal(P, READ_ONLY, starting_topic=False) == (
        "Only moderators post in this forum: it is read-only for members."
    )
    assert rule_refusal(P, CLOSED, starting_topic=True) == (
        "This forum is closed: it takes no new topics. You can still reply to its topics."
    )


@pytest.mark.parametrize(
    ("role", "scope", "forum", "expected"),
    [
        (M, (), 5, M),  # a moderator of the whole server
        (M, (5, 6), 5, M),
        (M, (5, 6), 7, P),  # a forum moderator is a participant elsewhere
        (M, (5,), None, M),  # no forum in question
        (K, (5,), 7, K),  # a scope never narrows another role
        (P, (5,), 7, P),
        (B, (5,), 5, B),
    ],
)
def test_role_in_forum(role: ForumRole, scope: tuple[int, ...], forum: int | None, expected: ForumRole) -> None:
    assert role_in_forum(role, scope, forum) is expected


def test_no_combination_of_rules_locks_a_keymaster_out() -> None:
    for values in itertools.product(*ALLOWED.values()):
        rules = ForumRules(*values)
        assert keymaster_lockout(rules) is None
        assert may_start_topic(K, rules) and may_reply(K, rules)


@pytest.mark.parametrize(
    ("role", "can_view", "words"),
    [
        (M, True, None),
        (K, True, None),
        (P, True, "You are not a moderator of the forum Help: you moderate other forums only."),
        (M, False, "You cannot view the forum Help's channel, so you cannot moderate it."),
        (K, False, "You cannot view the forum Help's channel, so you cannot moderate it."),
    ],
)
def test_moderation_refusal(role: ForumRole, can_view: bool, words: str | None) -> None:
    from bot.domain.forumrules import moderation_refusal

    assert moderation_refusal(role, can_view=can_view, forum_name="Help") == words
