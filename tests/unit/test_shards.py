"""SHARD_COUNT / SHARD_IDS parsing and checks, the shard formula, and owns(bot, guild_id)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import create_bot
from bot.client import ForumBot
from bot.config import ConfigError, Settings
from bot.domain.shards import Shards, shard_of
from bot.services.ownership import owns

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("", "", (None, None)),
        ("4", "", (4, None)),
        ("4", "0,1", (4, (0, 1))),
        (" 4 ", " 3 , 1 ", (4, (3, 1))),
        ("1", "0", (1, (0,))),
    ],
)
def test_shard_settings_from_the_environment(count: str, ids: str, expected: tuple[object, object]) -> None:
    settings = Settings.from_env({"SHARD_COUNT": count, "SHARD_IDS": ids})
    assert (settings.shard_count, settings.shard_ids) == expected


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("0", "", "SHARD_COUNT must be 1 or more (got 0)."),
        ("-2", "", "SHARD_COUNT must be a whole number, 1 or more (got '-2')."),
        ("four", "", "SHARD_COUNT must be a whole number, 1 or more (got 'four')."),
        ("²", "", "SHARD_COUNT must be a whole number, 1 or more (got '²')."),
        ("4", "0,4", "SHARD_IDS has 4, outside 0..3 (SHARD_COUNT=4)."),
        ("4", "1,1,2", "SHARD_IDS names 1 more than once."),
        ("4", "0,,1", "SHARD_IDS must be shard numbers separated by commas, e.g. 0,1 (got '0,,1')."),
        ("4", "0-3", "SHARD_IDS must be shard numbers separated by commas, e.g. 0,1 (got '0-3')."),
        (
            "",
            "0,1",
            "SHARD_IDS needs SHARD_COUNT (the bot's total number of shards, e.g. SHARD_COUNT=4 SHARD_IDS=0,1).",
        ),
    ],
)
def test_bad_shard_settings_say_what_is_wrong_in_one_line(count: str, ids: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"SHARD_COUNT": count, "SHARD_IDS": ids})
    assert str(caught.value) == message


def test_settings_built_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"outside 0\.\.1"):
        Settings(shard_count=2, shard_ids=(2,))
    with pytest.raises(ConfigError, match="empty"):
        Settings(shard_count=2, shard_ids=())
    assert Settings(shard_count=2, shard_ids=(1,)).shard_ids == (1,)


def test_python_m_bot_refuses_bad_shard_settings_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "SHARD_COUNT": "2", "SHARD_IDS": "0,2", "DATABASE_PATH": str(tmp_path / "x.db")}
    env.pop("DISCORD_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == "Threadkeeper cannot start: SHARD_IDS has 2, outside 0..1 (SHARD_COUNT=2).\n"
    assert done.stdout == ""
    assert not (tmp_path / "x.db").exists()


def test_the_bot_runs_the_configured_shards(tmp_path: Path) -> None:
    bot = create_bot(Settings(database_path=tmp_path / "x.db", shard_count=4, shard_ids=(1, 3)))
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
    unsharded = create_bot(Settings(database_path=tmp_path / "x.db"))
    assert (unsharded.shard_count, unsharded.shard_ids) == (None, None)  # discord.py asks Discord


@pytest.mark.parametrize("count", [1, 2, 3, 16])
def test_a_guild_lives_on_discord_s_shard(count: int) -> None:
    for guild_id in [1456074443980800015, 81384788765712384, (1 << 22) * 7 + 5, 5]:
        assert shard_of(guild_id, count) == (guild_id >> 22) % count
    assert [shard_of(k << 22, count) for k in range(2 * count)] == list(range(count)) * 2


def guild_on(shard: int, count: int) -> int:
    return ((347_155_200_000 * count + shard) << 22) | 9


async def test_owns_needs_the_guild_s_shard_and_that_shard_s_lease(tmp_path: Path) -> None:
    path = tmp_path / "forum.db"
    first = create_bot(Settings(database_path=path, shard_count=4, shard_ids=(1, 3)))
    second = create_bot(Settings(database_path=path, shard_count=4, shard_ids=(0, 3)))  # 3 twice, by mistake
    assert isinstance(first, ForumBot) and isinstance(second, ForumBot)
    second.ownership.holder += ":second"
    second.ownership.renew_every = timedelta(0)
    await first.db.open()
    await second.db.open()
    try:
        assert not owns(first, guild_on(1, 4))  # nothing claimed yet
        assert await first.ownership.claim() == Shards(4, frozenset({1, 3}))
        assert [owns(first, guild_on(k, 4)) for k in range(4)] == [False, True, False, True]
        assert await second.ownership.claim() == Shards(4, frozenset({0}))  # shard 3's lease is the first's
        assert [owns(second, guild_on(k, 4)) for k in range(4)] == [True, False, False, False]
        assert second.ownership.owns(guild_on(3, 4), best_effort=False) is False
        assert second.ownership.owned(best_effort=True) == Shards(4, frozenset({0}))  # 3 is known to be another's

        await first.ownership.release()  # a clean stop
        assert not owns(first, guild_on(3, 4))
        assert await second.ownership.claim() == Shards(4, frozenset({0, 3}))
        assert owns(second, guild_on(3, 4))
    finally:
        await first.db.close()
        await second.db.close()


def test_nothing_is_owned_before_the_bot_connects(tmp_path: Path) -> None:
    bot = create_bot(Settings(database_path=tmp_path / "x.db"))
    assert isinstance(bot, ForumBot)
    assert bot.ownership.running() is None and bot.ownership.owned().none
    assert not owns(bot, 1) and not owns(object(), 1)
