"""Finding personal data in text by rules: numbers with checksums and cues, e-mail
addresses, spoken numbers, names and addresses (docs/privacy.md).

Every finder returns :class:`Span` values over the text's code points; ``find``
runs them all and resolves overlaps (the more specific kind wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from kontrol.redaction.checksums import inn_valid, luhn_valid, snils_valid
from kontrol.redaction.spoken import spoken_numbers

KINDS = ("phone", "card", "passport", "snils", "inn", "email", "name", "address")


@dataclass(frozen=True, order=True)
class Span:
    """One piece of personal data: ``text[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: str


# --- e-mail ---------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_SPOKEN_EMAIL = re.compile(
    r"\b[a-zа-яё0-9]+(?:\s+(?:точка|dot|подчёркивание|underscore|дефис|dash)\s+[a-zа-яё0-9]+)*"
    r"\s+(?:собака|at)\s+[a-zа-яё0-9]+(?:\s+(?:точка|dot)\s+[a-zа-яё]{2,})+\b",
    re.IGNORECASE,
)


def find_emails(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += [Span(m.start(), m.end(), "email") for m in _SPOKEN_EMAIL.finditer(text)]
    return spans


# --- numbers --------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w+.,/-])\+?(?:\(\d{1,5}\)|\d)(?:[ \u00a0\-]?(?:\(\d{1,5}\)|\d)){5,}(?![\w/])"
)
_NONE_CUE = re.compile(
    r"(?:заказ\w*|order|ticket|тикет|заявк\w*|обращени\w*|договор\w*|contract|сч[её]т\w*|invoice|"
    r"трек|track\w*|артикул\w*|sku|article|case|бик|кпп|огрн|окпо|р/с|к/с|version|верси\w*|build|"
    r"сборк\w*|накладн\w*|ref\w*|чек\w*|receipt|итого|сумм\w*|руб\w*|₽|\$|€|£|код подразделения|"
    r"выдан\w*|серийн\w*|serial|imei|промокод\w*|promo|лицев\w*|account|посылк\w*|parcel|"
    r"shipment|отправлени\w*|batch|парти\w*)(?:[\s-]*(?:number|номер|no\.?|№|#|id))?",
    re.I,
)
# Cues of the kinds; when two end at the same place the earlier in this list wins.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("none", _NONE_CUE),
    ("passport", re.compile(r"паспорт\w*|пасп\b|серия|серии", re.I)),
    ("snils", re.compile(r"снилс|страхов", re.I)),
    ("inn", re.compile(r"инн\b|\binn\b", re.I)),
    ("card", re.compile(r"карт\w*|card|visa|master\w*|мир\b", re.I)),
    ("phone", re.compile(
        r"тел\b|телефон\w*|мобильн\w*|сотов\w*|городск\w*|звон\w*|перезвон\w*|вотсап|"
        r"whatsapp|viber|telegram|номер\w*|phone|call|mobile|cell|number|reach|text me|ring",
        re.I,
    )),
)  # fmt: skip
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}[.-]\d{2}[.-]\d{4}")
_PASSPORT_SHAPE = re.compile(r"\d{2} ?\d{2} \d{6}")
_PASSPORT_WITH_WORD = re.compile(r"(?<!\d)\d{2} ?\d{2}\s+номер\s+\d{6}(?!\d)")
_CONTEXT = 40


def _nearest_cue(before: str) -> str | None:
    """The kind of the cue nearest to the end of ``before`` (the number follows it)."""
    best: tuple[int, str] | None = None
    for kind, pattern in _CUES:
        for match in pattern.finditer(before):
            if best is None or match.end() > best[0]:
                best = (match.end(), kind)
    return best[1] if best else None


def _has_cue(kind: str, before: str) -> bool:
    return any(pattern.search(before) for name, pattern in _CUES if name == kind)


def _classify(digits: str, raw: str, cue: str | None, before: str = "") -> str | None:
    n = len(digits)
    if _DATE.fullmatch(raw):
        return None
    phone_look = raw.startswith("+") or "(" in raw or bool(re.search(r"\d-\d{2}-\d{2}\b", raw))
    # a checksum and its own cue within the context outweigh a nearer other cue
    if n in (10, 12) and inn_valid(digits) and _has_cue("inn", before[-_CONTEXT:]):
        return "inn"
    if n == 11 and snils_valid(digits) and _has_cue("snils", before[-_CONTEXT:]):
        return "snils"
    if _PASSPORT_SHAPE.fullmatch(raw) and _has_cue("passport", before) and not phone_look:
        return "passport"
    if cue == "none":
        return None
    if n == 16:
        return "card" if luhn_valid(digits) else None
    if cue == "passport" and n == 10:
        return "passport"
    if cue == "snils" and n == 11 and snils_valid(digits):
        return "snils"
    if cue == "inn" and n in (10, 12) and inn_valid(digits):
        return "inn"
    if cue == "card":
        return None
    if n == 11 and snils_valid(digits) and not phone_look and digits[0] not in "78":
        return "snils"
    if n == 12 and inn_valid(digits) and not phone_look:
        return "inn"
    if not 7 <= n <= 15:
        return None
    if cue == "phone" or phone_look:
        return "phone"
    if n == 11 and digits[0] in "78" and digits[1] in "3489":
        return "phone"
    if n == 10 and digits[0] == "9":
        return "phone"
    if n == 11 and digits.startswith("0"):
        return "phone"
    if n == 10 and inn_valid(digits):
        return "inn"
    return None


def find_numbers(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _NUMBER.finditer(text):
        raw = match.group()
        start, end = match.start(), match.end()
        if raw.startswith("(") is False and raw.endswith(")"):
            end -= 1
            raw = raw[:-1]
        before = text[max(0, start - 150) : start]
        cue = _nearest_cue(before[-_CONTEXT:])
        after = text[end : end + 30]
        # "7700112233 это номер договора": what follows says what it is
        said_after = re.match(r"[\s,—-]*(?:это|is|is the|is my)\s+(.{0,25})", after, re.I)
        if cue in (None, "phone") and said_after and _NONE_CUE.search(said_after.group(1)):
            continue
        kind = _classify(re.sub(r"\D", "", raw), raw, cue, before)
        if kind is None:
            # a longer run may hold a value and a number after it ("7110 2 раза")
            groups = re.split(r"(?<=\d)[ \u00a0\-](?=[\d(])", raw)
            for count in range(len(groups) - 1, 0, -1):
                prefix = " ".join(groups[:count])
                digits = re.sub(r"\D", "", prefix)
                if len(digits) < 10:
                    break
                kind = _classify(digits, prefix, cue, before)
                if kind:
                    end = start + len(raw[: len(prefix)])
                    break
        if kind:
            spans.append(Span(start, end, kind))
    for match in _PASSPORT_WITH_WORD.finditer(text):
        if _has_cue("passport", text[max(0, match.start() - 150) : match.start()]):
            spans.append(Span(match.start(), match.end(), "passport"))
    for said in spoken_numbers(text):
        if len(said.digits) < 7:
            continue
        before = text[max(0, said.start - 150) : said.start]
        cue = _nearest_cue(before[-_CONTEXT:])
        raw = text[said.start : said.end]
        shape = "+" if raw.lower().startswith(("плюс", "plus")) else ""
        kind = _classify(said.digits, shape, cue, before)
        if kind is None and cue is None and 10 <= len(said.digits) <= 12:
            kind = "phone"
        if kind:
            spans.append(Span(said.start, said.end, kind))
    return spans


# --- names ----------------------------------------------------------------


def _words(name: str) -> frozenset[str]:
    text = files("kontrol.redaction").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        word
        for line in text.splitlines()
        if not line.startswith("#")
        for word in line.lower().split()
    )


@cache
def _first_names() -> frozenset[str]:
    return _words("first_names.txt")


@cache
def _ambiguous() -> frozenset[str]:
    return _words("ambiguous_names.txt")


@cache
def _not_names() -> frozenset[str]:
    return _words("surname_stop.txt") | _words("capitalised_words.txt")


_ENDINGS = ("ой", "ей", "ом", "ем", "ою", "а", "я", "ы", "и", "е", "у", "ю", "ё", "s")
_PATRONYMIC = re.compile(r"^[а-яё]+(?:ович|евич|ьич|овн|евн|ичн|иничн)(?:а|у|ем|ом|ой|е|ы|ей)?$")
_SURNAME = re.compile(
    r"^[а-яё]{2,}(?:ов|ев|ёв|ин|ын|ск|цк)(?:а|у|ым|ой|ой|е|ых|ий|ая|ого|ому|ом|ую|ей)?$"
)
_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Mx|Prof)\.?|\b(?:господин|госпожа|г-н|г-жа|мистер|миссис|ИП))\s+$",
    re.I,
)
_NAME_CUE = re.compile(
    r"(?:меня зовут|зовут|my name is|name's|this is|i'?m|я|это|спросите|ask for|звонит|"
    r"оператор|с уважением|regards|thanks|спасибо|cheers|dear|уважаем\w*|hi|hello|привет|"
    r"здравствуйте|добрый день|передайте|for|для|from|от|сотрудник\w*|курьер\w*|"
    r"менеджер\w*)[,:]?\s+$",
    re.I,
)
_WORD = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё'’\-]*")
# A capitalised name part: Smith, O'Connor, MacLeod, Дубова-Ким.
_CAPITALISED = re.compile(r"(?:Mc|Mac|O['’])?[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?")
_INITIAL = re.compile(r"[A-ZА-ЯЁ]\.(?:\s?[A-ZА-ЯЁ]\.)?")


def is_first_name(word: str) -> bool:
    """True when ``word`` is a known given name in any case form."""
    lower = word.lower().replace("ё", "е") if word.lower() not in _first_names() else word.lower()
    names = _first_names()
    if lower in names or word.lower() in names:
        return True
    for ending in _ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 2:
            stem = lower[: -len(ending)]
            for base in (stem, stem + "а", stem + "я", stem + "й", stem + "ь", stem + "ия"):
                if base in names:
                    return True
    return False


@cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_CYRILLIC = re.compile(r"^[А-Яа-яЁё][а-яё\-]+$")


@cache
def russian_name_part(word: str, least: float = 0.5) -> bool:
    """True when pymorphy3's dictionary (shipped in its package) takes ``word`` for a
    given name, surname or patronymic in its most likely reading."""
    if not _CYRILLIC.match(word):
        return False
    best = _morph().parse(word)[0]
    return bool(_NAME_TAGS & set(best.tag.grammemes)) and float(best.score) >= least


def _name_like(token: str) -> bool:
    lower = token.lower()
    if _PATRONYMIC.match(lower) or _SURNAME.match(lower) or is_first_name(token):
        return True
    return russian_name_part(token[:1].upper() + token[1:])


def find_names(text: str) -> list[Span]:
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    tokens += [(m.start(), m.end(), m.group()) for m in _INITIAL.finditer(text)]
    tokens.sort()
    not_names = _not_names()
    seeds: set[int] = set()
    for index, (start, _end, word) in enumerate(tokens):
        lower = word.lower()
        if lower in not_names or len(word) < 2:
            continue
        before = text[max(0, start - 30) : start]
        capital = word[0].isupper()
        if lower in _ambiguous():
            if capital and (_TITLE.search(before) or _NAME_CUE.search(before)):
                seeds.add(index)
            continue
        if is_first_name(word) or _PATRONYMIC.match(lower):
            seeds.add(index)
        elif capital and russian_name_part(word):
            seeds.add(index)
        elif capital and _TITLE.search(before):
            seeds.add(index)
        elif capital and re.match(r"[А-ЯЁ]\.\s?[А-ЯЁ]\.", text[_end + 1 : _end + 6]):
            seeds.add(index)
    spans: list[Span] = []
    used: set[int] = set()
    for seed in sorted(seeds):
        if seed in used:
            continue
        first = last = seed
        # grow to the right and the left over neighbouring name parts
        while last + 1 < len(tokens) and _joins(text, tokens[last], tokens[last + 1], not_names):
            last += 1
        while first > 0 and _joins(text, tokens[first - 1], tokens[first], not_names, left=True):
            first -= 1
        used.update(range(first, last + 1))
        spans.append(Span(tokens[first][0], tokens[last][1], "name"))
    return spans


def _joins(
    text: str,
    a: tuple[int, int, str],
    b: tuple[int, int, str],
    not_names: frozenset[str],
    left: bool = False,
) -> bool:
    gap = text[a[1] : b[0]]
    if gap not in (" ", "") or (gap == "" and not _INITIAL.fullmatch(a[2] if not left else b[2])):
        if gap != " ":
            return False
    other = a if left else b
    word = other[2]
    lower = word.lower()
    if lower in not_names or lower in _ambiguous() and not word[0].isupper():
        return False
    if _INITIAL.fullmatch(word):
        return True
    if _name_like(word):
        return True
    # a capitalised unknown word next to a capitalised name part: a surname
    this = b if left else a
    return this[2][0].isupper() and bool(_CAPITALISED.fullmatch(word))


# --- addresses ------------------------------------------------------------

_NUMWORD = r"(?:[а-яё]+(?:\s+[а-яё]+){0,2})"
_RU_STREET = (
    r"(?:ул\.|улица|улице|ул\b|пр-т|пр\.|проспект|просп\.|пер\.|переулок|б-р|бульвар|шоссе|"
    r"наб\.|набережная|пл\.|площадь|мкр\.?|микрорайон|проезд|тупик|аллея)"
)
_RU_NAME = r"(?:[А-ЯЁ0-9][\w\-]*(?:\s+[А-ЯЁ][\w\-]*){0,2})"
_RU_HOUSE = (
    r"(?:,?\s*(?:д\.|дом)\s*(?:\d+[а-яА-Я]?(?:/\d+)?|"
    + r"(?:[а-яё]+(?:\s+[а-яё]+)?))|,?\s+\d+[а-я]?(?:[/-]\d+)?)"
)
_RU_TAIL = (
    r"(?:,?\s*(?:корп\.|корпус|к\.|стр\.|строение|кв\.?|квартира|офис|оф\.|пом\.|помещение|подъезд)"
    r"\s*(?:\d+[а-я]?|[а-яё]+(?:\s+[а-яё]+)?))*"
)
_RU_ADDRESS = re.compile(
    r"(?:"
    + _RU_STREET
    + r"\s*"
    + _RU_NAME
    + r"|"
    + _RU_NAME
    + r"\s+"
    + _RU_STREET
    + r")"
    + _RU_HOUSE
    + _RU_TAIL
)
_RU_LEFT = re.compile(r"(?:\d{6},?\s*)?(?:(?:г\.|город)\s*)?(?:[А-ЯЁ][а-яё\-]+,\s*)?$")
_RU_LEFT_POST = re.compile(r"(?:\d{6},?\s*)?(?:(?:г\.|город)\s*[А-ЯЁ][а-яё\-]+,\s*)$")
_EN_NUMBER = (
    r"(?:\d+[A-Za-z]?|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"[a-z]+teen|twenty|thirty|forty|fifty)(?:[\s-][a-z]+)?)"
)
_EN_STREET = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Boulevard|Blvd\.?|Way|Court|"
    r"Ct\.?|Place|Pl\.?|Terrace|Close|Crescent|Square|Row|Gardens|Parade|Mews|Walk|Highway|Hwy)"
)
_EN_ADDRESS = re.compile(
    r"\b" + _EN_NUMBER + r"\s+(?:(?:[A-Z][\w'’]*\s+){1,3}" + _EN_STREET + r"(?![\w])"
    r"|(?:Rue|Via|Calle|Avenida|Strasse)(?:\s+[\w']+){1,4})"
    r"(?:,?\s*(?:Apt\.?|Apartment|Flat|Suite|Unit|#)\s*\w+)?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?=[,\s]|$))?"
    r"(?:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?|,?\s*[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}|,\s*\d{5}\s+[A-Z][a-z]+)?"
)
_EN_LEFT = re.compile(r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite)\s*\w+,\s*)$")


def find_addresses(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _RU_ADDRESS.finditer(text):
        start = match.start()
        left = _RU_LEFT_POST.search(text[:start]) or _RU_LEFT.search(text[:start])
        if left and left.group():
            start = left.start()
        spans.append(Span(start, match.end(), "address"))
    for match in _EN_ADDRESS.finditer(text):
        start = match.start()
        left = _EN_LEFT.search(text[:start])
        if left:
            start = left.start()
        spans.append(Span(start, match.end(), "address"))
    return [_trim(text, span) for span in spans]


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while end > start and text[end - 1] in " ,.;:":
        if text[end - 1] == "." and re.search(
            r"(?:\b[дкгр]|кв|стр|оф|пом|корп|St|Rd|Ave|Ln|Ct|Pl|Blvd)\.$", text[start:end]
        ):
            break
        end -= 1
    return Span(start, end, span.kind)


# --- all together ---------------------------------------------------------

# When spans overlap, the earlier kind in this order wins.
_PRIORITY = ("email", "card", "snils", "inn", "passport", "phone", "address", "name")


def find(text: str) -> list[Span]:
    """All personal data found in ``text``, sorted, without overlaps."""
    found = find_emails(text) + find_numbers(text) + find_addresses(text) + find_names(text)
    found.sort(key=lambda s: (_PRIORITY.index(s.kind), s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in found:
        if span.end <= span.start:
            continue
        if any(span.start < other.end and other.start < span.end for other in kept):
            continue
        kept.append(span)
    return sorted(kept)
