"""How /forumadmin stats reads: the numbers (pure) and a posts-per-week chart (PNG)."""

from __future__ import annotations

import io
import statistics
from datetime import date, timedelta

from bot.domain.text import escape_inline
from bot.i18n import _, ngettext
from bot.storage.stats import ForumStats


def median_seconds(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def duration(seconds: float | None) -> str:
    """A short human duration: 45 s, 12 min, 3.5 h, 2.1 days."""
    if seconds is None:
        return _("no replies yet")
    if seconds < 60:
        return _("{value} s", value=format(seconds, ".0f"))
    if seconds < 3600:
        return _("{value} min", value=format(seconds / 60, ".0f"))
    if seconds < 86400:
        return _("{value} h", value=format(seconds / 3600, ".1f"))
    return _("{value} days", value=format(seconds / 86400, ".1f"))


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def fill_weeks(weeks: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Weeks with no posts appear as zeros between the first and the last."""
    if not weeks:
        return []
    counts = dict(weeks)
    start, end = date.fromisoformat(weeks[0][0]), date.fromisoformat(weeks[-1][0])
    filled = []
    day = start
    while day <= end:
        filled.append((day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=7)
    return filled


def stats_text(stats: ForumStats) -> str:
    lines = [
        _("Topics: **{count}**", count=stats.topics),
        _("Replies: **{count}**", count=stats.replies),
        _("Solved: **{count}** ({share} of topics)", count=stats.solved, share=share(stats.solved, stats.topics)),
        _("Unanswered topics: **{count}**", count=stats.unanswered),
        _("Median time to first reply: **{time}**", time=duration(median_seconds(stats.first_reply_seconds))),
    ]
    if stats.active_members:
        lines.append(_("Most active members:"))
        lines += [
            f"{i}. **{escape_inline(name)}** — " + ngettext("{count} post", "{count} posts", posts)
            for i, (name, _user, posts) in enumerate(stats.active_members, start=1)
        ]
    return "\n".join(lines)


def posts_per_week_png(weeks: list[tuple[str, int]]) -> bytes | None:
    """A bar chart of posts per week, or None when there is nothing to draw or no matplotlib."""
    weeks = fill_weeks(weeks)
    if not weeks:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    figure = Figure(figsize=(8, 3.2), dpi=100)
    axes = figure.subplots()
    labels = [w[5:] for w, _n in weeks]  # MM-DD of each week's Monday
    axes.bar(range(len(weeks)), [n for _w, n in weeks], color="#3d6ea0")
    axes.set_xticks(range(len(weeks)), labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel(_("posts"))  # the language of the command (asyncio.to_thread copies it)
    axes.set_title(_("Posts per week (weeks start on Monday)"))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
