"""What moderators review (SPEC §3 "Held posts", §4 /mod queue): which posts a forum's
`hold` rule holds, how links are counted, which queue lists what, and which buttons fit
which item. Pure: no discord, no storage."""

from __future__ import annotations

import re

from bot.domain.forumrules import HOLD_FIRST_POSTS, HOLD_LINKS
from bot.i18n import N_, _

# ------------------------------------------------------------------ held posts
# The forum's `hold` rule (bot/domain/forumrules.py HOLD): none, links (HOLD_LINKS or more
# links), new (until a member has HOLD_FIRST_POSTS published posts), all.

# A link as Discord makes one clickable: http(s)://... up to whitespace or a closing bracket,
# and Markdown's [text](url) (whose url the same pattern finds inside the parentheses).
_LINK = re.compile(r"https?://[^\s<>()\[\]]+", re.IGNORECASE)


def count_links(text: str) -> int:
    """How many links the text holds (every occurrence counts, repeated or not)."""
    return len(_LINK.findall(text or ""))


def held_because(rule: str, *, text: str, can_moderate: bool, published_posts: int) -> str | None:
    """Why the forum's `hold` rule holds this post for approval, or None when it goes up.

    ``published_posts`` counts the author's published posts in the guild: under `new` a
    member's posts are held until three of them were published (approved or posted before the
    rule), so neither a burst of posts awaiting approval nor spam in the trash earns trust.
    Moderators are never held. An unknown rule holds nothing.
    """
    if can_moderate or rule == "none":
        return None
    if rule == "all":
        return _("this forum holds every post for approval")
    if rule == "links":
        links = count_links(text)
        if links >= HOLD_LINKS:
            return _(
                "posts with {limit} or more links are held for approval here ({links} links)",
                limit=HOLD_LINKS,
                links=links,
            )
        return None
    if rule == "new" and published_posts < HOLD_FIRST_POSTS:
        return _("a member's first {count} posts are held for approval here", count=HOLD_FIRST_POSTS)
    return None


# ------------------------------------------------------------------ /mod queue
QUEUE_KINDS = ("reports", "pending", "spam", "trash", "deleted")
DEFAULT_KIND = "reports"
KIND_TITLES = {  # marked for the catalogs; said with _(KIND_TITLES[kind])
    "reports": N_("open reports or flagged posts"),
    "pending": N_("posts held for approval"),
    "spam": N_("spam"),
    "trash": N_("trash"),
    "deleted": N_("deleted posts"),
}

APPROVE, DISMISS, RESTORE = "a", "d", "r"
ACTION_LABELS = {APPROVE: N_("Approve"), DISMISS: N_("Dismiss"), RESTORE: N_("Restore")}  # _(...) where shown


def parse_kind(text: str | None) -> str:
    """A queue kind as typed (case and blanks ignored); the default when left out."""
    kind = (text or DEFAULT_KIND).strip().lower()
    if kind not in QUEUE_KINDS:
        raise ValueError(f"Unknown queue `{kind[:20]}`: choose one of {', '.join(QUEUE_KINDS)}.")
    return kind


def post_actions(status: str) -> tuple[str, ...]:
    """The buttons that fit a post (a topic's opening post: its topic's status) out of Discord."""
    if status == "pending":
        return (APPROVE, DISMISS)  # publish it, or move it to the trash
    if status in ("spam", "trash", "deleted"):
        return (RESTORE,)
    return ()  # published (nothing to undo) or purged (nothing left)


def report_actions(status: str) -> tuple[str, ...]:
    """The buttons of a report or flagged item: only while it is open."""
    return (APPROVE, DISMISS) if status == "open" else ()


def shown_status(*, is_opening: bool, post_status: str, topic_status: str) -> str:
    """The status a moderator deals with: an opening post stands for its topic (spam, trash,
    pending and deleted topics keep their opening post published), a reply for itself."""
    if is_opening and topic_status not in ("open", "closed"):
        return topic_status
    return post_status


def pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    return min(max(0, page), pages(total, per_page) - 1)
