"""The translation translations: every user-facing string, in Russian and English.

Each language is a folder ``locales/<lang>/`` of JSON files: ``core.json`` for the
layout, then one per feature (``checks.json``, ``metrics.json``, …), merged into one
translations.
A key defined twice is an error: two parts must never fight over one string.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
_FOLDER = Path(__file__).with_name("locales")


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> dict[str, str]:
    """All strings of one language."""
    merged: dict[str, str] = {}
    for part in sorted((_FOLDER / locale).glob("*.json")):
        with part.open(encoding="utf-8") as handle:
            data: dict[str, str] = json.load(handle)
        twice = merged.keys() & data.keys()
        if twice:
            raise ValueError(f"{part}: keys already defined elsewhere: {sorted(twice)}")
        merged.update(data)
    return merged


def translate(locale: str, key: str) -> str:
    """The text for ``key``; the key itself when a string is missing (visible, not fatal)."""
    return translations(locale if locale in LOCALES else DEFAULT_LOCALE).get(key, key)


def pick_locale(accept_language: str | None) -> str:
    """The first supported language in an ``Accept-Language`` header, else Russian."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT_LOCALE
