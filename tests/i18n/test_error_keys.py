"""Every refusal of the people, mystery-shopping, reports and feedback features has its words.

Each ``<feature>.error.*`` key exists in Russian and in English with the same
``{placeholders}``, and every domain error those features raise names its key,
so a page tells it in the reader's language.
"""

from __future__ import annotations

import ast
import json
import string
from datetime import datetime
from pathlib import Path

import pytest

import kontrol
from kontrol.domain import errors
from kontrol.feedback.history import stale
from kontrol.i18n.messages import error_text

FEATURES = ("staff", "mystery", "reports", "feedback")
SOURCE = Path(kontrol.__file__).parent
LOCALES = SOURCE / "i18n" / "locales"
# Errors whose key is their first argument (``StaffInputError("staff.error.date")``).
KEYED_BY_ARGUMENT = {"StaffInputError", "StaffDocumentProblem", "KeyedInvalid"}
DOMAIN_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.KontrolError)
}


def _catalogue(language: str, feature: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((LOCALES / language / f"{feature}.json").read_text("utf-8"))
    return data


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("feature", FEATURES)
def test_every_error_message_has_both_languages_and_the_same_placeholders(feature: str) -> None:
    russian, english = _catalogue("ru", feature), _catalogue("en", feature)
    keys = {key for key in russian.keys() | english.keys() if ".error." in key}
    assert len(keys) > 20
    missing = sorted(key for key in keys if key not in russian or key not in english)
    assert not missing
    differ = {
        key: (_placeholders(russian[key]), _placeholders(english[key]))
        for key in sorted(keys)
        if _placeholders(russian[key]) != _placeholders(english[key])
    }
    assert not differ


def _unkeyed_raises(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in DOMAIN_ERRORS or name in KEYED_BY_ARGUMENT:
            continue
        if not any(keyword.arg == "key" for keyword in node.keywords):
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno} {name}")
    return found


@pytest.mark.parametrize("feature", FEATURES)
def test_every_domain_error_of_the_feature_names_its_message(feature: str) -> None:
    unkeyed = [
        site for path in sorted((SOURCE / feature).rglob("*.py")) for site in _unkeyed_raises(path)
    ]
    assert not unkeyed


@pytest.mark.parametrize("feature", FEATURES)
def test_every_key_an_error_names_is_in_the_catalogue(feature: str) -> None:
    english = _catalogue("en", feature)
    named = set()
    for path in sorted((SOURCE / feature).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "key":
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    named.add(value.value)
    assert named
    unknown = sorted(key for key in named if key.startswith(f"{feature}.") and key not in english)
    assert unknown == []


def test_a_stale_version_is_told_with_or_without_who_changed_it() -> None:
    known = stale("task", 4, "Анна", datetime(2026, 12, 1, 10, 5))
    assert error_text(known, "ru") == (
        "Задачу № 4 изменили (Анна, 2026-12-01 10:05 UTC). "
        "Обновите страницу, чтобы увидеть изменения"
    )
    assert error_text(known, "en") == str(known)
    unknown = stale("evaluation", 7, None, None)
    assert error_text(unknown, "ru").startswith("Оценку № 7 изменили. Обновите")
    assert error_text(unknown, "en") == str(unknown)
