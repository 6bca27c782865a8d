from __future__ import annotations

import pytest

from bot.services.moderation import audit_line, closing_note, fit, history_lines
from bot.services.restructure import attributed_chunks
from bot.storage.audit import AuditEntry
from bot.storage.models import Post


def entry(**changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "id": 1,
        "actor_id": 5,
        "actor_name": "Mo_d*",
        "action": "topic.close",
        "target_user": None,
        "topic_id": 3,
        "post_id": None,
        "reason": None,
        "details": {},
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    fields.update(changes)
    return AuditEntry(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "topic", "post", "expected", "absent"),
    [
        ({}, 12, None, ["<t:1767225600:f>", r"**Mo\_d\***", "`topic.close`", "topic #12"], ["post #", "→"]),
        ({"target_user": 77, "reason": "rude"}, None, None, ["→ <@77>", "— rude"], ["topic #"]),
        ({"post_id": 9}, 12, 14, ["topic #12", "post #14"], []),
        ({"details": {"note": None, "role": "spectator"}}, None, None, ["(role: spectator)"], ["note"]),
    ],
)
def test_audit_line(changes: dict, topic: int | None, post: int | None, expected: list, absent: list) -> None:  # type: ignore[type-arg]
    line = audit_line(entry(**changes), topic, post)
    for part in expected:
        assert part in line
    for part in absent:
        assert part not in line


def test_closing_note_quotes_the_note_and_escapes_the_name() -> None:
    note = closing_note("A*B", "duplicate", "see #7\nthanks")
    assert r"**A\*B**" in note and "*duplicate*" in note and "> see #7\n> thanks" in note
    assert "> " not in closing_note("Mo", "stale", None)


def test_history_lines_oldest_first_with_current_last() -> None:
    lines = history_lines(
        3,
        "2026-01-01T00:00:00+00:00",
        "third",
        [("first", "2026-01-02T00:00:00+00:00"), ("second", "2026-01-03T00:00:00+00:00")],
    )
    assert [line.split(" ·")[0] for line in lines] == ["**Version 1**", "**Version 2**", "**Current**"]
    assert "> first" in lines[0] and "> third" in lines[2]
    assert history_lines(1, "2026-01-01T00:00:00+00:00", "x", [])[0].startswith("**Current (never edited)**")


def test_fit_counts_what_is_left_out() -> None:
    assert fit(["a" * 10] * 3, limit=30) == ("a" * 10 + "\n\n" + "a" * 10, 1)
    assert fit([], limit=10) == ("", 0)


def post(content: str, attachments: tuple = ()) -> Post:  # type: ignore[type-arg]
    return Post(
        id=1,
        guild_id=1,
        topic_id=1,
        number=42,
        message_id=1,
        channel_id=1,
        parent_id=None,
        is_opening=False,
        author_id=1,
        author_name="Dr. M",
        author_role="participant",
        content=content,
        attachments=attachments,
        status="publish",
        flag=None,
        accepted=False,
        created_at="t",
        edited_at=None,
    )


def test_attributed_chunks_name_role_number_and_split_long_text() -> None:
    chunks = attributed_chunks(post("hello"))
    assert chunks == ["`#42` **Dr. M** · *Participant*\nhello"]
    long = attributed_chunks(post("word " * 900, ({"filename": "a.png", "url": "https://x/a.png"},)))
    assert len(long) == 3 and all(len(c) <= 2000 for c in long) and long[-1].endswith("https://x/a.png")
    assert long[0].startswith("`#42` **Dr. M** · *Participant*\nword")
    assert "".join(long).count("word") == 900


def test_history_lines_name_who_replaced_a_version_and_why() -> None:
    from bot.storage.models import Revision

    lines = history_lines(
        3,
        "2026-01-01T00:00:00+00:00",
        "fixed",
        [
            Revision("typo", "2026-01-02T00:00:00+00:00", 5, "Mod *Mia*", "Fixed a typo"),
            Revision("x", "2026-01-03T00:00:00+00:00"),
        ],
    )
    assert r"Edited by Mod \*Mia\*: Fixed a typo" in lines[0]
    assert "Edited by" not in lines[1]
