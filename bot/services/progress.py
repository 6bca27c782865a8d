"""Progress of long work in a command's answer: a bar edited every few seconds, a summary at
the end, and life past Discord's 15-minute interaction token.

A command defers, then hands its work a ``ProgressMessage``: ``update(done, total)`` edits the
answer at most every ``EVERY`` (and always at the end); ``finish(summary)`` sends the summary.
An interaction's token lives 15 minutes: from ``TOKEN_LIFE`` on (or as soon as Discord refuses
the token), the bar and the summary continue in one message in the channel the command was
used in, naming the member and saying why; when that channel cannot be used (Discord refuses
the message), in a DM to the member. That one message is edited from then on.

Work that runs in a database thread (an export) counts into a ``Tally``; ``follow`` shows it
every few seconds while the work runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import discord

from bot import clock
from bot.i18n import N_, _
from bot.services.posting import NO_MENTIONS

log = logging.getLogger(__name__)

EVERY = timedelta(seconds=3)
TOKEN_LIFE = timedelta(minutes=14)  # Discord's 15, with a margin for the last edit
BAR_WIDTH = 20
CONTINUED = N_("(Discord ends a command's answer after 15 minutes: this work continues here.)")
_INVALID_TOKEN = {50027, 10015}  # Invalid Webhook Token, Unknown Webhook
T = TypeVar("T")


@dataclass
class Tally:
    """Counts of work done in another thread (plain ints: one writer, read between steps)."""

    done: int = 0
    total: int = 0

    def step(self, done: int, total: int) -> None:
        self.done, self.total = done, total


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``▰▰▰▰▱▱▱▱▱▱ 40% (40/100)``."""
    total = max(total, 0)
    done = min(max(done, 0), total) if total else 0
    share = done / total if total else 1.0
    filled = round(share * width)
    return f"{'▰' * filled}{'▱' * (width - filled)} {int(share * 100)}% ({done}/{total})"


class ProgressMessage:
    def __init__(self, interaction: discord.Interaction, what: str) -> None:
        self.interaction = interaction
        self.what = what
        self.last: datetime | None = None  # when the bar was last shown
        self.token_gone = False
        self.elsewhere: discord.Message | None = None  # the DM or channel message past the token
        self.prefix = ""  # in the channel: whose work it is
        self.channel_refused = False

    def _token_alive(self) -> bool:
        return not self.token_gone and clock.utcnow() - self.interaction.created_at < TOKEN_LIFE

    async def update(self, done: int, total: int) -> None:
        await self.say(f"{self.what}… {bar(done, total)}", last=done >= total)

    async def follow(self, work: Awaitable[T], tally: Tally) -> T:
        """Await ``work`` (run elsewhere, counting into ``tally``), showing its bar every ``EVERY``."""
        task = asyncio.ensure_future(work)
        while not task.done():
            await asyncio.wait({task}, timeout=EVERY.total_seconds())
            if not task.done() and tally.total:
                await self.update(min(tally.done, tally.total - 1), tally.total)
        return task.result()

    async def say(self, text: str, *, last: bool = False) -> None:
        """Show ``text`` as the progress (at most every ``EVERY``; ``last`` always)."""
        now = clock.utcnow()
        if self.last is not None and now - self.last < EVERY and not last:
            return
        self.last = now
        await self._show(text)

    async def finish(self, summary: str, *, file: discord.File | None = None) -> None:
        """The work's summary: the command's answer while its token lives, else where the bar went
        (a ``file`` then goes with it: a channel message holding a keymaster's export goes to a DM)."""
        if self._token_alive():
            try:
                if file is None:
                    await self.interaction.followup.send(summary, ephemeral=True, allowed_mentions=NO_MENTIONS)
                else:
                    await self.interaction.followup.send(
                        summary, file=file, ephemeral=True, allowed_mentions=NO_MENTIONS
                    )
                return
            except discord.HTTPException as error:
                if not self._token_refused(error):
                    raise
                if file is not None:
                    file.reset()
        if file is not None:
            await self._private(summary, file)
            return
        await self._elsewhere(summary)

    async def _private(self, summary: str, file: discord.File) -> None:
        """A file past the token (an export: not for the channel): by DM, the channel told where it went."""
        try:
            await self.interaction.user.send(f"{summary}\n{_(CONTINUED)}", file=file, allowed_mentions=NO_MENTIONS)
            await self._elsewhere(summary + " " + _("I sent it to you by DM."))
        except discord.HTTPException:
            await self._elsewhere(
                summary
                + " "
                + _(
                    "Your DMs are closed, so I could not send it; run the export again, or "
                    "`python -m bot export` on the bot's machine."
                )
            )

    async def _show(self, text: str) -> None:
        if self._token_alive():
            try:
                await self.interaction.edit_original_response(content=text)
                return
            except discord.HTTPException as error:
                if not self._token_refused(error):
                    log.debug("could not show progress", exc_info=True)
                    return
        await self._elsewhere(text)

    def _token_refused(self, error: discord.HTTPException) -> bool:
        if error.code in _INVALID_TOKEN or error.status == 401:
            self.token_gone = True
        return self.token_gone

    async def _elsewhere(self, text: str) -> None:
        """Past the token: one channel message (or, when the channel cannot be used, one DM),
        edited from then on."""
        content = f"{text}\n{_(CONTINUED)}"
        if self.elsewhere is not None:
            try:
                await self.elsewhere.edit(content=self.prefix + content, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException:
                log.info("could not edit the progress message", exc_info=True)
        channel = self.interaction.channel
        if isinstance(channel, discord.abc.Messageable) and not self.channel_refused:
            prefix = f"{self.interaction.user.mention} "
            try:
                self.elsewhere = await channel.send(prefix + content, allowed_mentions=NO_MENTIONS)
                self.prefix = prefix
                return
            except discord.HTTPException:
                self.channel_refused = True
                log.info("progress: the channel refused the message, a DM then", exc_info=True)
        self.prefix = ""
        try:
            self.elsewhere = await self.interaction.user.send(content, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("progress could not be shown anywhere", exc_info=True)
