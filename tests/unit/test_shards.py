"""SHARD_COUNT / SHARD_IDS parsing and checks, and the shard formula."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import create_bot
from bot.config import ConfigError, Settings
from bot.domain.shards import shard_of

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
