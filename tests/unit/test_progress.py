"""The command line's progress bar (bot/progress.py): redrawn on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from bot.progress import Bar


def test_a_terminal_gets_one_line_redrawn() -> None:
    out = io.StringIO()
    bar = Bar(out, tty=True)
    bar("topics", 0, 200)
    bar("posts", 100, 200)
    bar("posts", 200, 200)
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "posts" in text and "50%" in text and "100% 200/200 rows" in text and "[" + "#" * 30 + "]" in text


def test_a_log_gets_a_line_per_tenth_not_per_batch() -> None:
    out = io.StringIO()
    bar = Bar(out, tty=False)
    for done in range(0, 1001):
        bar("posts" if done < 900 else "revisions", done, 1000)
    bar("checking", 1000, 1000)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 12 and "\r" not in out.getvalue()
    assert lines[0] == "posts: 0/1,000 rows (0%)" and lines[-1] == "checking: 1,000/1,000 rows (100%)"


def test_nothing_to_copy_is_whole() -> None:
    out = io.StringIO()
    Bar(out, tty=False)("checking", 0, 0)
    assert out.getvalue() == "checking: 0/0 rows (100%)\n"


def test_the_unit_is_named() -> None:
    out = io.StringIO()
    Bar(out, tty=True, unit="topics")("import", 3, 4)
    assert "75% 3/4 topics" in out.getvalue()
