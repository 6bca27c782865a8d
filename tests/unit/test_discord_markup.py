"""The one renderer of Discord markup (bot/domain/markup.py, bot/domain/mentions.py): every
construct, hostile, unclosed and nested input, a strict HTML5 parse of everything it writes,
and the Markdown export's readable text."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import html5lib
import pytest

from bot.domain.markup import render
from bot.domain.mentions import Names, Refs, readable_markdown, references
from bot.web.seo import plain_text

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T = 1764324000  # 2025-11-28 10:00:00 UTC, a Friday
NAMES = Names(users={1: "Ann <3", 5: "Bo_b*"}, roles={2: "Staff"}, channels={3: "general", 4: "How do I…"})
REL = 'rel="nofollow ugc noopener"'


def a(href: str, text: str | None = None) -> str:
    return f'<a href="{href}" {REL}>{href if text is None else text}</a>'


SPOILER = (
    '<label class="spoiler"><input type="checkbox" aria-label="Spoiler: show">'
    '<span class="spoiler-text">{}</span></label>'
)
TIME = '<time datetime="2025-11-28T10:00:00Z" title="Friday, 28 November 2025 10:00 UTC">{}</time>'

CASES = [
    # --- plain text and line breaks
    ("hello", "<p>hello</p>"),
    ("line one\nline two", "<p>line one<br>\nline two</p>"),
    ("a\n\nb", "<p>a<br>\n<br>\nb</p>"),
    # --- inline styles
    ("**bold** and *it* and _it_", "<p><strong>bold</strong> and <em>it</em> and <em>it</em></p>"),
    ("***both***", "<p><strong><em>both</em></strong></p>"),
    ("__under__ ~~gone~~", "<p><u>under</u> <s>gone</s></p>"),
    ("**bold __under *it*__**", "<p><strong>bold <u>under <em>it</em></u></strong></p>"),
    ("snake_case_name", "<p>snake_case_name</p>"),
    ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
    ("\\*not italic\\*", "<p>*not italic*</p>"),
    # --- code
    ("`x < y`", "<p><code>x &lt; y</code></p>"),
    ("``a ` b``", "<p><code>a ` b</code></p>"),
    ("`**not bold** <@1>`", "<p><code>**not bold** &lt;@1&gt;</code></p>"),
    ("```py\nprint('<b>')\n```", '<pre><code class="language-py">print(&#x27;&lt;b&gt;&#x27;)</code></pre>'),
    ("before ```\n**raw**\n``` after", "<p>before </p><pre><code>**raw**</code></pre><p> after</p>"),
    # --- spoilers: hidden until clicked, no script
    ("||secret||", "<p>" + SPOILER.format("secret") + "</p>"),
    ("||a **b**||", "<p>" + SPOILER.format("a <strong>b</strong>") + "</p>"),
    # --- links: bare, <suppressed>, masked; nothing but http(s) and mailto
    ("see https://example.org/a?b=1.", f"<p>see {a('https://example.org/a?b=1')}.</p>"),
    ("https://en.wikipedia.org/wiki/Foo_(bar)", f"<p>{a('https://en.wikipedia.org/wiki/Foo_(bar)')}</p>"),
    ("<https://example.org>", f'<p><a href="https://example.org" {REL}>https://example.org</a></p>'),
    ("[the **docs**](https://example.org/d)", f"<p>{a('https://example.org/d', 'the <strong>docs</strong>')}</p>"),
    ("[docs](<https://example.org/d>)", f'<p><a href="https://example.org/d" {REL}>docs</a></p>'),
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
    ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"),
    ("![pixel](https://t.example/p.gif)", f'<p>!<a href="https://t.example/p.gif" {REL}>pixel</a></p>'),
    ('https://e.example/"onmouseover="x', f"<p>{a('https://e.example/&quot;onmouseover=&quot;x')}</p>"),
    # --- mentions, by name; unknown ids never as ids
    ("<@1> <@!1>", '<p><span class="mention">@Ann &lt;3</span> <span class="mention">@Ann &lt;3</span></p>'),
    ("<@&2> <#3>", '<p><span class="mention role">@Staff</span> <span class="mention channel">#general</span></p>'),
    ("<@9> <@&9> <#9>", '<p><span class="mention unknown">@unknown-user</span> '
     '<span class="mention role unknown">@unknown-role</span> '
     '<span class="mention channel unknown">#unknown-channel</span></p>'),
    ("<@99999999999999999999>", '<p><span class="mention unknown">@unknown-user</span></p>'),
    ("</topic new:123>", '<p><span class="mention command">/topic new</span></p>'),
    ("<:kek:123> <a:party:456>", '<p><span class="emoji">:kek:</span> <span class="emoji">:party:</span></p>'),
    ("@everyone", "<p>@everyone</p>"),
    # --- timestamps, in the style asked (UTC); R relative to now, the date in the title
    (f"<t:{T}:t>", "<p>" + TIME.format("10:00 UTC") + "</p>"),
    (f"<t:{T}:T>", "<p>" + TIME.format("10:00:00 UTC") + "</p>"),
    (f"<t:{T}:d>", "<p>" + TIME.format("2025-11-28") + "</p>"),
    (f"<t:{T}:D>", "<p>" + TIME.format("28 November 2025") + "</p>"),
    (f"<t:{T}>", "<p>" + TIME.format("28 November 2025 10:00 UTC") + "</p>"),
    (f"<t:{T}:f>", "<p>" + TIME.format("28 November 2025 10:00 UTC") + "</p>"),
    (f"<t:{T}:F>", "<p>" + TIME.format("Friday, 28 November 2025 10:00 UTC") + "</p>"),
    (f"<t:{T}:R>", "<p>" + TIME.format("1 year ago") + "</p>"),
    (f"<t:{T + 86400 * 400}:R>",
     '<p><time datetime="2027-01-02T10:00:00Z" title="Saturday, 2 January 2027 10:00 UTC">in 1 month</time></p>'),
    ("<t:99999999999999999:F> <t:x>", "<p>&lt;t:99999999999999999:F&gt; &lt;t:x&gt;</p>"),
    # --- blocks
    ("# One\n## Two\n### Three\n#### Four", "<h3>One</h3><h4>Two</h4><h5>Three</h5><p>#### Four</p>"),
    ("#hashtag", "<p>#hashtag</p>"),
    ("-# small print", '<p class="subtext"><small>small print</small></p>'),
    ("> one\n> two\nafter", "<blockquote><p>one<br>\ntwo</p></blockquote><p>after</p>"),
    (">>> all\nof it", "<blockquote><p>all<br>\nof it</p></blockquote>"),
    ("> > not nested", "<blockquote><p>&gt; not nested</p></blockquote>"),
    (">", "<p>&gt;</p>"),
    ("- a\n- b\n  - b1\n* c", "<ul><li>a</li><li>b<ul><li>b1</li></ul></li><li>c</li></ul>"),
    ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
    ("3. three\n4. four", '<ol start="3"><li>three</li><li>four</li></ol>'),
    ("- a\n1. b", "<ul><li>a</li></ul><ol><li>b</li></ol>"),
    ("> # quoted heading\n> - item", "<blockquote><h3>quoted heading</h3><ul><li>item</li></ul></blockquote>"),
    # --- hostile: members' HTML stays text
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ('<a href="javascript:x">y</a>', "<p>&lt;a href=&quot;javascript:x&quot;&gt;y&lt;/a&gt;</p>"),
    ("&lt;b&gt; &amp;", "<p>&amp;lt;b&amp;gt; &amp;amp;</p>"),
    # --- unclosed: the characters typed
    ("**never closed", "<p>**never closed</p>"),
    ("||never closed", "<p>||never closed</p>"),
    ("`never closed", "<p>`never closed</p>"),
    ("```never closed", "<p>```never closed</p>"),
    ("[text](https://example.org", f'<p>[text](<a href="https://example.org" {REL}>https://example.org</a></p>'),
    ("<@1", "<p>&lt;@1</p>"),
    ("~~a", "<p>~~a</p>"),
    ("__a", "<p>__a</p>"),
    # --- nested out of order: what closes first wins, the rest is text
    ("**a __b** c__", "<p><strong>a __b</strong> c__</p>"),
    ("||a **b|| c**", "<p>" + SPOILER.format("a **b") + " c**</p>"),
    ("||a ||b|| c||", "<p>" + SPOILER.format("a ") + "b" + SPOILER.format(" c") + "</p>"),
    ("[||x||](https://e.example)", f'<p><a href="https://e.example" {REL}><span class="spoiler">x</span></a></p>'),
    ("[a [b](https://x.example)](https://y.example)", f"<p>[a {a('https://x.example', 'b')}]({a('https://y.example')})</p>"),
    ("[https://inner.example](https://outer.example)", f'<p><a href="https://outer.example" {REL}>https://inner.example</a></p>'),
]  # fmt: skip


@pytest.mark.parametrize(("text", "html"), CASES)
def test_every_construct_renders_as_discord_shows_it(text: str, html: str) -> None:
    assert render(text, NAMES, now=NOW) == html


def strict(fragment: str) -> None:
    doc = f"<!doctype html><html lang=en><head><title>t</title></head><body><div>{fragment}</div></body></html>"
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(doc)


HOSTILE = [
    "**" * 300 + "x",
    "||" * 301,
    "*_~|`" * 200,
    "[" * 200 + "x" + "](https://e.example)" * 200,
    "> " * 100 + "deep",
    "\n".join(" " * n + "- item" for n in range(200)),
    "```" * 51,
    "<" * 50 + "@1" + ">" * 50,
    "**__~~||*_`x`_*||~~__**",
    "\x00\ufffd\u202e\ufffe\U0010ffff\r<t:1:R>",
    "# ||spoiler heading||\n-# [link](https://e.example) <@1>",
    "- ||a\n- b||",
]


@pytest.mark.parametrize("text", [text for text, _ in CASES] + HOSTILE)
def test_everything_rendered_parses_in_a_strict_html5_parser(text: str) -> None:
    html = render(text, NAMES, now=NOW)
    strict(html)
    assert "<script" not in html and "<img" not in html
    assert all(href.startswith(("https://", "http://", "mailto:")) for href in re.findall(r'href="([^"]*)"', html))


def test_deep_nesting_is_text_not_a_crash() -> None:
    html = render("**__" * 2000 + "x" + "__**" * 2000, NAMES, now=NOW)
    strict(html)
    assert "x" in html


LONG_HOSTILE = {  # 20,000 characters: an imported post's limit
    "backticks": "`" * 20000,
    "backtick-a": "`a" * 10000,
    "star-space": "* " * 10000,
    "star-a": "*a " * 6666,
    "underscore-a": "_a " * 6666,
    "pipes": "|" * 20000,
    "brackets": "[a](" * 5000,
    "angles": "<@" * 10000,
    "mixed": "*_~|`[<\\h" * 2000,
    "nested-list": "\n".join(" " * n + "- a" for n in range(1500)),
}


@pytest.mark.parametrize("name", LONG_HOSTILE)
def test_hostile_text_renders_in_linear_time(name: str) -> None:
    text = LONG_HOSTILE[name]
    started = time.perf_counter()
    html = render(text, NAMES, now=NOW)
    plain_text(html)
    readable_markdown(text, NAMES)
    assert time.perf_counter() - started < 2.0  # catastrophic backtracking took 40 s on "`" * 2000
    strict(html)


def test_spoilers_stay_out_of_descriptions() -> None:
    html = render("shown ||hidden <@1> **bold**|| shown too [a ||b <@1>|| c](https://e.example)", NAMES, now=NOW)
    assert plain_text(html) == "shown shown too a c"


def test_feeds_withhold_spoilers() -> None:
    html = render("a ||hidden|| b", NAMES, now=NOW, withhold_spoilers=True)
    assert html == '<p>a <span class="spoiler">[spoiler]</span> b</p>'


def test_references_lists_what_to_look_up() -> None:
    refs = references(["<@1> <@!5> <@&2> <#3>", "`<#4>` <@99999999999999999999>", ""])
    assert refs == Refs(users=frozenset({1, 5}), roles=frozenset({2}), channels=frozenset({3, 4}))
    assert not references(["no mentions"])


READABLE = [
    ("<@1> and <@&2> in <#3>", "@Ann <3 and @Staff in #general"),
    ("<@5>", "@Bo\\_b\\*"),
    ("<@9> <@&9> <#9>", "@unknown-user @unknown-role #unknown-channel"),
    (f"<t:{T}:R> <t:{T}:d>", "28 November 2025 10:00 UTC 2025-11-28"),
    ("<:kek:123> </topic new:1>", ":kek: /topic new"),
    ("`<@1>` and ```\n<#3>\n``` stay", "`<@1>` and ```\n<#3>\n``` stay"),
    ("||spoiler|| **bold** <script>", "||spoiler|| **bold** <script>"),
    ("\\<@1>", "\\<@1>"),
]


@pytest.mark.parametrize(("text", "markdown"), READABLE)
def test_the_markdown_export_reads_mentions_times_and_emoji_as_text(text: str, markdown: str) -> None:
    assert readable_markdown(text, NAMES) == markdown


def test_search_snippets_read_names_and_withhold_spoilers() -> None:
    from bot.storage.search import HL_END, HL_START
    from bot.web.markup import highlight

    snippet = f"ask <@1> in <#3> ||the {HL_START}butler{HL_END} did it|| at <t:{T}:D> <script>"
    assert str(highlight(snippet, NAMES)) == ("ask @Ann &lt;3 in #general [spoiler] at 28 November 2025 &lt;script&gt;")
    assert str(highlight("<@1> <@12", None)) == "@unknown-user &lt;@12"  # a token cut by the snippet stays
