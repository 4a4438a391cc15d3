"""The translation translations: every user-facing string, in Russian and English.

Each language is a folder ``locales/<lang>/`` of JSON files: ``core.json`` for the
layout, then one per feature (``checks.json``, ``metrics.json``, …), merged into one
translations.
A key defined twice is an error: two parts must never fight over one string.

A text that counts something is an object of plural forms instead of a string
(``{"one": "{n} фраза", "few": "{n} фразы", "many": "{n} фраз"}``): see
``kontrol.i18n.plurals``. Such entries are kept apart from the plain texts, so
``translate`` never hands one of them out as a single form.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
_FOLDER = Path(__file__).with_name("locales")


PluralEntry = dict[str, str]


@lru_cache(maxsize=len(LOCALES))
def _catalogue(locale: str) -> tuple[dict[str, str], dict[str, PluralEntry]]:
    return read_catalogue(_FOLDER / locale)


def read_catalogue(folder: Path) -> tuple[dict[str, str], dict[str, PluralEntry]]:
    """The plain texts and the plural entries of the JSON files in ``folder``."""
    texts: dict[str, str] = {}
    plurals: dict[str, PluralEntry] = {}
    for part in sorted(folder.glob("*.json")):
        with part.open(encoding="utf-8") as handle:
            data: dict[str, str | PluralEntry] = json.load(handle)
        twice = (texts.keys() | plurals.keys()) & data.keys()
        if twice:
            raise ValueError(f"{part}: keys already defined elsewhere: {sorted(twice)}")
        for key, value in data.items():
            if isinstance(value, dict):
                plurals[key] = value
            else:
                texts[key] = value
    return texts, plurals


def translations(locale: str) -> dict[str, str]:
    """All plain strings of one language (plural entries are in :func:`plural_entries`)."""
    return _catalogue(locale)[0]


def plural_entries(locale: str) -> dict[str, PluralEntry]:
    """All texts of one language that change with a number, by key: their forms."""
    return _catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)[1]


def translate(locale: str, key: str) -> str:
    """The text for ``key``; the key itself when a string is missing (visible, not fatal)."""
    return translations(locale if locale in LOCALES else DEFAULT_LOCALE).get(key, key)


def pick_locale(accept_language: str | None) -> str:
    """The first supported language in an ``Accept-Language`` header, else Russian."""
    return browser_locale(accept_language) or DEFAULT_LOCALE


def browser_locale(accept_language: str | None) -> str | None:
    """The first supported language in an ``Accept-Language`` header, None without one."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return None
