"""Signals: measured values about an interaction, not pass/fail (spec/CHECKS.md)."""

from __future__ import annotations

import re
from typing import Any

from kontrol.checks.conversation import Conversation, Message

SENTIMENT_MESSAGES = 2

# Every kind of personal data we look for has an "@" or seven digits close together.
CANDIDATE = re.compile(r"@|\d[\d\s().+№-]{5,}\d")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
URL_TEXT = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{8,16}\d(?!\w)")
TOLL_FREE = re.compile(r"^(?:1?8(?:00|88|77|66|55|44|33)|[78]800)")
PASSPORT = re.compile(
    r"(?:паспорт\w*|passport)\D{0,25}(?:\d{2}\s?\d{2}\s?(?:№\s?)?\d{6}|[A-Z]{0,2}\d{6,9})(?!\d)",
    re.IGNORECASE,
)


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


def personal_data(texts: list[str]) -> list[str]:
    """Which kinds of personal data the texts hold: card, email, passport, phone."""
    kinds: set[str] = set()
    if not CANDIDATE.search("\n".join(texts)):
        return []  # most conversations: one search instead of one per message
    for text in texts:
        if not CANDIDATE.search(text):
            continue
        if "://" in text or "www." in text:
            text = URL_TEXT.sub(" ", text)
        if EMAIL.search(text):
            kinds.add("email")
        rest = text
        for match in CARD.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if 13 <= len(digits) <= 19 and _luhn(digits):
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
            if 10 <= len(digits) <= 12:
                kinds.add("phone")
                break
    return sorted(kinds)


def _sentiment(conversation: Conversation, messages: list[Message]) -> float | None:
    if not messages:
        return None
    within = {m.index for m in messages}
    negative = len(conversation.find("negative", within=within))
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
    "worri worry desperate шок паника волноваться переживать беспокоиться отчаяние".split()
)


def _dissatisfied(conversation: Conversation) -> bool:
    """The customer expresses dissatisfaction with the product, service or handling: a
    phrase of the ``dissatisfied``, ``negative`` or ``complaint`` lists, not negated.
    Distress, swearing, shouting, "!!!" or an emoji alone are not enough (CHECKS.md v1.1)."""
    from kontrol.checks.builtin.wording import negated

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
        "pii": personal_data([m.text for m in conversation.messages]),
    }
