"""The recording path, one module per way a post arrives or changes.

- ``live``: messages as they are sent (the bot's own check; refusal in ``refusal``);
- ``edits``: edits, deletes and thread deletions from raw events;
- ``catchup``: reconciling with Discord after downtime;
- ``base``: the recorder's state and what every path shares.
"""

from __future__ import annotations

from bot.services.recording.base import CatchUpReport, message_to_post, tag_names
from bot.services.recording.catchup import CATCHUP_CHUNK, GAP_KEY, HISTORY_PAGE, RETRY_SECONDS
from bot.services.recording.edits import EditRecording
from bot.services.recording.live import LiveRecording


class Recorder(LiveRecording, EditRecording):
    """Records a guild's forums: live messages, edits and deletes, and the catch-up."""


__all__ = [
    "CATCHUP_CHUNK",
    "GAP_KEY",
    "HISTORY_PAGE",
    "RETRY_SECONDS",
    "CatchUpReport",
    "Recorder",
    "message_to_post",
    "tag_names",
]
