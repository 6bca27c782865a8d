"""BASE_URL: the archive's public address, checked once at start (bot.config.base_url)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings, base_url


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", ""),
        ("  ", ""),
        ("https://forum.example.org", "https://forum.example.org"),
        ("https://forum.example.org/", "https://forum.example.org"),
        (" http://127.0.0.1:8080 ", "http://127.0.0.1:8080"),
        ("https://[::1]:8443/", "https://[::1]:8443"),
    ],
)
def test_a_public_address_is_kept_without_its_trailing_slash(given: str, kept: str) -> None:
    assert base_url(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "forum.example.org",  # no scheme
        "ftp://forum.example.org",
        "https://",
        "https://forum.example.org/forum",  # the archive serves from its host's root
        "https://forum.example.org/?x=1",
        "https://forum.example.org/#top",
        "https://user:pw@forum.example.org",
        "https://forum.example.org:http",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused_in_one_line(given: str) -> None:
    with pytest.raises(ConfigError, match="BASE_URL"):
        base_url(given)


def test_settings_read_it_from_the_environment() -> None:
    assert Settings.from_env({"BASE_URL": "https://forum.example.org/"}).base_url == "https://forum.example.org"
    assert Settings.from_env({}).base_url == ""
