"""Spelling of the agent's written messages."""

from __future__ import annotations

from kontrol.checks.builtin.wording import (
    SPELLING_ERRORS_PER_100_WORDS,
    TYPICAL_ERRORS,
    WRITTEN,
    token_span,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
from kontrol.checks.text import fold


def misspelled_words(conversation: Conversation) -> tuple[int, list[tuple[Message, int]]]:
    """(agent words checked, misspelled words as (message, word position))."""
    reducer = conversation.book.reducer
    classify = reducer.spelling_class
    listed = reducer.listed_words
    checked = 0
    wrong: list[tuple[Message, int]] = []
    seen: set[str] = set()  # a misspelt word counts once however often it is repeated
    for message in conversation.agent_messages:
        for position, word in enumerate(message.words):
            kind = classify(word)
            if kind == 0:
                continue
            # Capitalised words inside a sentence are mostly names: not checked; at the
            # start of a sentence they are ordinary words.
            if position > 0 and word[0].isupper() and not _starts_sentence(message, position):
                continue
            checked += 1
            if kind == 2:
                form = fold(word)
                if form not in listed and form not in seen:
                    seen.add(form)
                    wrong.append((message, position))
        for typical in TYPICAL_ERRORS.finditer(message.view):
            # "в течении", "щас": real words in the dictionary, wrong in this use.
            position = next(
                (i for i, (start, _) in enumerate(message.spans) if start >= typical.start()), 0
            )
            if (message, position) not in wrong:
                wrong.append((message, position))
    return checked, wrong


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
    evidence = tuple(token_span(conversation, m, p) for m, p in wrong[:10])
    # At most one error per 100 words, and one typo is always allowed: a single typo
    # in a 30-word chat is not "3 errors per 100 words".
    allowed = max(1.0, SPELLING_ERRORS_PER_100_WORDS * checked / 100)
    return Verdict(FAIL if len(wrong) > allowed else PASS, evidence)
