"""Autocomplete's query parsing and choice names (bot/domain/choices.py)."""

from __future__ import annotations

from bot.domain.choices import ChoiceQuery, choice_name, like_pattern, number_ranges, parse_query


def test_what_was_typed() -> None:
    assert parse_query("") == parse_query("  ") == parse_query(None) == ChoiceQuery()
    assert parse_query("#31") == parse_query(" 31 ") == parse_query("031") == ChoiceQuery(prefix=31)
    assert parse_query("Slow  Query") == ChoiceQuery(words=("slow", "query"))
    assert parse_query("0").nothing and parse_query("1" * 18).nothing
    assert parse_query("https://discord.com/channels/1/2").nothing
    assert len(parse_query("a b c d e f g h").words) == 5
    # LIKE's wildcards and escape are not searched for: a word of nothing else is no query
    assert parse_query("50% a_b c\\d") == ChoiceQuery(words=("50", "ab", "cd"))
    assert parse_query("% _").nothing


def test_number_ranges_highest_first() -> None:
    assert number_ranges(31, 5000) == [(3100, 3199), (310, 319), (31, 31)]
    assert number_ranges(31, 315) == [(310, 315), (31, 31)]
    assert number_ranges(31, 30) == []
    assert number_ranges(1, 1) == [(1, 1)]


def test_patterns_and_names() -> None:
    assert like_pattern("tea") == "%tea%"
    assert choice_name(3146, "What is the difference") == "#3146 What is the difference"
    long = choice_name(3146, "word " * 40, reply=True, status="trash")
    assert len(long) <= 100 and long.endswith("…") and long.startswith("#3146 [trash] reply in: word")
