"""Hostile input, property-based: whatever members type, the pure parsers answer cleanly.

Each parser either returns a value within its limits or raises its one documented error
(ReferenceError_ for references, ValueError for titles, bodies and tags): never anything
else, whatever Unicode, control characters, huge numbers or markdown arrive.
"""

from __future__ import annotations

import os
import string
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.policy import BODY_MAX, TAGS_MAX, TITLE_MAX, clean_body, clean_title, parse_tags
from bot.domain.refs import Ref, ReferenceError_, parse_ref
from bot.domain.text import MESSAGE_LIMIT, split_text

SNOWFLAKE_MAX = 2**63 - 1  # SQLite INTEGER and Discord ids are signed 64-bit
# HYPOTHESIS_EXAMPLES=5000 for a longer hunt than CI's.
FAST = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Everything Unicode has, control characters and surrogates included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
snowflakes = st.integers(min_value=1, max_value=SNOWFLAKE_MAX)
mentions = st.sampled_from(["@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>", "<#1>"])
markdown = st.sampled_from(["**", "__", "~~", "`", "```", "||", "> ", "# ", "[x](https://evil.example)", "\\"])
pieces = st.one_of(
    any_text,
    mentions,
    markdown,
    st.sampled_from(["\n", "\r\n", "\t", "\x00", "\u200b", "\u202e", "\ufeff", " "]),
    st.integers(min_value=0, max_value=10**40).map(str),
)
hostile = st.lists(pieces, max_size=12).map("".join)


def huge_word(size: int = 4000) -> st.SearchStrategy[str]:
    return st.sampled_from(string.ascii_letters + "ßé漢😀").map(lambda c: c * size)


# ------------------------------------------------------------------- references
@FAST
@given(hostile)
@example("9" * 5000)  # past Python's int-from-string digit limit
@example("#" + "9" * 5000)
@example("https://discord.com/channels/" + "9" * 5000 + "/1/2")
@example("99999999999999999999999999")  # a "snowflake" beyond 64 bits
@example("https://discord.com/channels/1/" + "9" * 30)
@example("#\u0663\u0661")  # Arabic-Indic digits
@example("\x00#12")
def test_parse_ref_returns_a_ref_or_raises_only_reference_error(text):
    try:
        ref = parse_ref(text)
    except ReferenceError_ as error:
        message = str(error)
        assert message and len(message) < 300
        assert "\n" not in message
        return
    assert isinstance(ref, Ref)
    forms = [ref.number is not None, ref.raw_id is not None, ref.channel_id is not None]
    assert sum(forms) == 1
    for snowflake in (ref.raw_id, ref.guild_id, ref.channel_id, ref.message_id):
        assert snowflake is None or 1 <= snowflake <= SNOWFLAKE_MAX  # never overflows a SQLite INTEGER
    assert ref.number is None or 1 <= ref.number <= 2**53


@FAST
@given(snowflakes, snowflakes, st.none() | snowflakes, st.sampled_from(["", "ptb.", "canary.", "www."]))
def test_links_keep_their_guild_so_other_guilds_are_refused(guild, channel, message, host):
    link = f"https://{host}discord.com/channels/{guild}/{channel}" + (f"/{message}" if message else "")
    ref = parse_ref(link)
    assert ref == Ref(guild_id=guild, channel_id=channel, message_id=message)
    assert parse_ref(f"<{link}>") == ref


@FAST
@given(st.integers(min_value=1, max_value=10**14 - 1), st.sampled_from(["#", "", "# ", " #"]))
def test_numbers_round_trip(n, prefix):
    assert parse_ref(f"{prefix}{n}") == Ref(number=n)


def test_raw_ids_beyond_64_bits_are_refused():
    with pytest.raises(ReferenceError_):
        parse_ref(str(2**64))
    with pytest.raises(ReferenceError_):
        parse_ref(f"https://discord.com/channels/{2**64}/1/2")


# ------------------------------------------------------------------- titles, bodies
def _no_blank_edges(value: str) -> None:
    assert value == value.strip()
    assert value


@FAST
@given(hostile)
@example("a" * 4000)
@example("\u200b")  # zero-width space only
@example("\x00\x01\x02")
@example("@everyone " * 20)
def test_clean_title_is_clean_and_within_limits_or_value_error(text):
    try:
        title = clean_title(text)
    except ValueError as error:
        assert str(error)
        return
    _no_blank_edges(title)
    assert 1 <= len(title) <= TITLE_MAX
    # A title is one line: no line breaks, tabs or other control characters reach Discord.
    assert not any(ch in title for ch in "\n\r\t\x0b\x0c\x85\u2028\u2029")
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in title)
    title.encode("utf-8")


@FAST
@given(st.one_of(hostile, huge_word(), huge_word(4001), st.tuples(hostile, huge_word()).map("".join)))
@example("@everyone @here <@&1> <@2>")
@example("\x00")
def test_clean_body_is_within_limits_or_value_error(text):
    try:
        body = clean_body(text)
    except ValueError as error:
        assert str(error)
        return
    _no_blank_edges(body)
    assert 1 <= len(body) <= BODY_MAX
    # NUL, other control characters and lone surrogates never reach Discord or SQLite ...
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in body)
    body.encode("utf-8")
    # ... and everything else the member wrote is kept, apart from surrounding blanks.
    kept = "".join(
        ch for ch in text.replace("\r\n", "\n") if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    assert body == kept.strip()


@FAST
@given(
    st.one_of(
        st.none(), hostile, st.lists(st.sampled_from(["Help", "help", " HELP ", "Bug", "x"]), max_size=9).map(",".join)
    ),
    st.lists(st.text(min_size=1, max_size=20), max_size=20, unique_by=str.lower),
)
def test_parse_tags_returns_known_tags_or_value_error(text, available):
    try:
        tags = parse_tags(text, available)
    except ValueError as error:
        message = str(error)
        assert message and len(message) <= 1000
        return
    assert len(tags) <= TAGS_MAX
    assert len(set(tags)) == len(tags)
    assert all(tag in available for tag in tags)


def test_parse_tags_error_quotes_a_bounded_name():
    with pytest.raises(ValueError) as caught:
        parse_tags("x" * 4000, ["Help"])
    assert len(str(caught.value)) < 200


# ------------------------------------------------------------------- splitting
@FAST
@given(
    st.one_of(
        hostile,
        huge_word(4000),
        st.lists(st.sampled_from(["word ", "\n", "\n\n", "x" * 50]), max_size=200).map("".join),
    ),
    st.integers(min_value=1, max_value=MESSAGE_LIMIT),
)
def test_split_text_chunks_fit_and_join_back(text, limit):
    chunks = split_text(text, limit)
    assert chunks
    assert all(len(chunk) <= limit for chunk in chunks)
    assert "".join(chunks) == text
    assert all(chunks[:-1])  # no empty chunk in the middle


@FAST
@given(hostile)
def test_split_text_default_limit_is_discords(text):
    assert all(len(chunk) <= 2000 for chunk in split_text(text * 20))
