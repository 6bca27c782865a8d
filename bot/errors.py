"""Errors that carry a message meant for the member who caused them (bot/failures.py answers)."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(Exception):
    """Raised by commands, buttons and forms; the failure path shows the message ephemerally."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ForumRoleCheckFailure(app_commands.CheckFailure):
    """A runtime check on the member's forum role refused the command."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotDone(Exception):
    """An action failed after the bot undid its own part of it in Discord.

    Raise it ``from`` the failure: the failure path explains the failure as usual (error
    code, log, storage alert), adds ``outcome`` ("Your reply was not posted.") and hands
    ``give_back`` (the member's text) back, so nothing the member typed is lost.
    """

    def __init__(self, outcome: str, *, give_back: str | None = None) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.give_back = give_back
