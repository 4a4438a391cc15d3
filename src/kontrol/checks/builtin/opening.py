"""The opening of a conversation: greeting, the agent's introduction, the customer's name."""

from __future__ import annotations

import re

from kontrol.checks.builtin.wording import (
    CONVERSATIONAL,
    morph_tags,
    phrase_in,
    token_span,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
from kontrol.checks.text import fold


@check("greeting")
def greeting(conversation: Conversation) -> Verdict:
    """The agent greets in the opening."""
    return phrase_in(conversation, "greeting", conversation.opening())


@check("introduction", channels=CONVERSATIONAL)
def introduction(conversation: Conversation) -> Verdict:
    """The agent gives their name in the opening (a phrase, or their own name)."""
    if not conversation.agent_messages:
        return Verdict(NA)
    opening = conversation.opening()
    hits = conversation.find("introduction", role="agent", within=opening)
    if hits:
        return Verdict(PASS, conversation.evidence(hits))
    own = _name_tokens(conversation, conversation.agent_name)
    customer = _name_tokens(conversation, conversation.customer_name)
    for index in sorted(opening):
        message = conversation.messages[index]
        for position, lemma in enumerate(message.lemmas):
            if lemma in own:
                return Verdict(PASS, (token_span(conversation, message, position),))
        # "Интернет-магазин «Лайт», Сергей." / "Марина, слушаю вас" / "Paul speaking".
        found = _first_name_alone(conversation, message, customer)
        if found is not None:
            return Verdict(PASS, (token_span(conversation, message, found),))
    return Verdict(FAIL)


NAME_PART = re.compile(r"[^\W\d_]{2,}")
# "Paul speaking", "Hi! Emily here", "Kvarta, Paul speaking": a capitalised word that opens
# a sentence or follows a comma, then "speaking"/"here".
SPEAKING = re.compile(r"(?:^|[,.!?])\s*([A-Z][a-z]+) (?:speaking|here)\b")
# Capitalised words before "here" that are no name ("Click here", "Nobody here").
_NOT_SPEAKERS = frozenset(
    "click tap sign right over come stay look nobody everyone everybody someone somebody "
    "anyone anybody nothing everything something anything we you they he she it i hello "
    "hi hey thanks yes no just still not go wait start see check write call reply help "
    "support team all".split()
)


def _first_name_alone(
    conversation: Conversation, message: Message, customer: set[str]
) -> int | None:
    """The position of a first name the agent says of themselves in the opening, if any."""
    if conversation.language != "ru":
        for found in SPEAKING.finditer(message.view):
            if found.group(1).lower() not in _NOT_SPEAKERS:
                start = found.start(1)
                return next((i for i, (s, _) in enumerate(message.spans) if s >= start), None)
        return None
    for position, word in enumerate(message.words):
        if not word[:1].isupper() or message.lemmas[position] in customer:
            continue
        if "Name" not in morph_tags(word) and not _presents_self(conversation, message, position):
            continue
        start, end = message.spans[position]
        before = message.view[:start].rstrip()
        after = message.view[end:].lstrip()
        # Alone: the whole sentence, or "Name, слушаю" / "..., Name." at the edge of a clause.
        if (not before or before[-1] in ",.!") and (not after or after[0] in ",.!"):
            return position
    return None


# "Лиана, слушаю вас": a word before these is the agent's name even when it is also a word.
_PRESENTS = re.compile(r",\s*(?:слушаю|чем (?:я )?могу помочь|на связи)", re.IGNORECASE)


def _presents_self(conversation: Conversation, message: Message, position: int) -> bool:
    """ "Мобильный оператор, здравствуйте! Лиана, слушаю вас.": after the greeting, a word
    followed by "слушаю" is the agent's name ("Доставка, слушаю" names the company)."""
    if not _PRESENTS.match(message.view[message.spans[position][1] :]):
        return False
    if _morph_name(message.words[position]):
        return True  # "Роман, чем могу помочь?"
    greetings = conversation.find("greeting", within=(message.index,))
    return any(hit.last < position for hit in greetings)


def _morph_name(word: str) -> bool:
    """Some reading of the word is a first name ("Роман" is a novel and a name)."""
    from kontrol.checks.text import _morph

    return any("Name" in parse.tag for parse in _morph().parse(fold(word)))


def _name_tokens(conversation: Conversation, name: str | None) -> set[str]:
    """The lemmas of a person's name, matched in any case and inflection (CHECKS.md v1.1).

    In a name written with capitals, lower-case parts are particles ("de", "van") and
    left out; a name stored all in lower case, as many CRMs store names ("анна",
    "john"), keeps every part.
    """
    if not name:
        return set()
    reducer = conversation.book.reducer
    parts = NAME_PART.findall(name)
    if not name.islower():
        parts = [part for part in parts if not part.islower()]
    return {reducer.lemma(fold(part)) for part in parts}


@check("customer_name")
def customer_name(conversation: Conversation) -> Verdict:
    """The agent addresses the customer by name (any inflection) at least once."""
    names = _name_tokens(conversation, conversation.customer_name)
    if not names or not conversation.agent_messages:
        # No agent message (a transcript not split into turns): nothing to judge.
        return Verdict(NA)
    # The agent's own name (same first name as the customer's, or in "my name is X") is
    # not addressing the customer.
    own = _name_tokens(conversation, conversation.agent_name)
    introductions = {(h.message, h.last) for h in conversation.find("introduction", role="agent")}
    for message in conversation.agent_messages:
        for position, lemma in enumerate(message.lemmas):
            if lemma in names or fold(message.words[position]) in names:
                if lemma in own or (message.index, position) in introductions:
                    continue
                if (message.index, position - 1) in introductions:
                    continue
                return Verdict(PASS, (token_span(conversation, message, position),))
    return Verdict(FAIL)
