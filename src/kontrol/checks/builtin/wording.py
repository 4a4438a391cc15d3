"""What the built-in checks share: channel sets, thresholds, patterns of speech and
writing (quotes, negation, shouting, questions, amounts), and finding phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    r"(?<!\w)(?=[\d$€£₽])(?:\d{1,2}[:.]\d{2}(?!\d)|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?(?!\d)|"
    r"[$€£₽]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+)?\s?(?:" + _UNITS + r"))(?!\w)",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|a couple of|half an?|an?|"
    r"од(?:ин|на|ного|ной|ну|них)|дв(?:а|е|ух|ум)|тр(?:и|[её]х|ем)|четыр\w*|пят\w*|шест\w*|"
    r"сем\w*|вос[еь]м\w*|девят\w*|десят\w*|\w+надцат\w*|двадцат\w*|тридцат\w*|сорок\w*|"
    r"пятидесят\w*|ст[оа]|двест\w*|трист\w*|тысяч\w*|полтор\w*|пар[уы]|ноль|полчаса|час"
)
# The one word that may stand between a number and its unit ("a few days", "two more weeks",
# "трёх полных дней"); any other word is no amount: "have a great day" is a farewell.
_AMOUNT_QUALIFIERS = (
    r"(?:few|couple(?:\s+of)?|more|full|whole|extra|additional|calendar|bank|hundred|thousand|"
    r"полн\w+|цел\w+|календарн\w+|банковск\w+)"
)
# A duration, time or amount in words ("within two weeks", "nine thirty a m", "в течение трёх
# рабочих дней", "forty six dollars", "после пятнадцати ноль-ноль"), CHECKS.md v1.1.
WORDED_VALUE = re.compile(
    r"(?<!\w)(?:(?:" + _NUMBER_WORDS + r")[\s-]+)+(?:and\s+)?(?:" + _AMOUNT_QUALIFIERS + r"\s+)?"
    r"(?:a\.?\s?m\b|p\.?\s?m\b|o'clock|business\s+days?|working\s+days?|days?|hours?|minutes?|"
    r"weeks?|months?|dollars?|cents?|euros?|pounds?|рабоч\w+\s+(?:дн\w+|день)|дн\w+|день|"
    r"недел\w+|месяц\w*|час\w*|минут\w*|рубл\w+|ноль[\s-]ноль)(?!\w)",
    re.IGNORECASE,
)
PROMISE_TIME = re.compile(
    r"(?=[чвwi])(?:через|в течение|within|in)\s+(\d+)\s*"
    r"(?:(рабоч\w+|business|working)\s+)?(мин\w*|час\w*|дн\w*|день|minutes?|hours?|days?)",
    re.IGNORECASE,
)
# Words in capitals (4 and 3 letters or more, alone): written capital first, so that the
# regex engine jumps from capital to capital instead of trying every position (the same
# matches as "(?<!\w)[A-ZА-ЯЁ]{4,}(?!\w)").
SHOUTED_WORD = re.compile(r"[A-ZА-ЯЁ](?<=(?<!\w)[A-ZА-ЯЁ])[A-ZА-ЯЁ]{3,}(?!\w)")
CYRILLIC_WORD = re.compile(r"[а-яёА-ЯЁ]")
CAPS_WORD = re.compile(r"[A-ZА-ЯЁ](?<=(?<!\w)[A-ZА-ЯЁ])[A-ZА-ЯЁ]{2,}(?!\w)")
REPEATED_EXCLAMATION = re.compile(r"!{2,}|\?!|!\?")
# What marks a customer message as negative besides the phrase list (CHECKS.md v1.1):
# runs of "!!" / "??", profanity and internet slang in any spelling, negative emoji.
REPEATED_MARKS = re.compile(r"(?=[!?])[!?]*(?:!{2,}|\?{2,}|\?!|!\?)[!?]*")
PROFANITY = re.compile(
    # English swearing and slang.
    r"(?<![^\W\d_])(?:f+u+c+k\w*|motherf\w+|shit\w*|bullshit|crap(?:py)?|damn(?:ed|it)?|"
    r"goddamn\w*|wtf|wth|ffs|stfu|omfg|fml|smh|sucks?|pissed|assholes?|bastards?|"
    r"screw(?:ed)?\s+(?:you|up|over)|"
    # Russian mat by its roots, and slang.
    r"х[уy][йиеёюя]\w*|по?хуй\w*|п[иеё]зд\w*|"
    r"(?:за|от|у|вы|до|на|по|раз|съ|въ|из|об|при|про)?[ъь]?[её]б(?:а|у|л|н|ы|ё|е)\w*|"
    r"бля\w*|сук[аиу]\w*|мудак\w*|мудо\w*|пид[оа]р\w*|залуп\w*|"
    r"пипец\w*|ппц|капец\w*|звиздец\w*|писец\w*|кринж\w*|офиг\w*|охре?н\w*|хрен\w*|"
    r"задолбал\w*|фигн\w*|отстой\w*|жесть|треш|трэш|зашквар\w*|твою\s+мать)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
# A word with letters hidden by "*", "@", "#", "$" or "%" ("бл*ть", "х**нёй", "f**k").
MASKED_WORD = re.compile(r"(?<!\S)[^\W\d_]{1,4}[*@#$%]+[^\W\d_]*")
NEGATIVE_EMOJI = re.compile(
    "[\U0001f620\U0001f621\U0001f92c\U0001f624\U0001f44e\U0001f61e\U0001f614\U0001f622"
    "\U0001f62d\U0001f629\U0001f62b\U0001f612\U0001f644\U0001f97a\U0001f974\u2639"
    "\U0001f641\U0001f623\U0001f616\U0001f4a9\U0001f625\U0001f630\U0001f628\U0001f92f"
    "\U0001f611\U0001f610\U0001f615\U0001f61f]"
    r"|(?<!\w)(?::|;|=)'?-?[(\[]+(?!\w)|(?<!\w)T_+T(?!\w)|(?<!\w)-_+-(?!\w)",
)
FRIENDLY = re.compile(
    "[:;=]-?[)D]|[\U0001f600-\U0001f60d\U0001f642\U0001f917\u2764\U0001f44d\U0001f64f]"
)
# Capitals that are not shouting: abbreviations, codes and names people write in capitals.
NOT_SHOUTING = frozenset(
    "asap faq usa uk eu nasa http https html json sms atm pin ok usb wifi bsod imei dm pm "
    "am tv pc cpu gpu ram ssd hdd ios os api url vpn sim id ceo hr it ip dns isp gps "
    "hey ho hi yay wow woo yes omg "
    "sos fyi btw lol ty thx pls plz irl nyc la sf tbh imo afaik ps faq etc ltd inc "
    "ооо оао зао ип рф смс мфц гибдд жкх пвз инн снилс "
    # insurance, car and tax papers (round 5): "Попал в ДТП, у меня КАСКО" is no shouting
    "дтп каско осаго омс дмс птс стс гаи мчс фнс пфр ндс ндфл жку".split()
)
# A status the customer reads off a screen: "my printer shows OFFLINE", "пишет ОШИБКА".
STATUS_BEFORE = re.compile(
    r"(?:\b(?:shows?|showing|says|saying|displays?|reads|status|message|пишет|показывает|"
    r"горит|висит|статус|выдаёт|выдает|написано)\W{0,3})$",
    re.IGNORECASE,
)


CONCRETE_PLACE = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|"
    r"\b\d+\s+[A-Z][a-z]+\s+(?:St|Street|Ave|Avenue|Road|Rd|Blvd|Lane)\b|"
    # A Russian address: "ул. Ленина, 12", "проспект Мира", "на Лесной, десять".
    r"(?:\bул\.|\bулиц[аеуы]|\bпроспект\w*|\bпр-т|\bпереулк?\w*|\bшоссе|\bбульвар\w*)"
    r"\s*[А-ЯЁ][а-яё]+|\bна\s+[А-ЯЁ][а-яё]+,\s*(?:\d+|один|два|три|четыре|пять|шесть|семь|"
    r"восемь|девять|десять|[а-яё]+надцать|двадцать|тридцать|сорок)\b",
)
PROMISE_WORD_TIME = re.compile(
    r"(?:через|в течение|within|in)\s+(полчаса|час|half an hour|an hour|a day|день|сутки)\b"
    r"|\b(завтра|tomorrow)\b",
    re.IGNORECASE,
)
QUOTES = re.compile(r"«[^»]{0,400}»|“[^”]{0,400}”|\"[^\"\n]{0,400}\"")
# A question in a transcript without punctuation: a question word followed by what asks.
SPOKEN_QUESTION = re.compile(
    r"\b(?=[wchdaiкгсмпн])(?:(?:what|where|when|how|who)['’]s\s+(?:the|your|a)|"
    r"(?:what|which|when|where|how|why|who)\s+(?:is|are|was|were|day|time|kind|type|"
    r"would|will|can|could|do|does|did|should|much|many|long|old|number|date)|"
    r"(?:can|could|would|will|do|did|have|are|is)\s+(?:you|i\s+have|we)|"
    r"какой|какая|какие|каким|когда|где|сколько|можете|могли бы|подскажите|скажите|назовите)\b",
    re.IGNORECASE,
)
INDIRECT_QUESTION = re.compile(
    r"\b(?=[упсиtkwfl])(?:узнать|подскажите|скажите|сообщите|интересует|уточните|tell me|"
    r"know|wondering|"
    r"find out|let me know)\b",
    re.IGNORECASE,
)
NEGATIONS = frozenset({"не", "нет", "без", "ни", "not", "no", "never", "won't", "don't", "can't"})
TYPICAL_ERRORS = re.compile(
    r"(?<!\w)(?=[вщик])(?:в течении|в следствии|щас|извените|вообщем|както)(?!\w)", re.I
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


def _shouted_words(message: Message, reducer: Any) -> list[str]:
    """Whole words in capitals that are words of the language (not abbreviations or codes)."""
    out = []
    quotes = quoted(message)
    for found in CAPS_WORD.finditer(message.view):
        word = found.group()
        form = word.lower()
        if form in NOT_SHOUTING or not reducer.is_known(form.replace("ё", "е")):
            continue
        if quotes and any(begin <= found.start() < end for begin, end in quotes):
            continue  # «TAXI REFUND», "OFFLINE": a status or a label quoted as it is written
        if STATUS_BEFORE.search(message.view[max(0, found.start() - 14) : found.start()]):
            continue  # "my printer show OFFLINE": the status as the screen writes it
        if _bracketed(message.view, found.start()):
            continue  # "[TYPE YOUR QUESTION HERE]": a form's placeholder left in, no shouting
        out.append(word)
    return out


def _bracketed(view: str, position: int) -> bool:
    """Round 6: whether a position lies inside square brackets (a template's placeholder)."""
    opened = view.rfind("[", 0, position)
    if opened < 0 or view.rfind("]", opened, position) >= 0:
        return False
    closed = view.find("]", position)
    return closed >= 0 and "\n" not in view[opened:closed]


# Three-letter words that are stressed, never abbreviations ("shift WAY over", "НЕТ").
EMPHATIC_SHORT = frozenset("way not now why all own нет уже где как что всё все".split())
CAPS_RUN = re.compile(r"(?<!\w)[A-ZА-ЯЁ]{2,}(?:[ \t]+[A-ZА-ЯЁ]{2,})+(?!\w)")


@dataclass(frozen=True, slots=True)
class Marks:
    """Which marks of emotion the customer's messages may hold at all, from one look at them
    together (a mark found in one message is found in them joined by newlines): the steps
    of :func:`shouting` and :func:`negative_marker` that cannot find anything are skipped."""

    caps: bool = True
    repeated: bool = True
    swearing: bool = True
    spelled_out: bool = True
    masked: bool = True
    emoji: bool = True

    @classmethod
    def of(cls, messages: list[Message]) -> Marks:
        joined = "\n".join(message.view for message in messages)
        lowered = joined.lower()
        return cls(
            caps=CAPS_WORD.search(joined) is not None,
            repeated=REPEATED_MARKS.search(joined) is not None,
            swearing=SWEAR_START.search(
                " " + " ".join(lemma for message in messages for lemma in message.lemmas)
            )
            is not None,
            spelled_out="screw" in lowered or "мать" in lowered,
            masked=any(mark in joined for mark in "*@#$%"),
            emoji=_may_be_emoji(joined),
        )

    def any(self) -> bool:
        return (
            self.caps or self.repeated or self.swearing or self.spelled_out or self.masked
        ) or self.emoji


ALL_MARKS = Marks()


def _may_be_emoji(view: str) -> bool:
    return "(" in view or "[" in view or "_" in view or bool(view and max(view) >= "\u2639")


def shouting(message: Message, reducer: Any = None, marks: Marks = ALL_MARKS) -> str | None:
    """The shouted part of a customer message: a CAPS word of the dictionary of four letters
    or more ("HELP", "ВЕРНИТЕ"), shorter ones side by side ("FIX THIS"), "!!", "??" or "?!".
    Abbreviations and codes ("LAX to JFK", "ОСАГО") are not shouting."""
    if reducer is not None and marks.caps and CAPS_WORD.search(message.view):
        caps = _shouted_words(message, reducer)
        if any(len(word) >= 4 or word.lower() in EMPHATIC_SHORT for word in caps):
            return " ".join(caps[:3])
        for run in CAPS_RUN.finditer(message.view):
            if _bracketed(message.view, run.start()):
                continue
            words = run.group().split()
            if all(w.lower() not in NOT_SHOUTING and reducer.is_known(w.lower()) for w in words):
                return run.group()
    elif reducer is None:
        caps = CAPS_WORD.findall(message.view)
        if len(caps) >= 2:
            return " ".join(caps[:3])
    if not marks.repeated:
        return None
    found = REPEATED_MARKS.search(message.view)
    return found.group() if found else None


def agent_shouting(message: Message, reducer: Any) -> str | None:
    """A shouted word of the agent: in capitals, four letters or more, a word of the
    language (an abbreviation such as "ОСАГО" or "ГИБДД" is not shouting)."""
    if not SHOUTED_WORD.search(message.view):
        return None
    words = [w for w in _shouted_words(message, reducer) if len(w) >= 4]
    return words[0] if words else None


# Word starts of swearing and slang (Russian mat with its prefixes, "ё" read as "е"): a word
# is checked against PROFANITY only when it starts so (a C-level test per word, not a
# pattern tried at every character).
SWEAR_STARTS = tuple(
    "fuck fuk motherf shit bullshit crap damn goddamn wtf wth ffs stfu omfg fml smh suck "
    "pissed asshole bastard ху пизд пезд еб заеб отъеб уеб выеб доеб наеб поеб разъеб съеб "
    "въеб изъеб объеб приеб проеб похуй бля сук мудак мудо пидор пидар залуп пипец ппц "
    "капец звиздец писец кринж офиг охрен охрен хрен задолбал фигн отстой жесть треш трэш "
    "зашквар".split()
)


# One scan of a message's lemmas for any of those starts (tried only after a space).
SWEAR_START = re.compile(" (?:" + "|".join(map(re.escape, SWEAR_STARTS)) + ")")


def negative_marker(message: Message, marks: Marks = ALL_MARKS) -> str | None:
    """Profanity, slang, a masked swear word or a negative emoji in a message."""
    view = message.view
    if marks.swearing and SWEAR_START.search(" " + " ".join(message.lemmas)):
        for position, lemma in enumerate(message.lemmas):
            if not lemma.startswith(SWEAR_STARTS):
                continue
            word = message.words[position]
            if PROFANITY.fullmatch(fold(word)) or PROFANITY.fullmatch(lemma):
                return word
    if marks.spelled_out:
        lowered = view.lower()
        if "screw" in lowered or "мать" in lowered:
            found = PROFANITY.search(view)
            if found:
                return found.group()
    if marks.masked and any(mark in view for mark in "*@#$%"):
        found = MASKED_WORD.search(view)
        if found:
            return found.group()
    if marks.emoji and _may_be_emoji(view):
        found = NEGATIVE_EMOJI.search(view)
        if found:
            return found.group()
    return None


def phrase_in(conversation: Conversation, list_name: str, within: frozenset[int]) -> Verdict:
    if not conversation.agent_messages:
        return Verdict(NA)
    hits = conversation.find(list_name, role="agent", within=within)
    return Verdict(PASS, conversation.evidence(hits)) if hits else Verdict(FAIL)


# "as usual" / "как всегда" is sarcasm ("Broken again, as usual"), but after a verb of running
# it says how something ran ("the export went on as usual", "всё работало как обычно").
_AS_USUAL = frozenset({"as", "как"})
_RUNNING = frozenset(
    "on went goes go run ran runs running work works worked working continued continues "
    "работает работал работала работало работают шло шла шёл идёт прошло прошла".split()
)


def _runs_as_usual(message: Message, hit: Hit) -> bool:
    if hit.first == 0 or fold(message.words[hit.first]) not in _AS_USUAL:
        return False
    return fold(message.words[hit.first - 1]) in _RUNNING


def customer_emotion(conversation: Conversation) -> list[tuple[int, dict[str, Any]]]:
    """Where the customer expresses frustration (not a problem stated calmly), in order.

    An emotion, blame or sarcasm phrase (``negative`` list), profanity or slang, a
    negative emoji, a shouted word of the dictionary, or "!!" / "??" / "?!" (CHECKS.md v1.1).
    """
    cached: list[tuple[int, dict[str, Any]]] | None = conversation.memo.get("emotion")
    if cached is not None:
        return cached
    found = [
        (hit.message, conversation.span(hit))
        for hit in conversation.find("negative", role="customer")
        if not negated(conversation.messages[hit.message], hit)
        and not _runs_as_usual(conversation.messages[hit.message], hit)
    ]
    customers = conversation.customer_messages
    marks = Marks.of(customers) if customers else ALL_MARKS
    if marks.any():
        positive = {hit.message for hit in conversation.find("positive", role="customer")}
        for message in customers:
            shouted = shouting(message, conversation.book.reducer, marks)
            if shouted and (message.index in positive or FRIENDLY.search(message.view)):
                shouted = None  # "thrillers!! Thank you :)": excitement, not anger
            shouted = shouted or negative_marker(message, marks)
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
