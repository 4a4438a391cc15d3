"""Every domain error a person can read names its message in the catalogue.

A ``raise`` of a :class:`~kontrol.domain.errors.KontrolError` subclass without
``key=`` shows its English text on a Russian page. The scan reads the source
(no imports), resolves the subclasses from the class definitions, and treats a
class whose ``__init__`` passes ``key=`` itself (``KeyedInvalid``,
``ScriptInvalid``, ``ScorecardInvalid``...) as keyed. Re-raising a caught error
(``raise error``) is not a new message.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kontrol.i18n import plural_entries, translations

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kontrol"

# Every package: the whole tree carries keys (issue 15). A new package joins as it is.
PACKAGES = tuple(
    sorted(path.name for path in SOURCE.iterdir() if path.is_dir() and path.name != "__pycache__")
) + ("*.py",)

_BASE = "KontrolError"


@dataclass(frozen=True)
class Raise:
    """One ``raise SomeError(...)`` of a domain error."""

    path: Path
    call: ast.Call
    cls: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(SOURCE.parent.parent)}:{self.call.lineno}"


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


@cache
def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in SOURCE.rglob("*.py")}


@cache
def _error_classes() -> tuple[frozenset[str], frozenset[str]]:
    """The KontrolError subclasses, and those whose ``__init__`` sets the key itself."""
    bases: dict[str, set[str]] = {}
    keyed: set[str] = set()
    for tree in _trees().values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases.setdefault(node.name, set()).update(
                name for name in map(_name, node.bases) if name
            )
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    calls = (c for c in ast.walk(item) if isinstance(c, ast.Call))
                    sets_key = any(
                        isinstance(t, ast.Attribute) and t.attr == "key"
                        for a in ast.walk(item)
                        if isinstance(a, ast.Assign)
                        for t in a.targets
                    )
                    if sets_key or any(k.arg == "key" for c in calls for k in c.keywords):
                        keyed.add(node.name)
    errors = {_BASE}
    grown = True
    while grown:
        found = {name for name, parents in bases.items() if parents & errors} - errors
        errors |= found
        grown = bool(found)
    # A subclass of a keyed class is keyed too: its constructor takes the key it needs.
    grown = True
    while grown:
        found = {name for name, parents in bases.items() if parents & keyed} - keyed
        keyed |= found
        grown = bool(found)
    return frozenset(errors), frozenset(keyed & errors)


def _covered(path: Path) -> bool:
    relative = path.relative_to(SOURCE).as_posix()
    for package in PACKAGES:
        if package.endswith("/*.py"):
            if relative.rpartition("/")[0] == package.removesuffix("/*.py"):
                return True
        elif package == "*.py":
            if "/" not in relative:
                return True
        elif relative.startswith(f"{package}/"):
            return True
    return False


def _raises() -> Iterator[Raise]:
    errors, _ = _error_classes()
    for path, tree in sorted(_trees().items()):
        if not _covered(path):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                cls = _name(node.exc.func)
                if cls in errors:
                    yield Raise(path, node.exc, cls)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _catalogue(locale: str) -> dict[str, str]:
    """Every text of ``locale``; a plural entry as all its forms (their placeholders)."""
    texts = dict(translations(locale))
    for key, entry in plural_entries(locale).items():
        texts[key] = " ".join(text for form, text in entry.items() if form != "count")
    return texts


def _literal_names(node: ast.expr | None) -> set[str] | None:
    """The keys of a ``{...}`` literal with constant keys, else None (unknown)."""
    if not isinstance(node, ast.Dict) or not all(isinstance(k, ast.Constant) for k in node.keys):
        return None
    return {str(k.value) for k in node.keys if isinstance(k, ast.Constant)}


def test_the_scan_knows_the_domain_errors() -> None:
    errors, keyed = _error_classes()
    assert {"NotFound", "InvalidInput", "Conflict", "Forbidden", "Unreadable"} <= errors
    assert {"KeyedInvalid", "ScriptInvalid", "ScorecardInvalid"} <= keyed
    assert "ValueError" not in errors


def test_every_domain_error_raised_names_its_message_in_the_catalogue() -> None:
    _, keyed = _error_classes()
    unkeyed = [
        f"{found.where}: {found.cls}"
        for found in _raises()
        if found.cls not in keyed and _keyword(found.call, "key") is None
    ]
    assert not unkeyed, "raise without key=:\n" + "\n".join(unkeyed)


def test_every_error_key_is_in_both_languages_with_the_same_placeholders() -> None:
    ru, en = _catalogue("ru"), _catalogue("en")
    problems: list[str] = []
    for found in _raises():
        for argument, names in (("key", "params"), ("where_key", "where_params")):
            node = _keyword(found.call, argument)
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            key = node.value
            if key not in ru or key not in en:
                problems.append(f"{found.where}: {key} is not in both catalogues")
                continue
            if _placeholders(ru[key]) != _placeholders(en[key]):
                problems.append(f"{found.where}: {key} has other placeholders in ru and en")
            given = _literal_names(_keyword(found.call, names))
            if given is not None and not _placeholders(en[key]) <= given:
                problems.append(f"{found.where}: {key} needs {sorted(_placeholders(en[key]))}")
    assert not problems, "\n".join(problems)
