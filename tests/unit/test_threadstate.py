"""What a thread changed in Discord means for its topic's record (bot/domain/threadstate.py)."""

from __future__ import annotations

import pytest

from bot.domain.threadstate import Changes, Held, Seen, reconcile

HELD = Held(title="Title", tags=("imported tag", "Howto"), status="open", sticky="none", archived=False)
SEEN = Seen(title="Title", tags=("Howto",), forum_tags=("Howto", "Bug"), locked=False, archived=False, pinned=False)


@pytest.mark.parametrize(
    ("held", "seen", "kwargs", "changes"),
    [
        (HELD, SEEN, {}, Changes()),  # nothing changed; a tag the forum lacks stays
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "title": " New\ntitle "}), {}, Changes(title="New title")),
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "tags": ("Bug",)}), {}, Changes(tags=("imported tag", "Bug"))),
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "locked": True}), {}, Changes(status="closed")),
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "locked": True}), {"by_bot": True}, Changes()),
        (Held(**{**HELD.__dict__, "status": "closed"}), SEEN, {}, Changes(status="open")),
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "archived": True}), {}, Changes(archived=True)),
        (HELD, SEEN.__class__(**{**SEEN.__dict__, "pinned": True}), {}, Changes(sticky="sticky")),
        (Held(**{**HELD.__dict__, "sticky": "super"}), SEEN.__class__(**{**SEEN.__dict__, "pinned": True}), {},
         Changes()),  # a super sticky stays super
        (Held(**{**HELD.__dict__, "sticky": "sticky"}), SEEN, {"was_pinned": True}, Changes(sticky="none")),
        (Held(**{**HELD.__dict__, "sticky": "sticky"}), SEEN, {}, Changes()),  # at catch-up: one pin per forum
    ],
)  # fmt: skip
def test_reconcile(held: Held, seen: Seen, kwargs: dict, changes: Changes) -> None:
    assert reconcile(held, seen, **kwargs) == changes


def test_no_changes_is_falsy() -> None:
    assert not Changes() and Changes(archived=False)
