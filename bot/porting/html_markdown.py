"""bbPress post HTML → Discord Markdown. Pure; unknown tags keep their text, scripts and styles vanish."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROP = {"script", "style", "iframe", "object", "embed", "template", "head"}
_BLOCK = {"p", "div", "section", "article", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "figure"}
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~", "strike": "~~", "u": "__"}
_SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.I)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list[int]] = []  # [kind (0 ul, 1 ol), counter]
        self.links: list[str | None] = []

    # -------------------------------------------------------------- helpers
    def write(self, text: str) -> None:
        if self.dropping:
            return
        if self.quote and not self.pre:
            text = text.replace("\n", "\n" + "> " * self.quote)
        self.out.append(text)

    def newline(self, count: int = 1) -> None:
        if self.dropping:
            return
        self.out.append("\n" * count + ("> " * self.quote if self.quote else ""))

    # -------------------------------------------------------------- events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.dropping += 1
            return
        if tag == "br":
            self.newline()
        elif tag in _BLOCK:
            self.newline(2)
            if tag.startswith("h") and len(tag) == 2:
                self.write("**")
        elif tag in _INLINE:
            self.write(_INLINE[tag])
        elif tag == "code" and not self.pre:
            self.write("`")
        elif tag == "pre":
            self.newline(2)
            self.write("```\n")
            self.pre += 1
        elif tag == "blockquote":
            self.quote += 1
            self.newline(2)
        elif tag in ("ul", "ol"):
            self.lists.append([int(tag == "ol"), 0])
            self.newline()
        elif tag == "li":
            self.newline()
            depth = max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0]:
                self.lists[-1][1] += 1
                self.write("  " * depth + f"{self.lists[-1][1]}. ")
            else:
                self.write("  " * depth + "- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            safe = href.strip() if _SAFE_LINK.match(href.strip()) else None
            self.links.append(safe)
            if safe:
                self.write("[")
        elif tag == "img":
            found = dict(attrs)
            src = (found.get("src") or "").strip()
            if _SAFE_LINK.match(src):
                self.write(f"[{found.get('alt') or 'image'}](<{src}>)")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.dropping = max(0, self.dropping - 1)
            return
        if tag in _BLOCK:
            if tag.startswith("h") and len(tag) == 2:
                self.write("**")
            self.newline(2)
        elif tag in _INLINE:
            self.write(_INLINE[tag])
        elif tag == "code" and not self.pre:
            self.write("`")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.write("\n```")
            self.newline(2)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.newline(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.newline()
        elif tag == "a":
            href = self.links.pop() if self.links else None
            if href:
                self.write(f"](<{href}>)")

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.write(data)
        else:
            # HTML collapses whitespace, except the line breaks WordPress turns into <br>/<p> (wpautop).
            self.write(re.sub(r"[ \t\r\f\v]+", " ", data))


def html_to_markdown(html: str) -> str:
    """Discord Markdown for a bbPress post body (raw HTML with WordPress's paragraph breaks)."""
    converter = _Converter()
    converter.feed(html or "")
    converter.close()
    text = "".join(converter.out)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n(?:>\s*)?\n(?:(?:>\s*)?\n)+", "\n\n", text)  # at most one blank line
    return text.strip()
