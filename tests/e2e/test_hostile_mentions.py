"""Hostile input through the real bot: a body full of mentions pings nobody."""

from __future__ import annotations

from typing import Any

import discord

from tests.e2e.helpers import text_of


def _bot_messages_since(world: Any, start: int) -> list[tuple[str, dict[str, Any]]]:
    """(path, message payload) of every message the bot sent since request ``start``."""
    sent = []
    for entry in world.env.http_requests[start:]:
        if entry.method != "POST" or not isinstance(entry.json, dict):
            continue
        if entry.path.endswith("/messages"):
            sent.append((entry.path, entry.json))
        elif entry.path.endswith("/threads") and isinstance(entry.json.get("message"), dict):
            sent.append((entry.path, entry.json["message"]))
    return sent


def _pinged(world: Any, channel_id: int) -> list[tuple[int, list[int], list[int], bool]]:
    """What Discord (simcord) resolved as pings for each message in a channel."""
    return [
        (m.id, list(m.ping_user_ids), list(m.ping_role_ids), bool(m.mention_everyone))
        for m in world.env.backend.messages.get(channel_id, {}).values()
        if m.ping_user_ids or m.ping_role_ids or m.mention_everyone
    ]


async def test_mentions_in_topic_and_reply_bodies_ping_nobody(world):
    staff = world.guild.create_role("Staff", mentionable=True)
    victim = world.member("Victim", roles=(staff,))
    author = world.member("Mallory")
    hostile = (
        f"@everyone @here <@&{staff.id}> <@{victim.id}> <@!{victim.id}> "
        "[click](https://evil.example) **bold** `code` ||spoiler||"
    )
    # Long enough that the post is split: the continuation must not ping either.
    body = hostile + "\n\n" + ("filler " * 320) + "\n\n" + hostile
    assert len(body) > 2000

    start = len(world.env.http_requests)
    made = await author.slash(world.general, "topic new", forum=world.forum, title="@everyone look", body=body)
    assert "Started topic" in text_of(made), text_of(made)
    thread = world.thread("@everyone look")
    await world.env.advance_time(60)
    replied = await author.slash(world.general, "reply", topic="#1", body=body)
    assert "Replied as" in text_of(replied), text_of(replied)

    sent = _bot_messages_since(world, start)
    in_thread = [payload for path, payload in sent if str(thread.id) in path or path.endswith("/threads")]
    # opening post (2 chunks) + reply (2 chunks)
    assert len(in_thread) >= 4, sent
    for payload in in_thread:
        mentions = payload.get("allowed_mentions")
        assert mentions is not None, payload
        assert mentions.get("parse") == [], mentions
        assert not mentions.get("users") and not mentions.get("roles"), mentions
        assert not mentions.get("replied_user"), mentions
    assert any("@everyone" in p.get("content", "") for p in in_thread)  # the text itself is kept
    assert _pinged(world, thread.id) == []

    # What was recorded is the member's text as written.
    recorded = await world.posts_of(thread)
    assert [p.content for p in recorded] == [body, body]


async def test_the_bot_default_allows_no_mentions(world):
    assert world.bot.allowed_mentions is not None
    assert world.bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
