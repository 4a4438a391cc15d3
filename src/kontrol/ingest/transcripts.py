"""A whole conversation written in one spreadsheet cell, split into its turns.

Help desks and call-centre systems export a contact's transcript as one text
cell, one turn a line, each line starting with who spoke and sometimes when::

    [12:03] Клиент: Здравствуйте, заказ не пришёл
    [12:04] Оператор Иван: Добрый день! Сейчас проверю.
    Customer: Thanks

:func:`split_transcript` reads such a cell as messages with their roles (the
speaker's word: *Клиент*, *Оператор*, *Агент*, *Менеджер*, *Customer*, *Agent*…,
optionally followed by a name) and their times (``12:03``, ``12:03:15`` or a full
date and time, before or after the speaker). A line without a speaker continues
the message before it. A cell where no line names a speaker is no transcript
this module can split: ``None``, and the reader keeps it as one message.

A transcript written on one line (``Клиент: Здравствуйте / Оператор: Добрый день``)
is cut before each speaker that follows « / », « | », «; » or a space, when at
least two different speakers' words occur (:func:`inline_turns`): a sentence
with one colon in it stays one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# Who speaks, as exports write it: lower case, ё as е.
SPEAKERS: dict[str, tuple[str, ...]] = {
    "customer": (
        "клиент",
        "клиентка",
        "покупатель",
        "абонент",
        "пользователь",
        "посетитель",
        "заявитель",
        "гость",
        "customer",
        "client",
        "user",
        "caller",
        "visitor",
        "guest",
    ),
    "agent": (
        "оператор",
        "агент",
        "менеджер",
        "специалист",
        "сотрудник",
        "консультант",
        "поддержка",
        "служба поддержки",
        "техподдержка",
        "support",
        "agent",
        "operator",
        "manager",
        "specialist",
        "advisor",
    ),
    "bot": ("бот", "чат-бот", "чатбот", "виртуальный помощник", "bot", "chatbot"),
    "system": ("система", "system"),
}
_ROLE_OF = {word: role for role, words in SPEAKERS.items() for word in words}
_WORDS = "|".join(
    re.escape(word).replace(r"\ ", r"\s+") for word in sorted(_ROLE_OF, key=len, reverse=True)
)
# A time of day (12:03, 9:05:41) or a date and time (24.11.2026 12:03, 2026-11-24 12:03:05).
_DAY = r"(?:\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}-\d{2}-\d{2})"


def _moment(day: str, clock: str) -> str:
    """A pattern of an optional date and a time, in the named groups ``day`` and ``clock``."""
    return rf"(?:(?P<{day}>{_DAY})[ T,]+)?(?P<{clock}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?)"


_BEFORE = _moment("day", "time")
_AFTER = _moment("day2", "time2")
# [time] Speaker Name (time): text — the brackets, the name and either time optional.
_LINE = re.compile(
    rf"""^\s*
    (?:[\[(]?\s*{_BEFORE}\s*[\])]?)?\s*[-–—|]?\s*
    (?P<speaker>{_WORDS})
    (?P<name>(?:\s+[^\W\d_][\w.'’-]*){{0,3}})?
    \s*(?:[,\[(]?\s*{_AFTER}\s*[\])]?)?
    \s*[:>]\s*
    (?P<text>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
# Where a one-line transcript may be cut: " / ", " | ", "; " or a space before a speaker.
_CUT = re.compile(r"\s+[/|]\s+|;\s+|\s+")
_DAY_SHAPES = ("%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d")


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a split transcript: who, what, and the time the line gave."""

    role: str
    text: str
    day: date | None = None
    clock: time | None = None


def _clock(text: str) -> time | None:
    hour, minute, *rest = (int(part) for part in text.split(":"))
    try:
        return time(hour, minute, rest[0] if rest else 0)
    except ValueError:
        return None  # 25:70 is text, not a time


def _day(text: str, day_first: bool) -> date | None:
    shapes = _DAY_SHAPES if day_first else (_DAY_SHAPES[2], _DAY_SHAPES[0], _DAY_SHAPES[3])
    for shape in shapes:
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    return None


def speaker_line(line: str, day_first: bool = True) -> Turn | None:
    """The turn a line starts (``[12:03] Оператор Иван: Добрый день``), or ``None`` when it
    names no speaker (it continues the message before it)."""
    found = _LINE.match(line)
    if found is None:
        return None
    name = (found.group("name") or "").strip()
    if name and not name[0].isupper():
        return None  # "Клиент хочет вернуть: …" is a sentence, not "Клиент Мария: …"
    role = _ROLE_OF[re.sub(r"\s+", " ", found.group("speaker").lower().replace("ё", "е"))]
    clock_text = found.group("time") or found.group("time2")
    day_text = found.group("day") or found.group("day2")
    return Turn(
        role,
        found.group("text").strip(),
        _day(day_text, day_first) if day_text else None,
        _clock(clock_text) if clock_text else None,
    )


def _label(line: str) -> tuple[str, int] | None:
    """The speaker's word a line starts with (lower case, ё as е) and where its text
    starts, or ``None`` when it names no speaker."""
    found = _LINE.match(line)
    if found is None:
        return None
    name = (found.group("name") or "").strip()
    if name and not name[0].isupper():
        return None
    word = re.sub(r"\s+", " ", found.group("speaker").lower().replace("ё", "е"))
    return word, found.start("text")


def inline_turns(line: str) -> list[str] | None:
    """A one-line transcript cut into one line a turn (``Клиент: Здравствуйте / Оператор:
    Добрый день`` → two lines), or ``None`` when the line names fewer than two different
    speakers' words. A cut after a bare space needs the speaker's word capitalised
    (``Оператор:``), so that "… мой оператор: …" inside a sentence stays text."""
    cuts: list[tuple[int, int]] = []  # (where the separator starts, where the turn starts)
    words: set[str] = set()
    first = _label(line)
    after = 0
    if first is not None:
        words.add(first[0])
        after = first[1]
    for separator in _CUT.finditer(line):
        if separator.start() < after or separator.end() >= len(line):
            continue
        rest = line[separator.end() :]
        found = _label(rest)
        if found is None:
            continue
        spoken = _LINE.match(rest)
        assert spoken is not None
        if not separator.group().strip() and not spoken.group("speaker")[0].isupper():
            continue
        words.add(found[0])
        cuts.append((separator.start(), separator.end()))
        after = separator.end() + found[1]
    if len(words) < 2:
        return None
    pieces: list[str] = []
    start = 0
    for end, next_start in cuts:
        pieces.append(line[start:end])
        start = next_start
    pieces.append(line[start:])
    return [piece for piece in pieces if piece.strip()]


def split_transcript(text: str, day_first: bool = True) -> list[Turn] | None:
    """The turns of a transcript cell, or ``None`` when no line names a speaker.

    A cell of one line with two different speakers' words is cut first (:func:`inline_turns`).

    Lines before the first speaker are a turn of their own with the role ``""`` (the
    reader gives it the role chosen for the text column); empty lines are dropped.
    """
    turns: list[Turn] = []
    lines: list[list[str]] = []
    found = False
    rows = [line for line in text.splitlines() if line.strip()]
    if len(rows) == 1:
        rows = inline_turns(rows[0]) or rows
    for line in rows:
        turn = speaker_line(line, day_first)
        if turn is not None:
            found = True
            turns.append(turn)
            lines.append([turn.text] if turn.text else [])
        elif line.strip():
            if not turns:
                turns.append(Turn("", ""))
                lines.append([])
            lines[-1].append(line.strip())
    if not found:
        return None
    split = [
        Turn(turn.role, "\n".join(parts), turn.day, turn.clock)
        for turn, parts in zip(turns, lines, strict=True)
    ]
    return [turn for turn in split if turn.text]


def many_lines(text: str) -> bool:
    """Whether a text cell holds more than one non-empty line (a transcript, perhaps)."""
    return sum(1 for line in text.splitlines() if line.strip()) > 1


def turn_times(turns: list[Turn], started: datetime | None) -> list[datetime | None]:
    """The moment of each turn: its own date and time, or its time of day on the day of
    the conversation's start (the day after once the clock goes past midnight)."""
    moments: list[datetime | None] = []
    last: datetime | None = None
    tzinfo = started.tzinfo if started is not None else None
    for turn in turns:
        if turn.clock is None:
            moments.append(None)
            continue
        if turn.day is not None:
            moment = datetime.combine(turn.day, turn.clock, tzinfo)
        elif last is not None:
            moment = datetime.combine(last.date(), turn.clock, tzinfo)
            if moment < last - timedelta(minutes=1):
                moment += timedelta(days=1)  # past midnight
        elif started is not None:
            # The first time: the day that puts it nearest the start (a customer may have
            # written just before midnight to a conversation accepted just after).
            same = datetime.combine(started.date(), turn.clock, tzinfo)
            moment = min(
                (same - timedelta(days=1), same, same + timedelta(days=1)),
                key=lambda candidate: abs(candidate - started),
            )
        else:
            moments.append(None)
            continue
        moments.append(moment)
        last = moment
    return moments
