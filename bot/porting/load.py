"""Which importer reads a file: a Threadkeeper JSON export or a bbPress WXR file."""

from __future__ import annotations

from bot.porting import limits
from bot.porting.import_json import parse as parse_json
from bot.porting.import_wxr import parse as parse_wxr
from bot.porting.model import MAX_IMPORT_BYTES, MAX_IMPORT_POSTS, ImportDoc, ImportRefused


def detect_and_parse(data: bytes) -> ImportDoc:
    """A Threadkeeper JSON export or a bbPress WXR file, validated whole before anything is written."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            f"The file is {len(data) / 1048576:.1f} MB; imports take at most {MAX_IMPORT_BYTES // 1048576} MB."
        )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        doc = parse_json(data)
    elif head.startswith(b"<"):
        doc = parse_wxr(data)
    else:
        raise ImportRefused("That is neither a Threadkeeper JSON export nor a WordPress (bbPress) WXR export.")
    if doc.post_count > MAX_IMPORT_POSTS:
        raise ImportRefused(f"The file holds {doc.post_count} posts; imports take at most {MAX_IMPORT_POSTS}.")
    if doc.topic_count == 0:
        raise ImportRefused("The file holds no topics to import.")
    limits.check(doc)  # names, titles, tags, bodies: every item within bounds, or nothing
    return doc
