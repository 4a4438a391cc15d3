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

# "Can you pls try the following...", "Could you go through the steps here...?": a request to
# do something is a proposed solution, not a question (README.md of the labels, needs_question).
_ASKS_TO_ACT = re.compile(
    r"^\W*(?:(?:hi|hello|hey)(?:\s+there)?\W+)?(?:could|can|would|will)\s+you\s+"
    r"(?:please\s+|pls\s+|plz\s+|kindly\s+|also\s+|now\s+)*(?:try|go\s+through|follow|give|"
    r"check\s+out|take\s+a\s+look|restart|reboot|reinstall|uninstall|install|update|clear|reset|"
    r"visit|head|use|upvote|contact|reach\s+out|power\s+cycle|run|perform|download|remove|"
    r"sign\s+out|log\s+out|refer|re-?add|turn|switch|unplug|delete|disable|enable)\b",
    re.IGNORECASE,
)
_ASKS_TO_ACT_AFTER = re.compile(_ASKS_TO_ACT.pattern.split(r"you\s+", 1)[1], re.IGNORECASE)


def _clarifying(conversation: Conversation, message: Message) -> Hit | None:
    """A request for information ("Подскажите номер", "Please confirm..."), not "Уточню"."""
    for hit in conversation.find("clarifying", within=(message.index,)):
        if in_quotes(message, hit):
            continue
        if _ASKS_TO_ACT_AFTER.match(message.view[message.spans[hit.last][1] :].lstrip()):
            continue  # "Can you please try restarting": a step to take, not a question
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


# A request for data said as a bare noun ("Номер заказа.", "Your order number?"): the whole
# message asks for it (a statement "Ваш номер заказа 123" holds the value and is longer).
_BARE_REQUEST = re.compile(
    r"^\W*(?:(?:ваш[аеиу]?|your)\s+)?(?:номер\w*|фио|фамили\w+|адрес\w*|дат[ау]\s+рождения|"
    r"e-?mail|почт[ау]|телефон\w*|(?:order|account|serial|phone|case|ticket)\s+number|"
    r"full\s+name|email\s+address)(?:[\s,]+[^\W\d_]+){0,3}[\s.?!]*$",
    re.IGNORECASE,
)
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
    bare = _BARE_REQUEST.match(message.view) if len(message.words) <= 6 else None
    if bare:
        found.append((0, {"message": message.index, "text": bare.group().strip()}))
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
        if _ASKS_TO_ACT.match(text):
            continue
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
        if _ASKS_TO_ACT.match(view[spoken.start() : end]):
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


_THANKED_FOR = frozenset({"for", "за"})
_UNIT_LEMMAS = frozenset(
    "рубль доллар евро день неделя месяц ноль ноль-ноль dollar euro pound cent day week month "
    "m am pm oclock".split()
)
_ANSWER_UNIT = re.compile(
    r"(?:рубл|dollar|euro|pound|cent|дн|день|недел|месяц|day|week|month|o'clock|ноль|"
    r"[ap]?\.?m\.?$)",
    re.IGNORECASE,
)


def _solution_start(conversation: Conversation) -> tuple[int, int] | None:
    """(message, character) where the agent first proposes a solution: a phrase of the
    ``solution`` list, or a concrete time, date, amount or place (an answer given)."""
    best: tuple[int, int] | None = None
    for hit in conversation.find("solution", role="agent"):
        message = conversation.messages[hit.message]
        if hit.first > 0 and fold(message.words[hit.first - 1]) in _THANKED_FOR:
            continue  # "Thanks for reaching out to us": thanks, not a redirect
        place = (hit.message, message.spans[hit.first][0])
        best = place if best is None or place < best else best
    for message in conversation.agent_messages:
        if best is not None and message.index > best[0]:
            break
        if not _DIGIT.search(message.view):
            # An amount or a date in words ("стоит четыре тысячи пятьсот рублей"), not a
            # wait ("одну минуту"): judged by the unit, the last word.
            if _UNIT_LEMMAS.isdisjoint(message.lemmas):
                continue  # no unit: the costly search of numbers in words is skipped
            worded = WORDED_VALUE.search(message.view)
            if worded is not None and _ANSWER_UNIT.match(worded.group().split()[-1]):
                place = (message.index, worded.start())
                best = place if best is None or place < best else best
                break
            continue
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


# "Извините, не расслышала, повторите": a bare apology that only asks to repeat or to wait.
_PARDON = re.compile(
    r"^\W*(?:пожалуйста\W*)?(?:не расслыш|не понял|повтор|секунд|минут|одну|подождите|что\b)",
    re.IGNORECASE,
)
_BARE_APOLOGY = frozenset({"извините", "простите"})


def _asks_pardon(message: Message, hit: Hit) -> bool:
    if hit.first != hit.last or fold(message.words[hit.first]) not in _BARE_APOLOGY:
        return False
    return bool(_PARDON.search(message.view[message.spans[hit.last][1] :]))


@check("empathy")
def empathy(conversation: Conversation) -> Verdict:
    """After the customer expresses negative emotion, the agent acknowledges it."""
    triggers = customer_emotion(conversation)
    if not triggers or not conversation.agent_messages:
        return Verdict(NA)
    first = triggers[0][0]
    replies = [
        h
        for h in conversation.find("empathy", role="agent")
        if h.message > first and not _asks_pardon(conversation.messages[h.message], h)
    ]
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
_ING_NOT_GERUND = frozenset({"thing", "something", "anything", "everything", "nothing"})
_CONJUNCTION_TAILS = frozenset(
    "not possible needed necessary applicable appropriate required".split()
)
_LEAD_INS = frozenset(
    "hi hello hey so ok okay and but а и но ну ок здравствуйте привет добрый доброе доброго "
    "здрасте здрасьте здрасти здраствуйте алло ало "
    "день вечер утро "
    "подскажите скажите пожалуйста please".split()
)


# Round 5: "they don't know where it is" states a fact; "what can I do when it times out" asks
# how to act (README.md: "how do I / what should I do" do not open the check).
_NOT_KNOWN = re.compile(
    r"(?:\b(?:don[’']?t|doesn[’']?t|didn[’']?t|do\s+not|does\s+not)\s+know|\bno\s+idea|"
    r"\bnot\s+sure|\bне\s+зна\w+|\bнеизвестно)\W*$",
    re.IGNORECASE,
)
_HOW_TO_ACT = re.compile(
    r"\b(?:what\s+(?:can|should|do)\s+i\s+do|how\s+(?:do|can|should)\s+i|"
    r"что\s+(?:мне\s+)?делать|что\s+(?:я\s+)?могу\s+сделать)\b",
    re.IGNORECASE,
)
# "сколько стоит X и когда она будет готова": a second question joined by "и" to a first one.
_JOINED_QUESTION = re.compile(
    r"\b(?:сколько|когда|где|куда|how\s+much|how\s+long|when|where)\b.*\s(?:и|а|and)\s*$",
    re.IGNORECASE,
)
# "сколько он будет стоить потом": a price asked, whatever the word order.
_PRICE_AFTER = re.compile(
    r"^\W*(?:[^\W\d_]+\s+){0,2}(?:стоит|стоить|стоят|стоило|обойд\w+)\b", re.IGNORECASE
)


# Round 6: "Why is it that my playlists repeat when Shuffle is on?", "how do you know which
# branches handle loans when applying?": in a why/how question a later "when"/"where" is a
# conjunction (README_batch5.md 5.3; CHECKS.md v1.1, conjunctions make no question), unless a
# second question is joined to the first ("Why... and when...").
_WHY_HOW_OPENS = re.compile(
    r"^\W*(?:@\w+\W*)*(?:(?:hi|hello|hey|so|ok|okay|а|ну|и)\W+)*(?:why|how\s+(?:come|do|does|did|"
    r"is|are|can|could|would|should|will|to)|почему|зачем|отчего|как\s+(?:так|мне|можно))\b",
    re.IGNORECASE,
)
_JOINED_AT_END = re.compile(r"\b(?:and|or|и|а|или)\W*$", re.IGNORECASE)
# "tell me when", "хочу узнать, когда": the verb asks only right before the question word.
_INDIRECT_NEAR = 24


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
    before = view[sentence_start:start]
    if _NOT_KNOWN.search(before) or _HOW_TO_ACT.search(before):
        return False
    if _WHY_HOW_OPENS.match(before) and not _JOINED_AT_END.search(before):
        return False
    # Indirect: "хочу узнать, когда...", "Прошу сообщить, сколько стоит", "tell me where".
    if INDIRECT_QUESTION.search(before[-_INDIRECT_NEAR:]):
        return True
    following = fold(message.words[hit.last + 1]) if hit.last + 1 < len(message.words) else ""
    if following.endswith("ing") and following not in _ING_NOT_GERUND:
        return False  # "when sharing screen", "where living": a conjunction with a gerund
    if following in _CONJUNCTION_TAILS:
        return False  # "when not", "where possible", "when needed": no time is asked
    if following in _SUBJECTS and hit.first == hit.last:
        english = not CYRILLIC_WORD.match(message.words[hit.first])
        if english or "," in view[start:sentence_end]:
            return False
    if view[sentence_end : sentence_end + 1] == "?":
        return True
    if _PRICE_AFTER.match(view[message.spans[hit.last][1] : sentence_end]) or (
        _JOINED_QUESTION.search(before)
    ):
        return True
    if message.lemmas[hit.first] not in _QUESTION_WORDS:
        # An explicit request without a question word: "I need to check my account balance".
        return bool(_REQUEST.search(view[sentence_start:start]))
    if "?" in view:
        return False
    lead = [fold(w) for w in re.findall(r"[^\W\d_]+", view[sentence_start:start])]
    if all(word in _LEAD_INS for word in lead) or view[sentence_start:start].rstrip().endswith(","):
        return True
    # Colloquial word order without "?": "а деньги когда вернут" (a question word one or two
    # words before the end of its sentence asks; a conjunction opens a longer clause).
    tail = re.findall(r"[^\W\d_]+", view[message.spans[hit.last][1] : sentence_end])
    return bool(CYRILLIC_WORD.match(message.words[hit.first])) and 1 <= len(tail) <= 2


def _specific_questions(conversation: Conversation) -> list[Hit]:
    return [hits[0] for hits in _requests_by_message(conversation).values()]


def _requests_by_message(conversation: Conversation) -> dict[int, list[Hit]]:
    """The customer's requests for a time, place, amount or duration, per message."""
    found: dict[int, list[Hit]] = {}
    for hit in conversation.find("specific_question", role="customer"):
        message = conversation.messages[hit.message]
        rhetorical = conversation.find("rhetorical", within=(hit.message,))
        if _asks(message, hit, rhetorical):
            found.setdefault(hit.message, []).append(hit)
    return found


# The customer asks for more precision after a vague reply: the answer ended there
# (README_batch3.md 5.4: "В ближайшее время." -> "а конкретнее?" fails).
_PUSH = re.compile(
    r"\b(?:конкретнее|поконкретнее|точнее|поточнее|more specific\w*|exactly when|"
    r"не ответ|нужна дата|нужно время|нужна сумма|точн\w+ (?:дат\w+|врем\w+|сумм\w+)|"
    r"not an answer|exact (?:date|time|amount))\b",
    re.IGNORECASE,
)


_SHORT_REPLY = 3


def _stood_as_answer(conversation: Conversation, turn: list[Message]) -> bool:
    """Round 6: whether the agent's first turn after a request was given as the answer, so
    that the customer's next turn ends it (README_batch3.md 5.4, README_batch5.md 5.3:
    "посмотрите на карте на сайте" -> "я спрашиваю адрес" -> the address fails; the push
    needs no set words).

    A turn that holds a concrete value never gets here (it answered); a turn with a hold
    ("Сейчас проверю") or a question to the customer ("Подскажите номер заказа?"), or a bare
    greeting, is no answer yet, so the customer's reply to it does not end the answer.
    """
    content = 0
    for reply in turn:
        if conversation.find("hold", within=(reply.index,)):
            return False
        if _questions(conversation, reply, earliest=False):
            return False
        covered = sum(
            h.last - h.first + 1
            for name in ("greeting", "introduction")
            for h in conversation.find(name, within=(reply.index,))
        )
        content += len(reply.words) - covered
    return content >= _SHORT_REPLY


def _distinct_requests(hits: list[Hit], message: Message) -> int:
    """How many requests one message makes ("сколько стоит и сколько дней делается")."""
    return len({(message.lemmas[h.first], h.first) for h in hits if h.last >= h.first})


_LINK = re.compile(r"https?://|www\.|[\w.+-]+@")
WHERE_WORDS = frozenset({"где", "where", "куда"})
_QUESTION_WORDS = frozenset(
    "when where how what by until".split()
    + "когда где сколько куда откуда как какой какое какие в во до када кагда скока скоко".split()
)
_THING_WHERE = re.compile(
    r"(?:where|где|куда)\s+(?:(?:did|has|have|had)\s+(?:my|our|the|all)\b[^.!?\n]{0,40}?\b(?:go|gone)\b|"
    r"(?:[^\W\d_]+\s+){0,3}?(?:делся|делась|делось|делись|подевал\w*|пропал\w*)\b)",
    re.IGNORECASE,
)
# A link answers "where" only when the place asked for is online (CHECKS.md v1.1).
_ONLINE = re.compile(
    r"find|download|watch|stream|read|see|info|form|link|page|site|web|online|app|article|"
    r"найти|скачать|посмотреть|почитать|ссылк|сайт|форм|приложени|страниц|раздел",
    re.IGNORECASE,
)


# "How can I help you today?", "thanks for reaching out today": the day of the chat, no answer.
_PLEASANTRY_VERBS = frozenset(
    "help assist reach reaching contact contacting write writing tweet tweeting message chat "
    "do doing feel going помочь помогать обращение обратиться написать звонок".split()
)
_TODAY = frozenset({"today", "tonight", "сегодня"})
# "iOS 13.3", "version 10.15", "build 2.10": a version, not a time or a date.
_VERSION_BEFORE = re.compile(
    r"(?:version|ver\.?|v|ios|ipados|macos|android|windows|build|update|firmware|"
    r"верси[яиюей]|прошивк[аиу])\s*$",
    re.IGNORECASE,
)


def _pleasantry_day(message: Message, hit: Hit) -> bool:
    if fold(message.words[hit.first]) not in _TODAY:
        return False
    before = {message.lemmas[i] for i in range(max(0, hit.first - 3), hit.first)}
    return bool(before & _PLEASANTRY_VERBS)


def _not_a_value(view: str, value: re.Match[str]) -> bool:
    """A match of CONCRETE_VALUE that is no time, date or amount: the part of a thread of
    replies ("... 1/2") or a version number ("iOS 13.3")."""
    if _THREAD_PART.match(value.group()):
        return True
    return bool(_VERSION_BEFORE.search(view[max(0, value.start() - 12) : value.start()]))


_PLACES = frozenset(
    "пункт выдачи|по адресу|в отделении|на складе|ул|ул.|улица|проспект|этаж|в разделе|"
    "at the store|pickup point|at the address|street|st|st.|ave|floor".split("|")
)


def _is_place(conversation: Conversation, hit: Hit) -> bool:
    return str(conversation.span(hit)["text"]).lower() in _PLACES


def _concrete_in(
    conversation: Conversation, message: Message, asks_where: bool = True, where: bool = False
) -> dict[str, Any] | None:
    hits = [
        h
        for h in conversation.find("concrete", within=(message.index,))
        if not _pleasantry_day(message, h)
        # A place answers "where" only: "подробности в разделе «Роуминг»" is no price.
        and (where or asks_where or not _is_place(conversation, h))
    ]
    if hits:
        return conversation.span(hits[0])
    value = next(
        (v for v in CONCRETE_VALUE.finditer(message.view) if not _not_a_value(message.view, v)),
        None,
    ) or WORDED_VALUE.search(message.view)
    if value is None and (asks_where or where):
        # A link, an e-mail or a street address answers "where", not "when" or "how much";
        # a link only when the place asked for is online, an address any "where".
        value = next(
            (
                found
                for found in CONCRETE_PLACE.finditer(message.text)
                if asks_where or not _LINK.match(found.group())
            ),
            None,
        )
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
    requests = _requests_by_message(conversation)
    questions = [hits[0] for hits in requests.values()]
    if not questions:
        return Verdict(NA)
    outcomes: list[tuple[Hit, dict[str, Any] | None, bool]] = []
    for number, question in enumerate(questions):
        stop = questions[number + 1].message if number + 1 < len(questions) else None
        replies: list[Message] = []
        first_turn: list[Message] | None = None
        for m in conversation.messages[question.message + 1 : stop]:
            if m.role == "customer" and replies:
                if first_turn is None:
                    first_turn = list(replies)
                    if _stood_as_answer(conversation, first_turn):
                        break
                if _PUSH.search(m.view):
                    break
            if m.role == "agent":
                replies.append(m)
        asked = conversation.messages[question.message]
        where = asked.lemmas[question.first] in WHERE_WORDS
        begin = asked.spans[question.first][0]
        # Round 6: "where did my camp go", "куда делись мои бонусы": a thing gone missing is
        # looked for, no place to go to online, so a link does not answer it
        # (README_batch5.md 5.3: a help article answers "where" only when it is the place).
        asks_where = (
            where
            and not _THING_WHERE.match(asked.view[begin : begin + 60])
            and bool(_ONLINE.search(asked.view[begin:]))
        )
        concrete = next(
            (
                found
                for m in replies
                if (found := _concrete_in(conversation, m, asks_where, where)) is not None
            ),
            None,
        )
        if (
            concrete is not None
            and _distinct_requests(requests[question.message], asked) > 1
            and conversation.find("vague", role="agent", within=[m.index for m in replies])
        ):
            # Two requests, one answered vaguely: the check fails (CHECKS.md v1.1).
            concrete = None
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
