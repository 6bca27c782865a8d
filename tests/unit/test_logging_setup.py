import json
import logging
import sys

from bot.config import Settings
from bot.logging_setup import JsonFormatter


def _record(**extra):
    try:
        raise ValueError("boom")
    except ValueError:
        info = sys.exc_info()
    record = logging.LogRecord("bot.failures", logging.ERROR, __file__, 1, "command failed: code=%s", ("abc123",), info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_carry_guild_command_and_error_code():
    line = JsonFormatter().format(_record(guild_id=42, command="topic new", where="/topic new", error_code="abc123"))
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "bot.failures"
    assert data["message"] == "command failed: code=abc123"
    assert (data["guild_id"], data["command"], data["error_code"]) == (42, "topic new", "abc123")
    assert data["where"] == "/topic new"
    assert "ValueError: boom" in data["exception"]
    assert "\n" not in line


def test_json_lines_leave_out_fields_a_record_lacks():
    data = json.loads(JsonFormatter().format(_record()))
    assert "guild_id" not in data and "command" not in data and "where" not in data


def test_log_format_comes_from_the_environment():
    assert Settings.from_env({"LOG_FORMAT": "JSON"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
