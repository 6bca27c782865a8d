"""Which importer reads a file: a Threadkeeper JSON export or a bbPress WXR file (or the
several WXR files of one WordPress export, read as one)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.porting import import_wxr, limits
from bot.porting.import_json import parse as parse_json
from bot.porting.model import MAX_IMPORT_BYTES, MAX_IMPORT_POSTS, ImportDoc, ImportRefused

MAX_FILES = 3  # WordPress writes forums, topics and replies as three files


def _kind(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            f"The file is {len(data) / 1048576:.1f} MB; imports take at most {MAX_IMPORT_BYTES // 1048576} MB."
        )
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"<"):
        return "wxr"
    raise ImportRefused("That is neither a Threadkeeper JSON export nor a WordPress (bbPress) WXR export.")


def detect_and_parse(data: bytes, *, super_sticky: Collection[int] = ()) -> ImportDoc:
    """A Threadkeeper JSON export or a bbPress WXR file, validated whole before anything is written."""
    return detect_and_parse_many([data], super_sticky=super_sticky)


def detect_and_parse_many(files: Sequence[bytes], *, super_sticky: Collection[int] = ()) -> ImportDoc:
    """One export in one file, or a WordPress export in up to three (forums, topics, replies,
    in any order): items across the files refer to each other by WordPress ids."""
    if not files:
        raise ImportRefused("No file to import.")
    if len(files) > MAX_FILES:
        raise ImportRefused(f"An import reads at most {MAX_FILES} files (WordPress's forums, topics and replies).")
    kinds = [_kind(data) for data in files]
    if "json" in kinds:
        if len(files) > 1:
            raise ImportRefused(
                "A Threadkeeper JSON export is one file: import it alone. Several files must be the "
                "WordPress (WXR) files of one bbPress export."
            )
        if super_sticky:
            raise ImportRefused("Super-sticky topic ids apply to bbPress exports; a JSON export keeps its own.")
        doc = parse_json(files[0])
    else:
        doc = import_wxr.combine([import_wxr.read(data) for data in files], super_sticky=super_sticky)
    if doc.post_count > MAX_IMPORT_POSTS:
        raise ImportRefused(f"The file holds {doc.post_count} posts; imports take at most {MAX_IMPORT_POSTS}.")
    if doc.topic_count == 0:
        raise ImportRefused("The file holds no topics to import.")
    limits.check(doc)  # names, titles, tags, bodies: every item within bounds, or nothing
    return doc
