"""Validation of interchange-format records (spec/FORMAT.md).

Models are strict: ``"csat": false`` or ``"csat": "5"`` is an error, never a
silent conversion. Timestamps must be ISO-8601 strings; one without an offset
is read in the workspace time zone by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError

from kontrol.domain.clock import utcnow
from kontrol.domain.vocabulary import Channel, Direction, Role, Status

# Enums are matched by value from JSON strings; everything else stays strict.
ChannelValue = Annotated[Channel, Strict(False)]
DirectionValue = Annotated[Direction, Strict(False)]
StatusValue = Annotated[Status, Strict(False)]
RoleValue = Annotated[Role, Strict(False)]


EARLIEST = datetime(2000, 1, 1)
AHEAD_YEARS = 10


def _latest() -> datetime:
    now = utcnow()
    try:
        return now.replace(year=now.year + AHEAD_YEARS)
    except ValueError:  # 29 February, ten years on in a common year
        return now.replace(year=now.year + AHEAD_YEARS, day=28)


# The bound only grows while a process runs: a time below the bound at start-up (less
# a year, should the clock be set back) is below it now, without reading the clock.
_SURELY_ACCEPTED = _latest().replace(year=_latest().year - 1, day=28)
_EARLIEST_YEAR = EARLIEST.year  # EARLIEST is the 1st of January
_SURELY_ACCEPTED_YEAR = _SURELY_ACCEPTED.year


def _within_range(moment: datetime) -> datetime:
    # Out-of-range times overflow on the way to UTC (year 9999 with a negative
    # offset) or break the periods and rollups of their whole batch later on, so
    # they are refused here, where the record and its field are still known.
    # The check is on the wall-clock time: an offset moves it by under a day.
    # Most times fall in a whole year well inside the range: one attribute read.
    if _EARLIEST_YEAR <= moment.year < _SURELY_ACCEPTED_YEAR:
        return moment
    wall_clock = moment.replace(tzinfo=None)
    # The clock is read only for times near the bound.
    if EARLIEST <= wall_clock <= _SURELY_ACCEPTED:
        return moment
    if not EARLIEST <= wall_clock <= _latest():
        raise ValueError(
            f"{moment.isoformat()} is outside the accepted range: from "
            f"{EARLIEST.date().isoformat()} to {AHEAD_YEARS} years from now"
        )
    return moment


def _iso_timestamp(value: object) -> datetime:
    if isinstance(value, datetime):
        return _within_range(value)
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 timestamp string")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from None
    return _within_range(moment)


Timestamp = Annotated[datetime, BeforeValidator(_iso_timestamp)]
Seconds = Annotated[float, Field(ge=0)]
Text = Annotated[str, Field(max_length=1_000_000)]
Key = Annotated[str, Field(min_length=1, max_length=200)]
# The column is 100 characters; longer would fail the whole batch on PostgreSQL.
SourceName = Annotated[str, Field(min_length=1, max_length=100)]


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    def extras(self) -> dict[str, Any]:
        """Fields the format does not know; they are kept in ``meta``."""
        return dict(self.model_extra or {})


class MessageRecord(_Record):
    """One message or transcript segment."""

    role: RoleValue
    text: Text
    at: Timestamp | None = None
    start: Seconds | None = None
    end: Seconds | None = None
    author_id: Key | None = None


class SurveyAnswers(_Record):
    """The customer's rating, inline in an interaction."""

    at: Timestamp | None = None
    csat: Annotated[int, Field(ge=1, le=5)] | None = None
    nps: Annotated[int, Field(ge=0, le=10)] | None = None
    ces: Annotated[int, Field(ge=1, le=7)] | None = None
    comment: Text | None = None


class SurveyRecord(SurveyAnswers):
    """A survey that arrives on its own, linked by ``interaction_id``."""

    interaction_id: Key
    source: SourceName | None = None


class InteractionRecord(_Record):
    """One contact between the company and a customer on one channel."""

    id: Key
    source: SourceName = "import"
    channel: ChannelValue
    direction: DirectionValue = Direction.INBOUND
    queued_at: Timestamp | None = None
    started_at: Timestamp
    ended_at: Timestamp | None = None
    wrap_seconds: Seconds | None = None
    status: StatusValue | None = None
    case_id: Key | None = None
    agent_id: Key | None = None
    agent_name: Annotated[str, Field(max_length=200)] | None = None
    team: Annotated[str, Field(max_length=200)] | None = None
    customer_id: Key | None = None
    customer_name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(min_length=2, max_length=10)] | None = None
    topic: Annotated[str, Field(max_length=200)] | None = None
    tags: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list)
    cost: float | None = None
    recording: str | None = None
    messages: list[MessageRecord]
    survey: SurveyAnswers | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class AgentRecord(_Record):
    """An agent (operator) of the workspace."""

    id: Key
    name: Annotated[str, Field(max_length=200)] | None = None
    team: Annotated[str, Field(max_length=200)] | None = None
    hired_at: Timestamp | None = None
    hourly_cost: Annotated[float, Field(ge=0)] | None = None


class OrderRecord(_Record):
    """A customer's order: commercial data for repeat-order and churn metrics."""

    id: Key
    source: SourceName = "import"
    customer_id: Key
    at: Timestamp
    amount: float


class StatusChange(_Record):
    """One entry of a work item's status history."""

    status: Annotated[str, Field(min_length=1, max_length=100)]
    at: Timestamp
    by: Key | None = None


class WorkItemRecord(_Record):
    """A record of a working tool: a CRM deal, a ticket, a task (FORMAT.md extension)."""

    id: Key
    source: SourceName = "import"
    type: Annotated[str, Field(min_length=1, max_length=50)]
    title: Annotated[str, Field(max_length=500)] | None = None
    owner_id: Key | None = None
    owner_name: Annotated[str, Field(max_length=200)] | None = None
    team: Annotated[str, Field(max_length=200)] | None = None
    status: Annotated[str, Field(min_length=1, max_length=100)]
    created_at: Timestamp
    updated_at: Timestamp | None = None
    due_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    customer_id: Key | None = None
    customer_name: Annotated[str, Field(max_length=200)] | None = None
    customer_phone: Annotated[str, Field(max_length=100)] | None = None
    customer_email: Annotated[str, Field(max_length=200)] | None = None
    resolution: Text | None = None
    status_history: list[StatusChange] = Field(default_factory=list)
    fields: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)

    def time_problem(self) -> RecordError | None:
        """An update or closing before the item was created (both with or both
        without an offset; mixed ones are compared after conversion, not here)."""
        for later in ("updated_at", "closed_at"):
            moment = getattr(self, later)
            if moment is None or (moment.tzinfo is None) != (self.created_at.tzinfo is None):
                continue
            if moment < self.created_at:
                return RecordError(f"{moment.isoformat()} is before created_at", later)
        return None


RECORD_MODELS: dict[str, type[_Record]] = {
    "interaction": InteractionRecord,
    "survey": SurveyRecord,
    "agent": AgentRecord,
    "order": OrderRecord,
    "work_item": WorkItemRecord,
}


class RecordError(ValueError):
    """Why one record was rejected, with the field at fault (dotted path)."""

    def __init__(self, message: str, field: str | None = None, *, described: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self._described = described

    def __str__(self) -> str:
        if self.field and not self._described:
            return f"{self.field}: {self.message}"
        return self.message


def _describe(error: ValidationError) -> RecordError:
    problems = error.errors(include_url=False)
    parts = []
    for problem in problems[:3]:
        field = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"]
        if problem["type"] == "missing":
            message = "required field is missing"
        elif problem["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        elif "input" in problem:
            message = f"{message} (got {repr(problem['input'])[:80]})"
        parts.append(f"{field}: {message}" if field else message)
    if len(problems) > 3:
        parts.append(f"{len(problems) - 3} more")
    first_field = ".".join(str(part) for part in problems[0]["loc"]) or None
    return RecordError("; ".join(parts), first_field, described=True)


# Deeper records are refused: nothing in the format nests beyond a few levels, and
# Python's json and the databases fail (500s, lost batches) somewhere near 1,000.
MAX_DEPTH = 64
NUL_IN_TEXT = "a NUL character (\\u0000) is not allowed in text"


def dotted(path: tuple[str | int, ...]) -> str | None:
    """A field's dotted path (``messages.3.text``) as rejects name it."""
    return ".".join(str(part) for part in path) or None


def too_deep(path: tuple[str | int, ...]) -> RecordError:
    """The reject of a value nested beyond ``MAX_DEPTH``, named by its last field name."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return RecordError(f"nested more than {MAX_DEPTH} levels deep", dotted(path))


def unstorable(value: object) -> RecordError | None:
    """Why ``value`` cannot be stored as it is, on either database, or None.

    PostgreSQL refuses NUL in text and NaN or infinity in JSON; nesting beyond
    ``MAX_DEPTH`` is refused everywhere. Keys are text too.
    """
    found = _unstorable(value, 1)
    if found is None:
        return None
    message, reversed_path = found
    path = tuple(reversed(reversed_path))
    return too_deep(path) if message is None else RecordError(message, dotted(path))


def _unstorable(value: object, depth: int) -> tuple[str | None, list[str | int]] | None:
    """The problem (None for too deep) and the path to it, deepest part first.

    Every record passes here, so the path is built only for a problem and the
    common values cost one type test (measured: 17 µs for a record of twelve
    messages, against 52 µs for its validation).
    """
    items: Iterable[tuple[Any, object]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    elif isinstance(value, str):
        return (NUL_IN_TEXT, []) if "\x00" in value else None
    elif isinstance(value, float) and not math.isfinite(value):
        return "not a finite number", []
    else:
        return None
    if depth > MAX_DEPTH:
        return None, []
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return NUL_IN_TEXT, [key]
        kind = type(item)
        if kind is str:
            if "\x00" in item:  # type: ignore[operator]
                return NUL_IN_TEXT, [key]
        elif kind is not int and kind is not bool and item is not None:
            found = _unstorable(item, depth + 1)
            if found is not None:
                found[1].append(key)
                return found
    return None


def parse_record(data: object) -> _Record:
    """Validate one decoded record and return the model for its ``kind``.

    Raises :class:`RecordError` naming the field at fault.
    """
    if not isinstance(data, dict):
        raise RecordError("a record must be a JSON object")
    kind = data.get("kind", "interaction")
    model = RECORD_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(RECORD_MODELS)
        raise RecordError(f"unknown kind {kind!r}; expected one of {known}", "kind")
    problem = unstorable(data)
    if problem is not None:
        raise problem
    body = {key: value for key, value in data.items() if key != "kind"}
    try:
        record = model.model_validate(body)
    except ValidationError as error:
        raise _describe(error) from None
    if isinstance(record, WorkItemRecord):
        problem = record.time_problem()
        if problem is not None:
            raise problem
    return record
