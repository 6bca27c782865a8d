"""No member-facing English literal outside the catalogs (docs/languages.md, "Coverage").

An AST walk over the code that speaks to members (cogs/, bot/services/, bot/ui/, bot/domain/,
bot/failures.py, the Discord side of an import) finds every place text is *said*: a refusal
(``UserFacingError``, ``NotDone``, a role check), a message sent, edited or answered, an
embed's title, description, field or footer, a button, select, text input or form title, a
progress message's label. What is said there must come from ``_()``, ``ngettext()``,
``pgettext()`` (or a ``N_()`` constant translated where it is used), or be built only from
values and punctuation (``"\\n" + _(...)``, ``f"{head}\\n{body}"``). A string literal with words
in it (``UserFacingError("Nothing here.")``, ``send(f"Moved {n} posts")``) fails the test.

Not said to members, so not checked: Discord's audit-log reasons (``reason=``, read in the
server's audit log like our logs), custom ids, log lines, the command tree's decorators (the
translator localises those). Text built in a variable first and said later is not seen at
the sink; the review of each change is what catches that (and ``ALLOWED`` below stays short).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEAKING = ("cogs", "bot/services", "bot/ui", "bot/domain", "bot/failures.py", "bot/porting/discord_import.py")
TRANSLATING = {"_", "ngettext", "pgettext", "N_"}

# call name -> (positional arguments said, keyword arguments said)
SINKS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "UserFacingError": ((0,), ("message",)),
    "ForumRoleCheckFailure": ((0,), ("message",)),
    "NotDone": ((0,), ("message",)),
    "send_message": ((0,), ("content",)),
    "send": ((0,), ("content",)),
    "reply": ((0,), ("content",)),
    "edit_message": ((), ("content",)),
    "edit_original_response": ((), ("content",)),
    "edit": ((), ("content", "name")),  # a message's text, a thread's name
    "Embed": ((), ("title", "description")),
    "add_field": ((), ("name", "value")),
    "insert_field_at": ((), ("name", "value")),
    "set_field_at": ((), ("name", "value")),
    "set_footer": ((), ("text",)),
    "set_author": ((), ("name",)),
    "Button": ((), ("label",)),
    "button": ((), ("label",)),
    "Select": ((), ("placeholder",)),
    "select": ((), ("placeholder",)),
    "SelectOption": ((), ("label", "description")),
    "TextInput": ((), ("label", "placeholder")),
    "Modal": ((), ("title",)),
    "ProgressMessage": ((1,), ("what",)),
    "_progress": ((1,), ("what",)),
    "say": ((0,), ("text",)),
    "finish": ((0,), ("summary",)),
}
# class keywords said: a form's title (``class ReportModal(AnsweringModal, title=...)``)
CLASS_KEYWORDS = ("title",)

# A few literals that are said on purpose in English, each with why: (file, the literal's start).
ALLOWED: set[tuple[str, str]] = set()

WORDS = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    sink: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.sink}({self.text!r}) says English: wrap it in _() (docs/languages.md)"


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _english(node: ast.expr) -> str | None:
    """The literal words in an expression said as it is (None: translated, or no words)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if WORDS.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if WORDS.search(literal):
            return literal
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                found = _english(value.value)
                if found is not None:
                    return found
        return None
    if isinstance(node, ast.BinOp):
        return _english(node.left) or _english(node.right)
    if isinstance(node, ast.IfExp):
        return _english(node.body) or _english(node.orelse)
    if isinstance(node, ast.BoolOp):
        return next((found for v in node.values if (found := _english(v)) is not None), None)
    if isinstance(node, ast.Call) and _name(node.func) == "join" and isinstance(node.func, ast.Attribute):
        return _english(node.func.value)
    return None  # a name, a call (``_()`` or another helper), a subscript: not a literal said here


def english_literals(source: str, path: str) -> list[Found]:
    found: list[Found] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            sink = _name(node.func)
            if sink not in SINKS:
                continue
            positions, keywords = SINKS[sink]
            said = [node.args[i] for i in positions if i < len(node.args)]
            said += [k.value for k in node.keywords if k.arg in keywords]
            for expr in said:
                text = _english(expr)
                if text is not None:
                    found.append(Found(path, expr.lineno, sink, text))
        elif isinstance(node, ast.ClassDef):
            for keyword in node.keywords:
                text = _english(keyword.value) if keyword.arg in CLASS_KEYWORDS else None
                if text is not None:
                    found.append(Found(path, keyword.value.lineno, f"class {node.name}", text))
    return [f for f in found if not any(f.path == p and f.text.startswith(t) for p, t in ALLOWED)]


def _files() -> list[Path]:
    files: list[Path] = []
    for top in SPEAKING:
        where = ROOT / top
        files += [where] if where.is_file() else sorted(where.rglob("*.py"))
    return files


def test_every_member_facing_literal_goes_through_the_catalogs() -> None:
    found = [
        each
        for path in _files()
        for each in english_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, f"{len(found)} untranslated message(s):\n" + "\n".join(map(str, found))


@pytest.mark.parametrize(
    "code",
    [
        'raise UserFacingError("Nothing here.")',
        'raise UserFacingError(f"Topic #{number} is gone.")',
        'raise UserFacingError(_("Topic is gone.") + " Nothing was changed.")',
        'await interaction.response.send_message("Saved.", ephemeral=True)',
        'await interaction.followup.send(f"Moved {count} posts", ephemeral=True)',
        'await message.edit(content="Threadkeeper is thinking")',
        'embed = discord.Embed(title="Audit log", description=text)',
        'embed.add_field(name="Status", value=status)',
        'embed.set_footer(text=f"Page {page} of {pages}")',
        'view.add_item(discord.ui.Button(label="Next"))',
        'shown = ProgressMessage(interaction, "Catching up")',
        'await progress.finish(f"Done: {count} topics.")',
        'class Form(discord.ui.Modal, title="Report post"):\n    pass',
        'await channel.send("Closed" if closed else "Open")',
        'await thread.edit(name=f"Topic #{number} (purged)")',
        'raise UserFacingError(", ".join(names) + " are unknown.")',
    ],
)
def test_english_said_to_members_is_found(code: str) -> None:
    assert english_literals(code, "x.py"), code


@pytest.mark.parametrize(
    "code",
    [
        'raise UserFacingError(_("Nothing here."))',
        'raise UserFacingError(_("Topic #{number} is gone.", number=n) + " " + _("Nothing was changed."))',
        'await interaction.response.send_message(_("Saved.") + "\\n" + text, ephemeral=True)',
        'await interaction.followup.send(f"{head}\\n{body}", ephemeral=True)',
        'await interaction.followup.send(ngettext("{count} post", "{count} posts", n), ephemeral=True)',
        'await thread.edit(locked=True, reason=f"Threadkeeper: closed by {actor}")',  # the audit log's
        'embed = discord.Embed(title=_(TITLES[kind]), description="\\n".join(lines))',
        'embed.add_field(name=pgettext("name", "status"), value=word)',
        'class Form(discord.ui.Modal, title=N_("Report post")):\n    pass',
        "raise UserFacingError(str(error))",
        'await channel.send("⚠️ " + _("Careful."))',
    ],
)
def test_translated_or_wordless_text_passes(code: str) -> None:
    assert not english_literals(code, "x.py"), code
