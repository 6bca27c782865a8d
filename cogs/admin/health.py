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
from bot.i18n import _, ngettext
from bot.services.access import requires
from bot.services.ownership import process_name
from bot.services.recording import GAP_KEY
from bot.storage import attachments as attachments_repo
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
        lines = [_("**Threadkeeper health**")]
        lines += await self.shard_lines(guild_id)
        facts = await db.size_facts()
        if facts.wal is not None:
            lines.append(
                _(
                    "Database: `{where}` {size} on disk (+ {wal} WAL), {used} in pages, {free} free inside",
                    where=facts.where,
                    size=human_bytes(facts.on_disk),
                    wal=human_bytes(facts.wal),
                    used=human_bytes(facts.used or 0),
                    free=human_bytes(facts.free or 0),
                )
            )
        else:
            lines.append(
                _("Database: `{where}` (PostgreSQL) {size}", where=facts.where, size=human_bytes(facts.on_disk))
            )
        try:
            await db.transaction(kv.put, "health_checked_at", timeutil.iso(clock.utcnow()))
            lines.append(_("Writable: yes"))
        except StorageUnavailable as error:
            lines.append(
                _(
                    "Writable: **NO** ({error}). Members are told their posts cannot be saved.",
                    error=error.reason + ": " + str(error.detail),
                )
            )
        except Exception as error:
            lines.append(_("Writable: **NO** ({error}).", error=type(error).__name__ + ": " + str(error)))
        lines.append(
            _(
                "Writer queue: {waiting} waiting, {commits} group commits since start",
                waiting=db.queue_depth,
                commits=db.commits,
            )
        )
        if guild_id is not None:
            at = await db.run(kv.catchup_time, guild_id)
        else:
            at = await db.run(kv.get, kv.LAST_CATCHUP)
        report = bot.recorder.last_catchup
        if report is None:
            running = bot.recorder.catchup_lock.locked()
            when = at or _("never")
            if running:
                lines.append(_("Last catch-up: {when} (one is running now)", when=when))
            else:
                lines.append(_("Last catch-up: {when} (none since this start)", when=when))
        else:
            line = _(
                "Last catch-up: {when}: {threads} thread(s), {posts} post(s) recorded, {edits} edit(s), "
                "{retries} retries, {unread} thread(s) still unread",
                when=at or "?",
                threads=report.threads,
                posts=report.recorded,
                edits=report.edits,
                retries=report.retries,
                unread=report.failed_threads,
            )
            if report.deleted or report.threads_deleted:
                line += ", " + _(
                    "{posts} post(s) and {threads} thread(s) found deleted in Discord",
                    posts=report.deleted,
                    threads=report.threads_deleted,
                )
            if report.unlisted_forums:
                line += ", " + _("{count} forum(s) whose archive Discord would not list", count=report.unlisted_forums)
            lines.append(line)
        gaps = await db.run(kv.count_prefix, GAP_KEY.format(""))
        if gaps:
            lines.append(_("Threads waiting for the next catch-up: {count}", count=gaps))
        lines.append(await self.attachments_line(guild_id))
        failure = bot.last_failure
        lines.append(_("Last error: {error}", error=failure.line() if failure else _("none since this start")))
        return "\n".join(lines)

    async def attachments_line(self, guild_id: int | None) -> str:
        """What the keeper does and what it costs (docs/archive.md, Attachments)."""
        keeper = self.bot.attachments
        if not keeper.enabled:
            return _("Attachments: not kept (ARCHIVE_ATTACHMENTS=off); the archive links them to Discord")
        found = await self.bot.db.run(attachments_repo.tally, guild_id)
        mb, where = keeper.max_bytes // (1024 * 1024), keeper.root
        if keeper.mode == "images":
            said = _("Attachments: pictures up to {mb} MB kept in `{where}`", mb=mb, where=where)
        else:
            said = _("Attachments: files up to {mb} MB kept in `{where}`", mb=mb, where=where)
        tally = _(
            "{kept} kept ({size}), {skipped} linked to Discord, {failed} failed (tried again at the next catch-up)",
            kept=found.kept,
            size=human_bytes(found.kept_bytes),
            skipped=found.skipped,
            failed=found.failed,
        )
        return f"{said}: {tally}"

    async def shard_lines(self, guild_id: int | None) -> list[str]:
        """This guild's shard, the shards and the process running here, and who does the guild's
        once-per-guild work (bot/services/ownership.py)."""
        ownership = self.bot.ownership
        running = ownership.running()
        lines = [_("Process: {name}", name=process_name())]
        if running is None or guild_id is None:
            return lines
        shard = shard_of(guild_id, running.count)
        lines.insert(
            0,
            ngettext(
                "Shard: this server is on shard {shard} of {total}; this process runs shard {ids}",
                "Shard: this server is on shard {shard} of {total}; this process runs shards {ids}",
                len(running.ids),
                shard=shard,
                total=running.count,
                ids=", ".join(str(i) for i in sorted(running.ids)),
            ),
        )
        if ownership.owns(guild_id):
            lines.append(_("Once-per-server work (catch-up, digests, expiries, auto-close): done by this process"))
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
                _(
                    "Once-per-server work: done by **another process** ({holder}), which holds shard {shard}'s lease",
                    holder=holder,
                    shard=shard,
                )
            )
        else:
            why = ownership.last_error or _("this process takes it at its next renewal")
            lines.append(
                _("Once-per-server work: **nobody** holds shard {shard}'s lease now ({why})", shard=shard, why=why)
            )
        return lines
