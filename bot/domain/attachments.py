"""Which attachments the archive keeps a copy of, and how a kept file is named and recognised.

Pure rules (docs/archive.md, "Attachments"): ``ARCHIVE_ATTACHMENTS`` is ``images`` (the
default: pictures only), ``all`` or ``off``; ``ARCHIVE_ATTACHMENTS_MAX_MB`` (default 8) caps
each file. A picture is recognised by its first bytes (PNG, JPEG, GIF, WebP), never by the
name or the content type it came with: a kept file is served as an image only when its bytes
are one, and SVG (which can carry script) is never an image here.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from urllib.parse import urlsplit

MODES = ("images", "all", "off")
DEFAULT_MODE = "images"
DEFAULT_MAX_MB = 8
MAX_MB_LIMIT = 500  # Discord's own largest upload (boosted servers)
NAME_MAX = 100  # characters of a kept file's name on disk and in its URL

# Reasons a file is not kept (recorded beside the attachment, shown to nobody but operators).
OFF = "off"
TOO_BIG = "too-big"
NOT_IMAGE = "not-image"

# Where Discord serves attachments: a recorded link (a catch-up's, an import file's) is fetched
# only from these; any other address is asked of Discord again (the message's fresh links).
DISCORD_CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")

IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jfif", ".gif", ".webp")


def parse_mode(text: str) -> str | None:
    """``ARCHIVE_ATTACHMENTS`` as written (any case, spaces around); None when it is none of the modes."""
    value = text.strip().lower() or DEFAULT_MODE
    return value if value in MODES else None


def looks_like_image(filename: str, content_type: str | None) -> bool:
    """What the attachment says it is, before a byte is read (the bytes decide: ``sniff``)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind:
        return kind in IMAGE_TYPES.values()
    return filename.lower().endswith(IMAGE_SUFFIXES)


def skip_reason(mode: str, max_bytes: int, *, filename: str, content_type: str | None, size: int | None) -> str | None:
    """Why this attachment is not kept (``OFF``, ``NOT_IMAGE``, ``TOO_BIG``), or None to fetch it.

    ``size`` is what Discord reported; the download checks the bytes themselves again."""
    if mode == "off":
        return OFF
    if mode == "images" and not looks_like_image(filename, content_type):
        return NOT_IMAGE
    if size is not None and size > max_bytes:
        return TOO_BIG
    return None


def safe_name(filename: str) -> str:
    """A file name that is safe as one path segment on any disk and in a URL: ASCII letters,
    digits, ``.``, ``-`` and ``_`` (anything else becomes ``_``), no leading dot, at most
    ``NAME_MAX`` characters with the extension kept; ``file`` when nothing is left."""
    text = unicodedata.normalize("NFKD", filename.replace("\\", "/").rsplit("/", 1)[-1])
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = re.sub(r"\.{2,}", ".", text).strip("._-")
    if not text:
        return "file"
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: NAME_MAX - len(ext) - 1].rstrip("._-") + "." + ext
        else:
            text = text[:NAME_MAX]
    return text


def stored_path(guild_id: int, message_id: int, n: int, filename: str) -> str:
    """Where a kept file lives under the attachments directory: ``<guild>/<message>/<n>-<name>``."""
    return f"{guild_id}/{message_id}/{n}-{safe_name(filename)}"


def sniff(data: bytes) -> str | None:
    """The image format of these bytes (``png``, ``jpeg``, ``gif``, ``webp``), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from an image's header (PNG, GIF, JPEG, WebP); None when unknown."""
    try:
        kind = sniff(data)
        if kind == "png" and len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
        elif kind == "gif" and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
        elif kind == "jpeg":
            found = _jpeg_size(data)
            if found is None:
                return None
            width, height = found
        elif kind == "webp":
            found = _webp_size(data)
            if found is None:
                return None
            width, height = found
        else:
            return None
    except struct.error:
        return None
    return (width, height) if width > 0 and height > 0 else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if length < 2:
            return None
        at += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def web_link(url: str) -> str | None:
    """An attachment's original address when it may be linked (http or https), else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def discord_cdn(url: str) -> bool:
    """An https link on Discord's CDN (where a recorded link may be fetched from as it is)."""
    link = web_link(url)
    if link is None:
        return False
    parts = urlsplit(link)
    return parts.scheme == "https" and (parts.hostname or "") in DISCORD_CDN_HOSTS and parts.port in (None, 443)
