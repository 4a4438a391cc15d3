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
validation to reject, naming the field.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from kontrol.ingest.files import open_binary, unreadable
from kontrol.ingest.json_records import loads_record
from kontrol.ingest.registry import Importer, SourceRecord, register_importer
from kontrol.ingest.schema import RecordError

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
    ) -> None:
        # field -> the file's column that holds it; field -> one value for every row.
        self.columns = dict(columns or {})
        self.fixed = {name: value for name, value in (fixed or {}).items() if value}
        self.date_shapes = DATE_FORMATS.get(dates, ())

    def renamed(self, header: list[str]) -> list[str]:
        """The header as fields: mapped columns by their field, the rest under ``meta.``."""
        if not self.columns and not self.fixed:
            return header
        field_of = {column: field for field, column in self.columns.items() if column}
        return [field_of[column] if column in field_of else f"meta.{column}" for column in header]

    def read(self, path: Path) -> Iterator[SourceRecord]:
        with open_binary(path) as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
            yield from self._rows(text, path)

    def _rows(self, text: io.TextIOWrapper, path: Path) -> Iterator[SourceRecord]:
        reader = csv.reader(text)
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
    ) -> Iterator[tuple[int, str, dict[str, str] | None, str | None]]:
        """Yield ``(line, raw, row, error)`` for each data row."""
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
                yield line, "", None, f"broken CSV: {error}"
                continue
            except (EOFError, OSError, zlib.error) as error:
                raise unreadable(
                    path, "ingest.error.stopped_near", line=line, error=error
                ) from None
            if not any(cell.strip() for cell in cells):
                continue
            raw = _raw(cells)
            if len(cells) > len(header):
                yield line, raw, None, f"{len(cells)} cells but the header names {len(header)}"
                continue
            row = dict(zip(header, cells, strict=False))
            for field, value in self.fixed.items():
                if not row.get(field):
                    row[field] = value
            if self.date_shapes:
                for column in _TIMES.intersection(row):
                    row[column] = iso_time(row[column], self.date_shapes)
            yield line, raw, row, None

    def _records(self, reader: Any, header: list[str], path: Path) -> Iterator[SourceRecord]:
        for line, raw, row, error in self._numbered(reader, header, path):
            if row is None:
                yield SourceRecord(line, raw, None, error)
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
        for line, raw, row, error in self._numbered(reader, header, path):
            if row is None:
                yield SourceRecord(line, raw, None, error)
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
                current["messages"].append(message)
        if current is not None:
            yield SourceRecord(first_line, "\n".join(raws), current)


def iso_time(cell: str, shapes: tuple[str, ...]) -> str:
    """``cell`` in ISO-8601 when it has one of ``shapes``; else unchanged (validation names it)."""
    text = cell.strip()
    for shape in shapes:
        try:
            return datetime.strptime(text, shape).isoformat()
        except ValueError:
            continue
    return cell


def guess_date_format(cells: list[str]) -> str:
    """The :data:`DATE_FORMATS` entry the sample ``cells`` are written in (``iso`` if unsure)."""
    for name, shapes in DATE_FORMATS.items():
        if shapes and cells and all(iso_time(cell, shapes) != cell for cell in cells if cell):
            return name
    return "iso"


def csv_header_and_rows(path: Path, rows: int = 5) -> tuple[list[str], list[list[str]]]:
    """The header of a CSV file (plain or ``.gz``) and its first ``rows`` data rows.

    Raises :class:`~kontrol.domain.errors.Unreadable` when the header cannot be
    read; rows after damage are simply not shown.
    """
    with open_binary(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text)
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
