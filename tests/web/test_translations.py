"""Every user-facing string exists in Russian and in English."""

from __future__ import annotations

import re
from pathlib import Path

from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.vocabulary import Channel, Direction, Role, Status
from kontrol.i18n import pick_locale, translate, translations

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "kontrol" / "web" / "templates"


def test_both_languages_have_the_same_keys() -> None:
    assert set(translations("ru")) == set(translations("en"))


def test_templates_use_only_known_keys() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_.]+)["']\)""", template.read_text("utf-8")))
    assert used, "no translated strings found in the templates"
    assert used - set(translations("en")) == set()


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
