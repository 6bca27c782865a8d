"""What the database layer raises when it cannot do its job, whatever the backend.

Each backend (``bot.storage.sqlite``, ``bot.storage.postgres``) translates its driver's errors into these, so
callers above storage never match a driver's message text or import its exceptions.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal["full", "read-only", "locked", "unreachable"]


class StorageUnavailable(Exception):
    """The database cannot take the work now; nothing of it was written.

    ``reason``: ``full`` (no space left), ``read-only`` (file, mount or server refuses
    writes), ``locked`` (another holder kept it longer than the backend waits),
    ``unreachable`` (cannot be opened or reached, I/O error). It passes when the operator
    fixes the cause; the same work succeeds when tried again.
    """

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"storage {reason}" + (f": {detail}" if detail else ""))
        self.reason: Reason = reason
        self.detail = detail


class SchemaTooNew(Exception):
    """The database was written by a newer Threadkeeper: this code does not know its schema."""

    def __init__(self, found: int, known: int, where: object = "the database") -> None:
        self.found, self.known = found, known
        super().__init__(
            f"{where} has schema version {found}, newer than this Threadkeeper knows (up to {known}): "
            "run the newer Threadkeeper, or restore the backup taken before the upgrade (docs/operations.md)."
        )


class UnfinishedCopy(Exception):
    """The database is the target of a ``db copy`` that did not finish: not a forum yet."""

    def __init__(self, where: object, url: object = None) -> None:
        super().__init__(
            f"{where} holds an unfinished copy (kv key db_copy_unfinished), not a forum yet: run "
            f"`python -m bot db copy {url or where}` again with DATABASE_URL set to the database it was copied from, "
            'and it starts over from scratch (docs/operations.md, "Moving a forum").'
        )
