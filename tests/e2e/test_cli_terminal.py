"""The command line's long work on a terminal (issue 16, part 3): `import`, `export` and
`db copy` draw one progress line redrawn in place on stderr when it is a terminal (a real
pseudo-terminal here), and say what they did at the end."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bbpress-example.xml"


def on_a_terminal(database: Path, *args: str) -> tuple[int, str, str]:
    """``python -m bot ARGS`` with stderr on a pseudo-terminal: (exit code, stdout, the terminal's text)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "WARNING"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=env,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return done.returncode, done.stdout, b"".join(chunks).decode()


def test_import_export_and_db_copy_draw_a_bar_on_a_terminal(tmp_path: Path) -> None:
    forum = tmp_path / "forum.db"
    code, out, terminal = on_a_terminal(forum, "import", str(FIXTURE), "--guild", "77")
    assert code == 0 and "imported 2 topic(s)" in out, terminal
    assert "\r" in terminal and "[" + "#" * 30 + "] 100% 2/2 topics" in terminal, terminal

    code, out, terminal = on_a_terminal(forum, "export", "--format", "markdown", "--guild", "77")
    assert code == 0 and out.startswith("# "), terminal
    assert "\r" in terminal and "100% 2/2 topics" in terminal, terminal

    code, out, terminal = on_a_terminal(forum, "db", "copy", f"sqlite:///{tmp_path / 'copy.db'}")
    assert code == 0 and "copied " in out and " rows from " in out, terminal
    assert "\r" in terminal and "[" + "#" * 30 + "] 100%" in terminal and "Traceback" not in terminal, terminal
