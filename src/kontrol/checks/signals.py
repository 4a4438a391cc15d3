"""Signals: measured values about an interaction, not pass/fail (spec/CHECKS.md)."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from kontrol.checks.conversation import Conversation, Message

SENTIMENT_MESSAGES = 2

# Every kind of personal data we look for has an "@" or seven digits close together.
CANDIDATE = re.compile(r"@|\d[\d\s().+№-]{5,}\d")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
GROUPED_CARD = re.compile(r"\d{4}(?:[ -]\d{4}){3}")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
URL_TEXT = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{8,16}\d(?!\w)")
TOLL_FREE = re.compile(r"^(?:1?8(?:00|88|77|66|55|44|33)|[78]800)")
PASSPORT = re.compile(
    r"(?:паспорт\w*|passport)\D{0,25}(?:\d{2}\s?\d{2}\s?(?:№\s?)?\d{6}|[A-Z]{0,2}\d{6,9})(?!\d)",
    re.IGNORECASE,
)


# Order, ticket, case, build and policy numbers: not personal data (CHECKS.md v1.1).
NOT_PHONE_BEFORE = re.compile(
    r"(?:order|ticket|case|build|version|ver|ref|reference|tracking|invoice|account|acct|"
    r"заказ\w*|заявк\w*|договор\w*|полис\w*|трек\w*|сч[её]т\w*|обращени\w*|накладн\w*|"
    r"id|№|#)\W{0,4}$",
    re.IGNORECASE,
)
# A series in capitals before the digits ("ХХХ 0312456789", "AB 123456789"): a document.
SERIES_BEFORE = re.compile(r"(?<!\w)[A-ZА-ЯЁ]{2,4}\s?$")
_UNITS_EN = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS_EN = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS_EN = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNITS_RU = {
    "ноль": 0,
    "нуль": 0,
    "один": 1,
    "одна": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
}
_TEENS_RU = {
    "десять": 10,
    "одиннадцать": 11,
    "двенадцать": 12,
    "тринадцать": 13,
    "четырнадцать": 14,
    "пятнадцать": 15,
    "шестнадцать": 16,
    "семнадцать": 17,
    "восемнадцать": 18,
    "девятнадцать": 19,
}
_TENS_RU = {
    "двадцать": 20,
    "тридцать": 30,
    "сорок": 40,
    "пятьдесят": 50,
    "шестьдесят": 60,
    "семьдесят": 70,
    "восемьдесят": 80,
    "девяносто": 90,
}
_HUNDREDS_RU = {
    "сто": 100,
    "двести": 200,
    "триста": 300,
    "четыреста": 400,
    "пятьсот": 500,
    "шестьсот": 600,
    "семьсот": 700,
    "восемьсот": 800,
    "девятьсот": 900,
}
_NUMBER_WORD = re.compile(r"[a-zа-яё]+", re.IGNORECASE)


def _group(words: list[str], i: int) -> tuple[str, int]:
    """Digits of the number that starts at ``words[i]`` ("девятьсот двадцать шесть" -> 926,
    "double five" -> 55) and how many words it took; ("", 0) when it is no number word."""
    word = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if word in ("double", "triple") and nxt in _UNITS_EN:
        return str(_UNITS_EN[nxt]) * (2 if word == "double" else 3), 2
    if word in _UNITS_EN:
        return str(_UNITS_EN[word]), 1
    if word in _UNITS_RU:
        return str(_UNITS_RU[word]), 1
    value, used = 0, 0
    if word in _HUNDREDS_RU:
        value, used = _HUNDREDS_RU[word], 1
    rest = words[i + used] if i + used < len(words) else ""
    if rest in _TEENS_RU or rest in _TEENS_EN:
        return str(value + (_TEENS_RU.get(rest) or _TEENS_EN[rest])), used + 1
    if rest in _TENS_RU or rest in _TENS_EN:
        value += _TENS_RU.get(rest) or _TENS_EN[rest]
        used += 1
        unit = words[i + used] if i + used < len(words) else ""
        if unit in _UNITS_RU and _UNITS_RU[unit]:
            return str(value + _UNITS_RU[unit]), used + 1
        if unit in _UNITS_EN and _UNITS_EN[unit]:
            return str(value + _UNITS_EN[unit]), used + 1
        return str(value), used
    if used:
        unit = words[i + used] if i + used < len(words) else ""
        if unit in _UNITS_RU and _UNITS_RU[unit]:
            return str(value + _UNITS_RU[unit]), used + 1
        return str(value), used
    return "", 0


def _spoken_digits(text: str) -> str:
    """``text`` with numbers said in words written in digits, groups spaced as said
    ("Восемь девятьсот двадцать шесть, сто двенадцать" -> "8 926 112")."""
    lowered = text.lower().replace("ё", "е").replace("-", " ")
    tokens = _NUMBER_WORD.findall(lowered)
    if not any(
        t in _UNITS_EN
        or t in _UNITS_RU
        or t in _TENS_RU
        or t in _HUNDREDS_RU
        or t in _TENS_EN
        or t in _TEENS_RU
        or t in _TEENS_EN
        for t in tokens
    ):
        return text
    out: list[str] = []
    i = 0
    said = False  # the previous token was a number: digits said in a row are one number
    while i < len(tokens):
        digits, used = _group(tokens, i)
        if used:
            if said:
                out[-1] += digits
            else:
                out.append(digits)
            said = True
            i += used
        else:
            out.append(tokens[i])
            said = False
            i += 1
    return " ".join(out)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def personal_data(texts: list[str], language: str = "") -> list[str]:
    """Which kinds of personal data the texts hold: card, email, passport, phone.

    Order, ticket, case and build numbers are not phones; in Russian a phone is a mobile or
    city number as written there (+7 / 8 / 9..., 10-11 digits)."""
    kinds: set[str] = set()
    # One pass over the texts joined by NUL (which no candidate holds, so none spans two
    # texts) names the texts that hold a candidate; most conversations have none.
    joined = "\0".join(texts)
    starts = [found.start() for found in CANDIDATE.finditer(joined)]
    if not starts:
        return []
    ends = list(accumulate(len(text) + 1 for text in texts))
    holding = sorted({bisect_right(ends, start) for start in starts})
    for index in holding:
        text = texts[index]
        if "://" in text or "www." in text:
            text = URL_TEXT.sub(" ", text)
        if EMAIL.search(text):
            kinds.add("email")
        rest = text
        for match in CARD.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            # Four groups of four digits are written as a card even when the number fails
            # the Luhn sum (a mistyped or made-up card is still the customer's card number).
            grouped = bool(GROUPED_CARD.fullmatch(match.group().strip()))
            if 13 <= len(digits) <= 19 and (_luhn(digits) or grouped):
                kinds.add("card")
                rest = rest.replace(match.group(), " ")
        if PASSPORT.search(rest):
            kinds.add("passport")
            rest = PASSPORT.sub(" ", rest)
        for match in PHONE.finditer(rest):
            digits = re.sub(r"\D", "", match.group())
            if TOLL_FREE.match(digits):
                # A company's free hotline (8-800, 1-800...) is not personal data.
                continue
            before = rest[max(0, match.start() - 24) : match.start()]
            if NOT_PHONE_BEFORE.search(before) or SERIES_BEFORE.search(before):
                continue
            if language == "ru" and not re.match(r"[789]", digits):
                continue
            if 10 <= len(digits) <= 12:
                kinds.add("phone")
                break
    return sorted(kinds)


def _sentiment(conversation: Conversation, messages: list[Message]) -> float | None:
    if not messages:
        return None
    from kontrol.checks.builtin.wording import negated

    within = {m.index for m in messages}
    found = conversation.find("negative", within=within)
    # A judgement of the company in these messages ("за что я плачу", "still not working")
    # is negative too: "Спасибо, но за что я плачу?" is not a pleased end (the page showed
    # "dissatisfied: yes" beside "pleased at the end" for it).
    places = {(h.message, h.first) for h in found}
    negative = len(found) + sum(
        1
        for h in conversation.find("dissatisfied", within=within)
        if (h.message, h.first) not in places and not negated(conversation.messages[h.message], h)
    )
    positive = len(conversation.find("positive", within=within))
    if not negative and not positive:
        return 0.0
    return round((positive - negative) / (positive + negative), 2)


def _speech_seconds(messages: list[Message]) -> float:
    return sum(max(0.0, (m.end or 0.0) - (m.start or 0.0)) for m in messages)


def _silence_ratio(conversation: Conversation) -> float | None:
    spans = sorted(
        (m.start or 0.0, m.end or 0.0)
        for m in conversation.messages
        if m.role in ("agent", "customer") and m.start is not None
    )
    if not spans:
        return None
    duration = max(end for _, end in spans)
    if duration <= 0:
        return None
    covered = 0.0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start > current_end:
            covered += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    covered += current_end - current_start
    return round(max(0.0, 1 - covered / duration), 3)


def _overlaps(conversation: Conversation) -> int:
    agents = [m for m in conversation.agent_messages if m.start is not None]
    customers = [m for m in conversation.customer_messages if m.start is not None]
    count = 0
    for a in agents:
        for c in customers:
            if min(a.end or 0.0, c.end or 0.0) - max(a.start or 0.0, c.start or 0.0) > 0:
                count += 1
    return count


def _complaint(conversation: Conversation) -> bool:
    from kontrol.checks.builtin.wording import negated

    return any(
        not negated(conversation.messages[hit.message], hit)
        for hit in conversation.find("complaint", role="customer")
    )


# Distress is negative emotion but not a judgement of the company ("в шоке", "worried").
_DISTRESS = frozenset(
    "worri worry desperate шок паника волноваться переживать беспокоиться отчаяние "
    "трястись истерика нерв heartbroken devast miser freak hopeless".split()
)


# "Какого х*ра у меня карта заблокирована?": an indignant question about what the company did,
# with the swear word masked (the phrase lists read whole words).
_MASKED_INDIGNATION = re.compile(r"(?i)\b(?:какого|какова|what\s+the|why\s+the)\s+\w*[*@#$%]")


def _dissatisfied(conversation: Conversation) -> bool:
    """The customer expresses dissatisfaction with the product, service or handling: a
    phrase of the ``dissatisfied``, ``negative`` or ``complaint`` lists, not negated.
    Distress, swearing, shouting, "!!!" or an emoji alone are not enough (CHECKS.md v1.1)."""
    from kontrol.checks.builtin.wording import negated

    for message in conversation.customer_messages:
        view = message.view
        if any(mark in view for mark in "*@#$%") and _MASKED_INDIGNATION.search(view):
            return True
    for name in ("dissatisfied", "negative", "complaint"):
        for hit in conversation.find(name, role="customer"):
            message = conversation.messages[hit.message]
            if negated(message, hit):
                continue
            if name == "negative" and _DISTRESS.intersection(
                message.lemmas[hit.first : hit.last + 1]
            ):
                continue
            return True
    return False


def _pii_texts(conversation: Conversation) -> list[str]:
    """The texts personal data is looked for in. On a call, numbers said in words are
    written in digits and one side's consecutive segments are read together (a phone
    number is often said in three segments)."""
    texts = [m.text for m in conversation.messages]
    if conversation.channel != "call":
        return texts
    turns: list[str] = []
    role = None
    for message in conversation.messages:
        spoken = _spoken_digits(message.text)
        if message.role == role and turns:
            turns[-1] += " " + spoken
        else:
            turns.append(spoken)
        role = message.role
    return texts + turns


def compute_signals(conversation: Conversation) -> dict[str, Any]:
    """Every signal of the interaction; ``None`` where it cannot be measured."""
    customers = conversation.customer_messages
    timed = conversation.timed
    # Two messages at each end when there are enough, so that start and end differ.
    edge = SENTIMENT_MESSAGES if len(customers) >= 2 * SENTIMENT_MESSAGES else 1
    talk_ratio = None
    if timed:
        agent = _speech_seconds(conversation.agent_messages)
        total = agent + _speech_seconds(customers)
        talk_ratio = round(agent / total, 3) if total > 0 else None
    return {
        "complaint": _complaint(conversation),
        "dissatisfied": _dissatisfied(conversation),
        "customer_sentiment_start": _sentiment(conversation, customers[:edge]),
        "customer_sentiment_end": _sentiment(conversation, customers[-edge:]),
        "talk_ratio": talk_ratio,
        "silence_ratio": _silence_ratio(conversation) if timed else None,
        "overlaps": _overlaps(conversation) if timed else None,
        "pii": personal_data(_pii_texts(conversation), conversation.language),
    }
