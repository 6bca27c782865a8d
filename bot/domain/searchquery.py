"""What a member types into /search → a safe SQLite FTS5 MATCH expression. Pure.

Member text is a query, not FTS5 syntax. Every word and every quoted phrase becomes an
FTS5 string (``"..."`` with inner quotes doubled), so nothing a member types can reach the
FTS5 parser as syntax. On top of that, a few forms members expect from search boxes work:

- ``"exact phrase"``: the words next to each other (an unclosed quote runs to the end);
- ``word*``: words starting with ``word``: at least two letters before the star (``m*``
  would read every word starting with m: refused with a message), at most
  ``MAX_PREFIXES`` of them in one search;
- ``-word`` or ``NOT word``: leave out posts with that word;
- ``OR`` (upper case) between words: either side may match; ``AND`` and ``NEAR`` (upper
  case) are accepted and mean the default: every word must match.

Everything else (parentheses, ``^``, ``:``, lower-case ``and``/``or``/``not``, emoji,
punctuation) is an ordinary character of an ordinary word: parentheses and punctuation
separate words the same way the tokenizer does, so they never matter. A query made only
of operator words (``OR``, ``NOT``) searches for those words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.i18n import _

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MIN_PREFIX_CHARS = 2
# Each word beginning makes SQLite read the index entries of every word it starts (``th*``:
# the, that, this, ...): a bounded number of them per search.
MAX_PREFIXES = 4

_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<word>[^\s"()]+)')
OPERATORS = ("OR", "AND", "NOT", "NEAR")
# Characters that only ever separate words for the unicode61 tokenizer and that members
# use as syntax; stripped from the ends of bare words so "(cats" and "dogs)" are words.
_EDGE = "()[]{}<>^:,;.!?'`~+"


class SearchQueryError(ValueError):
    """A query that can find nothing; ``message`` is for the member."""

    def __init__(self, message: str, *, empty: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.empty = empty  # nothing searchable at all (as opposed to a query that cannot match)


@dataclass(frozen=True)
class Term:
    text: str  # the words, as the member wrote them (without quotes or star)
    phrase: bool = False
    prefix: bool = False

    def fts(self) -> str:
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted

    def display(self) -> str:
        shown = f'"{self.text}"' if self.phrase else self.text
        return shown + "*" if self.prefix else shown


@dataclass
class _Group:
    include: list[Term] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)


@dataclass(frozen=True)
class SearchQuery:
    expression: str  # the FTS5 MATCH expression
    groups: tuple[tuple[tuple[Term, ...], tuple[Term, ...]], ...]  # (include, exclude) per OR branch

    def describe(self) -> str:
        """How the query was understood, for the member."""
        branches = []
        for include, exclude in self.groups:
            text = " ".join(t.display() for t in include)
            if exclude:
                text += " " + " ".join("-" + t.display() for t in exclude)
            branches.append(text)
        return " OR ".join(branches)

    @property
    def excludes(self) -> bool:
        """True when some words are to be left out (``-word``, ``NOT word``)."""
        return any(exclude for _include, exclude in self.groups)

    @property
    def words(self) -> list[str]:
        return [t.text for include, _exclude in self.groups for t in include]


def searchable(text: str) -> bool:
    """True when the unicode61 tokenizer finds at least one token in ``text``.

    Token characters are letters, numbers and private-use characters; everything else
    (emoji, punctuation, spaces, symbols) separates tokens.
    """
    return any(unicodedata.category(char)[0] in "LN" or unicodedata.category(char) == "Co" for char in text)


def _token_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co"


def _last_token(text: str) -> str:
    """The last word of ``text`` as the tokenizer splits it (the one a star applies to)."""
    end = len(text)
    while end and not _token_char(text[end - 1]):
        end -= 1
    start = end
    while start and _token_char(text[start - 1]):
        start -= 1
    return text[start:end]


def _word(raw: str) -> tuple[str, bool]:
    """A bare word without edge punctuation, and whether it asks for a prefix search."""
    prefix = False
    word = raw.strip(_EDGE)
    if word.endswith("*"):
        stem = word.rstrip("*").strip(_EDGE)
        if searchable(stem) and "*" not in stem:
            # "ab-c*" is the phrase "ab c*" for the tokenizer: the star applies to its last word.
            if len(_last_token(stem)) < MIN_PREFIX_CHARS:
                raise SearchQueryError(
                    _(
                        "A word's beginning needs at least {count} letters before the `*` "
                        "(`{word}*` would match far too many words): type more of it.",
                        count=MIN_PREFIX_CHARS,
                        word=_last_token(stem) or stem,
                    )
                )
            return stem, True
        word = stem
    return word.replace("*", " ").strip(), prefix


def parse(text: str) -> SearchQuery:
    """Parse member text; raises SearchQueryError when nothing could ever match."""
    # Control characters and lone surrogates are never words (a NUL would end the FTS5 string).
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in unicodedata.normalize("NFC", text or "")
    )
    value = cleaned.strip()
    if len(value) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            _(
                "That search is {length} characters long; keep it under {limit}.",
                length=len(value),
                limit=MAX_QUERY_CHARS,
            )
        )
    try:
        return _parse(value, operators=True)
    except SearchQueryError as error:
        if not error.empty or not any(match["word"] in OPERATORS for match in _TOKEN.finditer(value)):
            raise
        return _parse(value, operators=False)


def _parse(value: str, *, operators: bool) -> SearchQuery:
    groups: list[_Group] = [_Group()]
    negate_next = False
    terms = 0
    prefixes: set[Term] = set()
    for match in _TOKEN.finditer(value):
        phrase = match["phrase"]
        if phrase is not None:
            term: Term | None = Term(" ".join(phrase.split()), phrase=True) if searchable(phrase) else None
            negated = negate_next
        else:
            raw = match["word"]
            if not operators:
                pass
            elif raw == "OR":
                if groups[-1].include or groups[-1].exclude:
                    groups.append(_Group())
                negate_next = False
                continue
            elif raw in ("AND", "NEAR"):
                continue
            elif raw == "NOT":
                negate_next = True
                continue
            negated = negate_next
            if operators and raw.startswith("-") and len(raw) > 1:
                negated, raw = True, raw[1:]
            word, prefix = _word(raw)
            term = Term(word, prefix=prefix) if word and searchable(word) else None
        negate_next = False
        if term is None:
            continue
        terms += 1
        if terms > MAX_TERMS:
            raise SearchQueryError(_("Use at most {limit} words or phrases in one search.", limit=MAX_TERMS))
        if term.prefix:
            prefixes.add(term)
            if len(prefixes) > MAX_PREFIXES:
                raise SearchQueryError(
                    _(
                        "Use at most {limit} word beginnings (`word*`) in one search: each one reads "
                        "every word it starts.",
                        limit=MAX_PREFIXES,
                    )
                )
        target = groups[-1].exclude if negated else groups[-1].include
        if term not in target:
            target.append(term)
    kept = [g for g in groups if g.include]
    if not kept:
        if any(g.exclude for g in groups):
            raise SearchQueryError(
                _("A search needs at least one word to look for, not only words to leave out (`-word`).")
            )
        raise SearchQueryError(
            _("Type at least one word to search for: punctuation and emoji alone cannot be searched."), empty=True
        )
    parts = []
    for group in kept:
        part = "(" + " AND ".join(t.fts() for t in group.include) + ")"
        if group.exclude:
            part = "(" + part + " NOT (" + " OR ".join(t.fts() for t in group.exclude) + "))"
        parts.append(part)
    expression = " OR ".join(parts)
    return SearchQuery(
        expression=expression,
        groups=tuple((tuple(g.include), tuple(g.exclude)) for g in kept),
    )
