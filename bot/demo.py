"""`python -m bot demo`: the real bot, offline, on a simulated Discord (simcord).

It plays SPEC's example thread — Marzana M asks, Dr. Kumar and Dr. M answer, a spectator
is refused, the asker marks an answer — records it in DATABASE_PATH, prints what
happened, then serves the web archive of it until interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

from bot.config import Settings
from bot.storage import describe, kv

TITLE = "What is the difference between personalized medicine and precision medicine?"
QUESTION = (
    "Is there a difference between personalized medicine and precision medicine, or they are the same? "
    "I keep reading both terms in the same articles."
)
KUMAR = (
    "Precision medicine and personalized medicine are often used interchangeably. Precision medicine "
    "usually stresses **data**: genomics, biomarkers and the groups of patients who respond alike."
)
DRM = (
    'The terms "precision medicine" and "personalized medicine" overlap, but the US National Research '
    "Council preferred *precision* medicine: treatments are rarely made for one person, they are chosen "
    "for the subgroup a patient belongs to."
)
SPECTATOR_TRY = "I have an opinion on this too!"
# Numbered and dated as SPEC's example thread: the question #3146 three days ago, Dr. Kumar's
# reply #3147 the next day, Dr. M's #3153 the day after (#3148-#3152 went to other topics).
FIRST_NUMBER = 3146
DRM_NUMBER = 3153
DAYS_AGO = 3
DEMO_MARK = "demo"
MARK_AS_ANSWER = "Mark as answer"


@dataclass
class DemoReport:
    guild_id: int = 0
    topic_number: int = 0
    numbers: list[int] = field(default_factory=list)
    accepted: int = 0
    accepted_via: str = ""
    lines: list[str] = field(default_factory=list)


class NotADemoDatabase(Exception):
    """DATABASE_PATH holds a real forum: the demo will not write into it."""


def prepare(settings: Settings) -> None:
    """Start from an empty database, but never over one the demo did not make."""
    from bot.storage import target

    kind, where = target(settings)
    if kind == "sqlite":
        prepare_database(Path(where))
        return
    from bot.storage import connect
    from bot.storage.postgres.database import drop_schema

    conn = connect(settings)
    try:
        if kv.holds_forum_not_marked(conn, DEMO_MARK):
            raise NotADemoDatabase(
                f"{describe(settings)} holds a forum that the demo did not make; the demo will not touch it. "
                "Run it with another database, e.g. DATABASE_URL=postgresql://localhost/threadkeeper_demo"
            )
        drop_schema(conn)  # the demo's own earlier run (or nothing): the bot makes it again
    finally:
        conn.close()


def prepare_database(path: Path) -> None:
    """Start from an empty file, but never over a database the demo did not make."""
    import sqlite3

    if path.exists():
        conn = sqlite3.connect(path)
        try:
            foreign = kv.holds_forum_not_marked(conn, DEMO_MARK)
        finally:
            conn.close()
        if foreign:
            raise NotADemoDatabase(
                f"{path} holds a forum that the demo did not make; the demo will not touch it. "
                "Run it with another path, e.g. DATABASE_PATH=data/demo.db python -m bot demo"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)


async def play(settings: Settings, say: Callable[[str], None] = print) -> DemoReport:
    """The scenario: the real bot on simcord. Leaves the database closed and filled."""
    import simcord

    from bot import clock
    from bot.app import create_bot
    from bot.client import ForumBot
    from bot.domain import timeutil
    from bot.domain.reading import reading_order
    from bot.storage import guilds, importing, kv, posts, topics
    from bot.ui.topics import reply_threads_header, role_display

    report = DemoReport()

    def tell(line: str) -> None:
        report.lines.append(line)
        say(line)

    # The demo stays unsharded whatever SHARD_COUNT / SHARD_IDS say: one process, one shard.
    bot = create_bot(replace(settings, shard_count=None, shard_ids=None), sync_commands=True)
    assert isinstance(bot, ForumBot)
    try:
        async with simcord.run(bot, shard_count=1) as env:  # unsharded: one shard holds the demo guild
            _move_clock(env, _days_ago(DAYS_AGO) - env.now())
            owner = env.create_user("admin", global_name="Admin")
            guild = env.create_guild("Activity", owner=owner)
            report.guild_id = guild.id
            admin = guild.add_member(owner)
            general = guild.create_text_channel("general")
            forum = guild.create_forum_channel("Discussion")
            readers = guild.create_role("Readers")

            def member(name: str, *roles: simcord.RoleHandle) -> simcord.MemberActor:
                user = env.create_user(name.lower().replace(" ", "_").replace(".", ""), global_name=name)
                return guild.add_member(user, roles=list(roles))

            await bot.db.transaction(kv.put, DEMO_MARK, timeutil.iso(clock.utcnow()))
            added = await admin.slash(general, "forumadmin add", channel=forum, description="General discussion")
            tell(f"Admin registers the forum: {_text(added).splitlines()[0]}")
            # An established server: its forum numbers are in the thousands already.
            await bot.db.transaction(guilds.skip_numbers_to, guild.id, FIRST_NUMBER)
            await admin.slash(general, "forumadmin rolemap", forum_role="spectator", discord_role=readers)
            tell("Admin maps the Discord role @Readers to the forum role Spectator.")

            marzana, kumar, drm = member("Marzana M"), member("Dr. Kumar"), member("Dr. M")
            spectator = member("Sam Spectator", readers)

            asked = await marzana.slash(general, "topic new", forum=forum, title=TITLE, body=QUESTION)
            tell(f"Marzana M: /topic new → {_text(asked).splitlines()[0]}")
            thread = next(t for t in forum.threads if t.name == TITLE)
            _move_clock(env, timedelta(hours=26))
            kumar_message = await kumar.send(thread, KUMAR)
            tell("The next day, Dr. Kumar replies in the thread.")
            _move_clock(env, timedelta(hours=23))
            # Meanwhile the server's other topics took #3148-#3152 (the demo records only this one).
            await bot.db.transaction(guilds.skip_numbers_to, guild.id, DRM_NUMBER)
            drm_message = await drm.send(thread, DRM)
            tell("A day later Dr. M replies (#3148-#3152 went to other topics meanwhile).")
            _move_clock(env, timedelta(hours=2))

            try:
                await spectator.send(thread, SPECTATOR_TRY)
                tell("Sam Spectator posted?! (Discord should have refused)")
            except simcord.BackendError as error:
                tell(f"Sam Spectator (Spectator) tries to reply: Discord refuses ({error}).")
            # A client that slips past the overwrites meets the bot's own check:
            env.backend.create_message(thread.id, spectator.id, SPECTATOR_TRY)
            await env.settle()
            dms = "\n".join(m.content for m in spectator.user.dm_channel.history())
            reason = next((line for line in dms.splitlines() if "You must be" in line), "")
            if reason:
                tell("… and when a message slips through anyway, the bot removes it and DMs: " + reason)

            recorded = await bot.db.run(topics.by_thread, thread.id)
            assert recorded is not None
            report.topic_number = recorded.number
            accepted = await bot.db.run(posts.by_message, drm_message.id)
            assert accepted is not None
            menu = bot.tree.get_command(MARK_AS_ANSWER, type=discord.AppCommandType.message)
            if menu is not None:
                await marzana.context_menu(thread, MARK_AS_ANSWER, drm_message)
                report.accepted_via = "the Mark as answer menu"
            else:
                # This build has no "Mark as answer" menu yet: the flag is set as the menu would.
                await bot.db.transaction(importing.set_accepted, accepted.id)
                report.accepted_via = "a repository call: this build has no Mark as answer menu"
            report.accepted = accepted.number
            tell(f"Marzana M marks Dr. M's reply #{accepted.number} as the answer (via {report.accepted_via}).")
            del kumar_message

            await bot.db.flush()
            shown = await marzana.slash(general, "topic show", topic=f"#{recorded.number}")
            tell(f"Marzana M: /topic show #{recorded.number} → " + _text(shown).splitlines()[0])
            page = await bot.db.run(topics.show, recorded.id)
            tell("")
            tell(f"Forums › {page.forum.name} › {page.topic.title}")
            tell(reply_threads_header(page.reply_threads))
            for post, _depth in reading_order(page.posts):
                mark = "  ✓ accepted answer" if post.accepted else ""
                text = post.content if len(post.content) <= 60 else post.content[:57] + "..."
                tell(f"#{post.number:<4} {post.author_name:<10} {role_display(post.author_role):<12} {text}{mark}")
            report.numbers = [p.number for p in await bot.db.run(posts.of_topic, recorded.id)]
    finally:
        if bot.db.is_open:
            await bot.db.close()
    return report


def _days_ago(days: int) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=days)


def _move_clock(env: Any, delta: timedelta) -> None:
    """Move simcord's clock forward by ``delta`` at once, so the story's posts are dated over
    the last days (its clock starts at 2026-01-01). ``env.advance_time`` over months or days
    would run every timer of the time between (lease renewals, ...); the demo moves the
    clock's origin instead: simcord 3.2.1 keeps it in ``backend.clock._epoch`` (where it does
    not, or the delta is negative, the dates stay as they are)."""
    clock = getattr(env.backend, "clock", None)
    if clock is not None and hasattr(clock, "_epoch") and delta > timedelta(0):
        clock._epoch += delta


def _text(result: object) -> str:
    parts: list[str] = []
    for message in [getattr(result, "response", None), *getattr(result, "followups", [])]:
        if message is None:
            continue
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
    text = "\n".join(p for p in parts if p) or "(no answer)"
    text = re.sub(r"\s*<#\d+>:?", "", text)
    return re.sub(r"\s*https://discord\.com/\S+", "", text).replace("**", "")


def main(settings: Settings) -> int:
    """Play the scenario, then serve the archive until Ctrl+C."""
    from bot.web.app import check_listen, serve

    command = "python -m bot demo"
    problem = check_listen(settings.web_host, settings.web_port, command=command)  # before the scenario
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        prepare(settings)
    except NotADemoDatabase as error:
        print(error)
        return 2
    print(f"Threadkeeper demo: the real bot on a simulated Discord, recording into {describe(settings)}\n")
    # The scenario's own log lines would drown the story; errors still show.
    quiet = [logging.getLogger(name) for name in ("discord", "bot", "simcord")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        report = asyncio.run(play(settings))
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    print(
        f"\nRecorded topic #{report.topic_number} with posts "
        + ", ".join(f"#{n}" for n in report.numbers)
        + f"; accepted answer #{report.accepted}."
    )
    print(
        f"Topic page: http://{settings.web_host}:{settings.web_port}/topics/{report.topic_number}?guild={report.guild_id}"
    )
    serve(settings, settings.web_host, settings.web_port, command=command)
    return 0
