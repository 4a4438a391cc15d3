"""Numbers with words: "1 фраза, 2 фразы, 5 фраз", "1 phrase, 2 phrases".

A catalogue entry that counts something is an object of forms, one per CLDR
plural category its language needs::

    "checks.phrases.count": {"one": "{n} фраза", "few": "{n} фразы", "many": "{n} фраз"}
    "checks.phrases.count": {"one": "{n} phrase", "other": "{n} phrases"}

Russian needs ``one`` (1, 21, 101), ``few`` (2–4, 22–24, not 12–14) and
``many`` (0, 5–20, 25–30, 111); English ``one`` and ``other``. A fractional
number is CLDR's ``other`` in both: Russian writes it with the genitive
singular ("1,5 фразы"), which is the ``few`` form, so a Russian entry may give
an ``other`` form but falls back to ``few`` without one.

The number goes into ``{n}``, or into the placeholder the entry names with
``"count"`` (``{"count": "limit", "one": "не длиннее {limit} символа", ...}``),
so a keyed error's existing parameter can pick the form. It is written the
reader's way (``1 204``, ``1,5``); other parameters fill their placeholders.
An entry whose forms leave the number out gives the words to put beside a
figure the page shows on its own (the home page's tiles: big "3", then
"открытых оповещения").
"""

from __future__ import annotations

from collections.abc import Mapping

from kontrol.i18n import DEFAULT_LOCALE, LOCALES, PluralEntry, plural_entries, translate
from kontrol.i18n.formats import decimal

# The forms an entry must give, then the ones it may give, per language.
FORMS: dict[str, tuple[str, ...]] = {"ru": ("one", "few", "many"), "en": ("one", "other")}
OPTIONAL: dict[str, tuple[str, ...]] = {"ru": ("other",), "en": ()}
COUNT = "count"
_FALLBACK = {"other": "few"}
# A fraction is shown with at most this many places ("1,5", "2,25").
_PLACES = 2


def category(locale: str, number: float) -> str:
    """The CLDR plural category of ``number`` (as shown: rounded to two places)."""
    value = abs(round(float(number), _PLACES))
    if not value.is_integer():
        return "other"
    whole = int(value)
    if locale != "ru":
        return "one" if whole == 1 else "other"
    last, last_two = whole % 10, whole % 100
    if last == 1 and last_two != 11:
        return "one"
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return "few"
    return "many"


def number_text(number: float, locale: str) -> str:
    """``number`` as the reader writes it: a whole number bare, a fraction with up to two places."""
    value = round(float(number), _PLACES)
    if value.is_integer():
        return decimal(value, 0, locale)
    return decimal(value, _PLACES, locale).rstrip("0")


def form(locale: str, entry: PluralEntry, number: float) -> str:
    """The text of ``entry`` that goes with ``number`` (its placeholders still open)."""
    wanted = category(locale, number)
    return entry.get(wanted) or entry[_FALLBACK.get(wanted, FORMS[locale][-1])]


def plural(locale: str, key: str, n: float, **params: object) -> str:
    """The text for ``key`` that goes with the number ``n``, placeholders filled.

    A key missing from the catalogue gives the key itself (visible, not fatal); a
    plain text is filled in the same way, so a key can become plural later.
    """
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    entry = plural_entries(locale).get(key)
    if entry is None:
        return fill(translate(locale, key), {"n": number_text(n, locale), **params})
    shown = {entry.get(COUNT, "n"): number_text(n, locale)}
    return fill(form(locale, entry, n), {**params, **shown})


def plural_text(locale: str, key: str, params: Mapping[str, object]) -> str | None:
    """The text of the plural entry ``key`` for the number among ``params``, else None.

    For texts filled from stored parameters (keyed errors, alert and report
    messages): None when ``key`` is no plural entry or ``params`` lack its number.
    """
    entry = plural_entries(locale).get(key)
    number = None if entry is None else params.get(entry.get(COUNT, "n"))
    if not isinstance(number, int | float):
        return None
    return plural(locale, key, number, **params)


def fill(text: str, params: dict[str, object]) -> str:
    """``text`` with each ``{name}`` replaced (plain replacement: other braces stay)."""
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def entry_problems(locale: str, entry: PluralEntry) -> list[str]:
    """What is wrong with a plural entry of ``locale``: missing or unknown forms, a lost number.

    Either every form shows the number or none does (words beside a figure the page
    shows on its own): a number in some forms only would vanish for some counts.
    """
    needed, allowed = FORMS[locale], FORMS[locale] + OPTIONAL[locale]
    problems = [f"no '{name}' form" for name in needed if name not in entry]
    problems += [
        f"unknown form '{name}'" for name in entry if name not in allowed and name != COUNT
    ]
    placeholder = "{" + entry.get(COUNT, "n") + "}"
    forms = {name: text for name, text in entry.items() if name != COUNT}
    showing = {name for name, text in forms.items() if placeholder in text}
    if showing and showing != forms.keys():
        problems += [f"'{name}' does not show {placeholder}" for name in forms.keys() - showing]
    return problems
