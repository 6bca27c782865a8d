"""The house rules of the import graph (docs/architecture.md), held by walking every module's imports.

domain imports nothing of discord or storage (not even through another module); storage imports
nothing of discord (likewise); services never import cogs; no cog imports another cog; no circles.
Imports under ``if TYPE_CHECKING:`` do not run and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISCORD = ("discord", "simcord")


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path, module: str) -> set[str]:
    """Every module named by an import that runs (absolute names, relative ones resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, *([child.module] if child.module else [])])
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(project module -> project modules it imports, project module -> outside modules it imports)."""
    files = [p for top in ("bot", "cogs") for p in (ROOT / top).rglob("*.py")]
    names = {_module_name(p): p for p in files}
    inside: dict[str, set[str]] = {}
    outside: dict[str, set[str]] = {}
    for name, path in names.items():
        imported = _imports(path, name)
        inside[name] = {i for i in imported if i in names and i != name}
        outside[name] = {i for i in imported if i.split(".")[0] not in ("bot", "cogs")}
    # importing a module runs its packages' __init__ too
    for name in names:
        for target in list(inside[name]):
            parts = target.split(".")
            inside[name].update(".".join(parts[:k]) for k in range(1, len(parts)) if ".".join(parts[:k]) in names)
        inside[name].discard(name)
    return inside, outside


GRAPH, OUTSIDE = _graph()


def _reach(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for nxt in GRAPH.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "cogs":
        return "cogs"
    return parts[1] if len(parts) > 1 else "bot"


def _wrong_way(module: str) -> list[str]:
    """What ``module`` may not import, with the rule it breaks."""
    problems = []
    reach = _reach(module) | {module}
    layer = _layer(module)
    if layer in ("domain", "storage"):
        for mod in reach:
            if any(o.split(".")[0] in DISCORD for o in OUTSIDE.get(mod, set())):
                problems.append(f"{module} ({layer}) reaches discord through {mod}")
    if layer == "domain":
        problems += [f"{module} (domain) reaches storage: {m}" for m in reach if _layer(m) == "storage"]
        problems += [
            f"{module} (domain) imports {o}"
            for o in OUTSIDE[module]
            if o.split(".")[0] in ("sqlite3", "aiosqlite", "psycopg", "psycopg_pool", "aiohttp")
        ]
    if layer in ("domain", "storage", "services", "ui"):
        problems += [f"{module} ({layer}) imports a cog: {m}" for m in GRAPH[module] if m.startswith("cogs")]
    if layer == "cogs":
        others = [m for m in GRAPH[module] if m.startswith("cogs.") and m.split(".")[:2] != module.split(".")[:2]]
        problems += [f"{module} imports another cog: {m}" for m in others]
    return problems


def _circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in GRAPH:
        if start in index:
            continue
        work = [(start, iter(sorted(GRAPH[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    # a package importing its own mixins back and forth (package <-> its submodules) is one unit
    return [g for g in found if len({m for m in g if not any(m.startswith(o + ".") for o in g)}) > 1]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_goes_the_wrong_way(module: str) -> None:
    assert _wrong_way(module) == []


def test_no_import_circles() -> None:
    assert _circles() == []


def test_the_walk_sees_the_layers() -> None:
    """The test could not pass by finding nothing: every layer is there and has imports."""
    layers = {_layer(m) for m in GRAPH}
    assert {"domain", "services", "ui", "storage", "web", "porting", "cogs"} <= layers
    assert "bot.storage.topics" in _reach("cogs.topics")
    assert any(o.startswith("discord") for o in OUTSIDE["bot.services.access"])


@pytest.mark.parametrize(
    ("module", "imports", "outside", "expected"),
    [
        ("bot.domain.x", {"bot.storage.posts"}, set(), "(domain) reaches storage"),
        ("bot.domain.x", set(), {"discord"}, "(domain) reaches discord"),
        ("bot.storage.x", {"bot.clock"}, set(), "(storage) reaches discord through bot.clock"),
        ("bot.services.x", {"cogs.topics"}, set(), "(services) imports a cog"),
        ("cogs.a", {"cogs.b"}, set(), "imports another cog"),
    ],
)
def test_each_rule_catches_its_break(module: str, imports: set[str], outside: set[str], expected: str) -> None:
    GRAPH[module] = imports
    OUTSIDE[module] = outside
    try:
        assert any(expected in problem for problem in _wrong_way(module))
    finally:
        del GRAPH[module], OUTSIDE[module]


def test_a_circle_is_caught() -> None:
    GRAPH["bot.services.a"], GRAPH["bot.services.b"] = {"bot.services.b"}, {"bot.services.a"}
    try:
        assert ["bot.services.a", "bot.services.b"] in _circles()
    finally:
        del GRAPH["bot.services.a"], GRAPH["bot.services.b"]
