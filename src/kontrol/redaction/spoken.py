"""Numbers said in words, as a transcript writes them: "восемь девятьсот двенадцать",
"five five five, zero one zero", "oh seven seven oh oh".

A run of number words becomes the digits a person would dial: each group of
hundreds, tens and units is written out ("девятьсот двенадцать" is 912,
"ноль ноль" is 00, "сорок" is 40), and groups follow one another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# word -> (value, kind): kind 1 units, 2 teens (a whole two-digit group), 10 tens, 100 hundreds
_RU_UNITS = {
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
}  # fmt: skip
_RU_TEENS = {
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19,
}  # fmt: skip
_RU_TENS = {
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
_RU_HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_EN_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_EN_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip

WORDS: dict[str, tuple[int, int]] = {}
for _table, _kind in (
    (_RU_UNITS, 1),
    (_RU_TEENS, 2),
    (_RU_TENS, 10),
    (_RU_HUNDREDS, 100),
    (_EN_UNITS, 1),
    (_EN_TEENS, 2),
    (_EN_TENS, 10),
):
    for _word, _value in _table.items():
        WORDS[_word] = (_value, _kind)
# "double five", "triple seven": repeat the next digit.
_REPEAT = {"double": 2, "triple": 3}
# Words that may stand inside a spoken number without ending it.
_PLUS = {"плюс", "plus"}

_TOKEN = re.compile(r"[A-Za-zА-Яа-яЁё]+|\d+|[^\sA-Za-zА-Яа-яЁё\d]")


@dataclass(frozen=True)
class SpokenNumber:
    """A run of number words: where it is and the digits it stands for."""

    start: int
    end: int
    digits: str
    words: int


def _group_digits(groups: list[list[tuple[int, int]]]) -> str:
    out = []
    for group in groups:
        value = sum(v for v, _ in group)
        kinds = [k for _, k in group]
        width = 3 if 100 in kinds else 2 if (10 in kinds or 2 in kinds) else 1
        out.append(str(value).zfill(width))
    return "".join(out)


def _starts_new_group(group: list[tuple[int, int]], kind: int) -> bool:
    if not group:
        return False
    kinds = {k for _, k in group}
    if kind == 100:
        return True
    if kind in (10, 2):
        return bool(kinds & {10, 2, 1})
    # a unit joins a group that has hundreds and/or tens but no unit yet
    return bool(kinds & {1, 2}) or not kinds & {10, 100}


def spoken_numbers(text: str, min_words: int = 3) -> list[SpokenNumber]:
    """Every run of at least ``min_words`` number words in ``text`` (commas allowed)."""
    found: list[SpokenNumber] = []
    groups: list[list[tuple[int, int]]] = []
    start = end = -1
    words = 0
    repeat = 1

    def close() -> None:
        nonlocal groups, start, words
        if groups and words >= min_words:
            found.append(SpokenNumber(start, end, _group_digits(groups), words))
        groups = []
        start = -1
        words = 0

    for match in _TOKEN.finditer(text):
        token = match.group().lower()
        if token in WORDS:
            value, kind = WORDS[token]
            if start < 0:
                start = match.start()
            for _ in range(repeat):
                if not groups or _starts_new_group(groups[-1], kind):
                    groups.append([])
                groups[-1].append((value, kind))
            repeat = 1
            end = match.end()
            words += 1
        elif token in _REPEAT:
            repeat = _REPEAT[token]
            if start < 0:
                start = match.start()
        elif token in _PLUS and start < 0:
            start = match.start()
        elif token in {",", "-"} and start >= 0:
            continue
        else:
            if start >= 0 and not groups:
                start = -1
            close()
            repeat = 1
    close()
    return found
