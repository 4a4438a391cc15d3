"""Every domain error a person can read carries a catalogue key, told alike in both languages."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.i18n.messages import error_text
from kontrol.ingest.reject_reasons import REASONS, template_names
from kontrol.review.routing.rules import RoutingRuleInput, check_rule

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kontrol"
LOCALES = SOURCE / "i18n" / "locales"
# The features whose raises were keyed in issue 15 (web pages name their own feature).
FEATURES = (
    "accounts",
    "analysis",
    "audits",
    "checks",
    "core",
    "ingest",
    "judging",
    "metrics",
    "mystery",
    "reports",
    "review",
    "scripts",
    "speech",
    "staff",
    "surveys",
    "worktools",
)
PACKAGES = ("web/pages", "accounts", "ingest", "audits", "review")
# Subclasses whose first argument is the key itself.
KEY_FIRST = {"KeyedInvalid", "StaffInputError", "UploadRefused", "TemplateProblem"}


def _catalogue(lang: str, feature: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((LOCALES / lang / f"{feature}.json").read_text("utf-8"))
    return loaded


def _wording(text: str) -> str:
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(text))


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


ERROR_KEYS = sorted(
    (feature, key)
    for feature in FEATURES
    for key in _catalogue("ru", feature)
    if ".error." in key or key.startswith(("import.reject.", "error.", "field."))
)


@pytest.mark.parametrize(("feature", "key"), ERROR_KEYS)
def test_an_error_reads_in_both_languages_with_the_same_values(feature: str, key: str) -> None:
    russian, english = _catalogue("ru", feature)[key], _catalogue("en", feature).get(key)
    assert english, f"{key} has no English text"
    if re.search("[A-Za-z]", _wording(english)):
        assert re.search("[А-Яа-яЁё]", _wording(russian)), f"{key} is not in Russian"
    assert _names(russian) == _names(english), key


def _error_classes() -> set[str]:
    bases: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                named = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases.setdefault(node.name, set()).update(named)
    found = {"KontrolError"}
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                grew = True
    return found


def test_every_domain_error_raised_in_these_packages_names_its_message() -> None:
    errors = _error_classes() - KEY_FIRST
    unkeyed = []
    for package in PACKAGES:
        for path in sorted((SOURCE / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                call = node.exc
                name = getattr(call.func, "id", getattr(call.func, "attr", None))
                if name in errors and not any(k.arg == "key" for k in call.keywords):
                    unkeyed.append(f"{path.relative_to(SOURCE)}:{name}")
    # DamagedFile takes over the key of the Unreadable it wraps.
    assert unkeyed == ["ingest/importing.py:DamagedFile"]


@pytest.mark.parametrize(("template", "key"), REASONS)
def test_a_reject_reason_fills_the_values_its_key_names(template: str, key: str) -> None:
    ingest_ru, ingest_en = _catalogue("ru", "ingest"), _catalogue("en", "ingest")
    assert key in ingest_ru and key in ingest_en
    assert _names(ingest_ru[key]) == template_names(template)


def test_a_rule_error_keeps_its_english_and_reads_in_russian_with_the_rule() -> None:
    rule = RoutingRuleInput(name="Жалобы", kind="csat_low", queue="")
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule)
    assert str(refused.value) == "rule 'Жалобы': queue: 1 to 100 characters"
    assert error_text(refused.value, "en") == "rule 'Жалобы': Queue: 1 to 100 characters"
    assert error_text(refused.value, "ru") == "правило «Жалобы»: Очередь: от 1 до 100 символов"
