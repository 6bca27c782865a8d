"""bot/storage/search.py on both backends (FTS5, PostgreSQL full text): what is found, in which order."""

from __future__ import annotations

from typing import Any

import pytest

from bot.storage import answers, posts, search
from bot.storage.api import dialect_name
from bot.storage.search import HL_END, HL_START, SearchQueryError, highlight_segments
from tests.storage.seed import Seeder


@pytest.fixture
def seeder(conn: Any) -> Seeder:
    return Seeder(conn)


def numbers(results: search.SearchResults) -> list[int]:
    return [hit.number for hit in results.hits]


def find(seeder: Seeder, query: str, **kw: object) -> search.SearchResults:
    return search.search(seeder.conn, guild_id=seeder.guild_id, query=query, **kw)  # type: ignore[arg-type]


@pytest.fixture
def forum(seeder: Seeder):  # type: ignore[no-untyped-def]
    forum = seeder.forum()
    topic = seeder.topic(forum, "Medicine", "Is precision medicine the same as personalized medicine?")
    seeder.reply(topic, 'The terms "precision medicine" and "personalized medicine" overlap (mostly).')
    seeder.reply(topic, "C++ templates and naïve café owners 日本語 🎉 AND OR NOT NEAR")
    seeder.reply(topic, "Cats and dogs, near each other.")
    return forum


AWKWARD = [
    # (query, expected post numbers as a set, or an error fragment)
    ("medicine", {1, 2}, None),
    ("MEDICINE", {1, 2}, None),
    ('"precision medicine"', {1, 2}, None),
    ('"medicine precision"', set(), None),
    ('"precision medicine', {1, 2}, None),  # an unclosed quote runs to the end
    ('"', None, "at least one word"),
    ('""', None, "at least one word"),
    ("medicine -personalized", set(), None),
    ("cats -dogs", set(), None),
    ("cats NOT dogs", set(), None),
    ("NOT cats", None, "not only words to leave out"),
    ("-cats", None, "not only words to leave out"),
    ("cats OR templates", {3, 4}, None),
    ("cats AND dogs", {4}, None),
    ("cats NEAR dogs", {4}, None),
    ("NEAR(cats dogs)", {4}, None),
    ("(cats", {4}, None),
    ("cats)", {4}, None),
    ("((()))", None, "at least one word"),
    ("templ*", {3}, None),
    ("t*", None, "at least 2 letters"),  # a one-letter prefix reads the index of every word starting with t
    ("te*", {2, 3}, None),  # terms, templates
    ("*", None, "at least one word"),
    ("**cats**", {4}, None),
    ("c++", {3}, None),
    ("cafe", {3}, None),  # diacritics removed
    ("naive", {3}, None),
    ("café", {3}, None),
    ("日本語", {3}, None),
    ("🎉", None, "emoji alone"),
    ("🎉 cats", {4}, None),
    ("OR", {3}, None),  # only operator words: searched as words
    ("AND", {2, 3, 4}, None),
    ("NOT", {3}, None),
    ("near", {3, 4}, None),
    ("", None, "at least one word"),
    ("   ", None, "at least one word"),
    ("cats:dogs", set(), None),  # a column filter in FTS5 syntax: here just two words in a row
    ("^cats", {4}, None),
    ("cats\x00dogs", {4}, None),  # a control character separates words
    ("'; DROP TABLE posts; --", set(), None),
    ('"a""b"', set(), None),
    ("x" * 201, None, "keep it under 200"),
    (" ".join(f"w{i}" for i in range(13)), None, "at most 12"),
]


@pytest.mark.parametrize(("query", "expected", "error"), AWKWARD)
def test_awkward_queries_find_posts_or_explain(seeder: Seeder, forum, query, expected, error) -> None:  # type: ignore[no-untyped-def]
    if error is not None:
        with pytest.raises(SearchQueryError) as raised:
            find(seeder, query)
        assert error in raised.value.message
        assert isinstance(raised.value, ValueError)
        return
    results = find(seeder, query)
    assert set(numbers(results)) == expected
    assert results.total == len(expected)


def test_snippets_mark_the_matched_words(seeder: Seeder, forum) -> None:  # type: ignore[no-untyped-def]
    hit = find(seeder, "templates").hits[0]
    assert f"{HL_START}templates{HL_END}" in hit.snippet
    assert ("templates", True) in highlight_segments(hit.snippet)
    assert "".join(text for text, _ in highlight_segments(hit.snippet)) == hit.snippet.replace(HL_START, "").replace(
        HL_END, ""
    )


def test_never_finds_hidden_posts_or_topics(seeder: Seeder) -> None:
    forum = seeder.forum()
    topic = seeder.topic(forum, "Visible", "zebra opening")
    kept = seeder.reply(topic, "zebra kept")
    for status in ("deleted", "spam", "trash", "pending"):
        gone = seeder.reply(topic, f"zebra {status}")
        posts.set_status(seeder.conn, gone.id, status)
    hidden = seeder.topic(forum, "Hidden", "zebra in a trashed topic")
    seeder.reply(hidden, "zebra reply in a trashed topic")
    seeder.conn.execute("UPDATE topics SET status = 'trash' WHERE id = ?", (hidden.id,))
    closed = seeder.topic(forum, "Closed", "zebra in a closed topic")
    seeder.conn.execute("UPDATE topics SET status = 'closed' WHERE id = ?", (closed.id,))
    assert set(numbers(find(seeder, "zebra"))) == {topic.number, kept.number, closed.number}


def test_edits_are_searchable_and_old_text_is_not(seeder: Seeder) -> None:
    topic = seeder.topic(seeder.forum(), "Edits", "original wording")
    posts.record_edit(seeder.conn, seeder.conn.execute("SELECT message_id FROM posts").fetchone()[0], "new text", "x")
    assert find(seeder, "original").hits == []
    assert numbers(find(seeder, "wording OR text")) == [topic.number]


def test_scoped_to_guild_forums_author_and_solved(seeder: Seeder) -> None:
    one, two = seeder.forum("One"), seeder.forum("Two")
    elsewhere = seeder.forum("Elsewhere", guild_id=2)
    a = seeder.topic(one, "A", "kiwi one", author=1)
    b = seeder.topic(two, "B", "kiwi two", author=2)
    seeder.topic(elsewhere, "C", "kiwi other guild", author=1)
    answer = seeder.reply(b, "kiwi answer", author=3)
    answers.toggle(seeder.conn, answer.id)
    assert set(numbers(find(seeder, "kiwi"))) == {a.number, b.number, answer.number}
    assert numbers(find(seeder, "kiwi", forum_ids=[one.id])) == [a.number]
    assert find(seeder, "kiwi", forum_ids=[]).hits == []
    assert numbers(find(seeder, "kiwi", author_id=2)) == [b.number]
    assert set(numbers(find(seeder, "kiwi", solved_only=True))) == {b.number, answer.number}
    other = search.search(seeder.conn, guild_id=2, query="kiwi")
    assert [h.topic_title for h in other.hits] == ["C"]


def test_accepted_answers_and_solved_topics_are_lifted(seeder: Seeder) -> None:
    forum = seeder.forum()
    plain = seeder.topic(forum, "Plain", "mango")
    plain_reply = seeder.reply(plain, "mango")
    asked = seeder.topic(forum, "Asked", "mango")
    answer = seeder.reply(asked, "mango")
    before = numbers(find(seeder, "mango"))
    assert before[0] == answer.number  # ties: newest first
    answers.toggle(seeder.conn, plain_reply.id)
    after = find(seeder, "mango")
    assert after.hits[0].number == plain_reply.number and after.hits[0].accepted
    assert after.hits[1].number == plain.number and after.hits[1].solved  # the solved topic's question
    # relevance still matters more than the lift: a much better match beats an accepted answer
    better = seeder.reply(asked, "mango with papaya")
    assert find(seeder, "mango OR papaya").hits[0].number == better.number


def test_pages_and_totals(seeder: Seeder) -> None:
    topic = seeder.topic(seeder.forum(), "Many", "pear 0")
    for i in range(1, 25):
        seeder.reply(topic, f"pear {i}")
    first = find(seeder, "pear", limit=10)
    third = find(seeder, "pear", limit=10, offset=20)
    assert first.total == third.total == 25
    assert len(first.hits) == 10 and len(third.hits) == 5
    beyond = find(seeder, "pear", limit=10, offset=50)
    assert beyond.hits == [] and beyond.total == 25
    everything = {n for off in (0, 10, 20) for n in numbers(find(seeder, "pear", limit=10, offset=off))}
    assert len(everything) == 25


def test_very_common_terms_fall_back_to_newest_first(seeder: Seeder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 5)
    monkeypatch.setattr(search, "TOTAL_CAP", 12)
    topic = seeder.topic(seeder.forum(), "Common", "the start")
    made = [seeder.reply(topic, "the " * (i % 4 + 1) + f"reply {i}") for i in range(15)]
    seeder.reply(topic, "rare word only here")
    results = find(seeder, "the", limit=5)
    assert results.newest_first
    assert numbers(results) == [p.number for p in reversed(made)][:5]
    assert results.total == 12 and results.total_capped
    assert f"{HL_START}the{HL_END}" in results.hits[0].snippet
    rare = find(seeder, "rare")
    assert not rare.newest_first and rare.total == 1
    assert not find(seeder, "the", author_id=999).hits


@pytest.mark.parametrize(
    "snippet",
    ["plain", f"{HL_START}all{HL_END}", f"a {HL_START}b{HL_END} c {HL_START}d", f"x{HL_END}y", ""],
)
def test_highlight_segments_never_lose_text(snippet: str) -> None:
    joined = "".join(text for text, _ in highlight_segments(snippet))
    assert joined == snippet.replace(HL_START, "").replace(HL_END, "")


def test_topic_titles_are_searched_as_their_opening_posts(seeder: Seeder) -> None:
    forum = seeder.forum()
    papaya = seeder.topic(forum, "Papaya care", "How often?")
    assert search.has_title_index(seeder.conn)  # migration 0004
    assert numbers(find(seeder, "papaya")) == [papaya.number]
    for i in range(8):  # other topics, so that "kiwi" is a rare (meaningful) word for bm25
        seeder.topic(forum, f"Filler {i}", f"nothing to see {i}")
    titled = seeder.topic(forum, "Kiwi care", "How often should I water it?")
    both = seeder.topic(forum, "Kiwi vines", "My kiwi vines are yellow")
    body_only = seeder.topic(forum, "Plants", "a kiwi question")
    hidden = seeder.topic(forum, "Kiwi secrets", "hidden")
    seeder.conn.execute("UPDATE topics SET status = 'spam' WHERE id = ?", (hidden.id,))
    results = find(seeder, "kiwi")
    assert numbers(results)[0] == both.number  # title and text
    assert set(numbers(results)) == {titled.number, both.number, body_only.number}
    assert results.total == 3
    title_hit = next(h for h in results.hits if h.number == titled.number)
    assert title_hit.is_opening and title_hit.snippet == "How often should I water it?"
    assert numbers(find(seeder, "kiwi", author_id=999)) == []
    assert numbers(find(seeder, "kiwi -yellow")) == [body_only.number]  # exclusions: texts only
    seeder.conn.execute("UPDATE topics SET title = 'Mango care' WHERE id = ?", (titled.id,))
    assert numbers(find(seeder, "mango")) == [titled.number]
    assert titled.number not in numbers(find(seeder, "kiwi"))


def test_without_the_title_index_only_texts_are_searched(seeder: Seeder) -> None:
    if dialect_name(seeder.conn) != "sqlite":
        pytest.skip("a database from before SQLite's migration 0004; PostgreSQL's search came whole")
    forum = seeder.forum()
    seeder.topic(forum, "Papaya care", "How often?")
    seeder.conn.executescript(
        "DROP TRIGGER topics_fts_insert; DROP TRIGGER topics_fts_delete; DROP TRIGGER topics_fts_update;"
        "DROP TABLE topics_fts;"
    )
    assert not search.has_title_index(seeder.conn)
    assert numbers(find(seeder, "papaya")) == []


# ------------------------------------------------------------------ guards: bounded cost per query
@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("w*", "at least 2 letters"),
        ("wombat w*", "at least 2 letters"),
        ("wom-b*", "at least 2 letters"),
        ("wo* OR wa* OR we* OR wi* OR wu*", "at most 4 word beginnings"),
        (" OR ".join(f"w{i}x" for i in range(13)), "at most 12"),
    ],
)
def test_queries_that_would_read_too_much_are_refused_before_running(seeder: Seeder, query: str, error: str) -> None:
    seeder.topic(seeder.forum(), "Wombats", "wombat burrows")
    with pytest.raises(SearchQueryError) as raised:
        find(seeder, query)
    assert error in raised.value.message
    assert numbers(find(seeder, "wo* OR wa* OR we* OR wi*")) == [1]  # four beginnings are fine


def _busy_forum(seeder: Seeder, posts_count: int = 6000) -> None:
    """Many posts sharing words, so a prefix search has thousands of matches to rank."""
    topic = seeder.topic(seeder.forum(), "Wombats", "wombat 0")
    batch = []
    for i in range(1, posts_count):
        batch.append(seeder._post(200 + i % 50, f"wombat{i % 97} woodland walk {i} wombatting", topic.thread_id, 1))
        if len(batch) == 500:
            posts.record_replies(seeder.conn, topic.id, batch)
            batch = []
    posts.record_replies(seeder.conn, topic.id, batch)


def test_a_search_past_its_time_budget_is_interrupted_and_says_narrow_it(
    seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import math
    import time

    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 100_000)  # rank every match: the slow path
    _busy_forum(seeder)
    started = time.perf_counter()
    unbounded = find(seeder, "wom* OR woo*", budget=math.inf)
    took = time.perf_counter() - started
    assert unbounded.total == 6000 and not unbounded.newest_first
    budget = 0.002
    assert took > 5 * budget, "the search must really take longer than the budget"
    with pytest.raises(search.SearchTooBroad) as raised:
        find(seeder, "wom* OR woo*", budget=budget)
    assert "too broad" in raised.value.message and "narrow it" in raised.value.message
    assert isinstance(raised.value, SearchQueryError)  # callers that answer SearchQueryError answer this too
    # The default budget comes from the module (read at each call), and the connection is left as it was:
    # no progress handler stays behind to interrupt the next statement.
    monkeypatch.setattr(search, "TIME_BUDGET_SECONDS", budget)
    with pytest.raises(search.SearchTooBroad):
        find(seeder, "wom* OR woo*")
    monkeypatch.setattr(search, "TIME_BUDGET_SECONDS", 60.0)
    assert find(seeder, "wom* OR woo*").total == 6000
    seeder.conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT SUM(i) FROM n"
    )
    if dialect_name(seeder.conn) == "postgres":  # SET LOCAL: the setting ended with the search's transaction
        assert seeder.conn.execute("SHOW statement_timeout").fetchone()[0] == "0"
        assert seeder.conn.raw.info.transaction_status.name == "IDLE"  # and no transaction left open


def test_the_newest_first_fallback_reaches_every_match_page_by_page(
    seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 5)
    monkeypatch.setattr(search, "TOTAL_CAP", 12)
    topic = seeder.topic(seeder.forum(), "Common", "the start")
    made = [seeder.reply(topic, f"the reply {i}") for i in range(24)]
    first = find(seeder, "the", limit=5)
    assert first.newest_first and first.total == 12 and first.total_capped
    seen = []
    for offset in range(0, 40, 5):
        page = find(seeder, "the", limit=5, offset=offset)
        seen += numbers(page)
        assert page.total >= min(25, offset + len(page.hits))
    assert seen == [p.number for p in reversed(made)] + [topic.number]  # every match, newest first
    last = find(seeder, "the", limit=5, offset=20)
    assert last.total == 25 and not last.total_capped  # the end is known once a page reaches it


def test_the_newest_first_fallback_finds_sparse_matches_across_windows_of_ids(
    seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL reads the newest ids in windows (fulltext.newest_ids): made small here, so
    # the matches, one post in seven among other guilds' matches, span several windows.
    from bot.storage.postgres import fulltext

    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 5)
    monkeypatch.setattr(search, "TOTAL_CAP", 12)
    monkeypatch.setattr(fulltext, "FIRST_WINDOW_PER_MATCH", 1)
    topic = seeder.topic(seeder.forum(), "Fruit", "the start")
    elsewhere = seeder.topic(seeder.forum("Elsewhere", guild_id=2), "Other", "kiwi there")
    made = []
    for i in range(140):
        if i % 7 == 3:
            made.append(seeder.reply(topic, f"kiwi reply {i}"))
        else:
            seeder.reply(elsewhere if i % 2 else topic, f"kiwi elsewhere {i}" if i % 2 else f"plain {i}")
    newest = [p.number for p in reversed(made)]
    first = find(seeder, "kiwi", limit=5)
    assert first.newest_first and first.total == 12 and first.total_capped
    assert numbers(first) == newest[:5]
    seen = [n for offset in range(0, 20, 5) for n in numbers(find(seeder, "kiwi", limit=5, offset=offset))]
    assert seen == newest


def test_search_across_guilds_only_in_the_forums_given(seeder: Seeder) -> None:
    here, there = seeder.forum("Here"), seeder.forum("There", guild_id=2)
    hidden = seeder.forum("Hidden", guild_id=2)
    a = seeder.topic(here, "A", "quokka here")
    b = seeder.topic(there, "B", "quokka there")
    seeder.topic(hidden, "C", "quokka hidden")
    found = search.search(seeder.conn, guild_id=None, query="quokka", forum_ids=[here.id, there.id])
    assert {(h.guild_id, h.number) for h in found.hits} == {(1, a.number), (2, b.number)}
    assert all(h.author_role == "participant" for h in found.hits)


def test_postgres_takes_a_word_its_statistics_call_very_common_as_too_common_without_counting(seeder: Seeder) -> None:
    # fulltext._count_matches: past the newest ids, a one-word query that the planner's
    # statistics put at 1.5 times the threshold or more is not counted over the whole index
    # (4,001 rows fetched at 1M posts). Shown by statistics that no longer hold: the matches
    # deleted after ANALYZE are still "very common" to the estimate, and counted otherwise.
    if dialect_name(seeder.conn) != "postgres":
        pytest.skip("PostgreSQL's planner statistics")
    from bot.domain.searchquery import parse
    from bot.storage.postgres import fulltext

    topic = seeder.topic(seeder.forum(), "Fruit", "the start")
    kiwis = [seeder.reply(topic, f"kiwi {i}").id for i in range(40)]
    for i in range(20):  # the newest ids hold no kiwi
        seeder.reply(topic, f"plain {i}")
    conn = seeder.conn
    conn.execute("ANALYZE posts_fts")
    kiwi = fulltext.tsquery(conn, parse("kiwi"))
    assert fulltext._estimate(conn, kiwi) >= 30
    conn.execute(f"DELETE FROM posts_fts WHERE post_id IN ({','.join(str(i) for i in kiwis[3:])})")  # 3 left
    assert fulltext.too_common(conn, kiwi, 5)  # by the statistics, not counted
    assert not fulltext.too_common(conn, fulltext.tsquery(conn, parse("kiwi -plain")), 5)  # two words: counted
    assert not fulltext.too_common(conn, kiwi, 60)  # under the estimate's reach: counted


def test_a_rare_word_in_a_forum_past_the_threshold_is_ranked_with_its_total(
    seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past FALLBACK_MIN_MATCHES posts, whether a word is too common is decided with the
    # ranking on PostgreSQL (fulltext.rank_ids' bound: its candidates counted in the same
    # statement): a rare word is ranked, best first, with its total, on every page.
    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 5)
    topic = seeder.topic(seeder.forum(), "Fruit", "the start")
    quince = [seeder.reply(topic, "quince " * n + f"reply {n}") for n in (1, 3, 2)]
    for i in range(40):
        seeder.reply(topic, f"plain {i}")
    found = find(seeder, "quince", limit=2)
    assert not found.newest_first and found.total == 3
    assert numbers(found) == [quince[1].number, quince[2].number]  # most mentions first
    rest = find(seeder, "quince", limit=2, offset=2)
    assert numbers(rest) == [quince[0].number] and rest.total == 3
    beyond = find(seeder, "quince", limit=2, offset=10)
    assert beyond.hits == [] and beyond.total == 3


def test_postgres_counts_an_undecided_query_from_its_index_alone(
    seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fulltext._index_matches: a query of words and prefixes that neither the newest ids nor
    # the statistics decided is counted from the GIN index's bitmap (EXPLAIN ANALYZE of a
    # one-row read); more entries than the threshold: too common, newest first. A phrase
    # (its words must be next to each other: the index cannot tell) is not counted so.
    if dialect_name(seeder.conn) != "postgres":
        pytest.skip("PostgreSQL's GIN index")
    from bot.domain.searchquery import parse
    from bot.storage.postgres import fulltext

    monkeypatch.setattr(search, "FALLBACK_MIN_MATCHES", 5)
    topic = seeder.topic(seeder.forum(), "Fruit", "the start")
    for i in range(12):  # the oldest ids: papaya, papayas, then pawpaw ...
        seeder.reply(topic, f"{'papaya' if i % 2 else 'papayas'} and pawpaw {i}")
    for i in range(3):
        seeder.reply(topic, "quince " * (i + 1))
    for i in range(40):  # ... the newest ids hold none of them
        seeder.reply(topic, f"plain {i}")
    conn = seeder.conn
    prefix = fulltext.tsquery(conn, parse("papay*"))
    assert fulltext._index_matches(conn, prefix) == 12
    assert fulltext._index_matches(conn, fulltext.tsquery(conn, parse("pawpaw -papayas"))) == 6
    assert fulltext._index_matches(conn, fulltext.tsquery(conn, parse('"papaya and"'))) is None  # a phrase
    assert conn.execute("SELECT current_setting('enable_seqscan')").fetchone()[0] == "on"  # as it was
    found = find(seeder, "papay*", limit=3)
    assert found.newest_first and found.total == 12
    assert find(seeder, "pawpaw -papayas").newest_first  # 6 entries, more than 5
    ranked = find(seeder, "quinc*")  # 3 entries: the ranking counts them, best first
    assert fulltext._index_matches(conn, fulltext.tsquery(conn, parse("quinc*"))) == 3
    assert not ranked.newest_first and ranked.total == 3
