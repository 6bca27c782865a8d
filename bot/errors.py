"""Errors that carry a message meant for the member who caused them."""

from __future__ import annotations

from discord import app_commands


class UserFacingError(Exception):
    """Raised by commands; the tree's error handler shows the message ephemerally."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ForumRoleCheckFailure(app_commands.CheckFailure):
    """A runtime check on the member's forum role refused the command."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
