"""The layout rule of ARCHITECTURE.md, read from the source with ``ast``.

Dependencies point one way: ``web | cli`` -> ``demo`` -> feature packages ->
shared machinery -> ``store`` -> ``domain``, and between features the declared
order below. One test function per rule part, so a failure names the rule; each
violation reads ``module -> imported module (rule)``. An import counts wherever
it is written (inside a function too), and so does a string that names a
module of ours, because importing a module by its name is still depending on it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kontrol"
ROOT = "kontrol"

# Low to high; a feature may import only the features before it.
FEATURES = (
    "accounts",
    "redaction",
    "ingest",
    "interactions",
    "checks",
    "metrics",
    "review",
    "judging",
    "learning",
    "feedback",
    "alerts",
    "surveys",
    "speech",
    "scripts",
    "worktools",
    "improvement",
    "audits",
    "mystery",
    "staff",
    "analysis",
    "reports",
)
# The shared machinery, low to high: a member may import the members before it.
SHARED = ("settings", "heap", "ratelimit", "uploads", "plugins", "i18n", "jobs", "events", "rules")
# The job queue sits under everything that queues work: besides domain and store it
# may import only these (plugins: job functions register on its Registry type).
JOBS_MAY_IMPORT = ("settings", "plugins")
# Layers, low to high; a module may import its own layer and the layers below.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("domain", ("", "domain")),
    ("store", ("store",)),
    ("shared machinery", SHARED),
    ("features", FEATURES),
    ("demo", ("demo",)),
    ("web and cli", ("web", "cli")),
)
MIGRATIONS = f"{ROOT}.store.migrations.versions"
TABLES = f"{ROOT}.store.tables"
ROUTE_MODULES = (f"{ROOT}.web.pages", f"{ROOT}.web.api")
GRAB_BAG_NAMES = ("utils", "helpers", "common")


@dataclass(frozen=True, order=True)
class Import:
    """One module of ours depending on another."""

    importer: str
    imported: str

    def violates(self, rule: str) -> str:
        """How a failure reports it."""
        return f"{self.importer} -> {self.imported} ({rule})"


@cache
def modules() -> dict[str, Path]:
    """Every module under src/kontrol by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = (ROOT, *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names, relative ones included."""
    if not node.level:
        return node.module or ""
    # A package's own name is its folder; a module's folder is its parent's name.
    base = importer.split(".")
    if modules()[importer].name != "__init__.py":
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _ours(name: str) -> str | None:
    """The module of ours a dotted name points into (its longest known prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules():
            return candidate
        parts.pop()
    return None


def _named_in(importer: str, tree: ast.AST) -> Iterator[str]:
    """Dotted names of our modules that ``tree`` imports or names in a string."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(importer, node)
            # ``from package import module`` depends on the module, not the package.
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in modules() else base
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # "kontrol.x.y" or "kontrol.x.y:attribute": a module loaded by its name.
            named = node.value.split(":")[0]
            path = modules().get(named)
            if path is not None and path.name != "__init__.py":
                yield named


@cache
def tree_of(module: str) -> ast.Module:
    """The parsed source of one of our modules."""
    path = modules()[module]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def imports() -> tuple[Import, ...]:
    """Every dependency between two different modules of ours."""
    found: set[Import] = set()
    for importer in modules():
        for name in _named_in(importer, tree_of(importer)):
            if name == ROOT or name.startswith(f"{ROOT}."):
                imported = _ours(name)
                if imported is not None and imported != importer:
                    found.add(Import(importer, imported))
    return tuple(sorted(found))


def unit_of(module: str) -> str:
    """The first name under ``kontrol`` ('' for the root package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(module: str) -> int | None:
    """The index of the module's layer in LAYERS; None when it is in none."""
    unit = unit_of(module)
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    return None


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(f"{prefix}.")


def _report(violations: list[str]) -> str:
    return "\n".join(["", *violations])


def test_every_module_is_in_a_declared_layer() -> None:
    # A new feature package must be added to FEATURES (in its place in the order).
    unplaced = [module for module in modules() if layer_of(module) is None]
    assert not unplaced, _report(unplaced)


@pytest.mark.parametrize(
    "layer",
    [
        "domain",
        "store",
        "shared machinery",
        "features",
        "demo",
        "web and cli",
    ],
)
def test_a_layer_imports_only_itself_and_the_layers_below(layer: str) -> None:
    names = [name for name, _ in LAYERS]
    rule = f"layers: {' < '.join(names)}"
    violations = [
        found.violates(rule)
        for found in imports()
        if layer_of(found.importer) == names.index(layer)
        and (imported := layer_of(found.imported)) is not None
        and imported > names.index(layer)
        and not _within(found.importer, MIGRATIONS)  # their own, stricter rule below
    ]
    assert not violations, _report(violations)


@pytest.mark.parametrize("member", SHARED)
def test_shared_machinery_imports_only_the_members_below(member: str) -> None:
    if member == "jobs":
        allowed, rule = JOBS_MAY_IMPORT, f"jobs may import only {', '.join(JOBS_MAY_IMPORT)}"
    else:
        allowed, rule = SHARED[: SHARED.index(member)], f"shared: {' < '.join(SHARED)}"
    violations = [
        found.violates(rule)
        for found in imports()
        if unit_of(found.importer) == member
        and (imported := unit_of(found.imported)) in SHARED
        and imported != member
        and imported not in allowed
    ]
    assert not violations, _report(violations)


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_imports_only_the_features_below(feature: str) -> None:
    rule = f"features: {' < '.join(FEATURES)}"
    violations = [
        found.violates(rule)
        for found in imports()
        if unit_of(found.importer) == feature
        and (imported := unit_of(found.imported)) in FEATURES
        and FEATURES.index(imported) > FEATURES.index(feature)
    ]
    assert not violations, _report(violations)


def test_migrations_import_nothing_of_the_application() -> None:
    rule = "a migration is frozen: it imports nothing from kontrol"
    violations = [
        found.violates(rule) for found in imports() if _within(found.importer, MIGRATIONS)
    ]
    assert not violations, _report(violations)


def test_page_and_api_modules_do_not_query_tables() -> None:
    rule = "web/pages and web/api call features, never kontrol.store.tables"
    violations = [
        found.violates(rule)
        for found in imports()
        if any(_within(found.importer, prefix) for prefix in ROUTE_MODULES)
        and _within(found.imported, TABLES)
    ]
    assert not violations, _report(violations)


def test_no_cycles_between_layers_and_packages() -> None:
    # Where an order is declared, the rules above already forbid a cycle; this one
    # also holds where none is (web and cli, store and domain, the root package).
    edges: dict[str, set[str]] = {}
    for found in imports():
        importer, imported = unit_of(found.importer), unit_of(found.imported)
        if importer != imported:
            edges.setdefault(importer, set()).add(imported)
    cycles = [
        " -> ".join(f"{ROOT}.{unit}" if unit else ROOT for unit in [*group, group[0]]) + " (cycle)"
        for group in _cycles(edges)
    ]
    assert not cycles, _report(cycles)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """A shortest cycle through each node that is on one, each cycle once."""
    cycles: dict[tuple[str, ...], list[str]] = {}
    for start in sorted(edges):
        path = _shortest_path_back(edges, start)
        if path:
            turn = path.index(min(path))  # the same cycle found from another of its nodes
            cycles.setdefault(tuple(path[turn:] + path[:turn]), path)
    return list(cycles.values())


def _shortest_path_back(edges: dict[str, set[str]], start: str) -> list[str]:
    """The nodes of a shortest path from ``start`` back to it; [] when there is none."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in sorted(edges.get(node, ())):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    return []


def test_no_module_is_named_after_a_grab_bag() -> None:
    # A package counts by its folder's name, a private module without its underscore.
    named = [
        str(path.relative_to(PACKAGE.parent))
        for module, path in modules().items()
        if module.rpartition(".")[2].strip("_") in GRAB_BAG_NAMES
    ]
    assert not named, _report(named)


def test_public_names_are_defined_once() -> None:
    defined: dict[str, list[str]] = {}
    for module in modules():
        # Alembic calls every revision's upgrade() and downgrade(): the names are its protocol.
        if _within(module, MIGRATIONS):
            continue
        for node in tree_of(module).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if not node.name.startswith("_"):
                    defined.setdefault(node.name, []).append(module)
    twice = [
        f"{name}: {', '.join(where)}" for name, where in sorted(defined.items()) if len(where) > 1
    ]
    assert not twice, _report(twice)
