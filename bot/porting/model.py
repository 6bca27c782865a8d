"""What an import carries, whatever file it came from: plain data, no discord, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_IMPORT_BYTES = 25 * 1024 * 1024
MAX_IMPORT_POSTS = 50_000
# Post numbers kept from a file: the guild's sequence continues after the highest, and
# SQLite's INTEGER is signed 64-bit, so numbers leave it room.
NUMBER_MAX = 2**62 - 1
TOPIC_STATUSES = ("open", "closed", "spam", "trash", "pending", "deleted")
POST_STATUSES = ("publish", "spam", "trash", "pending", "deleted", "purged")  # purged: a tombstone
STICKY = ("none", "sticky", "super")
ROLES = ("keymaster", "moderator", "participant", "spectator", "blocked")


class ImportRefused(Exception):
    """The file is not something we import; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Author:
    id: int
    name: str
    role: str = "participant"


@dataclass(frozen=True)
class ImportRevision:
    """An earlier version of a post: replaced at ``edited_at`` by the editor (None where
    Discord alone knows) for ``reason`` (SPEC §7)."""

    content: str
    edited_at: str
    editor_id: int | None = None
    editor_name: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ImportPost:
    key: str  # stable within the file (resuming), e.g. "p3147"
    number: int | None
    parent: int | None  # the number of the post it answers (threaded replies)
    status: str
    author: Author
    content: str  # Discord Markdown
    created_at: str
    attachments: tuple[dict[str, str], ...] = ()
    edited_at: str | None = None
    revisions: tuple[ImportRevision, ...] = ()  # oldest first
    accepted: bool = False
    message_id: int | None = None  # the original Discord id (Threadkeeper JSON), reused when free


@dataclass(frozen=True)
class ImportTopic:
    key: str
    title: str
    status: str
    sticky: str
    tags: tuple[str, ...]
    posts: tuple[ImportPost, ...]  # the opening post first, then replies in time order
    thread_id: int | None = None

    @property
    def number(self) -> int | None:
        return self.posts[0].number


@dataclass(frozen=True)
class ImportForum:
    name: str
    description: str
    topics: tuple[ImportTopic, ...]
    channel_id: int | None = None
    category: str | None = None  # the Discord channel category (or bbPress category) it sits in


@dataclass(frozen=True)
class ImportDoc:
    kind: str  # "threadkeeper" or "wxr"
    guild_name: str
    forums: tuple[ImportForum, ...] = field(default_factory=tuple)
    guild_id: int | None = None  # the export's own server (Threadkeeper JSON), checked

    @property
    def topic_count(self) -> int:
        return sum(len(f.topics) for f in self.forums)

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for f in self.forums for t in f.topics)
