"""The common interaction record checked by hand: the strict models' result, faster.

Validating an interaction of ten messages through the pydantic models costs
about 140 µs on the bench machine, most of it in the Python timestamp validator
called from pydantic-core and in the storability scan (NUL, non-finite numbers,
nesting). A record made only of the format's own fields with plain values is
checked here in one pass and the models are filled in directly. Anything else
(a field the format does not know, a value the strict models might refuse or
convert, a lone surrogate, a number beyond 2⁵³) makes :func:`fast_interaction`
return ``None``: the strict path then decides and names the line and field of
every reject. ``tests/ingest/test_fast_records.py`` holds both paths to the
same records on tricky input.
"""

from __future__ import annotations

import math
import re
from typing import Any

from kontrol.domain.vocabulary import Channel, Direction, Role, Status
from kontrol.ingest.schema import (
    InteractionRecord,
    MessageRecord,
    SurveyAnswers,
    _iso_timestamp,
    _unstorable,
)

# NUL (refused by PostgreSQL) and lone surrogates (refused by the strict models).
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# Larger integers may not convert to a float exactly: left to the strict path.
_EXACT = 2**53
_TEXT = 1_000_000

_CHANNELS: dict[object, Channel] = {member.value: member for member in Channel}
_DIRECTIONS: dict[object, Direction] = {member.value: member for member in Direction}
_STATUSES: dict[object, Status] = {member.value: member for member in Status}
_ROLES: dict[object, Role] = {member.value: member for member in Role}

_MESSAGE_FIELDS = frozenset(MessageRecord.model_fields)
_SURVEY_FIELDS = frozenset(SurveyAnswers.model_fields)
_INTERACTION_FIELDS = frozenset(InteractionRecord.model_fields) | {"kind"}

_new = object.__new__
_set = object.__setattr__


class _Unusual(Exception):
    """The record needs the strict path."""


_UNUSUAL = _Unusual()


def _text(value: object, shortest: int, longest: int) -> str:
    if (
        type(value) is not str
        or not shortest <= len(value) <= longest
        or _BAD_CHARACTER.search(value)
    ):
        raise _UNUSUAL
    return value


def _optional_text(value: object, shortest: int, longest: int) -> str | None:
    return None if value is None else _text(value, shortest, longest)


def _moment(value: object) -> Any:
    if value is None:
        return None
    if type(value) is not str:
        raise _UNUSUAL
    try:
        return _iso_timestamp(value)
    except ValueError:
        raise _UNUSUAL from None


def _number(value: object, *, seconds: bool) -> float | None:
    kind = type(value)
    if value is None:
        return None
    if kind is float:
        number: float = value  # type: ignore[assignment]
        if not math.isfinite(number):
            raise _UNUSUAL
    elif kind is int and -_EXACT <= value <= _EXACT:  # type: ignore[operator]
        number = float(value)  # type: ignore[arg-type]
    else:
        raise _UNUSUAL
    if seconds and number < 0:
        raise _UNUSUAL
    return number


def _score(value: object, lowest: int, highest: int) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not lowest <= value <= highest:
        raise _UNUSUAL
    return value


def _member(members: dict[object, Any], value: object) -> Any:
    member = members.get(value) if type(value) is str else None
    if member is None:
        raise _UNUSUAL
    return member


def _model(model: type[Any], values: dict[str, Any], given: set[str]) -> Any:
    """An instance of ``model`` holding ``values`` (every field, in the model's order),
    as pydantic's own validation would leave it."""
    record = _new(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", given)
    _set(record, "__pydantic_extra__", {})
    _set(record, "__pydantic_private__", None)
    return record


def _message(data: object) -> MessageRecord:
    if type(data) is not dict or not _MESSAGE_FIELDS.issuperset(data):
        raise _UNUSUAL
    get = data.get
    if "role" not in data or "text" not in data:
        raise _UNUSUAL
    values = {
        "role": _member(_ROLES, data["role"]),
        "text": _text(data["text"], 0, _TEXT),
        "at": _moment(get("at")),
        "start": _number(get("start"), seconds=True),
        "end": _number(get("end"), seconds=True),
        "author_id": _optional_text(get("author_id"), 1, 200),
    }
    return _model(MessageRecord, values, set(data))  # type: ignore[no-any-return]


def _survey(data: object) -> SurveyAnswers | None:
    if data is None:
        return None
    if type(data) is not dict or not _SURVEY_FIELDS.issuperset(data):
        raise _UNUSUAL
    get = data.get
    values = {
        "at": _moment(get("at")),
        "csat": _score(get("csat"), 1, 5),
        "nps": _score(get("nps"), 0, 10),
        "ces": _score(get("ces"), 1, 7),
        "comment": _optional_text(get("comment"), 0, _TEXT),
    }
    return _model(SurveyAnswers, values, set(data))  # type: ignore[no-any-return]


def _tags(value: object) -> list[str]:
    if type(value) is not list:
        raise _UNUSUAL
    return [_text(tag, 0, 200) for tag in value]


def _meta(value: object) -> dict[str, Any]:
    # Any JSON object is accepted as it is; only what no database can store is
    # refused, by the strict path (which names the field).
    if type(value) is not dict or _unstorable(value, 2) is not None:
        raise _UNUSUAL
    return value  # type: ignore[return-value]


def fast_interaction(data: dict[str, Any]) -> InteractionRecord | None:
    """``data`` as the strict model would validate it, or ``None`` when unsure.

    ``None`` never means the record is bad: the caller then validates it strictly.
    """
    if not _INTERACTION_FIELDS.issuperset(data):
        return None  # fields the format does not know go to meta: the strict path
    get = data.get
    try:
        if "id" not in data or "channel" not in data or "started_at" not in data:
            raise _UNUSUAL
        messages = data.get("messages")
        if type(messages) is not list:
            raise _UNUSUAL
        direction = get("direction", Direction.INBOUND.value)
        status = get("status")
        values = {
            "id": _text(data["id"], 1, 200),
            "source": _text(get("source", "import"), 1, 100),
            "channel": _member(_CHANNELS, data["channel"]),
            "direction": _member(_DIRECTIONS, direction),
            "queued_at": _moment(get("queued_at")),
            "started_at": _moment(data["started_at"]),
            "ended_at": _moment(get("ended_at")),
            "wrap_seconds": _number(get("wrap_seconds"), seconds=True),
            "status": None if status is None else _member(_STATUSES, status),
            "case_id": _optional_text(get("case_id"), 1, 200),
            "agent_id": _optional_text(get("agent_id"), 1, 200),
            "agent_name": _optional_text(get("agent_name"), 0, 200),
            "team": _optional_text(get("team"), 0, 200),
            "customer_id": _optional_text(get("customer_id"), 1, 200),
            "customer_name": _optional_text(get("customer_name"), 0, 200),
            "language": _optional_text(get("language"), 2, 10),
            "topic": _optional_text(get("topic"), 0, 200),
            "tags": _tags(get("tags", [])),
            "cost": _number(get("cost"), seconds=False),
            "recording": _optional_text(get("recording"), 0, _TEXT),
            "messages": [_message(message) for message in messages],
            "survey": _survey(get("survey")),
            "meta": _meta(get("meta", {})),
        }
    except _Unusual:
        return None
    if values["started_at"] is None:
        return None
    given = set(data)
    given.discard("kind")
    return _model(InteractionRecord, values, given)  # type: ignore[no-any-return]
