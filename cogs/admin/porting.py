"""/forumadmin export|import (keymasters): a mixin of the Admin GroupCog (cogs/admin.py).

discord.py's CogMeta collects app commands from every class in the cog's MRO, so these
commands become subcommands of `/forumadmin` like the ones written in admin.py itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.roles import ForumRole
from bot.errors import UserFacingError
from bot.i18n import _
from bot.porting import apply, exports
from bot.porting.discord_import import DiscordImporter, ImportSummary
from bot.porting.load import detect_and_parse_many
from bot.porting.model import MAX_IMPORT_BYTES, ImportDoc, ImportForum, ImportRefused
from bot.porting.phpserial import int_list
from bot.services import forumsetup
from bot.services.access import requires
from bot.services.auditing import log_action
from bot.services.progress import ProgressMessage, Tally
from bot.storage import forums, importing
from bot.storage.models import Forum

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.client import ForumBot
    from bot.storage.api import Database

    # For the type checker the mixin is a Cog (app_commands.command wants a Cog's method);
    # at runtime it is a plain class, and Admin's CogMeta collects its commands.
    _MixinBase = commands.Cog
else:
    _MixinBase = object

log = logging.getLogger(__name__)
FORMAT_CHOICES = [
    app_commands.Choice(name="json (the full record, default)", value="json"),
    app_commands.Choice(name="html (a static copy of the archive)", value="html"),
    app_commands.Choice(name="markdown", value="markdown"),
]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def too_big_message(size: int, limit: int, fmt: str, guild_id: int) -> str:
    return (
        _(
            "The {format} export is {size}, over Discord's upload limit of {limit} for this "
            "server, so I cannot attach it. On the bot's machine, run:",
            format=fmt,
            size=megabytes(size),
            limit=megabytes(limit),
        )
        + f"\n`python -m bot export --format {fmt} --guild {guild_id} --out {exports.filename(fmt, guild_id)}`"
    )


class PortingCommands(_MixinBase):
    """`/forumadmin export [format]` and `/forumadmin import <file> [forum]`."""

    bot: ForumBot
    db: Database

    @app_commands.command(name="export", description="Export the forum as a file: json (default), html or markdown")
    @app_commands.describe(fmt="json: the full record (default); html: a static copy of the archive; markdown")
    @app_commands.rename(fmt="format")
    @app_commands.choices(fmt=FORMAT_CHOICES)
    @requires(ForumRole.KEYMASTER)
    async def export(self, interaction: discord.Interaction, fmt: app_commands.Choice[str] | None = None) -> None:
        guild = interaction.guild
        assert guild is not None
        chosen = fmt.value if fmt else "json"
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown, tally = ProgressMessage(interaction, _("Exporting topics")), Tally()
        text = await shown.follow(self.db.run(exports.render, chosen, guild.id, step=tally.step), tally)
        data = text.encode("utf-8")
        await log_action(self.db, interaction, "forum.export", details={"format": chosen, "bytes": len(data)})
        limit = guild.filesize_limit
        if len(data) > limit:
            raise UserFacingError(too_big_message(len(data), limit, chosen, guild.id))
        summary = _(
            "The forum's {format} export ({size}, {count} topic(s)).",
            format=chosen,
            size=megabytes(len(data)),
            count=tally.total,
        )
        await shown.finish(summary, file=discord.File(io.BytesIO(data), filename=exports.filename(chosen, guild.id)))

    @app_commands.command(name="import", description="Import a Threadkeeper JSON export or a bbPress WordPress export")
    @app_commands.describe(
        file="A Threadkeeper .json export or a WordPress (bbPress) WXR .xml export",
        forum="Put every topic in this registered forum (default: the forum of the same name)",
        file2="WordPress exported forums, topics and replies separately? Their second file",
        file3="…and the third file (the three import as one)",
        super_sticky="bbPress's super-sticky topic ids (its _bbp_super_sticky_topics option): 3170,3180",
        create_channels="Create a forum channel for each missing forum, under a category of its bbPress category",
    )
    @requires(ForumRole.KEYMASTER)
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        forum: discord.ForumChannel | None = None,
        file2: discord.Attachment | None = None,
        file3: discord.Attachment | None = None,
        super_sticky: str | None = None,
        create_channels: bool = False,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        files = [f for f in (file, file2, file3) if f is not None]
        for one in files:
            if one.size > MAX_IMPORT_BYTES:
                raise UserFacingError(
                    _(
                        "{file} is {size}; imports take at most {limit}.",
                        file=one.filename,
                        size=megabytes(one.size),
                        limit=megabytes(MAX_IMPORT_BYTES),
                    )
                )
        supers = int_list(super_sticky) if super_sticky and super_sticky.strip() else []
        if super_sticky and super_sticky.strip() and not supers:
            raise UserFacingError(
                _("`super_sticky` takes bbPress topic ids separated by commas, e.g. `3170,3180`. Nothing was imported.")
            )
        if guild.id in _RUNNING:
            raise UserFacingError(_("An import is already running in this server; wait for its summary."))
        _RUNNING.add(guild.id)
        try:
            doc, summary, shown = await self._import(interaction, guild, files, forum, supers, create_channels)
        finally:
            _RUNNING.discard(guild.id)
        await log_action(
            self.db,
            interaction,
            "forum.import",
            details={"file": ", ".join(f.filename for f in files)[:200], "kind": doc.kind, "topics": doc.topic_count},
        )
        self.bot.attachments.sweep([guild.id])  # copies of the file's attachments, while their links still work
        await shown.finish(summary_text(summary, doc.topic_count, doc.warnings))

    async def _import(
        self,
        interaction: discord.Interaction,
        guild: discord.Guild,
        files: list[discord.Attachment],
        forum: discord.ForumChannel | None,
        supers: list[int],
        create_channels: bool,
    ) -> tuple[ImportDoc, ImportSummary, ProgressMessage]:
        await interaction.response.defer(ephemeral=True, thinking=True)
        datas = [await one.read() for one in files]
        try:
            doc = await asyncio.to_thread(detect_and_parse_many, datas, super_sticky=supers)
        except ImportRefused as error:
            raise UserFacingError(error.message) from None  # bot/porting's words, shared with the CLI: English
        created: list[str] = []
        targets = await resolve_targets(self.db, guild, doc, forum, create_channels=create_channels, created=created)
        for target, channel in targets.values():
            self.bot.recorder.forum_ids[channel.id] = target.id
        # One key for the files whatever their order: running the same files again resumes.
        digest = hashlib.sha256("".join(sorted(hashlib.sha256(d).hexdigest() for d in datas)).encode()).hexdigest()
        key = apply.progress_key(guild.id, digest if len(datas) > 1 else hashlib.sha256(datas[0]).hexdigest())
        progress = await self.db.run(apply.load_progress, key)
        shown = ProgressMessage(interaction, _("Importing"))
        report = shown.say  # every few seconds; past the 15-minute token in a DM or the channel

        names = ", ".join(one.filename for one in files)
        await report(
            _(
                "Importing {topics} topic(s), {posts} post(s) from {files}…",
                topics=doc.topic_count,
                posts=doc.post_count,
                files=names,
            )
        )
        importer = DiscordImporter(self.db, guild, targets, progress, report)
        try:
            summary = await importer.run(doc)
            summary.created = created
        except discord.HTTPException as error:
            log.warning("import into %s stopped", guild.id, exc_info=True)
            raise UserFacingError(
                _(
                    "Discord refused a step of the import ({error}). Everything posted "
                    "so far is recorded; run the same import again to resume where it stopped.",
                    error=str(error.status) + ": " + error.text[:120],
                )
            ) from None
        return doc, summary, shown


def summary_text(summary: ImportSummary, total_topics: int, warnings: tuple[str, ...] = ()) -> str:
    """The import's summary (its warnings are bot/porting's words, shared with the CLI: English)."""
    if summary.via_webhook:
        posted = _(
            "Posted into Discord: {topics} topic(s), {posts} post(s) (replies under their authors' names "
            "through a webhook).",
            topics=summary.topics_posted,
            posts=summary.posts_posted,
        )
    else:
        posted = _(
            "Posted into Discord: {topics} topic(s), {posts} post(s).",
            topics=summary.topics_posted,
            posts=summary.posts_posted,
        )
    lines = [_("Import finished: {count} topic(s).", count=total_topics), posted]
    if summary.topics_recorded_only or summary.posts_recorded_only:
        lines.append(
            _(
                "Recorded but not posted (spam, trash, pending, deleted): {topics} topic(s), {posts} post(s).",
                topics=summary.topics_recorded_only,
                posts=summary.posts_recorded_only,
            )
        )
    if summary.skipped_done:
        lines.append(
            _("Resumed: {count} topic(s) were already imported by an earlier run.", count=summary.skipped_done)
        )
    lines.append(
        _(
            "Numbers kept: {kept}; renumbered because the number was taken: {changed}.",
            kept=summary.numbers_kept,
            changed=summary.numbers_changed,
        )
    )
    if summary.created:
        lines.append(_("Created forum channels: {channels}.", channels=", ".join(summary.created)))
    lines += [f"⚠️ {warning}" for warning in warnings]
    return "\n".join(lines)


_RUNNING: set[int] = set()  # guilds with an import under way (one at a time per guild)


async def resolve_targets(
    db: Database,
    guild: discord.Guild,
    doc: ImportDoc,
    forum: discord.ForumChannel | None,
    *,
    create_channels: bool = False,
    created: list[str] | None = None,
) -> dict[str, tuple[Forum, discord.ForumChannel]]:
    """Each file forum → the registered forum (and channel) it goes to; with ``create_channels``
    a missing one is made (bot/services/forumsetup.py), otherwise an error names every gap.
    What the file says of a forum (private or hidden in bbPress) is kept on its target."""
    targets: dict[str, tuple[Forum, discord.ForumChannel]] = {}
    missing: list[ImportForum] = []
    registered = await db.run(forums.registered_in, guild.id)
    for forum_doc in doc.forums:
        if forum is not None:
            found = await db.run(forums.by_channel, forum.id)
            if found is None or not found.registered or found.guild_id != guild.id:
                raise UserFacingError(
                    _("{forum} is not a registered forum. `/forumadmin add` registers it.", forum=forum.mention)
                )
        else:
            found = await db.run(importing.forum_named, guild.id, forum_doc.name)
            found = found or forumsetup.by_slug(registered, forum_doc.name)  # a channel an earlier run made
        channel = guild.get_channel(found.channel_id) if found is not None else None
        if found is None or not isinstance(channel, discord.ForumChannel):
            missing.append(forum_doc)
            continue
        targets[forum_doc.name] = (found, channel)
    if missing and not create_channels:
        categories = sorted({f.category for f in missing if f.category})
        names = ", ".join(f"**{f.name[:80]}**" for f in missing[:10])
        if categories:
            raise UserFacingError(
                _(
                    "No registered forum named {names} in this server. Register a forum channel of that name with "
                    "`/forumadmin add`, pick one with the `forum` option, or run the import again with "
                    "`create_channels: True` to create them (under the categories {categories}). "
                    "Nothing was imported.",
                    names=names,
                    categories=", ".join(f"**{c[:80]}**" for c in categories[:10]),
                )
            )
        raise UserFacingError(
            _(
                "No registered forum named {names} in this server. Register a forum channel of that name with "
                "`/forumadmin add`, pick one with the `forum` option, or run the import again with "
                "`create_channels: True` to create them. Nothing was imported.",
                names=names,
            )
        )
    for forum_doc in missing:
        targets[forum_doc.name] = made = await forumsetup.create_forum(
            db, guild, forum_doc, reason="Threadkeeper: a forum of the import"
        )
        if created is not None:
            created.append(made[1].mention + (" " + _("(private)") if forum_doc.hidden else ""))
    for forum_doc in doc.forums:
        await db.transaction(apply.keep_imported_rules, targets[forum_doc.name][0], forum_doc)
    return targets
