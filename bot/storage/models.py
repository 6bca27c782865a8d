"""Frozen dataclasses returned by repositories. No discord objects here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.domain.forumrules import ForumRules
from bot.domain.roles import ForumRole
from bot.domain.text import one_line, without_controls
from bot.storage.api import Row

TOPIC_STATUSES = ("open", "closed", "spam", "trash", "pending", "deleted")
POST_STATUSES = ("publish", "spam", "trash", "pending", "deleted")
REGISTRATION = ("open", "closed")


def _json_tuple(text: str) -> tuple[Any, ...]:
    """A JSON list column as a tuple; the common empty list without the parser."""
    return () if text == "[]" else tuple(json.loads(text))


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    name: str
    default_role: ForumRole
    registration: str
    throttle_seconds: int
    replies_per_page: int
    auto_close_days: int
    notify_digest_minutes: int
    edit_window_minutes: int = 0

    @property
    def registration_open(self) -> bool:
        return self.registration == "open"

    @classmethod
    def from_row(cls, row: Row) -> GuildSettings:
        return cls(
            guild_id=row["guild_id"],
            name=row["name"],
            default_role=ForumRole.parse(row["default_role"]),
            registration=row["registration"],
            throttle_seconds=row["throttle_seconds"],
            replies_per_page=row["replies_per_page"],
            auto_close_days=row["auto_close_days"],
            notify_digest_minutes=row["notify_digest_minutes"],
            edit_window_minutes=row["edit_window_minutes"],
        )


@dataclass(frozen=True)
class Forum:
    id: int
    guild_id: int
    channel_id: int
    name: str
    description: str
    solved_tag_id: int | None
    registered: bool
    public: bool
    topic_count: int
    post_count: int
    last_post_at: str | None
    created_at: str
    category: str | None = None  # its Discord channel category's name (or its imported bbPress category)
    rules: ForumRules = field(default_factory=ForumRules)  # posting, status, archive, hold (SPEC §1 "Per-forum scope")

    @classmethod
    def from_row(cls, row: Row) -> Forum:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            name=row["name"],
            description=row["description"],
            solved_tag_id=row["solved_tag_id"],
            registered=bool(row["registered"]),
            public=bool(row["public"]),
            topic_count=row["topic_count"],
            post_count=row["post_count"],
            last_post_at=row["last_post_at"],
            created_at=row["created_at"],
            category=row["category"],
            rules=ForumRules.stored(row["posting"], row["status"], row["archive"], row["hold"]),
        )


@dataclass(frozen=True)
class Topic:
    id: int
    guild_id: int
    forum_id: int
    number: int
    thread_id: int
    title: str
    status: str
    close_reason: str | None
    sticky: str
    tags: tuple[str, ...]
    author_id: int
    author_name: str
    author_role: str
    created_at: str
    reply_count: int
    voice_count: int
    last_post_at: str
    last_post_number: int | None
    solved: bool
    archived: bool = False  # Discord's archived flag of its thread, as last seen

    @classmethod
    def from_row(cls, row: Row) -> Topic:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            forum_id=row["forum_id"],
            number=row["number"],
            thread_id=row["thread_id"],
            title=row["title"],
            status=row["status"],
            close_reason=row["close_reason"],
            sticky=row["sticky"],
            tags=_json_tuple(row["tags"]),
            author_id=row["author_id"],
            author_name=row["author_name"],
            author_role=row["author_role"],
            created_at=row["created_at"],
            reply_count=row["reply_count"],
            voice_count=row["voice_count"],
            last_post_at=row["last_post_at"],
            last_post_number=row["last_post_number"],
            solved=bool(row["solved"]),
            archived=bool(row["archived"]),
        )


@dataclass(frozen=True)
class Post:
    id: int
    guild_id: int
    topic_id: int
    number: int
    message_id: int
    channel_id: int
    parent_id: int | None
    is_opening: bool
    author_id: int
    author_name: str
    author_role: str
    content: str
    attachments: tuple[dict[str, str], ...]
    status: str
    flag: str | None
    accepted: bool
    created_at: str
    edited_at: str | None
    continuations: tuple[int, ...] = ()  # further messages of a post split for Discord
    edited_by: str | None = None  # the latest edit's editor, when a moderator edited it
    edit_reason: str | None = None  # ... and the reason readers see beside the post

    @property
    def edit_note(self) -> str | None:
        """What readers see beside a post a moderator edited with a reason."""
        if self.edited_by and self.edit_reason:
            return f"Edited by {self.edited_by}: {self.edit_reason}"
        return None

    @classmethod
    def from_row(cls, row: Row) -> Post:
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            topic_id=row["topic_id"],
            number=row["number"],
            message_id=row["message_id"],
            channel_id=row["channel_id"],
            parent_id=row["parent_id"],
            is_opening=bool(row["is_opening"]),
            author_id=row["author_id"],
            author_name=row["author_name"],
            author_role=row["author_role"],
            content=row["content"],
            attachments=_json_tuple(row["attachments"]),
            status=row["status"],
            flag=row["flag"],
            accepted=bool(row["accepted"]),
            created_at=row["created_at"],
            edited_at=row["edited_at"],
            continuations=tuple(json.loads(row["continuation_ids"])),
            edited_by=row["edited_by"],
            edit_reason=row["edit_reason"],
        )


@dataclass(frozen=True)
class Revision:
    """An earlier version of a post: replaced at ``revised_at`` by ``editor_name`` (None where
    Discord alone knows), for ``reason``."""

    content: str
    revised_at: str
    editor_id: int | None = None
    editor_name: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Mentioned:
    """A user, role or channel a message mentions, named as Discord resolved it when the
    message was recorded (``bot.storage.names``). ``public``: a channel @everyone can view."""

    kind: str  # user, role, channel
    id: int
    name: str
    public: bool = True


@dataclass(frozen=True)
class NewPost:
    """What the recording path knows about a message, before it has a number."""

    guild_id: int
    message_id: int
    channel_id: int
    author_id: int
    author_name: str
    author_role: str
    content: str
    created_at: str
    attachments: tuple[dict[str, str], ...] = ()
    reply_to_message_id: int | None = None
    flag: str | None = None
    status: str = "publish"
    number: int | None = None  # imports keep their numbers where free
    mentioned: tuple[Mentioned, ...] = ()  # names of what the text mentions (bot.storage.names)

    def __post_init__(self) -> None:
        # Every path that records a post builds a NewPost (typed, /topic new, /reply, New Post,
        # catch-up, imports): control characters leave here, once (SPEC §3).
        _clean(self, "content", without_controls(self.content))
        _clean(self, "author_name", one_line(self.author_name))
        if self.attachments:
            _clean(
                self,
                "attachments",
                tuple({k: one_line(v) if isinstance(v, str) else v for k, v in a.items()} for a in self.attachments),
            )

    def attachments_json(self) -> str:
        return json.dumps(list(self.attachments))


@dataclass(frozen=True)
class NewTopic:
    guild_id: int
    forum_id: int
    thread_id: int
    title: str
    opening: NewPost
    tags: tuple[str, ...] = ()
    status: str = "open"
    # When the bot records it. Its author is subscribed to it then; for an old thread adopted
    # late, about replies from at most ``subscriptions.ADOPTED_LOOKBACK`` before this on.
    recorded_at: str | None = None

    def __post_init__(self) -> None:
        _clean(self, "title", one_line(self.title))
        _clean(self, "tags", tuple(one_line(tag) for tag in self.tags))


def _clean(obj: object, name: str, value: object) -> None:
    """Set a field of a frozen dataclass in its ``__post_init__`` (only when it changed)."""
    if value != getattr(obj, name):
        object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Recorded:
    """The outcome of recording one message: the post, and whether it is new."""

    post: Post
    topic: Topic
    created: bool


@dataclass(frozen=True)
class TopicPage:
    """A topic with all its published posts (exports, the demo)."""

    topic: Topic
    forum: Forum
    posts: list[Post] = field(default_factory=list)
    reply_threads: int = 0
    total_posts: int = 0


class PostOutline(NamedTuple):
    """What the reading order needs of a post, without its text (a tuple: a huge topic has
    tens of thousands)."""

    id: int
    number: int
    parent_id: int | None
    accepted: bool
    is_opening: bool


@dataclass(frozen=True)
class TopicView:
    """One page of a topic in reading order (``/topic show``, the archive): only the page's
    posts are read in full, whatever the topic's size."""

    topic: Topic
    forum: Forum
    entries: list[tuple[Post, int]]  # (post, depth) of this page
    page: int  # 0-based, within range
    pages: int
    total_posts: int
    reply_threads: int


def as_dict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(obj)


class Move(NamedTuple):
    """A post re-posted by moderation (restore, move, merge, split): where it lives now.
    A plain (post id, channel id, message id) tuple is a move without continuations."""

    post_id: int
    channel_id: int
    message_id: int
    continuations: tuple[int, ...] = ()  # the further messages of a post too long for one


Moves = Sequence[Move | tuple[int, int, int]]
