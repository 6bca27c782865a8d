"""The two pure guards every entry point shares: control characters out of recorded text
(bot.domain.text) and numbers parsed strictly (bot.domain.numbers). Property-based."""

from __future__ import annotations

import os
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.numbers import ID_MAX, strict_id, strict_int
from bot.domain.text import one_line, without_controls
from bot.storage.models import NewPost, NewTopic

FAST = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)


def controls(text: str, keep: str = "") -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs") and ch not in keep]


@FAST
@given(ANY_TEXT)
@example("a\x01b\r\nc\td\x7f\x85\ud800e")
def test_recorded_text_keeps_newline_and_tab_and_nothing_else_of_control(text: str) -> None:
    clean = without_controls(text)
    assert not controls(clean, keep="\n\t")
    assert without_controls(clean) == clean
    # Nothing else changes: every other character stays, in order.
    assert [ch for ch in clean if ch not in "\n\t"] == [ch for ch in text if not controls(ch)]


@FAST
@given(ANY_TEXT)
@example("Title\nwith\ttabs\x00and\r\nbreaks")
def test_one_line_values_hold_no_control_character_at_all(text: str) -> None:
    clean = one_line(text)
    assert not controls(clean) and one_line(clean) == clean


def test_the_models_every_recording_path_builds_clean_their_text() -> None:
    post = NewPost(
        guild_id=1, message_id=2, channel_id=3, author_id=4, author_name="Ann\x07\nB", author_role="participant",
        content="Hi\x01\r\nthere\t!", created_at="2026-01-01T00:00:00+00:00",
        attachments=({"filename": "a\x00.png", "url": "https://x/\x1b"},),
    )  # fmt: skip
    assert (post.content, post.author_name) == ("Hi\nthere\t!", "Ann B")
    assert post.attachments == ({"filename": "a.png", "url": "https://x/"},)
    topic = NewTopic(guild_id=1, forum_id=1, thread_id=5, title="T\x01itle\n", opening=post, tags=("t\x02ag",))
    assert (topic.title, topic.tags) == ("Title ", ("tag",))


@FAST
@given(st.one_of(ANY_TEXT, st.text("0123456789", max_size=30), st.integers().map(str)))
@example("²")
@example("٣")
@example("9" * 5000)
def test_strict_numbers_are_ascii_digits_within_bounds_or_none(text: str) -> None:
    value = strict_id(text)  # never raises
    if value is not None:
        assert text.isascii() and text.isdigit() and 1 <= value <= ID_MAX and int(text) == value
    elif text.isascii() and text.isdigit() and len(text) < 25:
        assert not 1 <= int(text) <= ID_MAX
    assert strict_int(text, low=5, high=7) in (None, 5, 6, 7)
