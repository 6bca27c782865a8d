"""The pure rules of kept attachments (bot/domain/attachments.py) and their settings."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.config import ConfigError, Settings
from bot.domain import attachments as rules

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("photo.png", "photo.png"),
        ("my shot (1).PNG", "my_shot_1_.PNG"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".htaccess", "htaccess"),
        ("...", "file"),
        ("", "file"),
        ("日本語.jpg", "jpg"),
        ("café.gif", "cafe.gif"),
        ("a..b.png", "a.b.png"),
        ("x\x00y.png", "x_y.png"),
        ("con?.txt", "con_.txt"),
        ("a" * 300 + ".jpeg", "a" * 95 + ".jpeg"),
        ("b" * 300, "b" * 100),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert rules.safe_name(name) == safe
    assert "/" not in safe and len(safe) <= rules.NAME_MAX


def test_stored_path_is_guild_message_and_place() -> None:
    assert rules.stored_path(1, 22, 3, "../x y.png") == "1/22/3-x_y.png"


@pytest.mark.parametrize(
    ("mode", "name", "content_type", "size", "reason"),
    [
        ("images", "a.png", "image/png", 1000, None),
        ("images", "a.png", None, None, None),  # an import's file: its name says picture
        ("images", "a.txt", None, 10, rules.NOT_IMAGE),
        ("images", "a.svg", "image/svg+xml", 10, rules.NOT_IMAGE),  # SVG can carry script
        ("images", "a.png", "text/plain", 10, rules.NOT_IMAGE),  # the type wins over the name
        ("images", "a.png", "image/png", 8 * MB, None),
        ("images", "a.png", "image/png", 8 * MB + 1, rules.TOO_BIG),
        ("all", "a.zip", "application/zip", 100, None),
        ("all", "a.zip", "application/zip", 9 * MB, rules.TOO_BIG),
        ("off", "a.png", "image/png", 10, rules.OFF),
    ],
)
def test_which_attachments_are_fetched(
    mode: str, name: str, content_type: str | None, size: int | None, reason
) -> None:  # type: ignore[no-untyped-def]
    assert rules.skip_reason(mode, 8 * MB, filename=name, content_type=content_type, size=size) == reason


def _png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))


JPEG = (
    b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 1) + b"\x01\x11\x00" + b"\xff\xd9"
)
GIF = b"GIF89a" + struct.pack("<HH", 16, 9) + b"\x00\x00\x00"
WEBP_VP8X = (
    b"RIFF\x00\x00\x00\x00WEBPVP8X"
    + b"\x0a\x00\x00\x00"
    + b"\x00\x00\x00\x00"
    + (99).to_bytes(3, "little")
    + (49).to_bytes(3, "little")
)
WEBP_VP8L = b"RIFF\x00\x00\x00\x00WEBPVP8L" + b"\x05\x00\x00\x00" + b"\x2f" + ((31) | (15 << 14)).to_bytes(4, "little")


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (_png(3, 2), "png", (3, 2)),
        (JPEG, "jpeg", (640, 480)),
        (GIF, "gif", (16, 9)),
        (WEBP_VP8X, "webp", (100, 50)),
        (WEBP_VP8L, "webp", (32, 16)),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None, None),
        (b"<html><script>alert(1)</script>", None, None),
        (b"\x89PNG\r\n\x1a\n", "png", None),  # cut short: a picture of unknown size
        (b"\xff\xd8\xff\xe0\x00", "jpeg", None),
        (b"", None, None),
    ],
)
def test_pictures_are_recognised_by_their_bytes(data: bytes, kind: str | None, size) -> None:  # type: ignore[no-untyped-def]
    assert rules.sniff(data) == kind
    assert rules.dimensions(data) == size


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (
            "https://cdn.discordapp.com/attachments/1/2/a.png?ex=1",
            "https://cdn.discordapp.com/attachments/1/2/a.png?ex=1",
        ),
        ("http://example.org/a.png", "http://example.org/a.png"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("", None),
        ("https://", None),
        ("http://[::1", None),
    ],
)
def test_only_web_links_are_linked(url: str, link: str | None) -> None:
    assert rules.web_link(url) == link


def test_settings_read_the_attachment_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    default = Settings.from_env({"DATABASE_PATH": str(tmp_path / "x" / "forum.db")})
    assert (default.archive_attachments, default.archive_attachments_max_mb) == ("images", 8)
    assert default.attachments_root == tmp_path / "x" / "attachments"
    pg = Settings.from_env({"DATABASE_URL": "postgresql://localhost/forum"})
    assert pg.attachments_root.as_posix() == "data/attachments"
    own = Settings.from_env(
        {"ARCHIVE_ATTACHMENTS": " ALL ", "ARCHIVE_ATTACHMENTS_MAX_MB": "25", "ATTACHMENTS_DIR": "/srv/files"}
    )
    assert (own.archive_attachments, own.archive_attachments_max_mb) == ("all", 25)
    assert own.attachments_root.as_posix() == "/srv/files"
    assert Settings.from_env({"ARCHIVE_ATTACHMENTS": "off"}).archive_attachments == "off"
    for bad in (
        {"ARCHIVE_ATTACHMENTS": "pictures"},
        {"ARCHIVE_ATTACHMENTS_MAX_MB": "0"},
        {"ARCHIVE_ATTACHMENTS_MAX_MB": "8.5"},
        {"ARCHIVE_ATTACHMENTS_MAX_MB": "９"},
    ):
        with pytest.raises(ConfigError, match="ARCHIVE_ATTACHMENTS"):
            Settings.from_env(bad)


@pytest.mark.parametrize(
    ("url", "discord"),
    [
        ("https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3", True),
        ("https://media.discordapp.net/attachments/1/2/a.png", True),
        ("https://cdn.discordapp.com:443/attachments/1/2/a.png", True),
        ("http://cdn.discordapp.com/attachments/1/2/a.png", False),
        ("https://cdn.discordapp.com:8443/a.png", False),
        ("https://cdn.discordapp.com.evil.example/a.png", False),
        ("https://evil.example/cdn.discordapp.com/a.png", False),
        ("https://user@169.254.169.254/latest/meta-data", False),
        ("http://127.0.0.1:8080/attachments/1/2/a.png", False),
        ("javascript:alert(1)", False),
    ],
)
def test_only_discords_cdn_is_fetched_from_a_recorded_link(url: str, discord: bool) -> None:
    assert rules.discord_cdn(url) is discord
