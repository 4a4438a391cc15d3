"""What the built-in checks share: channel sets, thresholds, patterns of speech and
writing (quotes, negation, shouting, questions, amounts), and finding phrases."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.phrases import Hit
from kontrol.checks.registry import FAIL, NA, PASS, Verdict
from kontrol.checks.text import fold

VOICE = frozenset({"call"})
CONVERSATIONAL = frozenset({"call", "chat", "messenger"})
WRITTEN = frozenset({"chat", "email", "messenger", "social"})

# Seconds within which every agent reply must come, per channel.
RESPONSE_TARGETS = {"chat": 60.0, "messenger": 300.0, "social": 3600.0, "email": 14400.0}
HOLD_SILENCE_SECONDS = 30.0
INTERRUPTION_SECONDS = 1.0
MAX_INTERRUPTIONS = 1
PROMISE_WINDOW = timedelta(hours=24)
SPELLING_ERRORS_PER_100_WORDS = 1.0
# calm_tone on calls with audio: the agent's level may rise this much over their baseline.
LOUDNESS_RISE_DB = 6.0

_UNITS = (
    r"%|₽|\$|€|руб\w*|р\.|коп\w*|дн\w*|день|час\w*|мин\w*|сек\w*|недел\w*|месяц\w*|"
    r"сут\w*|business\s+days?|working\s+days?|days?|hours?|hrs?|minutes?|mins?|weeks?|"
    r"months?|dollars?|euros?|pounds?|usd|eur|rub|am|pm|a\.m\.|p\.m\."
)
CONCRETE_VALUE = re.compile(
    r"(?<!\w)(?:\d{1,2}[:.]\d{2}(?!\d)|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?(?!\d)|"
    r"[$€£₽]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+)?\s?(?:" + _UNITS + r"))(?!\w)",
    re.IGNORECASE,
)
PROMISE_TIME = re.compile(
    r"(?:через|в течение|within|in)\s+(\d+)\s*(мин\w*|час\w*|дн\w*|день|minutes?|hours?|days?)",
    re.IGNORECASE,
)
SHOUTED_WORD = re.compile(r"(?<!\w)[A-ZА-ЯЁ]{4,}(?!\w)")
CYRILLIC_WORD = re.compile(r"[а-яёА-ЯЁ]")
CAPS_WORD = re.compile(r"(?<!\w)[A-ZА-ЯЁ]{3,}(?!\w)")
REPEATED_EXCLAMATION = re.compile(r"!{2,}|\?!|!\?")


CONCRETE_PLACE = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|"
    r"\b\d+\s+[A-Z][a-z]+\s+(?:St|Street|Ave|Avenue|Road|Rd|Blvd|Lane)\b",
)
PROMISE_WORD_TIME = re.compile(
    r"(?:через|в течение|within|in)\s+(полчаса|час|half an hour|an hour|a day|день|сутки)\b"
    r"|\b(завтра|tomorrow)\b",
    re.IGNORECASE,
)
QUOTES = re.compile(r"«[^»]{0,400}»|“[^”]{0,400}”|\"[^\"\n]{0,400}\"")
# A question in a transcript without punctuation: a question word followed by what asks.
SPOKEN_QUESTION = re.compile(
    r"\b(?:(?:what|which|when|where|how|why|who)\s+(?:is|are|was|were|day|time|kind|type|"
    r"would|will|can|could|do|does|did|should|much|many|long|old|number|date)|"
    r"(?:can|could|would|will|do|did|have|are|is)\s+(?:you|i\s+have|we)|"
    r"какой|какая|какие|каким|когда|где|сколько|можете|могли бы|подскажите|скажите|назовите)\b",
    re.IGNORECASE,
)
INDIRECT_QUESTION = re.compile(
    r"\b(?:узнать|подскажите|скажите|сообщите|интересует|уточните|tell me|know|wondering|"
    r"find out|let me know)\b",
    re.IGNORECASE,
)
NEGATIONS = frozenset({"не", "нет", "без", "ни", "not", "no", "never", "won't", "don't", "can't"})
TYPICAL_ERRORS = re.compile(
    r"(?<!\w)(?:в течении|в следствии|щас|извените|вообщем|както)(?!\w)", re.I
)


def quoted(message: Message) -> list[tuple[int, int]]:
    """Character ranges of quotations in a message (words the writer only reports)."""
    if not any(mark in message.view for mark in ("«", "“", '"')):
        return []
    return [match.span() for match in QUOTES.finditer(message.view)]


def in_quotes(message: Message, hit: Hit) -> bool:
    ranges = quoted(message)
    if not ranges:
        return False
    start = message.spans[hit.first][0]
    return any(begin <= start < end for begin, end in ranges)


def negated(message: Message, hit: Hit) -> bool:
    """A negation right before the phrase or "нет" right after it ("жалоб нет")."""
    before = fold(message.words[hit.first - 1]) if hit.first > 0 else ""
    after = fold(message.words[hit.last + 1]) if hit.last + 1 < len(message.words) else ""
    return before in NEGATIONS or after in ("нет", "не")


@lru_cache(maxsize=65536)
def morph_tags(word: str) -> str:
    from kontrol.checks.text import _morph

    return str(_morph().parse(fold(word))[0].tag)


def shouting(message: Message) -> str | None:
    """The shouted part of a customer message: two CAPS words or "!!" / "?!"."""
    caps = CAPS_WORD.findall(message.view)
    if len(caps) >= 2:
        return " ".join(caps[:3])
    found = REPEATED_EXCLAMATION.search(message.view)
    return found.group() if found else None


def phrase_in(conversation: Conversation, list_name: str, within: frozenset[int]) -> Verdict:
    if not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find(list_name, role="agent", within=within)
    return Verdict(PASS, conversation.evidence(hits)) if hits else Verdict(FAIL)


def customer_emotion(conversation: Conversation) -> list[tuple[int, dict[str, Any]]]:
    """Where the customer expresses frustration (not a problem stated calmly), in order.

    An emotion phrase, two shouted CAPS words, or "!!" / "?!" in a customer message.
    """
    cached: list[tuple[int, dict[str, Any]]] | None = conversation.memo.get("emotion")
    if cached is not None:
        return cached
    found = [
        (hit.message, conversation.span(hit))
        for hit in conversation.find("negative", role="customer")
        if not negated(conversation.messages[hit.message], hit)
    ]
    for message in conversation.customer_messages:
        shouted = shouting(message)
        if shouted:
            found.append((message.index, {"message": message.index, "text": shouted}))
    found.sort(key=lambda item: item[0])
    conversation.memo["emotion"] = found
    return found


def token_span(conversation: Conversation, message: Message, position: int) -> dict[str, Any]:
    start, end = message.spans[position]
    return {"message": message.index, "text": message.text[start:end]}


def rude_hits(conversation: Conversation) -> list[Hit]:
    """Rude phrases of the agent, not those the agent quotes from the customer."""
    return [
        h
        for h in conversation.find("rudeness", role="agent")
        if not in_quotes(conversation.messages[h.message], h)
    ]
