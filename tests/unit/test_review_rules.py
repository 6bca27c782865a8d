"""bot/domain/review.py: held posts, links, queue kinds and the buttons that fit."""

from __future__ import annotations

import pytest

from bot.domain import review

THREE = "see https://a.example/x and http://b.example and [docs](https://c.example/d?e=f)"


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("", 0),
        ("no links here, just example.com and www.example.org", 0),
        ("https://a.example", 1),
        ("HTTPS://A.EXAMPLE/PATH", 1),
        ("<https://a.example> (https://b.example) [x](https://c.example)", 3),
        ("https://a.example https://a.example", 2),  # repeated links count each time
        ("ftp://a.example mailto:me@example.org", 0),
        (THREE, 3),
    ],
)
def test_count_links(text: str, links: int) -> None:
    assert review.count_links(text) == links


@pytest.mark.parametrize(
    ("rule", "text", "moderator", "published", "held"),
    [
        ("none", THREE, False, 0, False),
        ("all", "hello", False, 100, True),
        ("all", "hello", True, 0, False),  # moderators are never held
        ("links", "one https://a.example and two https://b.example", False, 0, False),
        ("links", THREE, False, 50, True),
        ("links", THREE, True, 0, False),
        ("new", "hello", False, 0, True),
        ("new", "hello", False, 2, True),
        ("new", "hello", False, 3, False),  # three published posts: trusted
        ("new", "hello", True, 0, False),
        ("unknown", "hello", False, 0, False),
    ],
)
def test_held_because(rule: str, text: str, moderator: bool, published: int, held: bool) -> None:
    why = review.held_because(rule, text=text, can_moderate=moderator, published_posts=published)
    assert (why is not None) == held
    if why is not None:
        assert "held" in why or "holds" in why


def test_the_links_reason_says_how_many() -> None:
    why = review.held_because("links", text=THREE + " https://d.example", can_moderate=False, published_posts=0)
    assert why is not None and "(4 links)" in why


@pytest.mark.parametrize(
    ("text", "kind"),
    [(None, "reports"), ("", "reports"), ("pending", "pending"), (" Spam ", "spam"), ("TRASH", "trash")],
)
def test_parse_kind(text: str | None, kind: str) -> None:
    assert review.parse_kind(text) == kind


@pytest.mark.parametrize("text", ["all", "publish", "reportz", "pending;"])
def test_parse_kind_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="choose one of reports, pending, spam, trash, deleted"):
        review.parse_kind(text)


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        ("pending", ("a", "d")),
        ("spam", ("r",)),
        ("trash", ("r",)),
        ("deleted", ("r",)),
        ("publish", ()),
        ("purged", ()),
        ("open", ()),
    ],
)
def test_post_actions(status: str, actions: tuple[str, ...]) -> None:
    assert review.post_actions(status) == actions


@pytest.mark.parametrize(("status", "actions"), [("open", ("a", "d")), ("approved", ()), ("dismissed", ())])
def test_report_actions(status: str, actions: tuple[str, ...]) -> None:
    assert review.report_actions(status) == actions


@pytest.mark.parametrize(
    ("opening", "post_status", "topic_status", "shown"),
    [
        (False, "pending", "open", "pending"),
        (False, "trash", "closed", "trash"),
        (False, "publish", "spam", "publish"),  # a reply stands for itself
        (True, "publish", "pending", "pending"),  # an opening post stands for its topic
        (True, "publish", "spam", "spam"),
        (True, "publish", "deleted", "deleted"),
        (True, "deleted", "open", "deleted"),
        (True, "publish", "closed", "publish"),
    ],
)
def test_shown_status(opening: bool, post_status: str, topic_status: str, shown: str) -> None:
    assert review.shown_status(is_opening=opening, post_status=post_status, topic_status=topic_status) == shown


@pytest.mark.parametrize(
    ("page", "total", "per_page", "pages", "clamped"),
    [(0, 0, 4, 1, 0), (3, 0, 4, 1, 0), (1, 5, 4, 2, 1), (2, 8, 4, 2, 1), (-1, 9, 4, 3, 0), (2, 9, 4, 3, 2)],
)
def test_pages(page: int, total: int, per_page: int, pages: int, clamped: int) -> None:
    assert review.pages(total, per_page) == pages
    assert review.clamp_page(page, total, per_page) == clamped
