"""How a contact is handled: hold announced, no interruption, response time, promises kept."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from kontrol.checks.builtin.wording import (
    CYRILLIC_WORD,
    HOLD_SILENCE_SECONDS,
    INTERRUPTION_SECONDS,
    MAX_INTERRUPTIONS,
    PROMISE_TIME,
    PROMISE_WINDOW,
    PROMISE_WORD_TIME,
    RESPONSE_TARGETS,
    VOICE,
    in_quotes,
    morph_tags,
    negated,
)
from kontrol.checks.conversation import Conversation, Message
from kontrol.checks.phrases import Hit
from kontrol.checks.registry import FAIL, NA, PASS, Verdict, check
from kontrol.checks.text import fold, words_of


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
        return _hold_from_audio(conversation)
    silences: list[tuple[Message, float]] = []
    latest_end = None
    latest_role = None
    for segment in _speech(conversation):
        if latest_end is not None and (segment.role == "agent" or latest_role == "agent"):
            # The agent's silence: one the agent ends, or one after the agent's own turn even
            # when the customer breaks it ("Алло?? Вы там?", README_batch3.md 5.10).
            gap = (segment.start or 0.0) - latest_end
            if gap > HOLD_SILENCE_SECONDS:
                silences.append((segment, gap))
        if latest_end is None or (segment.end or 0.0) >= latest_end:
            latest_role = segment.role
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
        return _interruptions_from_audio(conversation)
    found = interruptions(conversation)
    evidence = tuple(
        {"message": m.index, "text": m.text[:80], "value": round(overlap, 1)}
        for m, overlap in found
    )
    return Verdict(PASS if len(found) <= MAX_INTERRUPTIONS else FAIL, evidence)


def _hold_from_audio(conversation: Conversation) -> Verdict:
    """A call known only from its recording: its holds are found, never judged.

    A hold is a silence over 30 s (nobody speaks) that the agent ends, as on timed
    segments. Whether it was announced needs the agent's words, so the answer is
    ``na`` either way; the evidence lists the holds found (start and length), so a
    reviewer knows where to listen.
    """
    audio = conversation.audio
    if audio is None:
        return Verdict(NA)
    turns = sorted(
        [(a, b, "agent") for a, b in audio.agent] + [(a, b, "customer") for a, b in audio.customer]
    )
    holds: list[dict[str, Any]] = []
    latest_end: float | None = None
    for start, end, role in turns:
        if latest_end is not None and role == "agent" and start - latest_end > HOLD_SILENCE_SECONDS:
            holds.append(
                {"message": None, "at": round(latest_end, 2), "value": round(start - latest_end, 1)}
            )
        latest_end = max(latest_end or 0.0, end)
    return Verdict(NA, tuple(holds))


def _interruptions_from_audio(conversation: Conversation) -> Verdict:
    """``no_interruption`` on a call's measured turns: the same rule as on segments."""
    audio = conversation.audio
    if audio is None:
        return Verdict(NA)
    found: list[dict[str, Any]] = []
    for start, end in audio.agent:
        for customer_start, customer_end in audio.customer:
            if customer_start < start < customer_end:
                overlap = min(end, customer_end) - start
                if overlap >= INTERRUPTION_SECONDS:
                    found.append(
                        {"message": None, "at": round(start, 2), "value": round(overlap, 1)}
                    )
                    break
    return Verdict(PASS if len(found) <= MAX_INTERRUPTIONS else FAIL, tuple(found))


# A customer message that needs no reply does not start the clock ("хорошо", "ок жду",
# "thanks"): a promised follow-up hours later is not a late reply (docs/checks.md, "Batch 3").
_ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:ну\s+)?(?:ок(?:ей)?|ok(?:ay)?|хорошо|ладно|ясно|понятно|спасибо|благодарю|"
    r"жду|ждём|ждем|договорились|thanks|thank you|great|got it|will do)[\s,.!)]*)+\W*$",
    re.IGNORECASE,
)


def reply_delays(conversation: Conversation) -> list[tuple[Message, float]]:
    """Each agent reply to a waiting customer, with the wait in seconds."""
    delays = []
    waiting_since = None
    for message in conversation.messages:
        if message.at is None:
            continue
        if message.role == "customer":
            if waiting_since is None and not _ACKNOWLEDGEMENT.match(message.view):
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
    if negated(message, hit) or in_quotes(message, hit):
        return False
    near = " ".join(fold(w) for w in message.words[max(0, hit.first - 2) : hit.last + 4])
    if _AUTOMATIC_NOTICE.search(near):
        return False  # "пришлём SMS, как только...": a notice the system sends, not a promise
    if _MONEY_OR_THIRD_PARTY.search(near):
        return False  # a refund with an ETA, a payment sent on: the transaction itself
    start = message.spans[hit.first][0]
    sentence_start = max(message.view.rfind(mark, 0, start) for mark in ".!?\n") + 1
    ends = [e for e in (message.view.find(mark, start) for mark in ".!?\n") if e >= 0]
    sentence = message.view[sentence_start : min(ends, default=len(message.view))]
    if _BOOKED_VISIT.search(sentence) and not _first_person(message, hit):
        return False  # "курьер позвонит за час до приезда": how a booked visit runs
    if _CUSTOMER_FIRST.search(message.view[sentence_start:start]) or _ACT_AND.search(
        message.view[sentence_start:start]
    ):
        return False  # "if you DM us, we'll follow up": the customer has to act first
    previous_start = max(
        message.view.rfind(mark, 0, max(sentence_start - 1, 0)) for mark in ".!?\n"
    )
    if _CONTACT_US.search(message.view[previous_start + 1 : sentence_start]):
        return False  # "Please DM us your e-mail. We'll get back to you.": the same
    if conversation.language != "ru":
        return True
    for word in message.words[hit.first : hit.last + 1]:
        if CYRILLIC_WORD.match(word):
            tags = morph_tags(word)
            if "GRND" in tags or "INFN" in tags:
                return False  # "позвонив в банк": what the customer may do
            if "PRTS" in tags or "PRTF" in tags:
                return False  # Round 6: "там всё написано": a participle states, not promises
            if "VERB" in tags:
                return ("1per" in tags or "3per" in tags) and "futr" in tags
    return True


_FIRST_PERSON = frozenset("i i'll i'm we we'll we're я мы".split())


def _first_person(message: Message, hit: Hit) -> bool:
    """The agent speaks for themself ("I'll text you his name before he arrives")."""
    words = message.words[max(0, hit.first - 2) : hit.last + 1]
    if any(fold(w) in _FIRST_PERSON for w in words):
        return True
    return any(
        CYRILLIC_WORD.match(w) and "1per" in morph_tags(w)
        for w in message.words[hit.first : hit.last + 1]
    )


# What is not a promise to contact the customer (README.md and ru_README.md of the labels,
# README_batch3.md 5.1): money sent back or on, the run of a booked visit or delivery, and an
# offer that needs the customer to act first.
_MONEY_OR_THIRD_PARTY = re.compile(
    r"\b(?:возврат\w*|деньги|средства|компенсаци\w*|промокод\w*|бонус\w*|refund\w*|"
    r"payment|transfer|credit)\b"
)
_BOOKED_VISIT = re.compile(
    r"(?:перед\s+(?:выездом|приездом|доставкой|визитом|отправкой)|"
    r"за\s+(?:\S+\s+)?(?:час|часа|минут\w*|полчаса)(?:\s+до\b|[\s,.]*$)|до\s+приезда|"
    r"по\s+приезд\w*|когда\s+(?:будет\s+)?подъ?езжа\w*|как\s+подъедет|"
    r"before\s+(?:arrival|arriving|delivery|the\s+visit|coming|(?:he|she|they)\s+arrives?)|"
    r"(?:an?|one|\d+)\s+(?:hour|minutes?)\s+before|on\s+(?:the|their|his|her)\s+way)",
    re.IGNORECASE,
)
# An invitation to write first, in the sentence before the promise.
_CONTACT_US = re.compile(
    r"\b(?:dm\s+us|send\s+us|reach\s+out\s+to\s+us|contact\s+us|reply\s+(?:here\s+)?with|"
    r"напишите\s+нам|пришлите\s+нам|отправьте\s+нам|позвоните\s+нам)\b",
    re.IGNORECASE,
)
# Round 6: "sign up for the waiting list and we'll notify you": a step asked of the customer
# joined by "and" to what follows it (README_batch5.md, test.json#270).
_ACT_AND = re.compile(
    r"\b(?:sign\s+up|register|subscribe|opt\s+in|fill\s+(?:out|in)|submit|apply|enroll|join|"
    r"click|select|visit|send|dm|reply|call|contact)\b[^.!?]*\band\s*$",
    re.IGNORECASE,
)
_CUSTOMER_FIRST = re.compile(
    r"\b(?:если\s+вы|как\s+только\s+вы|когда\s+вы|после\s+того,?\s+как\s+вы|после\s+загрузки|"
    r"if\s+you|once\s+you|as\s+soon\s+as\s+you|when\s+you|after\s+you|dm\s+us|"
    r"send\s+us|reply\s+with)\b",
    re.IGNORECASE,
)


# What the company's systems send by themselves: not a person's promise.
_AUTOMATIC_NOTICE = re.compile(
    r"\b(?:sms|смс|эсэмэс|sms-\w+|смс-\w+|чек\w*|напоминани\w*|уведомлени\w*|код\w*|"
    r"confirmation|receipt|notification|reminder|code)\b"
)
_FAREWELL = re.compile(
    r"(?=[хоhgbtбудв])(?:(?:хорошего|отличного|доброго)\s+(?:дня|вечера)|"
    r"всего\s+(?:доброго|хорошего)|до свидания|"
    r"have a (?:great|nice|good|wonderful) (?:day|evening|night|weekend)|good ?bye|bye|take care|"
    r"берегите себя|хорошей дороги|удачи|всех благ)",
    re.IGNORECASE,
)


_LONG_DUE = re.compile(
    r"\b(?:\d+|[^\W\d_]+)\s+(?:рабоч\w+\s+)?(?:дн\w*|день|сут\w*|недел\w*|месяц\w*|"
    r"(?:business\s+|working\s+)?days?|weeks?|months?)\b|\b(?:завтра|tomorrow|next week)\b",
    re.IGNORECASE,
)


# A segment that goes on with the time of the promise said in the segment before it.
_DUE_IN_DAYS = re.compile(
    r"^\W*(?:(?:um|uh|э+)\s+)?(?:in|within|через|в течение)\s+(?:[\w-]+\s+){1,4}?"
    r"(?:business\s+|working\s+|рабоч\w+\s+)?(?:days?|weeks?|months?|дн\w*|недел\w*|месяц\w*|сут\w*)\b",
    re.IGNORECASE,
)


def _same_turn(conversation: Conversation, message: Message) -> list[Message]:
    """The message and, on a call, the agent's segments right after it (one turn said in
    several segments: "it's gonna send to your address" / "in three to five business days")."""
    turn = [message]
    if message.start is None:
        return turn
    for following in conversation.messages[message.index + 1 :]:
        if following.role != "agent":
            break
        turn.append(following)
    return turn


def _due_later(message: Message, hit: Hit) -> bool:
    """The promise states a time of days or more ("в течение двух суток", "within 30 days"):
    what it promises cannot arrive within the same conversation."""
    start = message.spans[hit.first][0]
    end = min((e for e in (message.view.find(m, start) for m in ".!?\n") if e >= 0), default=None)
    return bool(_LONG_DUE.search(message.view[start:end]))


# A message that sends the customer elsewhere delivers nothing of what was promised
# (README.md: "a later message that only redirects elsewhere does not", dev.json#281).
_REDIRECT = re.compile(
    r"\b(?:you\s+can\s+(?:also\s+)?contact|please\s+contact|reach\s+out\s+to\s+(?!us\b)|"
    r"обратитесь\s+(?:в|на|к)|позвоните\s+(?:в|на)|звоните\s+на)",
    re.IGNORECASE,
)


def _delivers(conversation: Conversation, message: Message) -> bool:
    """A later agent message that can keep a promise: more than thanks and a farewell
    (CHECKS.md v1.1: a parting "Хорошего дня!" does not keep it), and not a redirect."""
    if _REDIRECT.search(message.view):
        return False
    covered: set[int] = set()
    for name in ("closing_thanks", "offer_more_help", "rating_request", "greeting"):
        for hit in conversation.find(name, within=(message.index,)):
            covered.update(range(hit.first, hit.last + 1))
    rest = _FAREWELL.sub(" ", message.view)
    words = len(words_of(rest))
    return words - len(covered) >= 4


# Amounts in words in a stated time ("в течение десяти дней", "within two weeks").
_NUMBER_WORDS = {
    **dict.fromkeys(("один", "одного", "одних", "one", "a"), 1),
    **dict.fromkeys(("два", "две", "двух", "two"), 2),
    **dict.fromkeys(("три", "трёх", "трех", "three"), 3),
    **dict.fromkeys(("четыре", "четырёх", "четырех", "four"), 4),
    **dict.fromkeys(("пять", "пяти", "five"), 5),
    **dict.fromkeys(("шесть", "шести", "six"), 6),
    **dict.fromkeys(("семь", "семи", "seven"), 7),
    **dict.fromkeys(("десять", "десяти", "ten"), 10),
    **dict.fromkeys(("четырнадцать", "четырнадцати", "fourteen"), 14),
    **dict.fromkeys(("тридцать", "тридцати", "thirty"), 30),
}
_WORDED_TIME = re.compile(
    r"(?:через|в течение|within|in)\s+([^\W\d_]+)\s+(?:рабоч\w+\s+|business\s+|working\s+)?"
    r"(мин\w*|час\w*|дн\w*|день|сут\w*|недел\w*|minutes?|hours?|days?|weeks?)",
    re.IGNORECASE,
)
# Verbs of looking something up: "уточню" answered in the same conversation is no promise
# (CHECKS.md v1.1: "Сейчас проверю" followed by the answer).
_LOOK_UP = frozenset({"уточню", "проверю", "посмотрю"})


def _unit_window(amount: int, unit: str) -> timedelta:
    unit = unit.lower()
    if unit.startswith(("мин", "min")):
        return timedelta(minutes=amount)
    if unit.startswith(("час", "hour")):
        return timedelta(hours=amount)
    if unit.startswith(("недел", "week")):
        return timedelta(weeks=amount)
    return timedelta(days=amount)


def _promise_window(message: Message, at: Any) -> Any:
    stated = PROMISE_TIME.search(message.view)
    worded_amount = _WORDED_TIME.search(message.view)
    if not stated and worded_amount and worded_amount.group(1).lower() in _NUMBER_WORDS:
        return _unit_window(_NUMBER_WORDS[worded_amount.group(1).lower()], worded_amount.group(2))
    if stated:
        amount = int(stated.group(1))
        unit = stated.group(3).lower()
        if unit.startswith(("мин", "min")):
            return timedelta(minutes=amount)
        if unit.startswith(("час", "hour")):
            return timedelta(hours=amount)
        if stated.group(2):
            # Round 6: "в течение 3 рабочих дней" counts working days: a weekend may fall
            # within (README_batch5.md, b5-07 kept by a message two days later).
            return timedelta(days=amount + 2 * ((amount + 4) // 5))
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


def _looked_up_here(conversation: Conversation, hit: Hit, promises: list[Hit]) -> bool:
    """ "Уточню" alone, answered by a later agent message of the same conversation: the
    agent looked it up, nothing was promised for later."""
    message = conversation.messages[hit.message]
    if {fold(w) for w in message.words[hit.first : hit.last + 1]} - _LOOK_UP:
        return False
    if any(p.message == hit.message and p is not hit for p in promises):
        return False
    return any(
        m.index > hit.message and _delivers(conversation, m) for m in conversation.agent_messages
    )


@check("promise_kept")
def promise_kept(conversation: Conversation) -> Verdict:
    """Each promise is followed by an agent message or an outbound contact in time."""
    promises = [
        h for h in conversation.find("promise", role="agent") if _is_promise(conversation, h)
    ]
    promises = [h for h in promises if not _looked_up_here(conversation, h, promises)]
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
        turn = _same_turn(conversation, message)
        later = [
            m
            for m in conversation.agent_messages
            if m.index > turn[-1].index and _delivers(conversation, m)
        ]
        if _due_later(message, hit) or any(_DUE_IN_DAYS.search(m.view) for m in turn[1:]):
            later = []
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
