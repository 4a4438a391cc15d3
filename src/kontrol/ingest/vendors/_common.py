"""Helpers shared by the vendor importers: reading JSON payloads, times, text.

A vendor file holds one JSON payload, a JSON array of payloads, JSON Lines of
payloads, or several pretty-printed payloads one after another;
:func:`read_payloads` yields each with the 1-based line where it starts. A
payload that cannot be decoded becomes a reject and reading goes on at the next
line that starts a new value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from kontrol.domain.errors import Unreadable
from kontrol.ingest.files import open_binary
from kontrol.ingest.registry import SourceRecord

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Payload:
    """One decoded JSON value of a vendor file and where it starts."""

    line: int
    raw: str
    value: Any


class Reject(ValueError):
    """A payload that cannot become a FORMAT.md record; ``field`` is the vendor field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def read_text(path: Path) -> str:
    """The whole file as text (``.gz`` decompressed, BOM removed)."""
    with open_binary(path) as handle:
        try:
            data = handle.read()
        except (EOFError, OSError) as error:
            raise Unreadable(f"{path}: cannot be read ({error})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"{path}: not valid UTF-8 at byte {error.start}") from None


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
            value, end = _DECODER.raw_decode(text, index)
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
        yield Payload(lines.at(index), text[index:end], value)
        index = _skip_space(text, end)


def _array(text: str, index: int, lines: _Lines) -> Generator[Payload | SourceRecord, None, int]:
    """Yield the elements of the array at ``index``; return the offset after it."""
    start = index
    index = _skip_space(text, index + 1)
    if index < len(text) and text[index] == "]":
        return index + 1
    while index < len(text):
        try:
            value, end = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as error:
            yield _broken(lines, text, index, error)
            return _next_line_start(text, index)
        yield Payload(lines.at(index), text[index:end], value)
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


def to_time(value: object, field: str) -> str:
    """ISO-8601 with an offset from a vendor time (epoch seconds/ms or ISO text).

    Vendor APIs send UTC; a time without an offset is therefore read as UTC.
    """
    moment: datetime
    if isinstance(value, bool) or value is None or value == "":
        raise Reject(f"no time in {field}", field)
    if isinstance(value, int | float):
        seconds = float(value) / 1000 if value > 100_000_000_000 else float(value)
        try:
            moment = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise Reject(f"{field}: {value!r} is not a valid time", field) from None
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
            return to_time(float(text), field)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Reject(f"{field}: {value!r} is not an ISO-8601 time", field) from None
    else:
        raise Reject(f"{field}: {value!r} is not a time", field)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def maybe_time(value: object, field: str) -> str | None:
    """Like :func:`to_time`, but ``None`` for an absent or unreadable time."""
    if value is None or value == "":
        return None
    try:
        return to_time(value, field)
    except Reject:
        return None


def as_id(value: object) -> str | None:
    """A vendor id as a non-empty string, or ``None``."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_text(value: object) -> str | None:
    """A non-empty stripped string, or ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, blocks on their own lines."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without ``None`` values, empty lists and empty ``meta``."""
    return {
        key: value
        for key, value in record.items()
        if value is not None and not (key in ("tags", "meta") and not value)
    }


def language_code(value: object) -> str | None:
    """``en-US`` -> ``en``; ``None`` when absent."""
    text = as_text(value)
    if text is None:
        return None
    primary = text.replace("_", "-").split("-")[0].lower()
    return primary if 2 <= len(primary) <= 10 else None


def mapped(line: int, raw: str, build: Callable[[], dict[str, Any]], what: str) -> SourceRecord:
    """Run ``build``; a :class:`Reject` or a malformed payload becomes a reject."""
    try:
        return SourceRecord(line, raw, build())
    except Reject as error:
        return SourceRecord(line, raw, None, error.message, error.field)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        return SourceRecord(
            line, raw, None, f"unexpected {what} payload shape: {type(error).__name__}: {error}"
        )


def join_raw(parts: Iterable[str]) -> str:
    """The raw texts of several payloads, one per line."""
    return "\n".join(parts)
