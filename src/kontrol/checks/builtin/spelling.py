"""Spelling of the agent's written messages."""

from __future__ import annotations

import re
from functools import lru_cache

from kontrol.checks.builtin.wording import (
    SPELLING_ERRORS_PER_100_WORDS,
    TYPICAL_ERRORS,
    WRITTEN,
    token_span,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
from kontrol.checks.text import WORD, fold


def misspelled_words(conversation: Conversation) -> tuple[int, list[tuple[Message, int]]]:
    """(agent words checked, misspelled words as (message, word position))."""
    reducer = conversation.book.reducer
    codes_of = reducer.spelling_codes
    listed = reducer.listed_words
    checked = 0
    wrong: list[tuple[Message, int]] = []
    seen: set[str] = set()  # a misspelt word counts once however often it is repeated
    # A word the customer wrote too is the name of their product, game or command.
    customers: set[str] | None = None  # built on the first unknown word only
    english = conversation.language == "en"
    agents = conversation.agent_messages
    # One search of every agent message together rules the typical errors out (mostly).
    typical_errors = bool(agents) and bool(
        TYPICAL_ERRORS.search("\n".join(message.view for message in agents))
    )
    for message in agents:
        codes = codes_of(message.words)
        if 2 not in codes and 4 not in codes:
            checked += _checked_words(message, codes)
        elif english and _other_language(message, codes):
            continue
        else:
            code = _code_spans(message)
            checked += _checked_words(message, codes)
            for position, word in enumerate(message.words):
                if codes[position] not in UNKNOWN or not _counted(message, position):
                    continue
                if code and any(a <= message.spans[position][0] < b for a, b in code):
                    continue
                form = fold(word)
                if customers is None:
                    customers = {fold(w) for m in conversation.customer_messages for w in m.words}
                if form in customers:
                    continue
                if form not in listed and form not in seen:
                    seen.add(form)
                    wrong.append((message, position))
        if not typical_errors:
            continue
        for typical in TYPICAL_ERRORS.finditer(message.view):
            # "в течении", "щас": real words in the dictionary, wrong in this use.
            position = next(
                (i for i, (start, _) in enumerate(message.spans) if start >= typical.start()), 0
            )
            if (message, position) not in wrong:
                wrong.append((message, position))
    return checked, wrong


# Codes of Lemmatizer.spelling_codes: unknown words, and checked capitalised ones.
UNKNOWN = frozenset({2, 4})
CAPITALISED = frozenset({3, 4})


# Commands, paths, menus and quoted names: "`ipconfig /flushdns`", "Settings > Privacy",
# "«Мои заказы»", "--force"; each pattern is tried only when its mark is in the text.
CODE_PATTERNS = (
    ("`", re.compile(r"`[^`]{1,120}`")),
    ("«", re.compile(r"«[^»]{1,80}»")),
    ('"', re.compile(r"\"[^\"\n]{1,80}\"")),
    ("“", re.compile(r"“[^”]{1,80}”")),
    (" /", re.compile(r"(?:^|\s)/[\w-]+")),
    (" -", re.compile(r"(?:^|\s)--?[a-z][\w-]*")),
    (">", re.compile(r"[\w ]{1,30}>\s?\w[\w ]{0,30}(?:>\s?\w[\w ]{0,30})*")),
    (".", re.compile(r"\b\w+\.(?:exe|app|apk|dmg|msi|cfg|ini|log|txt)\b")),
)


def _code_spans(message: Message) -> list[tuple[int, int]]:
    view = message.view
    spans: list[tuple[int, int]] = []
    for mark, pattern in CODE_PATTERNS:
        if mark in view:
            spans.extend(match.span() for match in pattern.finditer(view))
    return spans


OTHER_LANGUAGES = ("es", "fr", "de", "pt", "it")


@lru_cache(maxsize=1)
def _other_dictionaries() -> tuple[frozenset[str], ...]:
    from spellchecker import SpellChecker

    return tuple(
        frozenset(SpellChecker(language=code).word_frequency.dictionary) for code in OTHER_LANGUAGES
    )


def _other_language(message: Message, codes: list[int]) -> bool:
    """An English conversation's reply written in another language (most of its words
    unknown in English and known to another dictionary): not checked (CHECKS.md v1.1).
    In Russian text, words in Latin letters are never checked anyway."""
    checked = len(codes) - codes.count(0)
    unknown = [fold(w) for w, k in zip(message.words, codes, strict=True) if k in UNKNOWN]
    if checked < 4 or len(unknown) * 2 <= checked:
        return False
    return any(
        sum(word in words for word in unknown) * 2 > len(unknown) for words in _other_dictionaries()
    )


def _counted(message: Message, position: int) -> bool:
    """Capitalised words inside a sentence are mostly names: not checked; at the start of a
    sentence they are ordinary words."""
    word = message.words[position]
    return position == 0 or not word[0].isupper() or _starts_sentence(message, position)


def _checked_words(message: Message, codes: list[int]) -> int:
    """How many words of the message the spelling check reads: every checked word but the
    capitalised ones inside a sentence (only those need a look at the text)."""
    checked = len(codes) - codes.count(0)
    if codes.count(3) + codes.count(4):
        gaps: list[str] | None = None
        for position, code in enumerate(codes):
            if code in CAPITALISED and position:
                if gaps is None:
                    # What stands between the words: gaps[i] is the text before word i.
                    gaps = WORD.split(message.view)
                if not _ends_sentence(gaps[position]):
                    checked -= 1
    return checked


def _ends_sentence(gap: str) -> bool:
    """Whether the text between two words ends a sentence (as :func:`_starts_sentence`
    reads it: a word never ends in punctuation, so only the gap decides)."""
    gap = gap.rstrip(' «"“(')
    return bool(gap) and gap[-1] in ".!?\n:"


def _starts_sentence(message: Message, position: int) -> bool:
    start = message.spans[position][0]
    before = message.view[:start].rstrip(' «"“(')
    return not before or before[-1] in ".!?\n:"


@check("spelling", channels=WRITTEN)
def spelling(conversation: Conversation) -> Verdict:
    """At most one spelling error per 100 words of agent text."""
    checked, wrong = misspelled_words(conversation)
    if not checked:
        return Verdict(NA)
    # At most one error per 100 words, and one typo is always allowed: a single typo
    # in a 30-word chat is not "3 errors per 100 words".
    allowed = max(1.0, SPELLING_ERRORS_PER_100_WORDS * checked / 100)
    if len(wrong) <= allowed:
        # A tolerated typo is no evidence of a pass: shown beside "passed" (and marked as
        # such in the transcript), «пожалуста» read as the proof of good spelling.
        return Verdict(PASS)
    return Verdict(FAIL, tuple(token_span(conversation, m, p) for m, p in wrong[:10]))
