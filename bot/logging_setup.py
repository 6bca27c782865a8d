"""Log format for operators: time, level, logger, message (with guild/command where known).

``LOG_FORMAT=json`` writes one JSON object per line instead, with the structured fields
that log calls pass as ``extra`` (``guild_id``, ``command``, ``where``, ``error_code``) as keys.
"""

from __future__ import annotations

import json
import logging

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
STRUCTURED_FIELDS = ("guild_id", "command", "where", "error_code")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in STRUCTURED_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                data[field] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure(level: str, fmt: str = "text") -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=FORMAT)
    if fmt.lower() == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # discord.py's gateway chatter is useful at DEBUG only.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLogger().level))
