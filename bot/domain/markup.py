"""Discord message markup as safe HTML: the one renderer of the web archive, its feeds and the
HTML export (the Markdown export keeps the text, through ``mentions.readable_markdown``).
Pure: names come in as a lookup, "now" as an argument.

What it reads, as Discord does (docs/archive.md, "How posts render"):

- blocks, each at the start of a line: code blocks (```` ```lang ````, anywhere), ``# ``,
  ``## ``, ``### `` headings (``<h3>``–``<h5>``: the page's own ``<h1>`` is the title),
  ``-# `` subtext, ``> `` quoted lines and ``>>> `` (the rest of the message quoted),
  ``- ``/``* `` and ``1. `` lists (indented items nest); every other line break is a ``<br>``;
- inline: ``**bold**``, ``*italic*``/``_italic_``, ``__underline__``, ``~~strike~~``,
  ``||spoiler||`` (hidden until clicked, no script: a label around a checkbox), `` `code` ``,
  ``\\`` escapes, ``[masked](https://…)`` links, ``<https://…>`` and bare http(s) URLs
  (``rel="nofollow ugc noopener"``), mentions, ``<t:…>`` timestamps, custom emoji and
  command mentions (``bot.domain.mentions``).

Everything else is text, escaped: a member's ``<script>`` stays text, and markup that never
closes, or closes out of order, renders as the characters typed. The output is always
well-formed (elements close in order; nothing interactive nests inside a link).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import escape

from bot.domain import mentions
from bot.domain.mentions import NO_NAMES, Names
from bot.domain.text import without_controls

LINK_REL = "nofollow ugc noopener"
MAX_DEPTH = 10  # nested inline markup deeper than this reads as text
MAX_LIST_DEPTH = 4

_PLANE_ENDS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(1, 17))
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff" + _PLANE_ENDS + "]")
_FENCE = re.compile(r"```(?:([A-Za-z0-9_+\-.#]{1,32})\n)?([\s\S]*?)```")
_HEADING = re.compile(r"(#{1,3}) +(\S.*)")
_SUBTEXT = re.compile(r"-# +(\S.*)")
_ITEM = re.compile(r"( *)([-*]|[0-9]{1,9}\.) +(\S.*)")


@dataclass(frozen=True)
class _Ctx:
    names: Names
    now: datetime
    depth: int = 0
    in_link: bool = False
    in_spoiler: bool = False
    withhold_spoilers: bool = False
    # (text, closer) -> where the closer last occurs in the text: a rule whose closer cannot
    # follow gives up at once (without it, "* * * …" costs a scan of the rest per star).
    last: dict[tuple[str, str], int] = field(default_factory=dict)

    def closes_after(self, s: str, i: int, closer: str) -> bool:
        key = (s, closer)
        found = self.last.get(key)
        if found is None:
            found = self.last[key] = s.rfind(closer)
        return found >= i


def render(text: str, names: Names = NO_NAMES, *, now: datetime | None = None, withhold_spoilers: bool = False) -> str:
    """A message's markup as HTML (a fragment of block elements). ``withhold_spoilers``: for
    readers without the archive's stylesheet (RSS readers), a spoiler reads ``[spoiler]``."""
    if not text:
        return ""
    text = without_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    if _NONCHARACTERS.search(text):  # what no HTML document may hold
        text = _NONCHARACTERS.sub("\ufffd", text)
    return "".join(_blocks(text, _Ctx(names, now or datetime.now(UTC), withhold_spoilers=withhold_spoilers)))


def _e(text: str) -> str:
    return escape(text, quote=True)


# ---------------------------------------------------------------- blocks


def _blocks(text: str, ctx: _Ctx) -> list[str]:
    """Code blocks first (Discord takes ```` ``` ```` anywhere), the lines between them next."""
    out: list[str] = []
    pos = 0
    for found in _FENCE.finditer(text):
        body = found.group(2).strip("\n")
        if not body.strip():
            continue  # ``````: text
        out += _lines(text[pos : found.start()], ctx, quoted=False)
        language = found.group(1)
        attr = f' class="language-{_e(language)}"' if language else ""
        out.append(f"<pre><code{attr}>{_e(body)}</code></pre>")
        pos = found.end()
    out += _lines(text[pos:], ctx, quoted=False)
    return out


def _lines(text: str, ctx: _Ctx, *, quoted: bool) -> list[str]:
    out: list[str] = []
    lines = text.split("\n")
    para: list[str] = []

    def flush() -> None:
        joined = "\n".join(para).strip("\n")
        para.clear()
        if joined.strip():
            out.append(f"<p>{_inline(joined, ctx)}</p>")

    i = 0
    while i < len(lines):
        line = lines[i]
        if not quoted and (line.startswith(">>> ") or line == ">>>"):
            flush()
            rest = "\n".join([line[4:], *lines[i + 1 :]])
            out.append(f"<blockquote>{''.join(_lines(rest, ctx, quoted=True))}</blockquote>")
            return out
        if not quoted and (line.startswith("> ") or line == ">"):
            flush()
            quote = []
            while i < len(lines) and (lines[i].startswith("> ") or lines[i] == ">"):
                quote.append(lines[i][2:])
                i += 1
            inner = "".join(_lines("\n".join(quote), ctx, quoted=True))
            out.append(f"<blockquote>{inner}</blockquote>" if inner else "<p>&gt;</p>")
            continue
        heading = _HEADING.fullmatch(line)
        if heading:
            flush()
            level = len(heading.group(1)) + 2
            out.append(f"<h{level}>{_inline(heading.group(2), ctx)}</h{level}>")
            i += 1
            continue
        subtext = _SUBTEXT.fullmatch(line)
        if subtext:
            flush()
            out.append(f'<p class="subtext"><small>{_inline(subtext.group(1), ctx)}</small></p>')
            i += 1
            continue
        if _ITEM.fullmatch(line):
            flush()
            items: list[tuple[int, str, str]] = []
            while i < len(lines) and (item := _ITEM.fullmatch(lines[i])):
                indent, marker = len(item.group(1)), item.group(2)
                if items and indent <= items[0][0] and marker.endswith(".") != items[0][1].endswith("."):
                    break  # "- a" then "1. b": a list of the other kind starts
                items.append((indent, marker, item.group(3)))
                i += 1
            out.append(_list(items, ctx, 0))
            continue
        para.append(line)
        i += 1
    flush()
    return out


def _list(items: list[tuple[int, str, str]], ctx: _Ctx, depth: int) -> str:
    """Items (indent, marker, text): those indented past an item's indent are its sub-list."""
    marker = items[0][1]
    ordered = marker.endswith(".")
    tag = "ol" if ordered else "ul"
    start = int(marker[:-1]) if ordered else 1
    out = [f'<ol start="{start}">' if ordered and start != 1 else f"<{tag}>"]
    i = 0
    while i < len(items):
        indent, _marker, text = items[i]
        j = i + 1
        if depth < MAX_LIST_DEPTH:
            while j < len(items) and items[j][0] > indent:
                j += 1
        inner = _list(items[i + 1 : j], ctx, depth + 1) if j > i + 1 else ""
        out.append(f"<li>{_inline(text, ctx)}{inner}</li>")
        i = j
    out.append(f"</{tag}>")
    return "".join(out)


# ---------------------------------------------------------------- inline

_NEXT = re.compile(r"[\\`<\[*_~|]|https?://")
_CONTENT = r"((?:\\[\s\S]|[^\\])+?)"
_BOLD_ITALIC = re.compile(r"\*\*\*(?=\S)" + _CONTENT + r"\*\*\*(?!\*)")
_BOLD = re.compile(r"\*\*" + _CONTENT + r"\*\*(?!\*)")
_ITALIC = re.compile(r"\*(?=\S)((?:\*\*|\\[\s\S]|\s+(?:\\[\s\S]|[^\s*\\]|\*\*)|[^\s*\\])+?)\*(?!\*)")
_UNDERLINE = re.compile(r"__" + _CONTENT + r"__(?!_)")
_ITALIC_UNDERSCORE = re.compile(r"_((?:__|\\[\s\S]|[^\\_])+?)_(?![A-Za-z0-9_])")
_STRIKE = re.compile(r"~~" + _CONTENT + r"~~(?!~)")
_SPOILER = re.compile(r"\|\|" + _CONTENT + r"\|\|")
_MASKED = re.compile(
    r"\[((?:\\[\s\S]|[^\\\[\]])+?)\]\(\s*<?(https?://[^\s<>()]+(?:\([^\s<>()]*\)[^\s<>()]*)*|mailto:[^\s<>()]+)>?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_URL = re.compile(r"https?://[^\s<]+[^<.,:;\"')\]\s]")
_ESCAPABLE = re.compile(r"[^0-9A-Za-z\s]")


def _inline(s: str, ctx: _Ctx) -> str:
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        rule = _RULES.get(s[i])
        if rule is not None:
            found = rule(s, i, ctx)
            if found is not None:
                out.append(found[0])
                i = found[1]
                continue
        after = _NEXT.search(s, i + 1)
        j = after.start() if after else n
        out.append(_text(s[i:j]))
        i = j
    return "".join(out)


def _text(text: str) -> str:
    return _e(text).replace("\n", "<br>\n")


Found = tuple[str, int] | None


def _escaped(s: str, i: int, ctx: _Ctx) -> Found:
    if i + 1 < len(s) and _ESCAPABLE.match(s, i + 1):
        return _e(s[i + 1]), i + 2
    return None


def _code(s: str, i: int, ctx: _Ctx) -> Found:
    """`code`, ``code with a ` in it``: a run of backticks up to the next run as long. A run
    that nothing closes is text, all of it at once (no scanning again from each backtick)."""
    opened = backtick_run(s, i)
    closing = closing_run(s, opened, opened - i)
    if closing < 0:
        return _e(s[i:opened]), opened
    body = s[opened:closing]
    if body.startswith(" ") and body.endswith(" ") and body.strip(" "):
        body = body[1:-1]
    return f"<code>{_e(body)}</code>", closing + opened - i


def backtick_run(s: str, i: int) -> int:
    """Where the run of backticks starting at ``i`` ends."""
    j = i
    while j < len(s) and s[j] == "`":
        j += 1
    return j


def closing_run(s: str, pos: int, length: int) -> int:
    """Where the next run of exactly ``length`` backticks from ``pos`` starts, or -1."""
    while True:
        start = s.find("`", pos)
        if start < 0:
            return -1
        end = backtick_run(s, start)
        if end - start == length:
            return start
        pos = end


def _wrapped(pattern: re.Pattern[str], opening: str, closing: str, closer: str) -> Callable[[str, int, _Ctx], Found]:
    def rule(s: str, i: int, ctx: _Ctx) -> Found:
        if ctx.depth >= MAX_DEPTH or not ctx.closes_after(s, i + len(closer), closer):
            return None
        found = pattern.match(s, i)
        if found is None:
            return None
        if opening == "<spoiler>":
            return _spoiler(found.group(1), ctx), found.end()
        return opening + _inline(found.group(1), replace(ctx, depth=ctx.depth + 1)) + closing, found.end()

    return rule


def _spoiler(inner_text: str, ctx: _Ctx) -> str:
    if ctx.withhold_spoilers:
        return '<span class="spoiler">[spoiler]</span>'
    inner = _inline(inner_text, replace(ctx, depth=ctx.depth + 1, in_spoiler=True))
    if ctx.in_link or ctx.in_spoiler:  # nothing interactive inside a link or another spoiler
        return f'<span class="spoiler">{inner}</span>'
    return (
        '<label class="spoiler"><input type="checkbox" aria-label="Spoiler: show">'
        f'<span class="spoiler-text">{inner}</span></label>'
    )


_bold_italic = _wrapped(_BOLD_ITALIC, "<strong><em>", "</em></strong>", "***")
_bold = _wrapped(_BOLD, "<strong>", "</strong>", "**")
_italic = _wrapped(_ITALIC, "<em>", "</em>", "*")
_underline = _wrapped(_UNDERLINE, "<u>", "</u>", "__")
_strike = _wrapped(_STRIKE, "<s>", "</s>", "~~")
_spoiler_rule = _wrapped(_SPOILER, "<spoiler>", "", "||")
_italic_underscore_match = _wrapped(_ITALIC_UNDERSCORE, "<em>", "</em>", "_")


def _star(s: str, i: int, ctx: _Ctx) -> Found:
    return _bold_italic(s, i, ctx) or _bold(s, i, ctx) or _italic(s, i, ctx)


def _underscore(s: str, i: int, ctx: _Ctx) -> Found:
    found = _underline(s, i, ctx)
    if found is not None:
        return found
    if i > 0 and (s[i - 1].isalnum() or s[i - 1] == "_"):
        return None  # snake_case_names stay as typed
    return _italic_underscore_match(s, i, ctx)


def _link(href: str, inner: str) -> str:
    return f'<a href="{_e(href)}" rel="{LINK_REL}">{inner}</a>'


def _masked(s: str, i: int, ctx: _Ctx) -> Found:
    if ctx.in_link or ctx.depth >= MAX_DEPTH:
        return None
    found = _MASKED.match(s, i)
    if found is None:
        return None
    inner = _inline(found.group(1), replace(ctx, depth=ctx.depth + 1, in_link=True))
    return _link(found.group(2), inner), found.end()


def _bare_url(s: str, i: int, ctx: _Ctx) -> Found:
    if ctx.in_link or (i > 0 and s[i - 1].isalnum()):
        return None
    found = _URL.match(s, i)
    if found is None:
        return None
    url, end = found.group(0), found.end()
    if end < len(s) and s[end] == ")" and url.count("(") > url.count(")"):
        url, end = url + ")", end + 1  # https://en.wikipedia.org/wiki/Foo_(bar)
    return _link(url, _e(url)), end


def _angle(s: str, i: int, ctx: _Ctx) -> Found:
    """What starts with ``<``: mentions, timestamps, emoji, command mentions, <links>."""
    names = ctx.names
    if found := mentions.USER.match(s, i):
        name = names.user(int(found.group(1)))
        return _mention("", "@", name, mentions.UNKNOWN_USER), found.end()
    if found := mentions.ROLE.match(s, i):
        name = names.role(int(found.group(1)))
        return _mention(" role", "@", name, mentions.UNKNOWN_ROLE), found.end()
    if found := mentions.CHANNEL.match(s, i):
        name = names.channel(int(found.group(1)))
        return _mention(" channel", "#", name, mentions.UNKNOWN_CHANNEL), found.end()
    if found := mentions.TIMESTAMP.match(s, i):
        when = mentions.moment(found.group(1))
        if when is None:
            return None
        shown = mentions.styled(when, found.group(2), ctx.now)
        full = mentions.styled(when, "F")
        return f'<time datetime="{mentions.iso(when)}" title="{_e(full)}">{_e(shown)}</time>', found.end()
    if found := mentions.EMOJI.match(s, i):
        return f'<span class="emoji">:{_e(found.group(2))}:</span>', found.end()
    if found := mentions.COMMAND.match(s, i):
        return f'<span class="mention command">/{_e(found.group(1))}</span>', found.end()
    if not ctx.in_link and (found := _AUTOLINK.match(s, i)):
        return _link(found.group(1), _e(found.group(1))), found.end()
    return None


def _mention(kind: str, sigil: str, name: str | None, unknown: str) -> str:
    if name is None:
        return f'<span class="mention{kind} unknown">{sigil}{unknown}</span>'
    return f'<span class="mention{kind}">{sigil}{_e(name)}</span>'


_RULES: dict[str, Callable[[str, int, _Ctx], Found]] = {
    "\\": _escaped,
    "`": _code,
    "<": _angle,
    "[": _masked,
    "h": _bare_url,
    "*": _star,
    "_": _underscore,
    "~": _strike,
    "|": _spoiler_rule,
}
