"""The built-in checks of spec/CHECKS.md, one small function each."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.phrases import Hit
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
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
REPEATED_EXCLAMATION = re.compile(r"!{2,}|\?!|!\?")


def _hits_evidence(conversation: Conversation, hits: list[Hit]) -> tuple[dict[str, Any], ...]:
    return conversation.evidence(hits)


def _phrase_in(conversation: Conversation, list_name: str, within: frozenset[int]) -> Verdict:
    if not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find(list_name, role="agent", within=within)
    return Verdict(PASS, conversation.evidence(hits)) if hits else Verdict(FAIL)


def negative_customer_hits(conversation: Conversation) -> list[Hit]:
    """Where the customer expresses frustration or a problem with emotion."""
    return conversation.find("negative", role="customer")


@check("greeting")
def greeting(conversation: Conversation) -> Verdict:
    """The agent greets in the opening."""
    return _phrase_in(conversation, "greeting", conversation.opening())


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
    if own:
        for index in sorted(opening):
            message = conversation.messages[index]
            for position, lemma in enumerate(message.lemmas):
                if lemma in own:
                    return Verdict(PASS, (_token_span(conversation, message, position),))
    return Verdict(FAIL)


def _name_tokens(conversation: Conversation, name: str | None) -> set[str]:
    if not name:
        return set()
    reducer = conversation.book.reducer
    return {
        reducer.lemma(fold(part))
        for part in re.findall(r"[^\W\d_]{2,}", name)
        if part[:1].isupper() or not part.islower()
    }


def _token_span(conversation: Conversation, message: Message, position: int) -> dict[str, Any]:
    start, end = message.spans[position]
    return {"message": message.index, "text": message.text[start:end]}


@check("customer_name")
def customer_name(conversation: Conversation) -> Verdict:
    """The agent addresses the customer by name (any inflection) at least once."""
    names = _name_tokens(conversation, conversation.customer_name)
    if not names:
        return Verdict(NA)
    for message in conversation.agent_messages:
        for position, lemma in enumerate(message.lemmas):
            if lemma in names or fold(message.words[position]) in names:
                return Verdict(PASS, (_token_span(conversation, message, position),))
    return Verdict(FAIL)


def _is_needs_question(conversation: Conversation, message: Message) -> Hit | None | bool:
    """A question of the agent that discovers the need (not "how can I help?")."""
    clarifying = conversation.find("clarifying", within=(message.index,))
    if clarifying:
        return clarifying[0]
    if "?" not in message.text:
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
    for mark in re.finditer(r"\?", message.text):
        before = message.text[: mark.start()].rstrip(" !.,)")
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
        sentence = _question_sentence(message.text)
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
    triggers = negative_customer_hits(conversation)
    if not triggers:
        return Verdict(NA)
    first = min(h.message for h in triggers)
    replies = [h for h in conversation.find("empathy", role="agent") if h.message > first]
    if replies:
        return Verdict(PASS, conversation.evidence(replies))
    return Verdict(FAIL, conversation.evidence(triggers, limit=1))


@check("no_rudeness", critical=True)
def no_rudeness(conversation: Conversation) -> Verdict:
    """No agent message holds profanity, insults or dismissive phrases."""
    if not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find("rudeness", role="agent")
    return Verdict(FAIL, conversation.evidence(hits)) if hits else Verdict(PASS)


@check("no_jargon")
def no_jargon(conversation: Conversation) -> Verdict:
    """The agent uses no term of the workspace jargon list."""
    if not conversation.book.has("jargon") or not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find("jargon", role="agent")
    return Verdict(FAIL, conversation.evidence(hits)) if hits else Verdict(PASS)


def _specific_questions(conversation: Conversation) -> list[Hit]:
    questions = []
    seen: set[int] = set()
    for hit in conversation.find("specific_question", role="customer"):
        if hit.message in seen:
            continue
        message = conversation.messages[hit.message]
        if "?" in message.text or hit.first == 0:
            questions.append(hit)
            seen.add(hit.message)
    return questions


def _concrete_in(conversation: Conversation, message: Message) -> dict[str, Any] | None:
    hits = conversation.find("concrete", within=(message.index,))
    if hits:
        return conversation.span(hits[0])
    value = CONCRETE_VALUE.search(message.text)
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
        concrete = next(
            (found for m in replies if (found := _concrete_in(conversation, m)) is not None), None
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


def _speech(conversation: Conversation) -> list[Message]:
    return sorted(
        (
            m
            for m in conversation.messages
            if m.role in ("agent", "customer") and m.start is not None
        ),
        key=lambda m: m.start or 0.0,
    )


@check("hold_announced", channels=VOICE)
def hold_announced(conversation: Conversation) -> Verdict:
    """Every agent silence over 30 s is preceded by a hold announcement."""
    if not conversation.timed:
        return Verdict(NA)
    silences: list[tuple[Message, float]] = []
    latest_end = None
    for segment in _speech(conversation):
        if latest_end is not None and segment.role == "agent":
            gap = (segment.start or 0.0) - latest_end
            if gap > HOLD_SILENCE_SECONDS:
                silences.append((segment, gap))
        latest_end = max(latest_end or 0.0, segment.end or 0.0)
    if not silences:
        return Verdict(NA)
    announced: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    for resumed, gap in silences:
        before = [
            m.index
            for m in conversation.agent_messages
            if (m.end or 0.0) <= (resumed.start or 0.0) - gap + 0.01
        ][-2:]
        hits = conversation.find("hold", role="agent", within=before)
        if hits:
            announced.append(conversation.span(hits[-1]))
        else:
            missing.append({"message": resumed.index, "value": round(gap, 1)})
    if missing:
        return Verdict(FAIL, tuple(missing))
    return Verdict(PASS, tuple(announced))


def interruptions(conversation: Conversation) -> list[tuple[Message, float]]:
    """Agent segments that start over the customer, with the overlap in seconds."""
    customers = [m for m in conversation.messages if m.role == "customer" and m.start is not None]
    found = []
    for agent in conversation.agent_messages:
        if agent.start is None or agent.end is None:
            continue
        for customer in customers:
            if (customer.start or 0.0) < agent.start < (customer.end or 0.0):
                overlap = min(agent.end, customer.end or 0.0) - agent.start
                if overlap >= INTERRUPTION_SECONDS:
                    found.append((agent, overlap))
                    break
    return found


@check("no_interruption", channels=VOICE)
def no_interruption(conversation: Conversation) -> Verdict:
    """The agent starts speaking over the customer (overlap ≥ 1 s) at most once."""
    if not conversation.timed:
        return Verdict(NA)
    found = interruptions(conversation)
    evidence = tuple(
        {"message": m.index, "text": m.text[:80], "value": round(overlap, 1)}
        for m, overlap in found
    )
    return Verdict(PASS if len(found) <= MAX_INTERRUPTIONS else FAIL, evidence)


def reply_delays(conversation: Conversation) -> list[tuple[Message, float]]:
    """Each agent reply to a waiting customer, with the wait in seconds."""
    delays = []
    waiting_since = None
    for message in conversation.messages:
        if message.at is None:
            continue
        if message.role == "customer":
            if waiting_since is None:
                waiting_since = message.at
        elif message.role == "bot":
            waiting_since = None
        elif message.role == "agent" and waiting_since is not None:
            delays.append((message, (message.at - waiting_since).total_seconds()))
            waiting_since = None
    return delays


@check("response_time", channels=frozenset(RESPONSE_TARGETS))
def response_time(conversation: Conversation) -> Verdict:
    """Every agent reply to a customer message comes within the channel's target."""
    target = RESPONSE_TARGETS.get(conversation.channel)
    delays = reply_delays(conversation)
    if target is None or not delays:
        return Verdict(NA)
    late = [(m, d) for m, d in delays if d > target]
    if late:
        return Verdict(FAIL, tuple({"message": m.index, "value": round(d, 1)} for m, d in late[:5]))
    slowest, delay = max(delays, key=lambda item: item[1])
    return Verdict(PASS, ({"message": slowest.index, "value": round(delay, 1)},))


def _moment(conversation: Conversation, message: Message) -> Any:
    if message.at is not None:
        return message.at
    if conversation.started_at is not None:
        return conversation.started_at + timedelta(seconds=message.start or 0.0)
    return None


@check("promise_kept")
def promise_kept(conversation: Conversation) -> Verdict:
    """Each promise is followed by an agent message or an outbound contact in time."""
    promises = conversation.find("promise", role="agent")
    if not promises:
        return Verdict(NA)
    broken: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    done: set[int] = set()
    for hit in promises:
        if hit.message in done:
            continue
        done.add(hit.message)
        message = conversation.messages[hit.message]
        window = PROMISE_WINDOW
        stated = PROMISE_TIME.search(message.text)
        if stated:
            amount = int(stated.group(1))
            unit = stated.group(2).lower()
            if unit.startswith(("мин", "min")):
                window = timedelta(minutes=amount)
            elif unit.startswith(("час", "hour")):
                window = timedelta(hours=amount)
            else:
                window = timedelta(days=amount)
        at = _moment(conversation, message)
        later = [m for m in conversation.agent_messages if m.index > message.index]
        if at is not None:
            later = [
                m for m in later if (t := _moment(conversation, m)) is None or t <= at + window
            ]
            followed = any(at < t <= at + window for t in conversation.followups)
        else:
            followed = bool(conversation.followups)
        if later or followed:
            kept.append(conversation.span(hit))
        else:
            broken.append(conversation.span(hit))
    if broken:
        return Verdict(FAIL, tuple(broken))
    return Verdict(PASS, tuple(kept))


@check("closing_thanks")
def closing_thanks(conversation: Conversation) -> Verdict:
    """The agent thanks the customer in the closing."""
    return _phrase_in(conversation, "closing_thanks", conversation.closing())


@check("offer_more_help")
def offer_more_help(conversation: Conversation) -> Verdict:
    """The agent offers further help in the closing."""
    return _phrase_in(conversation, "offer_more_help", conversation.closing())


@check("rating_request")
def rating_request(conversation: Conversation) -> Verdict:
    """The agent asks the customer to rate the service."""
    return _phrase_in(
        conversation, "rating_request", frozenset(m.index for m in conversation.messages)
    )


def misspelled_words(conversation: Conversation) -> tuple[int, list[tuple[Message, int]]]:
    """(agent words checked, misspelled words as (message, word position))."""
    classify = conversation.book.reducer.spelling_class
    checked = 0
    wrong = []
    for message in conversation.agent_messages:
        for position, word in enumerate(message.words):
            kind = classify(word)
            # Capitalised words inside a sentence are mostly names: not checked.
            if kind == 0 or (position > 0 and word[0].isupper()):
                continue
            checked += 1
            if kind == 2:
                wrong.append((message, position))
    return checked, wrong


@check("spelling", channels=WRITTEN)
def spelling(conversation: Conversation) -> Verdict:
    """At most one spelling error per 100 words of agent text."""
    checked, wrong = misspelled_words(conversation)
    if not checked:
        return Verdict(NA)
    evidence = tuple(_token_span(conversation, m, p) for m, p in wrong[:10])
    # One error is allowed per started 100 words: a single typo in a short chat
    # is one error in its first hundred words, not "3 per 100".
    allowed = SPELLING_ERRORS_PER_100_WORDS * math.ceil(checked / 100)
    return Verdict(FAIL if len(wrong) > allowed else PASS, evidence)


@check("calm_tone")
def calm_tone(conversation: Conversation) -> Verdict:
    """While the customer is negative, the agent neither shouts nor is rude."""
    triggers = negative_customer_hits(conversation)
    if not triggers:
        return Verdict(NA)
    first = min(h.message for h in triggers)
    after = [m for m in conversation.agent_messages if m.index > first]
    problems: list[dict[str, Any]] = []
    for message in after:
        for pattern in (SHOUTED_WORD, REPEATED_EXCLAMATION):
            found = pattern.search(message.text)
            if found:
                problems.append({"message": message.index, "text": found.group()})
                break
    rude = [h for h in conversation.find("rudeness", role="agent") if h.message > first]
    problems.extend(conversation.evidence(rude))
    if problems:
        return Verdict(FAIL, tuple(problems[:5]))
    return Verdict(PASS)


@check("upsell")
def upsell(conversation: Conversation) -> Verdict:
    """The agent offers an additional product or service (workspace list)."""
    if not conversation.book.has("upsell"):
        return Verdict(NA)
    return _phrase_in(conversation, "upsell", frozenset(m.index for m in conversation.messages))
