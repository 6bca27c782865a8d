"""Forum roles (bbPress's five) and what each may do. Pure: no discord imports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from bot.i18n import _, pgettext


class ForumRole(IntEnum):
    """Ordered privilege: a higher value may do everything a lower one may."""

    BLOCKED = 0
    SPECTATOR = 1
    PARTICIPANT = 2
    MODERATOR = 3
    KEYMASTER = 4

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def display(self) -> str:
        """The English name (records, logs, the web archive)."""
        return self.name.capitalize()

    @property
    def label(self) -> str:
        """The name in the member's language (bbPress's: Participante, Teilnehmer, ...)."""
        labels = {
            ForumRole.BLOCKED: pgettext("role", "Blocked"),
            ForumRole.SPECTATOR: pgettext("role", "Spectator"),
            ForumRole.PARTICIPANT: pgettext("role", "Participant"),
            ForumRole.MODERATOR: pgettext("role", "Moderator"),
            ForumRole.KEYMASTER: pgettext("role", "Keymaster"),
        }
        return labels[self]

    @classmethod
    def parse(cls, value: str) -> ForumRole:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown forum role {value!r}") from None

    # Capabilities (SPEC §1).
    @property
    def can_start_topics(self) -> bool:
        return self >= ForumRole.PARTICIPANT

    @property
    def can_reply(self) -> bool:
        return self >= ForumRole.PARTICIPANT

    @property
    def can_moderate(self) -> bool:
        return self >= ForumRole.MODERATOR

    @property
    def can_administer(self) -> bool:
        return self is ForumRole.KEYMASTER

    @property
    def can_post(self) -> bool:
        return self.can_reply


ROLE_CHOICES: tuple[str, ...] = tuple(role.key for role in ForumRole)


@dataclass(frozen=True)
class Assignment:
    """An explicit role stored by the bot (`/mod role`, `/mod block`, `/forum join`)."""

    role: ForumRole
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


def effective_role(
    *,
    is_owner_or_admin: bool,
    assignment: Assignment | None,
    mapped_roles: Iterable[ForumRole],
    default_role: ForumRole,
    now: datetime,
) -> ForumRole:
    """SPEC §1's order, first match wins."""
    if is_owner_or_admin:
        return ForumRole.KEYMASTER
    if assignment is not None and assignment.active(now):
        return assignment.role
    mapped = list(mapped_roles)
    if mapped:
        if ForumRole.BLOCKED in mapped:
            return ForumRole.BLOCKED
        return max(mapped)
    return default_role


def may_assign(actor: ForumRole, target_current: ForumRole, new_role: ForumRole | None) -> str | None:
    """Why `actor` may not give `new_role` (None = clear) to a member now `target_current`.

    Returns None when allowed. Moderators may give participant, spectator, blocked and
    default; only keymasters give moderator or keymaster; nobody changes a keymaster's role
    but a keymaster above them (keymasters are peers, so only an owner/admin, who is not
    stored, effectively can: we refuse keymaster-on-keymaster changes).
    """
    if not actor.can_moderate:
        return _("Only moderators and keymasters may change forum roles.")
    if target_current is ForumRole.KEYMASTER:
        return _("Nobody changes a keymaster's role but a keymaster above them.")
    if target_current is ForumRole.MODERATOR and actor is not ForumRole.KEYMASTER:
        return _("Only a keymaster may change a moderator's role.")
    if new_role is not None and new_role >= ForumRole.MODERATOR and actor is not ForumRole.KEYMASTER:
        return _("Only a keymaster may make someone a {role}.", role=new_role.label)
    return None


def refusal_reason(role: ForumRole, *, starting_topic: bool, registration_open: bool) -> str:
    """The words a member reads when their role does not let them post."""
    if role is ForumRole.BLOCKED:
        return _("You are blocked from posting in this forum.")
    if starting_topic:
        text = _("You must be a participant to start a topic in this forum.")
    else:
        text = _("You must be a participant to reply to this topic.")
    if registration_open:
        text += " " + _("Use `/forum join` to become one.")
    return text
