"""Who may post what, now: the bot's own check (SPEC §1, §4 rules). Pure."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.domain.forumrules import ForumRules, rule_refusal
from bot.domain.roles import ForumRole, refusal_reason
from bot.domain.words import status_word
from bot.i18n import _, ngettext

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
        return Refusal(_("This topic is closed: only moderators can reply to it."), "closed")
    if not role.can_moderate and throttle_seconds > 0 and last_post_at is not None:
        waited = (now - last_post_at).total_seconds()
        if 0 <= waited < throttle_seconds:
            wait = math.ceil(throttle_seconds - waited)
            again = ngettext(
                "Slow down: you can post again in {count} second",
                "Slow down: you can post again in {count} seconds",
                wait,
            )
            every = _("(one post every {seconds} seconds here).", seconds=throttle_seconds)
            return Refusal(f"{again} {every}", "throttle")
    return None


def slowmode_refusal(
    *, role: ForumRole, delay_seconds: int, last_here_at: datetime | None, now: datetime
) -> str | None:
    """The channel's own Discord slowmode, for a post the bot sends on a member's behalf
    (``/topic new``: the forum channel's, between a member's posts there; ``/reply``: the
    thread's). Discord's slowmode does not bind the bot, so the bot keeps it for them;
    moderators are exempt, as members who may manage messages are in Discord."""
    if role.can_moderate or delay_seconds <= 0 or last_here_at is None:
        return None
    waited = (now - last_here_at).total_seconds()
    if not 0 <= waited < delay_seconds:
        return None
    wait = math.ceil(delay_seconds - waited)
    return ngettext(
        "Slowmode is on here in Discord: you can post here again in {count} second.",
        "Slowmode is on here in Discord: you can post here again in {count} seconds.",
        wait,
    )


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
        raise ValueError(_("The title is empty: give your topic a title of 1 to 100 characters."))
    if len(value) > TITLE_MAX:
        raise ValueError(
            _("The title is {length} characters long; the limit is {limit}.", length=len(value), limit=TITLE_MAX)
        )
    return value


def clean_body(body: str) -> str:
    """The text as it will be posted: line breaks and tabs kept, other control characters dropped."""
    value = _without_controls((body or "").replace("\r\n", "\n"), keep="\n\t").strip()
    if not value or not _visible(value):
        raise ValueError(_("The text is empty: write 1 to 4000 characters."))
    if len(value) > BODY_MAX:
        raise ValueError(
            _("The text is {length} characters long; the limit is {limit}.", length=len(value), limit=BODY_MAX)
        )
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
            known = ", ".join(available) if available else _("none")
            raise ValueError(_("This forum has no tag `{tag}`. Its tags: {tags}.", tag=name[:50], tags=known))
        if match not in wanted:
            wanted.append(match)
    if len(wanted) > TAGS_MAX:
        raise ValueError(_("At most {limit} tags per topic.", limit=TAGS_MAX))
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
        if post_status != "publish":
            raise ValueError(
                _(
                    "Post #{number} is {status}: only published posts can be edited.",
                    number=number,
                    status=status_word(post_status),
                )
            )
        raise ValueError(
            _(
                "Post #{number} is in a {status} topic: only published posts can be edited.",
                number=number,
                status=status_word(topic_status),
            )
        )
    if not sent_by_bot:
        if is_author:
            raise ValueError(
                _(
                    "You typed post #{number} yourself: use Discord's own **Edit** on the message "
                    "(the forum records that edit too).",
                    number=number,
                )
            )
        raise ValueError(
            _("Post #{number} was typed by its author in Discord: only they can edit it, there.", number=number)
        )
    if role.can_moderate:
        return EditAccess(as_moderator=not is_author)
    if not is_author:
        raise ValueError(_("Only its author or a moderator can edit post #{number}.", number=number))
    if not role.can_reply:
        raise ValueError(_("You cannot edit posts as a {role}.", role=role.label))
    if topic_status != "open":
        raise ValueError(_("This topic is closed: only moderators can edit its posts."))
    if window_minutes > 0 and (now - posted_at).total_seconds() > window_minutes * 60:
        raise ValueError(
            ngettext(
                "Posts can be edited within {count} minute of posting; post #{number} is older. Ask a moderator.",
                "Posts can be edited within {count} minutes of posting; post #{number} is older. Ask a moderator.",
                window_minutes,
                number=number,
            )
        )
    return EditAccess(as_moderator=False)
