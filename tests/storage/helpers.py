from bot.storage import forums
from bot.storage.api import Database
from bot.storage.models import NewPost, NewTopic


async def register_forum(db: Database, *, guild_id: int = 1, channel_id: int = 100, name: str = "Discussion") -> int:
    forum = await db.transaction(
        forums.register,
        guild_id=guild_id,
        guild_name=f"G{guild_id}",
        channel_id=channel_id,
        name=name,
        description="",
        public=True,
        solved_tag_id=None,
        now="2026-01-01T00:00:00.000000+00:00",
    )
    return forum.id


def new_post(
    message_id: int,
    *,
    author: int = 7,
    channel: int = 1000,
    at: int = 0,
    reply_to: int | None = None,
    guild: int = 1,
    content: str = "hello",
    number: int | None = None,
) -> NewPost:
    return NewPost(
        guild_id=guild,
        message_id=message_id,
        channel_id=channel,
        author_id=author,
        author_name=f"user{author}",
        author_role="participant",
        content=content,
        created_at=f"2026-01-01T00:{at // 60:02d}:{at % 60:02d}.000000+00:00",
        reply_to_message_id=reply_to,
        number=number,
    )


def new_topic(
    forum_id: int, thread_id: int = 1000, *, author: int = 7, title: str = "A question", guild: int = 1
) -> NewTopic:
    return NewTopic(
        guild_id=guild,
        forum_id=forum_id,
        thread_id=thread_id,
        title=title,
        opening=new_post(thread_id + 1, author=author, channel=thread_id, guild=guild),
    )
