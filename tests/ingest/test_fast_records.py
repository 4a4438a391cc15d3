"""The hand-checked interaction path gives exactly what the strict models give.

``fast_interaction`` either returns the very record ``parse_record`` returns
(same field values and types, same extras, same fields set) or steps aside
(``None``) so that the strict path rejects, converts or names the field. Each
tricky record below is held to that, and so is what the import stores.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from kontrol.accounts.workspaces import ensure_workspace
from kontrol.ingest.batches import validate_record
from kontrol.ingest.fast_records import fast_interaction
from kontrol.ingest.importing import import_file
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import InteractionRecord, RecordError, parse_record
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import interactions, messages, surveys

BASE: dict[str, Any] = {
    "id": "t-1",
    "source": "demo",
    "channel": "chat",
    "queued_at": "2026-08-21T08:29:14+03:00",
    "started_at": "2026-08-21T08:32:00+03:00",
    "ended_at": "2026-08-21T09:40:23+03:00",
    "wrap_seconds": 39,
    "status": "resolved",
    "agent_id": "a10",
    "agent_name": "Daniel Brooks",
    "team": "EN Desk",
    "customer_id": "c0630",
    "customer_name": "Мария",
    "language": "en",
    "topic": "delivery",
    "tags": ["vip", "complaint"],
    "cost": 94.89,
    "messages": [
        {"role": "customer", "text": "Где мой заказ?", "at": "2026-08-21T08:29:14+03:00"},
        {"role": "agent", "text": "Проверяю.", "at": "2026-08-21T08:53:05"},
        {"role": "agent", "text": "", "start": 0, "end": 2.5, "author_id": "a10"},
    ],
    "survey": {"csat": 5, "nps": 10, "comment": "спасибо"},
}


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    target: Any = record
    for part in path[:-1]:
        target = target[part]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return record


_DROP = object()
_DEEP: Any = 1
for _ in range(70):
    _DEEP = {"a": _DEEP}

TRICKY: list[tuple[tuple[str | int, ...], Any]] = [
    (("wrap_seconds",), 0),
    (("wrap_seconds",), -1),
    (("wrap_seconds",), 1.5),
    (("wrap_seconds",), True),
    (("wrap_seconds",), 2**60),
    (("wrap_seconds",), math.inf),
    (("wrap_seconds",), math.nan),
    (("wrap_seconds",), "39"),
    (("cost",), -3),
    (("cost",), None),
    (("survey", "csat"), True),
    (("survey", "csat"), 5.0),
    (("survey", "csat"), 6),
    (("survey", "nps"), 0),
    (("survey", "ces"), "3"),
    (("survey", "extra"), 1),
    (("survey",), None),
    (("survey",), []),
    (("started_at",), "2026-01-01"),
    (("started_at",), " 2026-01-01T10:00:00Z "),
    (("started_at",), "9999-12-31T23:59:59-12:00"),
    (("started_at",), "1999-12-31T23:59:59+14:00"),
    (("started_at",), "2000-01-01T00:00:00"),
    (("started_at",), f"{datetime.now().year + 9}-12-31T23:00:00"),
    (("started_at",), f"{datetime.now().year + 11}-01-01T00:00:00"),
    (("started_at",), "2026-13-01T00:00:00"),
    (("started_at",), 20260101),
    (("started_at",), None),
    (("started_at",), _DROP),
    (("queued_at",), None),
    (("id",), ""),
    (("id",), "x" * 200),
    (("id",), "x" * 201),
    (("id",), 7),
    (("id",), "a\x00b"),
    (("id",), "a\ud800"),
    (("customer_name",), "😀" * 200),
    (("customer_name",), "😀" * 201),
    (("language",), "r"),
    (("language",), "ru-RU-x-long"),
    (("tags",), ["a", 1]),
    (("tags",), "vip"),
    (("tags",), []),
    (("tags",), _DROP),
    (("meta",), {"crm": {"deal": [1, 2.5, None, True]}}),
    (("meta",), {"k": "a\x00"}),
    (("meta",), {"a\x00": 1}),
    (("meta",), {"x": math.inf}),
    (("meta",), _DEEP),
    (("meta",), [1]),
    (("extra_field",), {"kept": "in meta"}),
    (("kind",), "interaction"),
    (("channel",), "CHAT"),
    (("channel",), "call"),
    (("direction",), None),
    (("direction",), "outbound"),
    (("status",), None),
    (("status",), "bogus"),
    (("recording",), "https://example.org/r.mp3"),
    (("messages",), []),
    (("messages",), {}),
    (("messages", 0), "text"),
    (("messages", 0, "role"), "Agent"),
    (("messages", 0, "text"), None),
    (("messages", 0, "text"), "a\x00"),
    (("messages", 0, "text"), "\udc00"),
    (("messages", 0, "at"), "yesterday"),
    (("messages", 0, "at"), None),
    (("messages", 0, "seq"), 1),
    (("messages", 2, "start"), -0.5),
    (("messages", 2, "end"), 10**30),
    (("messages", 2, "author_id"), ""),
]


def _strict(data: dict[str, Any]) -> InteractionRecord | RecordError:
    try:
        record = parse_record(data)
    except RecordError as error:
        return error
    assert isinstance(record, InteractionRecord)
    return record


def _same(fast: Any, strict: Any) -> None:
    """Equal values of equal types, extras and fields set alike, all the way down."""
    assert type(fast) is type(strict)
    if isinstance(fast, BaseModel):
        assert fast.model_fields_set == strict.model_fields_set
        assert fast.model_extra == strict.model_extra
        assert list(fast.__dict__) == list(strict.__dict__)
        for name in type(fast).model_fields:
            _same(getattr(fast, name), getattr(strict, name))
    elif isinstance(fast, list):
        assert len(fast) == len(strict)
        for one, other in zip(fast, strict, strict=True):
            _same(one, other)
    elif isinstance(fast, datetime):
        assert fast == strict and repr(fast) == repr(strict)
    else:
        assert fast == strict and repr(fast) == repr(strict)


def test_a_plain_record_takes_the_fast_path_and_equals_the_strict_one() -> None:
    fast = fast_interaction(copy.deepcopy(BASE))
    assert fast is not None
    _same(fast, _strict(copy.deepcopy(BASE)))


@pytest.mark.parametrize(("path", "value"), TRICKY, ids=[repr(case)[:60] for case in TRICKY])
def test_tricky_records_give_what_the_strict_path_gives(
    path: tuple[str | int, ...], value: Any
) -> None:
    data = _with(path, value)
    strict = _strict(copy.deepcopy(data))
    fast = fast_interaction(copy.deepcopy(data))
    if fast is not None:
        assert not isinstance(strict, RecordError), f"fast path accepted what is refused: {strict}"
        _same(fast, strict)
    # Whatever path it takes, validating the line gives the strict outcome.
    raw = json.dumps(data, ensure_ascii=False)
    outcome = validate_record(SourceRecord(3, raw, copy.deepcopy(data)))
    if isinstance(strict, RecordError):
        assert isinstance(outcome, RecordError)
        assert (str(outcome), outcome.field) == (str(strict), strict.field)
    else:
        assert not isinstance(outcome, RecordError)
        _same(outcome[0], strict)


def _stored(tmp_path: Path, name: str, lines: list[str]) -> list[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    upgrade(engine)
    workspace = ensure_workspace(engine, "fast", "Europe/Moscow")
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(engine=engine, workspace=workspace, path=path, publish_events=lambda events: None)
    with engine.connect() as connection:
        rows: list[Any] = [report.imported, report.rejected]
        for table, order in (
            (interactions, interactions.c.external_id),
            (messages, messages.c.id),
            (surveys, surveys.c.interaction_external_id),
        ):
            for row in connection.execute(select(table).order_by(order)):
                values = dict(row._mapping)
                for volatile in ("id", "imported_at", "updated_at", "interaction_id"):
                    values.pop(volatile, None)
                rows.append(values)
    engine.dispose()
    return rows


def test_the_fast_path_stores_the_same_rows_as_the_strict_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = []
    for number, (path, value) in enumerate(TRICKY):
        data = _with(path, value)
        if "id" not in path:
            data["id"] = f"t-{number}"
        lines.append(json.dumps(data))  # lone surrogates escaped
    fast_rows = _stored(tmp_path, "fast", lines)
    monkeypatch.setattr("kontrol.ingest.batches.fast_interaction", lambda data: None)
    strict_rows = _stored(tmp_path, "strict", lines)
    assert fast_rows[0] > 20 and fast_rows[1] > 20  # both kinds of outcome are compared
    assert fast_rows == strict_rows
