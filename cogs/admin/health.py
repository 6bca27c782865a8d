"""/forumadmin health: what an operator needs at a glance (a mixin of the Admin GroupCog).

discord.py's CogMeta collects app commands from every class in the cog's MRO, so the
command defined here joins the /forumadmin group of ``cogs.admin.Admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot import clock
from bot.domain import timeutil
from bot.domain.roles import ForumRole
from bot.domain.shards import shard_of
from bot.services.access import requires
from bot.services.ownership import process_name
from bot.services.recording import GAP_KEY
from bot.storage import kv
from bot.storage.errors import StorageUnavailable
from bot.storage.leases import all_leases, lease_name

if TYPE_CHECKING:
    from bot.client import ForumBot


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


class HealthCommands:
    """Mixed into Admin: ``self.bot`` is the ForumBot."""

    bot: ForumBot

    @app_commands.command(  # type: ignore[type-var]
        name="health", description="Database size, last catch-up, writer queue, last error"
    )
    @requires(ForumRole.KEYMASTER)
    async def health(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(await self.health_text(interaction.guild_id), ephemeral=True)

    async def health_text(self, guild_id: int | None = None) -> str:
        bot = self.bot
        db = bot.db
        lines = ["**Threadkeeper health**"]
        lines += await self.shard_lines(guild_id)
        facts = await db.size_facts()
        if facts.wal is not None:
            lines.append(
                f"Database: `{facts.where}` {human_bytes(facts.on_disk)} on disk (+ {human_bytes(facts.wal)} WAL), "
                f"{human_bytes(facts.used or 0)} in pages, {human_bytes(facts.free or 0)} free inside"
            )
        else:
            lines.append(f"Database: `{facts.where}` (PostgreSQL) {human_bytes(facts.on_disk)}")
        try:
            await db.transaction(kv.put, "health_checked_at", timeutil.iso(clock.utcnow()))
            lines.append("Writable: yes")
        except StorageUnavailable as error:
            lines.append(
                f"Writable: **NO** ({error.reason}: {error.detail}). Members are told their posts cannot be saved."
            )
        except Exception as error:
            lines.append(f"Writable: **NO** ({type(error).__name__}: {error}).")
        lines.append(f"Writer queue: {db.queue_depth} waiting, {db.commits} group commits since start")
        if guild_id is not None:
            at = await db.run(kv.catchup_time, guild_id)
        else:
            at = await db.run(kv.get, kv.LAST_CATCHUP)
        report = bot.recorder.last_catchup
        if report is None:
            running = bot.recorder.catchup_lock.locked()
            lines.append(
                f"Last catch-up: {at or 'never'}" + (" (one is running now)" if running else " (none since this start)")
            )
        else:
            lines.append(
                f"Last catch-up: {at or '?'}: {report.threads} thread(s), {report.recorded} post(s) recorded, "
                f"{report.edits} edit(s), {report.retries} retr{'y' if report.retries == 1 else 'ies'}, "
                f"{report.failed_threads} thread(s) still unread"
                + (
                    f", {report.unlisted_forums} forum(s) whose archive Discord would not list"
                    if report.unlisted_forums
                    else ""
                )
            )
        gaps = await db.run(kv.count_prefix, GAP_KEY.format(""))
        if gaps:
            lines.append(f"Threads waiting for the next catch-up: {gaps}")
        failure = bot.last_failure
        lines.append("Last error: " + (failure.line() if failure else "none since this start"))
        return "\n".join(lines)

    async def shard_lines(self, guild_id: int | None) -> list[str]:
        """This guild's shard, the shards and the process running here, and who does the guild's
        once-per-guild work (bot/services/ownership.py)."""
        ownership = self.bot.ownership
        running = ownership.running()
        lines = [f"Process: {process_name()}"]
        if running is None or guild_id is None:
            return lines
        shard = shard_of(guild_id, running.count)
        lines.insert(
            0,
            f"Shard: this server is on shard {shard} of {running.count}; this process runs shard"
            f"{'s' if len(running.ids) != 1 else ''} {', '.join(str(i) for i in sorted(running.ids))}",
        )
        if ownership.owns(guild_id):
            lines.append("Once-per-server work (catch-up, digests, expiries, auto-close): done by this process")
            return lines
        name = lease_name(shard, running.count)
        try:
            found = [lease for lease in await self.bot.db.run(all_leases) if lease.name == name]
        except Exception as error:
            found, ownership.last_error = [], f"reading the leases failed: {type(error).__name__}: {error}"
        now = timeutil.iso(clock.utcnow())
        if found and found[0].holder != ownership.holder and found[0].expires_at >= now:
            holder = found[0].holder.rsplit(":", 1)[0].replace(":", " pid ")
            lines.append(
                f"Once-per-server work: done by **another process** ({holder}), which holds shard {shard}'s lease"
            )
        else:
            why = ownership.last_error or "this process takes it at its next renewal"
            lines.append(f"Once-per-server work: **nobody** holds shard {shard}'s lease now ({why})")
        return lines
