"""Measure the package's shape: import cycles between apps, imports that run up the layers,
imports hidden inside functions, kind codes named outside the kinds' own code, and module sizes.

    python scripts/architecture.py            # the figures, then every finding
    python scripts/architecture.py --check    # exit 1 if any rule of the layers is broken

The layers are the ones in README "Architecture" (and .importlinter, which checks the same
layers on every test run); this scan adds what import-linter does not count: kind literals,
function-level imports and module sizes.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "officeactions"

# Lowest first. A module may import its own layer's shared part and anything below.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "ground",
        {"policy", "audit", "accounts", "errors", "notify", "web", "periodic", "dbcheck", "env"},
    ),
    ("cases", {"cases"}),
    ("enforcement", {"enforcement"}),
    ("kinds", {"intake", "legal", "events", "checkuser", "sanctions"}),
    ("readers", {"appeals", "transparency", "bancheck"}),
    ("shell", {"settings", "urls", "cli", "wsgi", "demo", "backup"}),
]
INDEPENDENT = [("kinds", LAYERS[3][1]), ("readers", LAYERS[4][1])]
NO_KIND_CODES = ("cases", "enforcement", "appeals", "transparency", "bancheck")
MAX_LINES = 600
RELATIONS = {"select_related", "prefetch_related"}


def layer_of(app: str) -> int:
    for index, (_, apps) in enumerate(LAYERS):
        if app in apps:
            return index
    return len(LAYERS)  # unknown apps count as the shell


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(path: Path, module: str) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function, line) for every officeactions import."""
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[str, bool, int]] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            # AppConfig.ready() is where Django apps import what they register; not a dodge.
            nested = in_function or (
                isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name != "ready"
            )
            guarded = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("officeactions") and not guarded:
                        found.append((alias.name, in_function, child.lineno))
            elif isinstance(child, ast.ImportFrom) and not guarded:
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("officeactions"):
                    found.append((base, in_function, child.lineno))
            visit(child, nested, guarded)

    visit(tree, False, False)
    return found


def kind_codes() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from officeactions.policy.catalog import CATALOG

    return {kind.code for kind in CATALOG}


def literal_hits(path: Path, codes: set[str]) -> list[tuple[int, str]]:
    hits = []
    if path.suffix == ".py":
        tree = ast.parse(path.read_text())
        # A relation or a context name may share a kind's code ("conduct_warning"): not a test
        # for a kind, so dictionary keys, related_name= and select_related() arguments are left.
        names: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                names.update(id(k) for k in node.keys if k is not None)
            elif isinstance(node, ast.keyword) and node.arg == "related_name":
                names.add(id(node.value))
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in RELATIONS:
                names.update(id(a) for a in node.args)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in codes and id(node) not in names:
                hits.append((node.lineno, node.value))
    else:
        pattern = re.compile(r"""["']({})["']""".format("|".join(sorted(codes))))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            hits.extend((number, m.group(1)) for m in pattern.finditer(line))
    return hits


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                strong(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return result


def scan() -> tuple[dict[str, object], list[str]]:
    found = modules()
    codes = kind_codes()
    app_graph: dict[str, set[str]] = defaultdict(set)
    module_graph: dict[str, set[str]] = defaultdict(set)
    upward, function_level, sideways = [], [], []
    for module, path in found.items():
        mine = app_of(module)
        for target, in_function, line in imports(path, module):
            theirs = app_of(target)
            where = f"{path.relative_to(ROOT)}:{line}"
            if in_function:
                function_level.append(f"{where} imports {target} inside a function")
            resolved = next((m for m in (target, target.rpartition(".")[0]) if m in found), None)
            if resolved:
                module_graph[module].add(resolved)
            if not theirs or theirs == mine:
                continue
            app_graph[mine].add(theirs)
            if layer_of(theirs) > layer_of(mine):
                upward.append(f"{where}: {mine} ({LAYERS[layer_of(mine)][0]}) imports {target}")
            for name, apps in INDEPENDENT:
                if mine in apps and theirs in apps:
                    sideways.append(f"{where}: {name} {mine} imports {target}")
    literals = []
    for app in NO_KIND_CODES:
        for path in sorted((PACKAGE / app).rglob("*")):
            if path.suffix in (".py", ".html", ".txt") and "migrations" not in path.parts:
                literals.extend(
                    f"{path.relative_to(ROOT)}:{line}: {code!r}"
                    for line, code in literal_hits(path, codes)
                )
    sizes = sorted(
        ((len(p.read_text().splitlines()), str(p.relative_to(ROOT))) for p in found.values()),
        reverse=True,
    )
    big = [f"{path}: {lines} lines" for lines, path in sizes if lines > MAX_LINES]
    app_cycles = cycles(app_graph)
    module_cycles = cycles(module_graph)
    figures: dict[str, object] = {
        "app cycles": len(app_cycles),
        "module cycles (largest, modules)": max((len(c) for c in module_cycles), default=0),
        "imports up the layers": len(upward),
        "imports between independent apps": len(sideways),
        "function-level imports": len(function_level),
        "kind code literals in engine and readers": len(literals),
        "largest module": f"{sizes[0][1]} ({sizes[0][0]} lines)",
        "modules over 600 lines": len(big),
    }
    findings = (
        [f"cycle between apps: {' <-> '.join(c)}" for c in app_cycles]
        + [f"cycle between modules: {' <-> '.join(c)}" for c in module_cycles]
        + upward
        + sideways
        + literals
        + big
    )
    return figures, [*findings, "(function-level imports)", *function_level]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a rule is broken")
    parser.add_argument("--quiet", action="store_true", help="the figures only")
    args = parser.parse_args()
    figures, findings = scan()
    for name, value in figures.items():
        print(f"{name:45} {value}")
    if not args.quiet:
        print()
        print("\n".join(findings))
    broken = findings[: findings.index("(function-level imports)")]
    if args.check and broken:
        print(f"\n{len(broken)} findings break the layers.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
