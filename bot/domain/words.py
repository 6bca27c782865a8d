"""The words for stored values (statuses) a member reads, in their language.

Records keep the English keys (``trash``, ``closed``); messages show ``status_word(key)``.
A key with no word here is shown as it is.
"""

from __future__ import annotations

from bot.i18n import pgettext


def status_word(key: str) -> str:
    """A post's or topic's status as one word (bbPress's names): ``trash`` → "papelera" in Spanish."""
    words = {
        "open": pgettext("status", "open"),
        "closed": pgettext("status", "closed"),
        "publish": pgettext("status", "published"),
        "pending": pgettext("status", "pending"),
        "spam": pgettext("status", "spam"),
        "trash": pgettext("status", "trash"),
        "deleted": pgettext("status", "deleted"),
        "purged": pgettext("status", "purged"),
        "solved": pgettext("status", "solved"),
    }
    return words.get(key, key)


def verdict_word(key: str) -> str:
    """A report's status (open, approved, dismissed) as one word."""
    words = {
        "open": pgettext("report", "open"),
        "approved": pgettext("report", "approved"),
        "dismissed": pgettext("report", "dismissed"),
    }
    return words.get(key, key)
