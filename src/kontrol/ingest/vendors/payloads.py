"""Reading vendor files: JSON payloads, collected into one record per conversation.

A vendor file holds one JSON payload, a JSON array of payloads, JSON Lines of
payloads, or several pretty-printed payloads one after another;
:func:`read_payloads` yields each with the 1-based line where it starts. A
payload that cannot be decoded becomes a reject and reading goes on at the next
line that starts a new value. :func:`read` is every vendor importer's reading
loop: each payload goes to the vendor's :class:`Collector`, which then gives
one FORMAT.md record per conversation it gathered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kontrol.ingest.files import open_binary, unreadable
from kontrol.ingest.json_records import decode_value
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import RecordError

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Payload:
    """One decoded JSON value of a vendor file and where it starts."""

    line: int
    raw: str
    value: Any


class VendorReject(ValueError):
    """A payload that cannot become a FORMAT.md record; ``field`` is the vendor field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Collector(Protocol):
    """Gathers a vendor file's payloads (a ticket, its comments, its rating...) by conversation."""

    def add(self, payload: Payload) -> SourceRecord | None:
        """Take one payload; a reject when it cannot belong to any conversation."""

    def records(self) -> Iterator[SourceRecord]:
        """One FORMAT.md record (or reject) per conversation gathered."""


def read(path: Path, collector: Collector) -> Iterator[SourceRecord]:
    """The records of a vendor file: its payloads gathered by ``collector``.

    Undecodable text and payloads the collector refuses come first, as they are
    met; the conversations follow once the whole file is read, because their
    parts may be spread over it.
    """
    for item in read_payloads(path):
        if isinstance(item, SourceRecord):
            yield item
            continue
        reject = collector.add(item)
        if reject is not None:
            yield reject
    yield from collector.records()


def read_text(path: Path) -> str:
    """The whole file as text (``.gz`` decompressed, BOM removed)."""
    with open_binary(path) as handle:
        try:
            data = handle.read()
        except (EOFError, OSError) as error:
            raise unreadable(path, "ingest.error.unreadable", error=error) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise unreadable(path, "ingest.error.not_utf8_byte", start=error.start) from None


class _Lines:
    """Line numbers of offsets in a text, computed incrementally."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def at(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _next_line_start(text: str, index: int) -> int:
    """The offset of the next line that starts a JSON object or array."""
    while True:
        newline = text.find("\n", index)
        if newline < 0:
            return len(text)
        index = newline + 1
        if index < len(text) and text[index] in "{[":
            return index


def _broken(lines: _Lines, text: str, start: int, error: json.JSONDecodeError) -> SourceRecord:
    end = text.find("\n", start)
    raw = text[start : end if end >= 0 else len(text)]
    return SourceRecord(
        lines.at(start),
        raw,
        None,
        f"broken JSON: {error.msg} at line {error.lineno} column {error.colno}",
    )


def _payload(line: int, raw: str, value: Any) -> Payload | SourceRecord:
    """A decoded payload, or the reject of one too deep or with a number too long to read."""
    if isinstance(value, RecordError):
        return SourceRecord(line, raw, None, value.message, value.field)
    return Payload(line, raw, value)


def read_payloads(path: Path) -> Iterator[Payload | SourceRecord]:
    """Yield each JSON payload of ``path``; undecodable text becomes a reject.

    The elements of a top-level JSON array are yielded one by one, each with the
    line where it starts.
    """
    text = read_text(path)
    lines = _Lines(text)
    index = _skip_space(text, 0)
    while index < len(text):
        if text[index] == "[":
            index = yield from _array(text, index, lines)
            index = _skip_space(text, index)
            continue
        try:
            value, end = decode_value(_DECODER, text, index)
        except json.JSONDecodeError as error:
            if error.pos == index:
                yield SourceRecord(
                    lines.at(index),
                    text[index : text.find("\n", index) if "\n" in text[index:] else len(text)],
                    None,
                    f"unexpected text {text[index : index + 20]!r} where a JSON value should start",
                )
            else:
                yield _broken(lines, text, index, error)
            index = _skip_space(text, _next_line_start(text, index))
            continue
        yield _payload(lines.at(index), text[index:end], value)
        index = _skip_space(text, end)


def _array(text: str, index: int, lines: _Lines) -> Generator[Payload | SourceRecord, None, int]:
    """Yield the elements of the array at ``index``; return the offset after it."""
    start = index
    index = _skip_space(text, index + 1)
    if index < len(text) and text[index] == "]":
        return index + 1
    while index < len(text):
        try:
            value, end = decode_value(_DECODER, text, index)
        except json.JSONDecodeError as error:
            yield _broken(lines, text, index, error)
            return _next_line_start(text, index)
        yield _payload(lines.at(index), text[index:end], value)
        index = _skip_space(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
            continue
        if index < len(text) and text[index] == "]":
            return index + 1
        yield SourceRecord(
            lines.at(index),
            text[start : start + 200],
            None,
            "broken JSON: expected ',' or ']' between array elements",
        )
        return _next_line_start(text, index)
    yield SourceRecord(lines.at(start), text[start : start + 200], None, "broken JSON: unclosed [")
    return len(text)


def mapped(line: int, raw: str, build: Callable[[], dict[str, Any]], what: str) -> SourceRecord:
    """Run ``build``; a :class:`VendorReject` or a malformed payload becomes a reject."""
    try:
        return SourceRecord(line, raw, build())
    except VendorReject as error:
        return SourceRecord(line, raw, None, error.message, error.field)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        return SourceRecord(
            line, raw, None, f"unexpected {what} payload shape: {type(error).__name__}: {error}"
        )


def join_raw(parts: Iterable[str]) -> str:
    """The raw texts of several payloads, one per line."""
    return "\n".join(parts)
