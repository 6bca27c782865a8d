"""The failure path's mapping from an error to what the member reads (bot/failures.py), and
a walk over every form, view and persistent button: each one reports through the path."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from discord import app_commands

import bot
import cogs
from bot.errors import ForumRoleCheckFailure, NotDone, UserFacingError
from bot.failures import (
    STORAGE_BUSY,
    STORAGE_UNAVAILABLE,
    Answering,
    AnsweringModal,
    AnsweringView,
    Explanation,
    explain,
    member_text,
    what_failed,
)
from bot.storage.errors import StorageUnavailable


@dataclass
class Response:
    status: int
    reason: str = "Error"
    headers: dict[str, str] = field(default_factory=dict)


def http_error(status: int, cls: type[discord.HTTPException] = discord.HTTPException) -> discord.HTTPException:
    return cls(Response(status), {"code": 0, "message": "nope"})  # type: ignore[arg-type]


def invoked(error: Exception) -> app_commands.CommandInvokeError:
    """discord.py's wrapper around an error raised inside a command."""

    async def callback(interaction: discord.Interaction) -> None:
        pass

    command = app_commands.Command(name="x", description="x", callback=callback)
    return app_commands.CommandInvokeError(command, error)


def not_done(cause: Exception, outcome: str = "Your reply was not posted.", text: str | None = "my words") -> NotDone:
    try:
        raise NotDone(outcome, give_back=text) from cause
    except NotDone as error:
        return error


@pytest.mark.parametrize(
    ("error", "text", "unexpected", "storage"),
    [
        (UserFacingError("No topic `#9` here."), "No topic `#9` here.", False, False),
        (ForumRoleCheckFailure("This command is for Keymasters."), "This command is for Keymasters.", False, False),
        (app_commands.NoPrivateMessage(), "inside a server, not in direct messages", False, False),
        (app_commands.MissingPermissions(["manage_guild"]), "You need the Manage Guild permission", False, False),
        (app_commands.CheckFailure(), "You may not use this command here.", False, False),
        (http_error(403, discord.Forbidden), "missing a permission", True, False),
        (http_error(429), "rate limiting", True, False),
        (http_error(500), "HTTP 500", True, False),
        (StorageUnavailable("read-only", "attempt to write a readonly database"), STORAGE_UNAVAILABLE, True, True),
        (StorageUnavailable("full"), STORAGE_UNAVAILABLE, True, True),
        (StorageUnavailable("locked", "database is locked"), STORAGE_BUSY, True, True),
        (RuntimeError("a bug"), "", True, False),
        (KeyError("member data must not leak"), "", True, False),
    ],
)
def test_each_kind_of_error_gets_its_answer(error: Exception, text: str, unexpected: bool, storage: bool) -> None:
    for seen in (error, invoked(error)):  # as a listener or a button raises it, and as discord.py wraps it
        explained = explain(seen)
        assert text in explained.text if text else explained.text == ""
        assert (explained.unexpected, explained.storage) == (unexpected, storage)


def test_member_text_carries_the_code_only_for_unexpected_failures() -> None:
    assert member_text(explain(UserFacingError("Nope.")), None) == "Nope."
    storage = member_text(explain(StorageUnavailable("full")), "a1b2c3")
    assert storage == STORAGE_UNAVAILABLE + " (error code `a1b2c3`)"
    generic = member_text(explain(RuntimeError("a bug")), "a1b2c3")
    assert generic == "Something went wrong on our side (error code `a1b2c3`). Nothing was lost; please try again."
    assert "a bug" not in generic  # never the error's own text


def test_not_done_adds_the_outcome_and_hands_the_text_back() -> None:
    explained = explain(invoked(not_done(StorageUnavailable("read-only"))))
    assert explained == Explanation(STORAGE_UNAVAILABLE, True, True, "Your reply was not posted.", "my words")
    text = member_text(explained, "c0ffee")
    assert text.startswith(STORAGE_UNAVAILABLE + " (error code `c0ffee`) Your reply was not posted.")
    assert text.endswith("Here is your text, so nothing is lost:")
    refused = explain(not_done(UserFacingError("That thread is gone.")))
    assert (refused.unexpected, member_text(refused, None).split("\n")[0]) == (
        False,
        "That thread is gone. Your reply was not posted.",
    )


def test_what_failed_names_the_cause_without_member_data() -> None:
    assert what_failed(invoked(not_done(StorageUnavailable("full", "secret text")))) == "StorageUnavailable (full)"
    assert what_failed(invoked(http_error(503))) == "HTTPException (HTTP 503)"
    assert what_failed(KeyError("secret")) == "KeyError"


def _classes(package: Any) -> list[type]:
    found = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        found += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == info.name]
    return found


def test_every_form_view_and_persistent_button_reports_through_the_failure_path() -> None:
    """discord.py only logs the errors of a Modal, a View or a DynamicItem: each one in the bot
    derives from the failure path's base (or mixin), so its member is answered."""
    classes = _classes(bot) + _classes(cogs)
    modals = [c for c in classes if issubclass(c, discord.ui.Modal)]
    views = [c for c in classes if issubclass(c, discord.ui.View)]
    items = [c for c in classes if issubclass(c, discord.ui.DynamicItem)]
    assert {c.__name__ for c in modals} >= {"AnsweringModal", "ReportModal"}
    assert {c.__name__ for c in items} >= {"PageButton", "QueueButton"}
    assert [c for c in modals if not issubclass(c, AnsweringModal)] == []
    assert [c for c in views if not issubclass(c, AnsweringView)] == []
    for item in items:
        assert issubclass(item, Answering) and item.__mro__.index(Answering) < item.__mro__.index(discord.ui.Item)
        assert "callback" not in vars(item), f"{item.__name__} overrides the answering callback: implement pressed"
