from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.roles import Assignment, ForumRole, effective_role, may_assign, refusal_reason

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
P, S, B, M, K = (
    ForumRole.PARTICIPANT,
    ForumRole.SPECTATOR,
    ForumRole.BLOCKED,
    ForumRole.MODERATOR,
    ForumRole.KEYMASTER,
)


@pytest.mark.parametrize(
    ("admin", "assignment", "mapped", "default", "expected"),
    [
        (True, Assignment(B), [], P, K),  # owner/admin first
        (False, Assignment(M), [B], P, M),  # explicit beats the map
        (False, Assignment(B, NOW - timedelta(seconds=1)), [], P, P),  # expired assignment ignored
        (False, Assignment(B, NOW + timedelta(hours=1)), [], P, B),  # timed block in force
        (False, None, [P, B, M], P, B),  # any mapped blocked role blocks
        (False, None, [S, M], P, M),  # else the highest mapped role
        (False, None, [], S, S),  # else the default
        (False, None, [], P, P),
    ],
)
def test_effective_role_order(admin, assignment, mapped, default, expected):
    role = effective_role(
        is_owner_or_admin=admin, assignment=assignment, mapped_roles=mapped, default_role=default, now=NOW
    )
    assert role is expected


@pytest.mark.parametrize(
    ("actor", "target", "new", "allowed"),
    [
        (M, P, S, True),
        (M, P, B, True),
        (M, S, None, True),
        (M, P, M, False),  # only keymasters make moderators
        (M, P, K, False),
        (M, M, P, False),  # a moderator cannot demote a moderator
        (K, M, P, True),
        (K, P, M, True),
        (K, K, P, False),  # nobody changes a keymaster but one above them
        (P, S, P, False),
    ],
)
def test_may_assign(actor, target, new, allowed):
    assert (may_assign(actor, target, new) is None) is allowed


def test_display_names_are_capitalised_and_ordered():
    assert [r.display for r in ForumRole] == ["Blocked", "Spectator", "Participant", "Moderator", "Keymaster"]
    assert ForumRole.parse(" Moderator ") is M
    with pytest.raises(ValueError):
        ForumRole.parse("admin")


def test_capabilities_follow_the_spec_table():
    assert [(r.can_start_topics, r.can_reply, r.can_moderate, r.can_administer) for r in ForumRole] == [
        (False, False, False, False),
        (False, False, False, False),
        (True, True, False, False),
        (True, True, True, False),
        (True, True, True, True),
    ]


def test_refusal_phrase_names_join_only_when_registration_is_open():
    text = refusal_reason(S, starting_topic=False, registration_open=True)
    assert "You must be a participant to reply to this topic" in text and "/forum join" in text
    assert "/forum join" not in refusal_reason(S, starting_topic=False, registration_open=False)
    assert "blocked" in refusal_reason(B, starting_topic=True, registration_open=True)
