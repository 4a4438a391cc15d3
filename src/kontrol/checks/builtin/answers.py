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
    WORDED_VALUE,
    customer_emotion,
    in_quotes,
    morph_tags,
    quoted,
    rude_hits,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.phrases import Hit
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
from kontrol.checks.text import fold


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


def _sentence_bounds(view: str, position: int) -> tuple[int, int]:
    start = max(view.rfind(mark, 0, position) for mark in ".!?\n") + 1
    ends = [view.find(mark, position) for mark in ".!?\n"]
    return start, min((e for e in ends if e >= 0), default=len(view))


_CLOSING_OFFER = frozenset({"else", "ещё", "еще", "вопрос", "вопросы"})
# "(2/2)": the part of a thread of replies, not a date.
_DIGIT = re.compile(r"\d")
_THREAD_PART = re.compile(r"^\d/\d$")


def _questions(
    conversation: Conversation, message: Message, earliest: bool = True
) -> list[tuple[int, dict[str, Any]]]:
    """Where questions to the customer start in an agent message, with evidence
    (CHECKS.md v1.1: with or without "?", "How can I help you?" included; an offer of
    more help or a rating request is not one). ``earliest=False``: any one question is
    enough, the first kind found is returned without looking further."""
    found: list[tuple[int, dict[str, Any]]] = []
    clarifying = _clarifying(conversation, message)
    if clarifying is not None:
        found.append((message.spans[clarifying.first][0], conversation.span(clarifying)))
    for hit in conversation.find("generic_question", within=(message.index,)):
        if not _CLOSING_OFFER.intersection(map(fold, message.words[hit.first : hit.last + 1])):
            found.append((message.spans[hit.first][0], conversation.span(hit)))
    if found and not earliest:
        return found
    view = message.view
    marked = "?" in view
    # The phrases a question may be part of, looked up only when a question is seen.
    excluded = _excluded(conversation, message) if marked else []
    quotes = quoted(message) if marked else []
    for mark in _QUESTION_MARK.finditer(view) if marked else ():
        if any(begin <= mark.start() < end for begin, end in quotes):
            continue
        start, _ = _sentence_bounds(view, mark.start())
        before = view[: mark.start()].rstrip(" !.,)")
        if any(begin >= start and end == len(before) for begin, end in excluded):
            continue
        text = view[start : mark.start() + 1].strip()
        found.append((start, {"message": message.index, "text": text}))
    if found and not earliest:
        return found
    # A question without "?": a question word and what asks at the start of a sentence
    # (anywhere in a transcript without punctuation).
    spoken_questions = list(SPOKEN_QUESTION.finditer(view))
    if not spoken_questions:
        return sorted(found, key=lambda item: item[0])
    if not marked:
        excluded = _excluded(conversation, message)
    anywhere = conversation.unpunctuated
    for spoken in spoken_questions:
        start, end = _sentence_bounds(view, spoken.start())
        if view[end : end + 1] == "?":
            continue
        if not anywhere and view[start : spoken.start()].strip():
            continue
        if any(begin <= spoken.start() < stop for begin, stop in excluded):
            continue
        found.append(
            (
                spoken.start(),
                {"message": message.index, "text": view[spoken.start() : end].strip()[:120]},
            )
        )
    return sorted(found, key=lambda item: item[0])


_QUESTION_MARK = re.compile(r"\?")


def _excluded(conversation: Conversation, message: Message) -> list[tuple[int, int]]:
    """Where an offer of more help, a rating request or a generic question stands in a
    message: a "?" that ends one of them is no needs question."""
    found = []
    for name in ("offer_more_help", "rating_request", "generic_question"):
        for hit in conversation.find(name, within=(message.index,)):
            found.append((message.spans[hit.first][0], message.spans[hit.last][1]))
    return found


def _solution_start(conversation: Conversation) -> tuple[int, int] | None:
    """(message, character) where the agent first proposes a solution: a phrase of the
    ``solution`` list, or a concrete time, date, amount or place (an answer given)."""
    best: tuple[int, int] | None = None
    for hit in conversation.find("solution", role="agent"):
        message = conversation.messages[hit.message]
        place = (hit.message, message.spans[hit.first][0])
        best = place if best is None or place < best else best
    for message in conversation.agent_messages:
        if best is not None and message.index > best[0]:
            break
        if not _DIGIT.search(message.view):
            continue  # every concrete value has a digit
        value = next(
            (v for v in CONCRETE_VALUE.finditer(message.view) if not _THREAD_PART.match(v.group())),
            None,
        )
        if value is not None:
            place = (message.index, value.start())
            best = place if best is None or place < best else best
            break
    return best


@check("needs_question")
def needs_question(conversation: Conversation) -> Verdict:
    """The agent asks at least one question before proposing a solution (in message order,
    and sentence order within a message)."""
    agents = conversation.agent_messages
    if not agents:
        return Verdict(NA)
    solution = _solution_start(conversation)
    for message in agents:
        if solution is not None and message.index > solution[0]:
            break
        earliest = solution is not None and message.index == solution[0]
        for start, asked in _questions(conversation, message, earliest):
            if solution is not None and message.index == solution[0] and start > solution[1]:
                break
            return Verdict(PASS, (asked,))
    if solution is None:
        return Verdict(FAIL)
    view = conversation.messages[solution[0]].view
    text = view[solution[1] : solution[1] + 60].strip()
    return Verdict(FAIL, ({"message": solution[0], "text": text},))


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


_SUBJECTS = frozenset("i we you he she it they я мы ты вы он она оно они".split())
_REQUEST = re.compile(
    # Each lookahead of a first letter below only lets the engine skip the positions no
    # alternative can start at (the patterns match exactly what they matched without it).
    r"\b(?=[nw'ctkхнпсук])(?:need|want|would like|'d like|check|tell|know|what|which|"
    r"хочу|нужно|надо|подскажите|"
    r"скажите|узнать|какой|какая|какие|какова|каков|уточните|назовите)\b",
    re.IGNORECASE,
)
_LEAD_INS = frozenset(
    "hi hello hey so ok okay and but а и но ну ок здравствуйте привет добрый день вечер утро "
    "подскажите скажите пожалуйста please".split()
)


def _asks(message: Message, hit: Hit, rhetorical: list[Hit]) -> bool:
    """Whether the when/where/how-much word is really asked in its sentence.

    "когда я захожу в приложение, ..." and "when I open the app" are conjunctions, not
    questions (CHECKS.md v1.1); a question needs no "?" when the word opens the sentence.
    """
    if any(r.first <= hit.first <= r.last for r in rhetorical):
        return False
    view = message.view
    start = message.spans[hit.first][0]
    sentence_start = max(view.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [view.find(mark, start) for mark in ".!?\n"]
    sentence_end = min((e for e in ends if e >= 0), default=len(view))
    # Indirect: "хочу узнать, когда...", "Прошу сообщить, сколько стоит", "tell me where".
    if INDIRECT_QUESTION.search(view[sentence_start:start]):
        return True
    following = fold(message.words[hit.last + 1]) if hit.last + 1 < len(message.words) else ""
    if following in _SUBJECTS and hit.first == hit.last:
        english = not CYRILLIC_WORD.match(message.words[hit.first])
        if english or "," in view[start:sentence_end]:
            return False
    if view[sentence_end : sentence_end + 1] == "?":
        return True
    if message.lemmas[hit.first] not in _QUESTION_WORDS:
        # An explicit request without a question word: "I need to check my account balance".
        return bool(_REQUEST.search(view[sentence_start:start]))
    if "?" in view:
        return False
    lead = [fold(w) for w in re.findall(r"[^\W\d_]+", view[sentence_start:start])]
    return all(word in _LEAD_INS for word in lead) or view[sentence_start:start].rstrip().endswith(
        ","
    )


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


WHERE_WORDS = frozenset({"где", "where", "куда"})
_QUESTION_WORDS = frozenset(
    "when where how what by until".split()
    + "когда где сколько куда откуда как какой какое какие в во до".split()
)
# A link answers "where" only when the place asked for is online (CHECKS.md v1.1).
_ONLINE = re.compile(
    r"find|download|watch|stream|read|see|info|form|link|page|site|web|online|app|article|"
    r"найти|скачать|посмотреть|почитать|ссылк|сайт|форм|приложени|страниц|раздел",
    re.IGNORECASE,
)


def _concrete_in(
    conversation: Conversation, message: Message, asks_where: bool = True
) -> dict[str, Any] | None:
    hits = conversation.find("concrete", within=(message.index,))
    if hits:
        return conversation.span(hits[0])
    value = CONCRETE_VALUE.search(message.view) or WORDED_VALUE.search(message.view)
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
        asked = conversation.messages[question.message]
        asks_where = asked.lemmas[question.first] in WHERE_WORDS and bool(
            _ONLINE.search(asked.view[asked.spans[question.first][0] :])
        )
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
