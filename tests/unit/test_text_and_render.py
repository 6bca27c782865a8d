import pytest

from bot.domain.reading import reading_order
from bot.domain.text import escape_inline, split_text
from bot.storage.models import Post, PostOutline
from bot.ui.topics import reply_threads_header


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("", 10),
        ("short", 10),
        ("word " * 1000, 2000),
        ("x" * 4500, 2000),
        ("para\n\n" * 700, 2000),
        ("line\n" * 900, 2000),
        ("a b", 1),
    ],
)
def test_split_text_never_loses_a_character(text, limit):
    chunks = split_text(text, limit)
    assert "".join(chunks) == text
    assert all(len(chunk) <= limit for chunk in chunks)


def test_split_prefers_paragraphs():
    text = "a" * 1500 + "\n\n" + "b" * 1000
    assert split_text(text, 2000) == ["a" * 1500 + "\n\n", "b" * 1000]


def test_a_header_line_does_not_go_out_alone():
    text = "**Name** · *Participant*\n" + "word " * 600
    first = split_text(text, 2000)[0]
    assert first.startswith("**Name**") and len(first) > 1900


def test_escape_inline():
    assert escape_inline("**bold** _x_ `c`") == "\\*\\*bold\\*\\* \\_x\\_ \\`c\\`"


def test_header_is_singular_for_one():
    assert reply_threads_header(1) == "Viewing 1 reply thread"
    assert reply_threads_header(2) == "Viewing 2 reply threads"


def post(pid, *, parent=None, opening=False, accepted=False):
    return Post(
        id=pid,
        guild_id=1,
        topic_id=1,
        number=pid,
        message_id=pid,
        channel_id=1,
        parent_id=parent,
        is_opening=opening,
        author_id=1,
        author_name="a",
        author_role="participant",
        content="c",
        attachments=(),
        status="publish",
        flag=None,
        accepted=accepted,
        created_at=f"2026-01-01T00:00:0{pid}",
        edited_at=None,
    )


def test_reading_order_nests_replies_and_lifts_accepted_answers():
    posts = [post(1, opening=True), post(2), post(3, parent=2), post(4), post(5, parent=3), post(6, accepted=True)]
    assert [(p.id, depth) for p, depth in reading_order(posts)] == [(1, 0), (6, 0), (2, 0), (3, 1), (5, 2), (4, 0)]


def test_reading_order_walks_a_very_deep_chain_without_recursion() -> None:
    chain = [PostOutline(1, 1, None, False, True)] + [
        PostOutline(i, i, i - 1 if i > 2 else None, False, False) for i in range(2, 5002)
    ]
    ordered = reading_order(chain)
    assert [(p.id, d) for p, d in ordered[:3]] == [(1, 0), (2, 0), (3, 1)]
    assert ordered[-1][1] == 4999 and len(ordered) == 5001
