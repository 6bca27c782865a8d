"""Reading the PHP-serialized values bbPress keeps in post meta (`serialize()`'s format).

Only what bbPress writes there is read: arrays (`a:N:{...}`), integers (`i:3;`), strings
(`s:6:"author";`, the length in UTF-8 bytes), booleans, floats and null. Anything else —
objects (`O:`), references, a length that does not match, nesting deeper than a few levels —
reads as ``None``: a meta value we cannot read is ignored, never trusted.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 4
MAX_ITEMS = 10_000
_SCALAR = re.compile(rb"([ib]):(-?[0-9]{1,19});|d:([-+0-9.eEINFA]{1,40});|N;")
_HEAD = re.compile(rb"([sa]):([0-9]{1,9}):")

PhpValue = int | float | bool | str | None | dict[object, object]


class _Bad(Exception):
    pass


def _value(data: bytes, at: int, depth: int) -> tuple[PhpValue, int]:
    scalar = _SCALAR.match(data, at)
    if scalar:
        kind, number, double = scalar.group(1), scalar.group(2), scalar.group(3)
        if kind == b"i":
            return int(number), scalar.end()
        if kind == b"b":
            return number == b"1", scalar.end()
        if double is not None:
            try:
                return float(double), scalar.end()
            except ValueError:
                raise _Bad from None
        return None, scalar.end()
    head = _HEAD.match(data, at)
    if not head:
        raise _Bad
    size, at = int(head.group(2)), head.end()
    if head.group(1) == b"s":
        end = at + 1 + size
        if data[at : at + 1] != b'"' or data[end : end + 2] != b'";':
            raise _Bad
        try:
            return data[at + 1 : end].decode("utf-8"), end + 2
        except UnicodeDecodeError:
            raise _Bad from None
    if depth >= MAX_DEPTH or size > MAX_ITEMS or data[at : at + 1] != b"{":
        raise _Bad
    at += 1
    out: dict[object, object] = {}
    for _ in range(size):
        key, at = _value(data, at, depth + 1)
        if not isinstance(key, int | str) or isinstance(key, bool):
            raise _Bad
        out[key], at = _value(data, at, depth + 1)
    if data[at : at + 1] != b"}":
        raise _Bad
    return out, at + 1


def loads(text: str) -> PhpValue:
    """The value ``text`` holds, or None when it is not one we read (see the module's doc)."""
    data = text.strip().encode("utf-8")
    try:
        value, end = _value(data, 0, 0)
    except _Bad:
        return None
    return value if end == len(data) else None


def int_list(text: str) -> list[int]:
    """The whole numbers of a serialized array's values (`a:2:{i:0;i:3170;i:1;s:4:"3180";}`),
    of a JSON list (`[3170, 3180]`, as WP-CLI prints an option) or of a comma list (`3170, 3180`);
    [] when it is none of them."""
    stripped = text.strip()
    if stripped.startswith("a:"):
        value = loads(stripped)
        items = list(value.values()) if isinstance(value, dict) else []
    elif stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except (ValueError, RecursionError):
            return []
        items = parsed if isinstance(parsed, list) else []
    else:
        items = [part for part in re.split(r"[\s,]+", stripped) if part]
    numbers = []
    for item in items:
        if isinstance(item, bool):
            return []
        if isinstance(item, int):
            numbers.append(item)
        elif isinstance(item, str) and re.fullmatch(r"[0-9]{1,19}", item):
            numbers.append(int(item))
        else:
            return []
    return numbers
