"""The built-in checks of spec/CHECKS.md, one small function each."""

from __future__ import annotations

import re
import statistics
from datetime import timedelta
from functools import lru_cache
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


def _quoted(message: Message) -> list[tuple[int, int]]:
    """Character ranges of quotations in a message (words the writer only reports)."""
    if not any(mark in message.view for mark in ("«", "“", '"')):
        return []
    return [match.span() for match in QUOTES.finditer(message.view)]


def _in_quotes(message: Message, hit: Hit) -> bool:
    ranges = _quoted(message)
    if not ranges:
        return False
    start = message.spans[hit.first][0]
    return any(begin <= start < end for begin, end in ranges)


def _negated(message: Message, hit: Hit) -> bool:
    """A negation right before the phrase or "нет" right after it ("жалоб нет")."""
    before = fold(message.words[hit.first - 1]) if hit.first > 0 else ""
    after = fold(message.words[hit.last + 1]) if hit.last + 1 < len(message.words) else ""
    return before in NEGATIONS or after in ("нет", "не")


@lru_cache(maxsize=65536)
def _morph_tags(word: str) -> str:
    from kontrol.checks.text import _morph

    return str(_morph().parse(fold(word))[0].tag)


def _shouting(message: Message) -> str | None:
    """The shouted part of a customer message: two CAPS words or "!!" / "?!"."""
    caps = CAPS_WORD.findall(message.view)
    if len(caps) >= 2:
        return " ".join(caps[:3])
    found = REPEATED_EXCLAMATION.search(message.view)
    return found.group() if found else None


def _phrase_in(conversation: Conversation, list_name: str, within: frozenset[int]) -> Verdict:
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
        if not _negated(conversation.messages[hit.message], hit)
    ]
    for message in conversation.customer_messages:
        shouted = _shouting(message)
        if shouted:
            found.append((message.index, {"message": message.index, "text": shouted}))
    found.sort(key=lambda item: item[0])
    conversation.memo["emotion"] = found
    return found


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
    customer = _name_tokens(conversation, conversation.customer_name)
    for index in sorted(opening):
        message = conversation.messages[index]
        for position, lemma in enumerate(message.lemmas):
            if lemma in own:
                return Verdict(PASS, (_token_span(conversation, message, position),))
        # "Интернет-магазин «Лайт», Сергей." / "Марина, слушаю вас" / "Paul speaking".
        found = _first_name_alone(conversation, message, customer)
        if found is not None:
            return Verdict(PASS, (_token_span(conversation, message, found),))
    return Verdict(FAIL)


SPEAKING = re.compile(r"^\s*[A-Z][a-z]+ (?:speaking|here)\b|, ([A-Z][a-z]+) (?:speaking|here)\b")


def _first_name_alone(
    conversation: Conversation, message: Message, customer: set[str]
) -> int | None:
    """The position of a first name the agent says of themselves in the opening, if any."""
    if conversation.language != "ru":
        found = SPEAKING.search(message.view)
        if found is None:
            return None
        start = (
            found.start(1)
            if found.group(1)
            else found.start() + len(found.group()) - len(found.group().lstrip())
        )
        return next((i for i, (s, _) in enumerate(message.spans) if s >= start), None)
    for position, word in enumerate(message.words):
        if not word[:1].isupper() or message.lemmas[position] in customer:
            continue
        if "Name" not in _morph_tags(word):
            continue
        start, end = message.spans[position]
        before = message.view[:start].rstrip()
        after = message.view[end:].lstrip()
        # Alone: the whole sentence, or "Name, слушаю" / "..., Name." at the edge of a clause.
        if (not before or before[-1] in ",.!") and (not after or after[0] in ",.!"):
            return position
    return None


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
                return Verdict(PASS, (_token_span(conversation, message, position),))
    return Verdict(FAIL)


def _clarifying(conversation: Conversation, message: Message) -> Hit | None:
    """A request for information ("Подскажите номер", "Please confirm..."), not "Уточню"."""
    for hit in conversation.find("clarifying", within=(message.index,)):
        if _in_quotes(message, hit):
            continue
        word = message.words[hit.first]
        if CYRILLIC_WORD.match(word):
            tags = _morph_tags(word)
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
    quoted = _quoted(message)
    marks = [
        m.start()
        for m in re.finditer(r"\?", message.view)
        if not any(begin <= m.start() < end for begin, end in quoted)
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
    hits = _rude_hits(conversation)
    return Verdict(FAIL, conversation.evidence(hits)) if hits else Verdict(PASS)


def _rude_hits(conversation: Conversation) -> list[Hit]:
    """Rude phrases of the agent, not those the agent quotes from the customer."""
    return [
        h
        for h in conversation.find("rudeness", role="agent")
        if not _in_quotes(conversation.messages[h.message], h)
    ]


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
    previous_end = float("-inf")
    for resumed, gap in silences:
        silence_start = (resumed.start or 0.0) - gap
        # An announcement covers one silence: only what the agent said since the last one.
        before = [
            m.index
            for m in conversation.agent_messages
            if previous_end <= (m.start or 0.0) and (m.end or 0.0) <= silence_start + 0.01
        ][-2:]
        previous_end = resumed.start or 0.0
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


def _is_promise(conversation: Conversation, hit: Hit) -> bool:
    """A promise of the agent: first person, future, not negated ("не могу перезвонить")."""
    message = conversation.messages[hit.message]
    if _negated(message, hit) or _in_quotes(message, hit):
        return False
    if conversation.language != "ru":
        return True
    for word in message.words[hit.first : hit.last + 1]:
        if CYRILLIC_WORD.match(word):
            tags = _morph_tags(word)
            if "VERB" in tags:
                return "1per" in tags and "futr" in tags
    return True


def _promise_window(message: Message, at: Any) -> Any:
    stated = PROMISE_TIME.search(message.view)
    if stated:
        amount = int(stated.group(1))
        unit = stated.group(2).lower()
        if unit.startswith(("мин", "min")):
            return timedelta(minutes=amount)
        if unit.startswith(("час", "hour")):
            return timedelta(hours=amount)
        return timedelta(days=amount)
    worded = PROMISE_WORD_TIME.search(message.view)
    if worded:
        word = (worded.group(1) or worded.group(2)).lower()
        if word in ("полчаса", "half an hour"):
            return timedelta(minutes=30)
        if word in ("час", "an hour"):
            return timedelta(hours=1)
        if word in ("завтра", "tomorrow") and at is not None:
            # Until the end of the next day.
            end = at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
            return end - at
        return timedelta(days=1)
    return PROMISE_WINDOW


@check("promise_kept")
def promise_kept(conversation: Conversation) -> Verdict:
    """Each promise is followed by an agent message or an outbound contact in time."""
    promises = [
        h for h in conversation.find("promise", role="agent") if _is_promise(conversation, h)
    ]
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
        at = _moment(conversation, message)
        window = _promise_window(message, at)
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
    evidence = tuple(_token_span(conversation, m, p) for m, p in wrong[:10])
    # At most one error per 100 words, and one typo is always allowed: a single typo
    # in a 30-word chat is not "3 errors per 100 words".
    allowed = max(1.0, SPELLING_ERRORS_PER_100_WORDS * checked / 100)
    return Verdict(FAIL if len(wrong) > allowed else PASS, evidence)


@check("calm_tone")
def calm_tone(conversation: Conversation) -> Verdict:
    """While the customer is negative, the agent neither shouts nor is rude."""
    triggers = customer_emotion(conversation)
    if not triggers:
        return Verdict(NA)
    first = triggers[0][0]
    after = [m for m in conversation.agent_messages if m.index > first]
    problems: list[dict[str, Any]] = []
    for message in after:
        for pattern in (SHOUTED_WORD, REPEATED_EXCLAMATION):
            found = pattern.search(message.view)
            if found:
                problems.append({"message": message.index, "text": found.group()})
                break
    rude = [h for h in _rude_hits(conversation) if h.message > first]
    problems.extend(conversation.evidence(rude))
    problems.extend(_raised_voice(conversation, first))
    if problems:
        return Verdict(FAIL, tuple(problems[:5]))
    return Verdict(PASS)


def _raised_voice(conversation: Conversation, first: int) -> list[dict[str, Any]]:
    """Agent segments after the customer's first emotion louder than the agent's baseline.

    The baseline is the median level of the agent's segments up to that emotion (of
    all the agent's segments when none came before); a segment more than
    ``LOUDNESS_RISE_DB`` above it is a raised voice (CHECKS.md: 6 dB).
    """
    levels = conversation.loudness
    if levels is None:
        return []
    before = [level for i, level in enumerate(levels[: first + 1]) if level is not None]
    everything = [level for level in levels if level is not None]
    reference = before or everything
    if not reference:
        return []
    baseline = statistics.median(reference)
    found = []
    for message in conversation.agent_messages:
        level = levels[message.index]
        if message.index > first and level is not None and level - baseline > LOUDNESS_RISE_DB:
            rise = round(level - baseline, 1)
            found.append({"message": message.index, "text": f"+{rise} dB", "value": rise})
    return found


@check("upsell")
def upsell(conversation: Conversation) -> Verdict:
    """The agent offers an additional product or service (workspace list)."""
    if not conversation.book.has("upsell"):
        return Verdict(NA)
    return _phrase_in(conversation, "upsell", frozenset(m.index for m in conversation.messages))
