"""Every user-facing string exists in Russian and in English."""

from __future__ import annotations

import re
from pathlib import Path

from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.vocabulary import Channel, Direction, Role, Status
from kontrol.i18n import LOCALES, pick_locale, plural_entries, translate, translations
from kontrol.i18n.plurals import COUNT, entry_problems

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "kontrol" / "web" / "templates"


def test_both_languages_have_the_same_keys() -> None:
    assert set(translations("ru")) == set(translations("en"))


def test_templates_use_only_known_keys() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", template.read_text("utf-8")))
    assert used, "no translated strings found in the templates"
    assert used - set(translations("en")) == set()


def test_both_languages_count_the_same_things() -> None:
    assert set(plural_entries("ru")) == set(plural_entries("en"))


def test_every_plural_entry_has_the_forms_its_language_needs() -> None:
    problems = {
        f"{locale} {key}": found
        for locale in LOCALES
        for key, entry in plural_entries(locale).items()
        if (found := entry_problems(locale, entry))
    }
    assert problems == {}


def _placeholders(entry: dict[str, str]) -> set[str]:
    return {
        name
        for form, text in entry.items()
        if form != COUNT
        for name in re.findall(r"{(\w+)}", text)
    }


def test_plural_entries_fill_the_same_placeholders_in_both_languages() -> None:
    english = plural_entries("en")
    differ = {
        key: (_placeholders(entry), _placeholders(english[key]))
        for key, entry in plural_entries("ru").items()
        if _placeholders(entry) != _placeholders(english[key])
        or entry.get(COUNT) != english[key].get(COUNT)
    }
    assert differ == {}


def test_templates_count_only_with_plural_entries() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("**/*.html"):
        # A whole key (one joined with ``~`` is left out).
        text = template.read_text("utf-8")
        used |= set(re.findall(r"""\bplural\(["']([a-z_.]+)["']\s*,""", text))
    assert len(used) > 20, "the templates hardly count anything"
    assert used - set(plural_entries("ru")) == set()


def test_every_vocabulary_value_is_translated() -> None:
    keys = set(translations("ru"))
    expected = (
        {f"channel.{item.value}" for item in Channel}
        | {f"status.{item.value}" for item in Status}
        | {f"direction.{item.value}" for item in Direction}
        | {f"role.{item.value}" for item in Role}
        | {f"roles.{item.value}" for item in WorkspaceRole}
    )
    assert expected - keys == set()


def test_the_two_languages_differ_where_it_matters() -> None:
    assert translate("ru", "nav.interactions") == "Обращения"
    assert translate("en", "nav.interactions") == "Interactions"


def test_browser_language_is_picked_up() -> None:
    assert pick_locale("en-GB,en;q=0.9") == "en"
    assert pick_locale("de-DE,ru;q=0.8") == "ru"
    assert pick_locale(None) == "ru"
