"""Checksums of the numbers that identify a person: cards (Luhn), СНИЛС and ИНН."""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (digits only) passes the Luhn check of card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def snils_valid(digits: str) -> bool:
    """True when ``digits`` is 11 digits whose last two are the СНИЛС control number."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    body, control = digits[:9], int(digits[9:])
    total = sum(int(char) * (9 - index) for index, char in enumerate(body))
    if total < 100:
        expected = total
    elif total in (100, 101):
        expected = 0
    else:
        expected = total % 101
        if expected == 100:
            expected = 0
    return expected == control


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_A = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_B = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(char) * weight for char, weight in zip(digits, weights, strict=False)) % 11 % 10


def inn_valid(digits: str) -> bool:
    """True when ``digits`` is a 10-digit (organisation) or 12-digit (person) ИНН."""
    if not digits.isdigit():
        return False
    if len(digits) == 10:
        return _inn_digit(digits, _INN10) == int(digits[9])
    if len(digits) == 12:
        return _inn_digit(digits, _INN12_A) == int(digits[10]) and _inn_digit(
            digits, _INN12_B
        ) == int(digits[11])
    return False
