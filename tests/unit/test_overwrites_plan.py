from bot.domain.roles import ForumRole
from bot.services.overwrites import plan

EVERYONE, BOT = 1, 99


def test_default_participant_leaves_everyone_neutral_and_denies_blocked():
    wanted = plan(
        everyone_id=EVERYONE,
        bot_id=BOT,
        default_role=ForumRole.PARTICIPANT,
        rolemap={10: ForumRole.BLOCKED, 11: ForumRole.MODERATOR},
        assignments={5: ForumRole.BLOCKED, 6: ForumRole.PARTICIPANT},
    )
    assert wanted.roles == {EVERYONE: None, 10: False, 11: True}
    assert wanted.members == {5: False, BOT: True}  # 6 needs no overwrite: everyone may post


def test_default_spectator_denies_everyone_and_allows_who_may_post():
    wanted = plan(
        everyone_id=EVERYONE,
        bot_id=BOT,
        default_role=ForumRole.SPECTATOR,
        rolemap={10: ForumRole.PARTICIPANT, 12: ForumRole.SPECTATOR},
        assignments={6: ForumRole.PARTICIPANT, 7: ForumRole.SPECTATOR},
    )
    assert wanted.roles == {EVERYONE: False, 10: True, 12: False}
    assert wanted.members == {6: True, 7: False, BOT: True}


def test_an_announcement_forum_denies_everyone_and_participants_and_allows_moderators():
    from bot.domain.forumrules import ForumRules

    wanted = plan(
        everyone_id=EVERYONE,
        bot_id=BOT,
        default_role=ForumRole.PARTICIPANT,
        rolemap={10: ForumRole.PARTICIPANT, 11: ForumRole.MODERATOR},
        assignments={5: ForumRole.MODERATOR, 6: ForumRole.PARTICIPANT, 7: ForumRole.MODERATOR},
        rules=ForumRules(posting="moderators"),
        forum_id=3,
        scopes={7: (4,)},  # 7 moderates forum 4 only: a participant here
    )
    assert wanted.roles == {EVERYONE: False, 10: False, 11: True}
    assert wanted.members == {5: True, 6: False, 7: False, BOT: True}


def test_a_closed_forum_denies_new_posts_only():
    from bot.domain.forumrules import ForumRules

    wanted = plan(
        everyone_id=EVERYONE,
        bot_id=BOT,
        default_role=ForumRole.PARTICIPANT,
        rolemap={11: ForumRole.MODERATOR},
        assignments={5: ForumRole.MODERATOR, 6: ForumRole.PARTICIPANT},
        rules=ForumRules(status="closed"),
        forum_id=3,
        scopes={5: (3,)},  # a moderator of this forum
    )
    assert wanted.roles == {EVERYONE: (False, None), 11: True}
    assert wanted.members == {5: (True, None), 6: (False, None), BOT: True}
