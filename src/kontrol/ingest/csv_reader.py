"""CSV (``.csv``, ``.csv.gz``): the interchange format as a spreadsheet.

FORMAT.md defines JSON Lines; docs/format.md defines how a CSV maps onto it:
- a header row names the fields; an empty cell is an absent field;
- ``kind`` may be a column, so agents, surveys and orders fit too;
- ``survey.csat``, ``survey.nps``, ``survey.ces``, ``survey.comment``,
  ``survey.at`` fill the inline survey; ``meta.<name>`` fills ``meta``;
- ``tags`` is a JSON array or a list separated by ``;`` or ``|``;
- ``messages`` is a JSON array of messages, or the file has one row per message
  with ``message.role``, ``message.text`` (and ``message.at``,
  ``message.start``, ``message.end``, ``message.author_id``): consecutive rows
  with the same ``id`` form one interaction; an interaction row with neither
  (a call without a transcript) has no messages;
- numeric fields are converted; anything that is not a number is passed on
  unchanged so that validation names the field.

A spreadsheet export whose columns are not named like the format's fields is
read with a column mapping (``CsvImporter(columns={"agent_id": "Оператор"})``,
the web import page's mapping step): a mapped column stands for its field,
every other column is kept under ``meta.<column>``, so nothing is lost, and
``fixed`` gives a field one value for every row (``{"channel": "call"}``) where
the file has no column for it. ``dates`` names how the file writes dates
(:data:`DATE_FORMATS`: ``dmy_dots``, 24.11.2026, for a Russian spreadsheet); its times
are converted to ISO-8601 and a cell in any other shape is left for
a reject naming the field and the chosen format.

The reader finds how the file is written on its own (:func:`sniff_csv`): UTF-8
(with or without a BOM) or, when the bytes are not UTF-8, Windows-1251 as
Russian Excel saves it; ``,``, ``;`` or tab between columns, counted on the
header line (``separator`` overrides it). A mapped file's channels may be
written in words (*чат*, *звонок*, *почта*, *Phone*: :func:`channel_value`), and
``fixed={"message.role": ...}`` says who wrote a text column with no author:
``customer``, ``agent`` or ``alternate`` (customer first, then by turns).

A text cell without an author that holds a whole transcript, one turn a line
starting with its speaker (``[12:03] Оператор Иван: …``, ``Клиент: …``), is split
into its messages with their roles and times (:mod:`kontrol.ingest.transcripts`);
a cell of several lines where no speaker is recognised stays one message, and
the reader notes its line in ``unsplit`` (the mapping step says so). A date and
a time in two columns are joined when the time's column is mapped to
``started_time``: a bad part is a reject naming its own field.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from kontrol.domain.vocabulary import Channel
from kontrol.ingest.files import open_binary, unreadable
from kontrol.ingest.json_records import loads_record
from kontrol.ingest.registry import Importer, SourceRecord, register_importer
from kontrol.ingest.schema import RecordError
from kontrol.ingest.transcripts import many_lines, split_transcript, turn_times

_NUMBERS = {
    "wrap_seconds",
    "cost",
    "hourly_cost",
    "amount",
    "survey.csat",
    "survey.nps",
    "survey.ces",
    "csat",
    "nps",
    "ces",
    "message.start",
    "message.end",
}
# How spreadsheets write dates, each with the shapes tried in order (ISO needs none).
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "iso": (),
    "dmy_dots": ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"),
    "dmy_slashes": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    "mdy_slashes": (
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y",
    ),
}
# Separators a spreadsheet puts between columns, by the name the mapping step uses.
SEPARATORS: dict[str, str] = {"comma": ",", "semicolon": ";", "tab": "\t"}
TEXT_ROLES = ("alternate", "customer", "agent")
# Channels as people write them in a spreadsheet, lower case, ё as е.
_CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "call": ("звонок", "звонки", "телефон", "телефония", "вызов", "голос", "phone", "voice"),
    "chat": ("чат", "онлайн-чат", "веб-чат", "чат на сайте", "live chat", "web chat", "webchat"),
    "email": ("почта", "эл. почта", "электронная почта", "письмо", "e-mail", "mail"),
    "messenger": (
        "мессенджер",
        "мессенджеры",
        "whatsapp",
        "ватсап",
        "вотсап",
        "telegram",
        "телеграм",
        "телеграмм",
        "viber",
        "вайбер",
    ),
    "social": ("соцсети", "соцсеть", "социальные сети", "вконтакте", "вк", "vk"),
    "app": ("приложение", "мобильное приложение", "mobile app"),
    "self_service": ("самообслуживание", "self service", "self-service"),
    "visit": ("визит", "посещение", "офис", "отделение"),
}
_CHANNELS = {
    word: channel.value
    for channel in Channel
    for word in (channel.value, channel.value.replace("_", " "), *_CHANNEL_WORDS[channel.value])
}
_TIMES = {
    "started_at",
    "ended_at",
    "queued_at",
    "survey.at",
    "message.at",
    "at",
    "hired_at",
    "created_at",
    "updated_at",
    "due_at",
    "closed_at",
}
# The field of a time of day kept in its own column, joined to the date of its field.
TIME_OF_DAY_FIELDS = {"started_time": "started_at"}
# How a date alone is written in each of DATE_FORMATS (with its time in another column).
DAY_FORMATS: dict[str, tuple[str, ...]] = {
    "iso": ("%Y-%m-%d",),
    "dmy_dots": ("%d.%m.%Y",),
    "dmy_slashes": ("%d/%m/%Y",),
    "mdy_slashes": ("%m/%d/%Y",),
}
_CLOCK_SHAPES = ("%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M:%S %p", "%H.%M")
# Lines of unsplit transcripts a reader notes, at most (the mapping step shows five rows).
_UNSPLIT_NOTED = 100
_INTEGERS = {"survey.csat", "survey.nps", "survey.ces", "csat", "nps", "ces"}
_MESSAGE_PREFIX = "message."
_JSON_FIELDS = {"messages", "meta"}


def _number(column: str, text: str) -> Any:
    try:
        if column in _INTEGERS:
            return int(text)
        return float(text)
    except ValueError:
        return text


def _tags(text: str) -> Any:
    if text.startswith("["):
        return loads_record(text)
    separator = ";" if ";" in text else "|"
    return [tag.strip() for tag in text.split(separator) if tag.strip()]


class _RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _inner(column: str, error: RecordError) -> _RowError:
    """A JSON cell's problem, named by the column and the field inside it."""
    return _RowError(f"{column}.{error.field}" if error.field else column, error.message)


def _record(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The record a row describes, and the message it carries (row-per-message files)."""
    record: dict[str, Any] = {}
    message: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or cell == "":
            continue
        column = column.strip()
        value: Any = cell
        if column in _NUMBERS:
            value = _number(column, cell)
        if column.startswith(_MESSAGE_PREFIX):
            message[column[len(_MESSAGE_PREFIX) :]] = value
        elif column.startswith("survey."):
            record.setdefault("survey", {})[column[len("survey.") :]] = value
        elif column.startswith("meta."):
            record.setdefault("meta", {})[column[len("meta.") :]] = value
        elif column == "tags":
            try:
                record["tags"] = _tags(cell)
            except json.JSONDecodeError as error:
                raise _RowError("tags", f"broken JSON array: {error.msg}") from None
            except RecordError as error:
                raise _inner("tags", error) from None
        elif column in _JSON_FIELDS:
            try:
                record[column] = loads_record(cell)
            except json.JSONDecodeError as error:
                raise _RowError(column, f"broken JSON: {error.msg}") from None
            except RecordError as error:
                raise _inner(column, error) from None
        else:
            record[column] = value
    return record, (message or None)


@register_importer
class CsvImporter(Importer):
    """Comma-separated values with a header row (docs/format.md)."""

    name = "csv"
    label = "CSV with a header row"
    suffixes = (".csv", ".csv.gz")

    def __init__(
        self,
        columns: Mapping[str, str] | None = None,
        fixed: Mapping[str, str] | None = None,
        dates: str = "iso",
        separator: str | None = None,
    ) -> None:
        # field -> the file's column that holds it; field -> one value for every row.
        self.columns = dict(columns or {})
        self.fixed = {name: value for name, value in (fixed or {}).items() if value}
        self.text_role = self.fixed.pop("message.role", "")
        if "message.text" in self.columns and "message.role" not in self.columns:
            # One text column and nobody said who wrote it: by turns, the customer first.
            self.text_role = self.text_role or "alternate"
        self.dates = dates
        self.date_shapes = DATE_FORMATS.get(dates, ())
        self.separator = separator
        self.mapped = bool(self.columns or self.fixed)
        # Lines (of the first row of their interaction) whose text of several lines named
        # no speaker: kept as one message; the mapping step says so.
        self.unsplit: set[int] = set()

    def renamed(self, header: list[str]) -> list[str]:
        """The header as fields: mapped columns by their field, the rest under ``meta.``."""
        if not self.columns and not self.fixed:
            return header
        field_of = {column: field for field, column in self.columns.items() if column}
        return [field_of[column] if column in field_of else f"meta.{column}" for column in header]

    def read(self, path: Path) -> Iterator[SourceRecord]:
        encoding, separator = sniff_csv(path)
        with open_binary(path) as handle:
            text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
            yield from self._rows(text, path, self.separator or separator)

    def _rows(self, text: io.TextIOWrapper, path: Path, separator: str) -> Iterator[SourceRecord]:
        reader = csv.reader(text, delimiter=separator)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as error:
            raise unreadable(path, "ingest.error.header_unreadable", error=error) from None
        except (EOFError, OSError, zlib.error) as error:
            raise unreadable(path, "ingest.error.unreadable", error=error) from None
        if not header:
            return
        header = self.renamed([column.strip() for column in header])
        if "message.text" not in header and "message.role" not in header:
            yield from self._records(reader, header, path)
        else:
            yield from self._conversations(reader, header, path)

    def _numbered(
        self, reader: Any, header: list[str], path: Path
    ) -> Iterator[tuple[int, str, dict[str, str] | None, str | None, str | None]]:
        """Yield ``(line, raw, row, error, field)`` for each data row."""
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise unreadable(
                    path, "ingest.error.not_utf8_near", line=line, reason=error.reason
                ) from None
            except csv.Error as error:
                yield line, "", None, f"broken CSV: {error}", None
                continue
            except (EOFError, OSError, zlib.error) as error:
                raise unreadable(
                    path, "ingest.error.stopped_near", line=line, error=error
                ) from None
            if not any(cell.strip() for cell in cells):
                continue
            raw = _raw(cells)
            if len(cells) > len(header):
                too_many = f"{len(cells)} cells but the header names {len(header)}"
                yield line, raw, None, too_many, None
                continue
            row = dict(zip(header, cells, strict=False))
            for field, value in self.fixed.items():
                if not row.get(field):
                    row[field] = value
            problem = self._spreadsheet_values(row)
            if problem:
                yield line, raw, None, str(problem), problem.field
                continue
            yield line, raw, row, None, None

    def _spreadsheet_values(self, row: dict[str, str]) -> _RowError | None:
        """Read the row's dates in the chosen format and its channel in words; what is wrong."""
        for clock_field, day_field in TIME_OF_DAY_FIELDS.items():
            if clock_field in row:
                problem = self._join_day_and_time(row, day_field, clock_field, row.pop(clock_field))
                if problem is not None:
                    return problem
        for column in sorted(_TIMES.intersection(row)) if self.date_shapes else ():
            if row[column].strip():
                row[column] = iso_time(row[column], self.date_shapes)
                if _is_iso(row[column]):
                    continue
                if impossible_date(row[column], self.date_shapes):
                    # Written the chosen way, but no calendar has it (31.02.2026, 24.13.2026).
                    return _RowError(column, f"no such date: {row[column].strip()}")
                return _RowError(column, f"not a date in the format {self.dates}: {row[column]!r}")
        if self.mapped and row.get("channel", "").strip():
            known = channel_value(row["channel"])
            if known is None:
                allowed = ", ".join(channel.value for channel in Channel)
                return _RowError("channel", f"not a known channel ({allowed}): {row['channel']!r}")
            row["channel"] = known
        return None

    def _join_day_and_time(
        self, row: dict[str, str], day_field: str, clock_field: str, clock_cell: str
    ) -> _RowError | None:
        """Put the time of ``clock_cell`` into the date of ``row[day_field]`` (ISO-8601)."""
        day_cell = row.get(day_field, "").strip()
        clock_text = clock_cell.strip()
        if not clock_text or not day_cell:
            return None  # a date alone is read as it is; a time alone: the date is missing
        day = _parse(day_cell, (*DAY_FORMATS.get(self.dates, ()), *DAY_FORMATS["iso"]))
        if day is None:
            # A date with its time at midnight (Excel's "24.11.2026 0:00:00") is a date too.
            day = _parse(day_cell, self.date_shapes) or _iso_moment(day_cell)
            if day is None or day.time() != datetime.min.time():
                shapes = (*DAY_FORMATS.get(self.dates, ()), *DAY_FORMATS["iso"], *self.date_shapes)
                if day is None and impossible_date(day_cell, shapes):
                    # Written the chosen way, but no calendar has it (31.11.2026).
                    return _RowError(day_field, f"no such date: {day_cell}")
                return _RowError(
                    day_field, f"not a date alone in the format {self.dates}: {day_cell!r}"
                )
        clock = _parse(clock_text.upper(), _CLOCK_SHAPES)
        if clock is None:
            # Excel may write a time as a moment of its day zero ("30.12.1899 10:15:00").
            clock = _parse(clock_text, self.date_shapes) or _iso_moment(clock_text)
        if clock is None:
            if re.fullmatch(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?", clock_text):
                return _RowError(clock_field, f"no such time: {clock_text}")
            return _RowError(clock_field, f"not a time of day (HH:MM): {clock_text!r}")
        row[day_field] = datetime.combine(day.date(), clock.time()).isoformat()
        return None

    def _records(self, reader: Any, header: list[str], path: Path) -> Iterator[SourceRecord]:
        for line, raw, row, error, field in self._numbered(reader, header, path):
            if row is None:
                yield SourceRecord(line, raw, None, error, field)
                continue
            try:
                record, _ = _record(row)
            except _RowError as problem:
                yield SourceRecord(line, raw, None, str(problem), problem.field)
                continue
            if record.get("kind", "interaction") == "interaction":
                # A spreadsheet cannot tell "no messages" from "no column": both mean none.
                record.setdefault("messages", [])
            yield SourceRecord(line, raw, record)

    def _conversations(self, reader: Any, header: list[str], path: Path) -> Iterator[SourceRecord]:
        current: dict[str, Any] | None = None
        first_line = 0
        raws: list[str] = []
        for line, raw, row, error, field in self._numbered(reader, header, path):
            if row is None:
                yield SourceRecord(line, raw, None, error, field)
                continue
            try:
                record, message = _record(row)
            except _RowError as problem:
                yield SourceRecord(line, raw, None, str(problem), problem.field)
                continue
            same = (
                current is not None
                and record.get("id") == current.get("id")
                and (record.get("source") == current.get("source"))
            )
            if not same:
                if current is not None:
                    yield SourceRecord(first_line, "\n".join(raws), current)
                current, first_line, raws = record, line, []
                current.setdefault("messages", [])
            assert current is not None
            raws.append(raw)
            if message is not None:
                current["messages"].extend(self._messages(message, current, first_line))
        if current is not None:
            yield SourceRecord(first_line, "\n".join(raws), current)

    def _messages(
        self, message: dict[str, Any], current: dict[str, Any], first_line: int
    ) -> list[dict[str, Any]]:
        """The messages of one row's text: its turns when it is a transcript whose lines
        name their speakers, else the row's message with the role chosen for the column."""
        text = message.get("text")
        if "role" in message or not isinstance(text, str):
            return [message]
        turns = split_transcript(text, day_first=self.dates != "mdy_slashes")
        if turns is None:
            if many_lines(text) and len(self.unsplit) < _UNSPLIT_NOTED:
                self.unsplit.add(first_line)
            if self.text_role:
                message["role"] = self._role(len(current["messages"]))
            return [message]
        started = _iso_moment(str(current.get("started_at") or ""))
        found: list[dict[str, Any]] = []
        for turn, moment in zip(turns, turn_times(turns, started), strict=True):
            role = turn.role or (self._role(len(current["messages"])) if self.text_role else "")
            one: dict[str, Any] = {"role": role} if role else {}
            one["text"] = turn.text
            if moment is not None:
                one["at"] = moment.isoformat()
            found.append(one)
        # The row's other message cells (its time, author) belong to its first turn.
        for name, value in message.items():
            if name != "text" and found:
                found[0].setdefault(name, value)
        return found

    def _role(self, turn: int) -> str:
        """Who wrote the ``turn``-th message of a text column without authors."""
        if self.text_role == "alternate":
            return ("customer", "agent")[turn % 2]
        return self.text_role


def _parse(text: str, shapes: tuple[str, ...]) -> datetime | None:
    for shape in shapes:
        try:
            return datetime.strptime(text, shape)
        except ValueError:
            continue
    return None


def _iso_moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _is_iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def channel_value(cell: str) -> str | None:
    """The channel a spreadsheet cell names (``Чат``, ``звонок``, ``E-mail``), or ``None``."""
    return _CHANNELS.get(re.sub(r"\s+", " ", cell.strip().lower().replace("ё", "е")))


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` when ``head`` is UTF-8 (a character cut at its end is no error), else
    ``cp1251``: Russian Excel saves "CSV" in Windows-1251."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if not (error.reason == "unexpected end of data" and error.start >= len(head) - 3):
            return "cp1251"
    return "utf-8-sig"


def detect_separator(header_line: str) -> str:
    """The separator the header line uses most (outside quotes); a comma when none."""
    bare = re.sub(r'"[^"]*"', "", header_line)
    counts = {separator: bare.count(separator) for separator in SEPARATORS.values()}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def sniff_csv(path: Path) -> tuple[str, str]:
    """The encoding and the separator of a CSV file (plain or ``.gz``), from its start."""
    with open_binary(path) as handle:
        try:
            head = handle.read(65536)
        except (EOFError, OSError, zlib.error):
            head = b""  # the reading itself reports the damage
    encoding = detect_encoding(head)
    first_line = head.decode(encoding, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    return encoding, detect_separator(first_line)


def iso_time(cell: str, shapes: tuple[str, ...]) -> str:
    """``cell`` in ISO-8601 when it has one of ``shapes``; else unchanged (validation names it)."""
    text = cell.strip()
    for shape in shapes:
        try:
            return datetime.strptime(text, shape).isoformat()
        except ValueError:
            continue
    return cell


_SHAPE_PARTS = {
    "%d": r"\d{1,2}",
    "%m": r"\d{1,2}",
    "%Y": r"\d{4}",
    "%H": r"\d{1,2}",
    "%I": r"\d{1,2}",
    "%M": r"\d{1,2}",
    "%S": r"\d{1,2}",
    "%p": r"(?:AM|PM|am|pm)",
}


def impossible_date(cell: str, shapes: tuple[str, ...]) -> bool:
    """Whether ``cell`` is written in one of ``shapes`` but names no real moment
    (``31.02.2026``, ``12.11.2026 25:00``): a mistyped date, not another format."""
    text = cell.strip()
    for shape in shapes:
        pattern = "".join(
            _SHAPE_PARTS.get(part, re.escape(part)) for part in re.split(r"(%[a-zA-Z])", shape)
        )
        if re.fullmatch(pattern, text):
            return True
    return False


def guess_date_format(cells: list[str]) -> str:
    """The :data:`DATE_FORMATS` entry most of the sample ``cells`` are written in (a
    mistyped date among them does not hide the format); ``iso`` if unsure."""
    filled = [cell for cell in cells if cell.strip()]
    for name, shapes in DATE_FORMATS.items():
        read = sum(1 for cell in filled if iso_time(cell, shapes) != cell) if shapes else 0
        if read * 2 > len(filled):
            return name
    return "iso"


def csv_header_and_rows(
    path: Path, rows: int = 5, separator: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The header of a CSV file (plain or ``.gz``) and its first ``rows`` data rows,
    split by ``separator`` (else the one :func:`sniff_csv` finds).

    Raises :class:`~kontrol.domain.errors.Unreadable` when the header cannot be
    read; rows after damage are simply not shown.
    """
    encoding, found_separator = sniff_csv(path)
    with open_binary(path) as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=separator or found_separator)
        try:
            header = [column.strip() for column in next(reader, None) or []]
        except (UnicodeDecodeError, csv.Error, EOFError, OSError, zlib.error) as error:
            raise unreadable(path, "ingest.error.header_unreadable", error=error) from None
        found: list[list[str]] = []
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    found.append(cells)
                if len(found) >= rows:
                    break
        except (UnicodeDecodeError, csv.Error, EOFError, OSError, zlib.error):
            pass  # the import itself reports the damage with its line
    return header, found


def _raw(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()
