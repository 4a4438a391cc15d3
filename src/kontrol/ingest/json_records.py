"""Decoding JSON records from outside, where Python's reader gives up.

``json.loads`` raises ``RecursionError`` on deep nesting and ``ValueError`` on
an integer of more than 4,300 digits, for the whole text: one hostile record
would crash a file's import or a request's whole batch. Here such a record
becomes a :class:`~kontrol.ingest.schema.RecordError` naming the field at
fault, found by a scan of the text, and a batch is split into its records so
that the others are read as usual. The scan runs only after the fast reader
failed.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from kontrol.ingest.schema import MAX_DEPTH, RecordError, dotted, too_deep

# A string, a punctuation mark, or anything else up to the next one (numbers, literals).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)
_NUMBER_PARTS = re.compile(r"[.eE]")


@dataclass
class _Level:
    """One open object or array while scanning: the key or index being read."""

    is_object: bool
    key: str | int | None
    expects_key: bool = True


def loads_record(text: str) -> Any:
    """``json.loads(text)``; raises :class:`RecordError` where Python's reader gives up.

    Broken JSON still raises ``json.JSONDecodeError``.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):
        raise _locate(text) from None


def decode_value(decoder: json.JSONDecoder, text: str, index: int) -> tuple[Any | RecordError, int]:
    """``decoder.raw_decode(text, index)``: the value at ``index`` and where it ends.

    Where Python's reader gives up, the value is a :class:`RecordError` naming
    the field, and the end is found by a scan, so reading can go on after it.
    Broken JSON still raises ``json.JSONDecodeError``.
    """
    try:
        return decoder.raw_decode(text, index)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):
        end = _value_end(text, index)
        return _locate(text[index:end]), end


def _value_end(text: str, index: int) -> int:
    """Where the JSON value starting at ``index`` ends (its brackets balance)."""
    depth = 0
    for match in _TOKEN.finditer(text, index):
        token = match.group()
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
        if depth <= 0:
            return match.end()
    return len(text)


def _locate(text: str) -> RecordError:
    """The field where ``text`` nests too deeply or holds an unreadable number."""
    levels: list[_Level] = []
    digits = sys.get_int_max_str_digits() or sys.maxsize
    for match in _TOKEN.finditer(text):
        token = match.group()
        top = levels[-1] if levels else None
        if token in ("{", "["):
            if len(levels) >= MAX_DEPTH:
                return too_deep(_path(levels))
            levels.append(_Level(token == "{", None if token == "{" else 0))
        elif token in ("}", "]"):
            if levels:
                levels.pop()
        elif token == ",":
            if top is not None and top.is_object:
                top.expects_key = True
            elif top is not None and isinstance(top.key, int):
                top.key += 1
        elif token == ":":
            if top is not None:
                top.expects_key = False
        elif token.startswith('"'):
            if top is not None and top.is_object and top.expects_key:
                top.key = _key(token)
        elif len(token.lstrip("-")) > digits and not _NUMBER_PARTS.search(token):
            return RecordError(
                f"a number of more than {digits:,} digits cannot be read", dotted(_path(levels))
            )
    return RecordError("cannot be read as JSON")


def _path(levels: list[_Level]) -> tuple[str | int, ...]:
    return tuple(level.key for level in levels if level.key is not None)


def _key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token.strip('"')
    return key if isinstance(key, str) else token


def split_array(text: str) -> list[str]:
    """The texts of the elements of the JSON array ``text``, without decoding them.

    Raises ``json.JSONDecodeError`` when ``text`` is not one array.
    """
    elements: list[str] = []
    depth = 0
    start: int | None = None
    end = -1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if depth == 0:
            if token != "[" or end >= 0:
                raise json.JSONDecodeError("expected one array", text, match.start())
            depth, start = 1, match.end()
        elif token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
            if depth == 0:
                end = match.start()
                if text[start:end].strip() or elements:
                    elements.append(text[start:end])
        elif token == "," and depth == 1:
            elements.append(text[start : match.start()])
            start = match.end()
    if depth != 0 or end < 0:
        raise json.JSONDecodeError("unclosed [", text, len(text))
    return elements
