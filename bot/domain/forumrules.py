"""One forum's own rules and a moderator's scope (SPEC §1 "Per-forum scope"). Pure.

``posting`` everyone (default) or moderators (a read-only or announcement forum),
``status`` open or closed (a closed forum takes no new topics), ``archive`` public or
hidden (whether the web archive publishes it), ``hold`` none, links, new or all (which
posts wait for approval; SPEC §3).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from bot.domain.roles import ForumRole
from bot.i18n import _, pgettext

POSTING: tuple[str, ...] = ("everyone", "moderators")
STATUS: tuple[str, ...] = ("open", "closed")
ARCHIVE: tuple[str, ...] = ("public", "hidden")
HOLD: tuple[str, ...] = ("none", "links", "new", "all")

# Each rule's allowed values, the first its default; also the order rules are shown in.
ALLOWED: dict[str, tuple[str, ...]] = {"posting": POSTING, "status": STATUS, "archive": ARCHIVE, "hold": HOLD}

HOLD_LINKS = 3  # hold=links: a post with this many links or more waits
HOLD_FIRST_POSTS = 3  # hold=new: a member's first this-many posts wait


@dataclass(frozen=True)
class ForumRules:
    posting: str = "everyone"
    status: str = "open"
    archive: str = "public"
    hold: str = "none"

    @property
    def moderators_only(self) -> bool:
        return self.posting == "moderators"

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def hidden(self) -> bool:
        return self.archive == "hidden"

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ALLOWED}

    @classmethod
    def stored(cls, posting: str, status: str, archive: str, hold: str) -> ForumRules:
        """Rules read back from storage: an unknown value (a newer schema's) reads as the default."""
        values = {"posting": posting, "status": status, "archive": archive, "hold": hold}
        return cls(**{name: (value if value in ALLOWED[name] else ALLOWED[name][0]) for name, value in values.items()})


def parse_rule(name: str, value: str) -> str:
    """A rule's value as typed (any case, spaces around), or ValueError in words for a member."""
    allowed = ALLOWED.get(name)
    if allowed is None:
        raise ValueError(
            _("There is no forum rule `{name}`. Rules: {rules}.", name=name[:30], rules=", ".join(ALLOWED))
        )
    cleaned = (value or "").strip().lower()
    if cleaned not in allowed:
        shown = (value or "").strip()[:30] or _("nothing")
        word = pgettext("list", "or")
        joined = f" {word} ".join(allowed)
        raise ValueError(_("`{name}` cannot be `{value}`: choose {allowed}.", name=name, value=shown, allowed=joined))
    return cleaned


def with_changes(rules: ForumRules, changes: Mapping[str, str | None]) -> ForumRules:
    """``rules`` with each given (not None) rule parsed and set; ValueError on the first bad one."""
    parsed = {name: parse_rule(name, value) for name, value in changes.items() if value is not None}
    return replace(rules, **parsed)


def changed(before: ForumRules, after: ForumRules) -> dict[str, tuple[str, str]]:
    """Each rule that differs: name → (before, after)."""
    old, new = before.as_dict(), after.as_dict()
    return {name: (old[name], new[name]) for name in ALLOWED if old[name] != new[name]}


def role_in_forum(role: ForumRole, scope: Collection[int], forum_id: int | None) -> ForumRole:
    """The role a member acts with in one forum.

    ``scope`` is the forums an explicit moderator assignment names (empty: the whole
    server). A forum moderator is a participant everywhere else; other roles are the same
    in every forum. ``forum_id`` None (no forum in question) keeps the role.
    """
    if role is ForumRole.MODERATOR and scope and forum_id is not None and forum_id not in scope:
        return ForumRole.PARTICIPANT
    return role


def may_start_topic(role: ForumRole, rules: ForumRules) -> bool:
    """Whether ``role`` (already narrowed to this forum) may start a topic under ``rules``."""
    if not role.can_start_topics:
        return False
    return role.can_moderate or not (rules.moderators_only or rules.closed)


def may_reply(role: ForumRole, rules: ForumRules) -> bool:
    """Whether ``role`` (already narrowed to this forum) may reply under ``rules``; a closed forum takes replies."""
    if not role.can_reply:
        return False
    return not (rules.moderators_only and not role.can_moderate)


def rule_refusal(role: ForumRole, rules: ForumRules, *, starting_topic: bool) -> str | None:
    """Why this forum's rules refuse the post (None: they allow it). Role refusals come first (policy)."""
    if rules.moderators_only and not role.can_moderate:
        return _("Only moderators post in this forum: it is read-only for members.")
    if starting_topic and rules.closed and not role.can_moderate:
        return _("This forum is closed: it takes no new topics. You can still reply to its topics.")
    return None


def keymaster_lockout(rules: ForumRules) -> str | None:
    """Why ``rules`` would lock every keymaster out of the forum (None: they do not).

    Keymasters may do everything moderators may, and no rule binds moderators (they post
    in read-only and closed forums alike), so no combination of today's values locks a
    keymaster out; the check stands so that a future rule cannot.
    """
    if not may_start_topic(ForumRole.KEYMASTER, rules) or not may_reply(ForumRole.KEYMASTER, rules):
        return _("That would leave no keymaster able to post in this forum.")
    return None


def moderation_refusal(role_here: ForumRole, *, can_view: bool, forum_name: str) -> str | None:
    """Why a member may not moderate in one forum (None: they may). ``role_here`` is their role
    in that forum (``role_in_forum``); nobody moderates a forum whose channel they cannot view."""
    if not role_here.can_moderate:
        return _("You are not a moderator of the forum {forum}: you moderate other forums only.", forum=forum_name)
    if not can_view:
        return _("You cannot view the forum {forum}'s channel, so you cannot moderate it.", forum=forum_name)
    return None


def describe(rules: ForumRules) -> list[str]:
    """One line per rule, in words, for `/forumadmin forum`: the option's name and the choice's
    (as the command tree shows them, msgctxt "name" and "choice"), and what it means."""
    posting = _("moderators only (read-only for members)") if rules.moderators_only else pgettext("choice", "everyone")
    status = _("closed (no new topics; replies allowed)") if rules.closed else pgettext("choice", "open")
    archive = _("hidden (not on the web archive)") if rules.hidden else pgettext("choice", "public")
    hold = {
        "none": pgettext("choice", "none"),
        "links": _("links (posts with {count} or more links wait for approval)", count=HOLD_LINKS),
        "new": _("new (a member's first {count} posts wait for approval)", count=HOLD_FIRST_POSTS),
        "all": _("all (every post waits for approval)"),
    }[rules.hold]
    return [
        f"{pgettext('name', 'posting')}: {posting}",
        f"{pgettext('name', 'status')}: {status}",
        f"{pgettext('name', 'archive')}: {archive}",
        f"{pgettext('name', 'hold')}: {hold}",
    ]
