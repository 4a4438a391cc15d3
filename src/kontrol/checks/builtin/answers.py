"""The answers: the needs question, empathy, no rudeness or jargon, a specific answer."""

from __future__ import annotations

import re
from typing import Any

from kontrol.checks.builtin.wording import (
    CONCRETE_PLACE,
    CONCRETE_VALUE,
    CYRILLIC_WORD,
    INDIRECT_QUESTION,
    SPOKEN_QUESTION,
    customer_emotion,
    in_quotes,
    morph_tags,
    quoted,
    rude_hits,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.phrases import Hit
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check


def _clarifying(conversation: Conversation, message: Message) -> Hit | None:
    """A request for information ("Подскажите номер", "Please confirm..."), not "Уточню"."""
    for hit in conversation.find("clarifying", within=(message.index,)):
        if in_quotes(message, hit):
            continue
        word = message.words[hit.first]
        if CYRILLIC_WORD.match(word):
            tags = morph_tags(word)
            if ("VERB" in tags or "INFN" in tags) and "impr" not in tags:
                continue
        return hit
    return None


def _spoken_question(conversation: Conversation, message: Message) -> bool | None:
    """A question asked in an unpunctuated transcript, outside "how can I help" phrases."""
    generic = [
        (message.spans[h.first][0], message.spans[h.last][1])
        for name in ("generic_question", "offer_more_help", "rating_request")
        for h in conversation.find(name, within=(message.index,))
    ]
    for found in SPOKEN_QUESTION.finditer(message.view):
        if not any(start <= found.start() < end for start, end in generic):
            return True
    return None


def _is_needs_question(conversation: Conversation, message: Message) -> Hit | None | bool:
    """A question of the agent that discovers the need (not "how can I help?")."""
    clarifying = _clarifying(conversation, message)
    if clarifying is not None:
        return clarifying
    if "?" not in message.view:
        if conversation.unpunctuated:
            return _spoken_question(conversation, message)
        return None
    quotes = quoted(message)
    marks = [
        m.start()
        for m in re.finditer(r"\?", message.view)
        if not any(begin <= m.start() < end for begin, end in quotes)
    ]
    if not marks:
        return None
    excluded = (
        conversation.find("generic_question", within=(message.index,))
        + conversation.find("offer_more_help", within=(message.index,))
        + conversation.find("rating_request", within=(message.index,))
    )
    if not excluded:
        return True
    # A message may hold a generic question and a real one: count the question
    # marks that are not right after an excluded phrase.
    ends = {message.spans[h.last][1] for h in excluded}
    for mark in marks:
        before = message.view[:mark].rstrip(" !.,)")
        if len(before) not in ends:
            return True
    return None


@check("needs_question")
def needs_question(conversation: Conversation) -> Verdict:
    """The agent asks at least one question before proposing a solution."""
    agents = conversation.agent_messages
    if not agents:
        return Verdict(NA)
    solutions = conversation.find("solution", role="agent")
    first_solution = min((h.message for h in solutions), default=None)
    for message in agents:
        if first_solution is not None and message.index > first_solution:
            break
        found = _is_needs_question(conversation, message)
        if found is None or found is False:
            continue
        if isinstance(found, Hit):
            return Verdict(PASS, (conversation.span(found),))
        sentence = _question_sentence(message.view) or message.view[:80].strip()
        return Verdict(PASS, ({"message": message.index, "text": sentence},))
    evidence: tuple[dict[str, Any], ...] = ()
    if first_solution is not None:
        evidence = conversation.evidence([h for h in solutions if h.message == first_solution])
    return Verdict(FAIL, evidence)


def _question_sentence(text: str) -> str:
    mark = text.find("?")
    start = max(text.rfind(".", 0, mark), text.rfind("!", 0, mark), text.rfind("\n", 0, mark))
    return text[start + 1 : mark + 1].strip()


@check("empathy")
def empathy(conversation: Conversation) -> Verdict:
    """After the customer expresses negative emotion, the agent acknowledges it."""
    triggers = customer_emotion(conversation)
    if not triggers:
        return Verdict(NA)
    first = triggers[0][0]
    replies = [h for h in conversation.find("empathy", role="agent") if h.message > first]
    if replies:
        return Verdict(PASS, conversation.evidence(replies))
    return Verdict(FAIL, (triggers[0][1],))


@check("no_rudeness", critical=True)
def no_rudeness(conversation: Conversation) -> Verdict:
    """No agent message holds profanity, insults or dismissive phrases."""
    if not conversation.agent_messages:
        return Verdict(NA)
    hits = rude_hits(conversation)
    return Verdict(FAIL, conversation.evidence(hits)) if hits else Verdict(PASS)


@check("no_jargon")
def no_jargon(conversation: Conversation) -> Verdict:
    """The agent uses no term of the workspace jargon list."""
    if not conversation.book.has("jargon") or not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find("jargon", role="agent")
    return Verdict(FAIL, conversation.evidence(hits)) if hits else Verdict(PASS)


def _asks(message: Message, hit: Hit, rhetorical: list[Hit]) -> bool:
    """Whether the when/where/how-much word is really asked in its sentence."""
    if any(r.first <= hit.first <= r.last for r in rhetorical):
        return False
    start = message.spans[hit.first][0]
    sentence_start = max(message.view.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [message.view.find(mark, start) for mark in ".!?\n"]
    sentence_end = min((e for e in ends if e >= 0), default=len(message.view))
    if message.view[sentence_end : sentence_end + 1] == "?":
        return True
    # Indirect: "хочу узнать, когда...", "Прошу сообщить, сколько стоит", "tell me where".
    if INDIRECT_QUESTION.search(message.view[sentence_start:start]):
        return True
    return hit.first == 0 and "?" not in message.view and "." not in message.view


def _specific_questions(conversation: Conversation) -> list[Hit]:
    questions = []
    seen: set[int] = set()
    for hit in conversation.find("specific_question", role="customer"):
        if hit.message in seen:
            continue
        message = conversation.messages[hit.message]
        rhetorical = conversation.find("rhetorical", within=(hit.message,))
        if _asks(message, hit, rhetorical):
            questions.append(hit)
            seen.add(hit.message)
    return questions


WHERE_WORDS = frozenset({"где", "where"})


def _concrete_in(
    conversation: Conversation, message: Message, asks_where: bool = True
) -> dict[str, Any] | None:
    hits = conversation.find("concrete", within=(message.index,))
    if hits:
        return conversation.span(hits[0])
    value = CONCRETE_VALUE.search(message.view)
    if value is None and asks_where:
        # A link, an e-mail or a street address answers "where", not "when" or "how much".
        value = CONCRETE_PLACE.search(message.text)
    if value:
        return {"message": message.index, "text": value.group()}
    return None


@check("specific_answer")
def specific_answer(conversation: Conversation) -> Verdict:
    """Each when/where/how-much question gets a concrete answer, not only a vague one.

    The answer is the agent's replies until the customer's next such question; a
    question asked again later (the agent clarified first) is answered by the
    reply to the later one.
    """
    questions = _specific_questions(conversation)
    if not questions:
        return Verdict(NA)
    outcomes: list[tuple[Hit, dict[str, Any] | None, bool]] = []
    for number, question in enumerate(questions):
        stop = questions[number + 1].message if number + 1 < len(questions) else None
        replies = [
            m for m in conversation.messages[question.message + 1 : stop] if m.role == "agent"
        ]
        asks_where = conversation.messages[question.message].lemmas[question.first] in WHERE_WORDS
        concrete = next(
            (
                found
                for m in replies
                if (found := _concrete_in(conversation, m, asks_where)) is not None
            ),
            None,
        )
        outcomes.append((question, concrete, bool(replies)))
    evidence: list[dict[str, Any]] = []
    unanswered: list[dict[str, Any]] = []
    answered_later = False
    for question, concrete, replied in reversed(outcomes):
        if concrete is not None:
            evidence.append(concrete)
            answered_later = True
        elif replied and not answered_later:
            unanswered.append(conversation.span(question))
    if unanswered:
        return Verdict(FAIL, tuple(reversed(unanswered)))
    if not evidence:
        return Verdict(NA)
    return Verdict(PASS, tuple(reversed(evidence)))
