"""Sending a member's text into a thread on their behalf: split for Discord, pinging nobody."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.i18n import N_, _

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
REST_REFUSED = N_("⚠️ Discord refused the rest of your long text; it is recorded in full (see `/topic show`).")


def rest_refused(complete: bool) -> str:
    """What an answer adds when Discord refused the continuation of a long post."""
    return "" if complete else "\n" + _(REST_REFUSED)


async def send_rest(thread: discord.Thread, chunks: Sequence[str]) -> tuple[list[int], bool]:
    """Send the continuation chunks of a long post; their message ids, and whether all went."""
    sent: list[int] = []
    for chunk in chunks:
        try:
            message = await thread.send(chunk, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("continuation of a long post in %s failed", thread.id, exc_info=True)
            return sent, False
        sent.append(message.id)
    return sent, True


async def delete_messages(thread: discord.Thread, message_ids: Sequence[int]) -> None:
    """Best effort: remove messages (a post's continuations) that may already be gone."""
    for message_id in message_ids:
        try:
            await thread.get_partial_message(message_id).delete()
        except discord.HTTPException:
            log.info("continuation %s in %s could not be removed", message_id, thread.id)
