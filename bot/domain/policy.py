"""Who may post what, now: the bot's own check (SPEC §1, §4 rules). Pure."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.domain.forumrules import ForumRules, rule_refusal
from bot.domain.roles import ForumRole, refusal_reason

TITLE_MAX = 100
BODY_MAX = 4000
TAGS_MAX = 5


@dataclass(frozen=True)
class Refusal:
    reason: str
    kind: str  # role, forum, closed, throttle


def check_post(
    *,
    role: ForumRole,
    starting_topic: bool,
    topic_status: str | None,
    registration_open: bool,
    throttle_seconds: int,
    last_post_at: datetime | None,
    now: datetime,
    rules: ForumRules | None = None,
) -> Refusal | None:
    """None when the member may make this post now, else why not.

    ``role`` is the member's role in this forum (``forumrules.role_in_forum``); ``rules`` the
    forum's own (posting, status), None for the defaults.
    """
    allowed = role.can_start_topics if starting_topic else role.can_reply
    if not allowed:
        return Refusal(refusal_reason(role, starting_topic=starting_topic, registration_open=registration_open), "role")
    forum_refusal = rule_refusal(role, rules, starting_topic=starting_topic) if rules is not None else None
    if forum_refusal is not None:
        return Refusal(forum_refusal, "forum")
    if topic_status is not None and topic_status != "open" and not role.can_moderate:
        return Refusal("This topic is closed: only moderators can reply to it.", "closed")
    if not role.can_moderate and throttle_seconds > 0 and last_post_at is not None:
        waited = (now - last_post_at).total_seconds()
        if 0 <= waited < throttle_seconds:
            wait = math.ceil(throttle_seconds - waited)
            return Refusal(
                f"Slow down: you can post again in {wait} second{'s' if wait != 1 else ''} "
                f"(one post every {throttle_seconds} seconds here).",
                "throttle",
            )
    return None


# Characters that carry no text: control characters (Cc) and lone surrogates (Cs, which
# JSON can smuggle in and UTF-8 cannot encode). Invisible-only input counts as empty.
_DROPPED = frozenset({"Cc", "Cs"})
_INVISIBLE = frozenset({"Cc", "Cs", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def _without_controls(text: str, keep: str = "") -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in _DROPPED)


def _visible(text: str) -> bool:
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in text)


def clean_title(title: str) -> str:
    """The title as it will be posted, or ValueError with a message for the member.

    One line: runs of whitespace (line breaks included) become one space; control
    characters are dropped.
    """
    value = " ".join(_without_controls(" ".join((title or "").split())).split())
    if not value or not _visible(value):
        raise ValueError("The title is empty: give your topic a title of 1 to 100 characters.")
    if len(value) > TITLE_MAX:
        raise ValueError(f"The title is {len(value)} characters long; the limit is {TITLE_MAX}.")
    return value


def clean_body(body: str) -> str:
    """The text as it will be posted: line breaks and tabs kept, other control characters dropped."""
    value = _without_controls((body or "").replace("\r\n", "\n"), keep="\n\t").strip()
    if not value or not _visible(value):
        raise ValueError("The text is empty: write 1 to 4000 characters.")
    if len(value) > BODY_MAX:
        raise ValueError(f"The text is {len(value)} characters long; the limit is {BODY_MAX}.")
    return value


def parse_tags(text: str | None, available: list[str]) -> list[str]:
    """Match a comma list against the forum's tags (case-insensitively), in the forum's spelling."""
    if not text or not text.strip():
        return []
    by_lower = {name.lower(): name for name in available}
    wanted: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if not name:
            continue
        match = by_lower.get(name.lower())
        if match is None:
            known = ", ".join(available) if available else "none"
            raise ValueError(f"This forum has no tag `{name[:50]}`. Its tags: {known}.")
        if match not in wanted:
            wanted.append(match)
    if len(wanted) > TAGS_MAX:
        raise ValueError(f"At most {TAGS_MAX} tags per topic.")
    return wanted


@dataclass(frozen=True)
class EditAccess:
    """Who edits a post through the Edit post menu, and how: its author, or a moderator
    (who gives a reason readers see beside the post when it is someone else's)."""

    as_moderator: bool  # someone else's post: the form asks for a reason


def check_edit(
    *,
    number: int,
    is_author: bool,
    role: ForumRole,
    post_status: str,
    topic_status: str,
    sent_by_bot: bool,
    window_minutes: int,
    posted_at: datetime,
    now: datetime,
) -> EditAccess:
    """May this member edit post #number through the bot now? ValueError says why not (SPEC §4)."""
    if post_status != "publish" or topic_status not in ("open", "closed"):
        shown = post_status if post_status != "publish" else f"in a {topic_status} topic"
        raise ValueError(f"Post #{number} is {shown}: only published posts can be edited.")
    if not sent_by_bot:
        if is_author:
            raise ValueError(
                f"You typed post #{number} yourself: use Discord's own **Edit** on the message "
                "(the forum records that edit too)."
            )
        raise ValueError(f"Post #{number} was typed by its author in Discord: only they can edit it, there.")
    if role.can_moderate:
        return EditAccess(as_moderator=not is_author)
    if not is_author:
        raise ValueError(f"Only its author or a moderator can edit post #{number}.")
    if not role.can_reply:
        raise ValueError(f"You cannot edit posts as a {role.display}.")
    if topic_status != "open":
        raise ValueError("This topic is closed: only moderators can edit its posts.")
    if window_minutes > 0 and (now - posted_at).total_seconds() > window_minutes * 60:
        raise ValueError(
            f"Posts can be edited within {window_minutes} minute{'s' if window_minutes != 1 else ''} "
            f"of posting; post #{number} is older. Ask a moderator."
        )
    return EditAccess(as_moderator=False)
