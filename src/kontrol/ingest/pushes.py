"""The ingest API's use case: records pushed over HTTP, through the import pipeline.

A request carries one FORMAT.md record (a JSON object) or a batch (a JSON
array). Each record goes the way a line of a file goes (validation, upsert by
``(source, id)``, rejects stored under ``api:<key name>`` with the record's
index as its line), so the API and ``kontrol import`` can never disagree. An
``Idempotency-Key`` makes a repeated request answer what the first one
answered without storing anything again.

What reacts to stored records (scoring, KPI facts and rollups, alert rules,
review routing) runs in one of two ways:

* by default a request is answered once its records are committed, together
  with their rows in the effects backlog (ingest/effects_backlog.py), which
  drainers work off in batches a moment later. The clean interaction requests
  that arrive together are also stored together, in one transaction
  (``StoreBatcher``, a group commit): most of the cost is per SQL statement,
  not per record (docs/benchmarks.md, "Ingest API").
* with ``wait=True`` (``?wait=true``) the effects run before the answer, once
  for all the waiting requests that arrive together (``EventBatcher``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from kontrol.accounts.apikeys import ApiKey
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.ingest.batches import validate_record
from kontrol.ingest.group_commits import EventBatcher, StoreBatcher
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_records
from kontrol.ingest.json_records import loads_record, split_array
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import InteractionRecord, RecordError, unstorable
from kontrol.store.tables import idempotency_keys

MAX_BATCH = 1000
MAX_BODY_BYTES = 20 * 1024 * 1024
IDEMPOTENCY_HOURS = 24
RECORD_KINDS = {"interactions": "interaction", "surveys": "survey", "work-items": "work_item"}


@dataclass(frozen=True)
class UnreadableRecord:
    """A record of a request that cannot be read or kept as it is: its text and why."""

    raw: str
    error: RecordError


@dataclass(frozen=True)
class IngestAnswer:
    """The HTTP status and JSON body of an ingest request."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


# The process's group commits, shared by every request the web app serves.
_BATCHER = EventBatcher()
_STORES = StoreBatcher()


def _clean_interactions(
    records: Sequence[SourceRecord],
) -> list[tuple[InteractionRecord, str]] | None:
    """The records validated, when all are interactions with distinct keys; else None."""
    found: list[tuple[InteractionRecord, str]] = []
    keys: set[tuple[str, str]] = set()
    for source in records:
        outcome = validate_record(source)
        if isinstance(outcome, RecordError) or not isinstance(outcome[0], InteractionRecord):
            return None
        record = outcome[0]
        if (record.source, record.id) in keys:
            return None
        keys.add((record.source, record.id))
        found.append((record, outcome[1]))
    return found


def _records(payload: Any, kind: str) -> Iterator[SourceRecord]:
    items = payload if isinstance(payload, list) else [payload]
    for index, item in enumerate(items):
        if isinstance(item, UnreadableRecord):
            yield SourceRecord(index, item.raw, None, item.error.message, item.error.field)
            continue
        raw = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        if not isinstance(item, dict):
            yield SourceRecord(index, raw, None, "a record must be a JSON object")
            continue
        given = item.get("kind", kind)
        if given != kind:
            yield SourceRecord(
                index,
                raw,
                None,
                f"this endpoint takes {kind} records, not {given!r}",
                "kind",
            )
            continue
        if kind != "interaction" and "kind" not in item:
            item = {"kind": kind, **item}
        yield SourceRecord(index, raw, item)


def _answer(report: ImportReport, count: int, *, waited: bool) -> IngestAnswer:
    body: dict[str, Any] = {
        "received": count,
        # done: scored, counted and alerted on before this answer; queued: a moment later.
        "effects": "done" if waited else "queued",
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "rejects": [
            {"index": reject.line, "field": reject.field, "error": reject.error}
            for reject in report.rejects
        ],
    }
    if report.rejected:
        body["detail"] = (
            f"{report.rejected} of {count} records rejected (see rejects: index and field); "
            "the others were stored"
        )
        return IngestAnswer(422, body)
    return IngestAnswer(200, body)


def parse_body(body: bytes) -> Any:
    """The request's JSON: an object or an array of at most ``MAX_BATCH`` records."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput(
            f"body: at most {MAX_BODY_BYTES // (1024 * 1024)} MB per request",
            key="ingest.error.body_too_big",
            params={"megabytes": MAX_BODY_BYTES // (1024 * 1024)},
            where_key="error.where.field",
            where_params={"field": "body"},
        )
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise InvalidInput(
            "body: not valid UTF-8",
            key="ingest.error.body_not_utf8",
            where_key="error.where.field",
            where_params={"field": "body"},
        ) from None
    except json.JSONDecodeError as error:
        raise _broken(error) from None
    except (RecursionError, ValueError):
        payload = _read_each(body)
    else:
        if any(unstorable(item) for item in (payload if isinstance(payload, list) else [payload])):
            # Read again record by record: each one's own text is kept with its reject.
            payload = _read_each(body)
    if isinstance(payload, list):
        if not payload:
            raise InvalidInput(
                "body: an empty batch",
                key="ingest.error.empty_batch",
                where_key="error.where.field",
                where_params={"field": "body"},
            )
        if len(payload) > MAX_BATCH:
            raise InvalidInput(
                f"body: at most {MAX_BATCH} records per request",
                key="ingest.error.batch_too_big",
                params={"MAX_BATCH": MAX_BATCH},
                where_key="error.where.field",
                where_params={"field": "body"},
            )
    elif not isinstance(payload, dict | UnreadableRecord):
        raise InvalidInput(
            "body: a record (JSON object) or a batch (JSON array) of records",
            key="ingest.error.body_shape",
            where_key="error.where.field",
            where_params={"field": "body"},
        )
    return payload


def _broken(error: json.JSONDecodeError) -> InvalidInput:
    return InvalidInput(
        f"body: broken JSON: {error.msg} at line {error.lineno} column {error.colno}"
    )


def _read_each(body: bytes) -> Any:
    """The request's records read one by one: those Python's reader gives up on
    or that cannot be stored become :class:`UnreadableRecord` (rejects, by index)."""
    try:
        text = body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        raise InvalidInput(
            "body: not valid UTF-8",
            key="ingest.error.body_not_utf8",
            where_key="error.where.field",
            where_params={"field": "body"},
        ) from None
    try:
        texts = split_array(text) if text.lstrip().startswith("[") else [text]
        items = [_read_one(part) for part in texts]
    except json.JSONDecodeError as error:
        raise _broken(error) from None
    return items if text.lstrip().startswith("[") else items[0]


def _read_one(text: str) -> Any:
    try:
        item = loads_record(text)
    except RecordError as error:
        return UnreadableRecord(text.strip(), error)
    problem = unstorable(item)
    return item if problem is None else UnreadableRecord(text.strip(), problem)


def ingest(
    *,
    engine: Engine,
    key: ApiKey,
    endpoint: str,
    body: bytes,
    idempotency_key: str | None = None,
    wait: bool = False,
) -> IngestAnswer:
    """Store the records of one request into the key's workspace.

    ``wait``: answer only after the records' effects (scores, KPI facts, alerts,
    review routing) are in place; by default they run a moment after the answer.
    """
    kind = RECORD_KINDS[endpoint]
    request_hash = hashlib.sha256(endpoint.encode() + b"\n" + body).hexdigest()
    if idempotency_key is not None:
        if not idempotency_key or len(idempotency_key) > 200:
            raise InvalidInput(
                "Idempotency-Key: 1 to 200 characters",
                key="ingest.error.idempotency_length",
                where_key="error.where.field",
                where_params={"field": "Idempotency-Key"},
            )
        earlier = _replay(engine, key, idempotency_key, request_hash)
        if earlier is not None:
            return earlier
    payload = parse_body(body)
    count = len(payload) if isinstance(payload, list) else 1
    records = list(_records(payload, kind))
    clean = None if wait or kind != "interaction" else _clean_interactions(records)
    if clean is not None:
        report = _STORES.store(engine, key.workspace, key.label, clean)
    else:
        report = import_records(
            engine=engine,
            workspace=key.workspace,
            records=records,
            label=key.label,
            publish_events=(lambda events: _BATCHER.publish(engine, events)) if wait else None,
            defer_effects=not wait,
        )
    answer = _answer(report, count, waited=wait)
    if idempotency_key is not None:
        _remember(engine, key, idempotency_key, request_hash, answer)
    return answer


def _replay(
    engine: Engine, key: ApiKey, idempotency_key: str, request_hash: str
) -> IngestAnswer | None:
    cutoff = utcnow() - timedelta(hours=IDEMPOTENCY_HOURS)
    with engine.connect() as connection:
        row = connection.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.api_key_id == key.id,
                idempotency_keys.c.key == idempotency_key,
                idempotency_keys.c.created_at >= cutoff,
            )
        ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise Conflict(
            "Idempotency-Key: this key was used for another request in the last "
            f"{IDEMPOTENCY_HOURS} hours; use a new key for new data",
            key="ingest.error.idempotency_reused",
            params={"IDEMPOTENCY_HOURS": IDEMPOTENCY_HOURS},
            where_key="error.where.field",
            where_params={"field": "Idempotency-Key"},
        )
    return IngestAnswer(int(row.status_code), json.loads(row.response), replayed=True)


def _remember(
    engine: Engine, key: ApiKey, idempotency_key: str, request_hash: str, answer: IngestAnswer
) -> None:
    now = utcnow()
    cutoff = now - timedelta(hours=IDEMPOTENCY_HOURS)
    try:
        with engine.begin() as connection:
            # An expired answer under this key gives way; the hourly housekeeping
            # job (ingest/housekeeping.py) deletes the others.
            connection.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.api_key_id == key.id,
                    idempotency_keys.c.key == idempotency_key,
                    idempotency_keys.c.created_at < cutoff,
                )
            )
            connection.execute(
                idempotency_keys.insert().values(
                    api_key_id=key.id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    status_code=answer.status,
                    response=json.dumps(answer.body, ensure_ascii=False),
                    created_at=now,
                )
            )
    except IntegrityError:
        # The same request raced in twice: the first answer stays; the records
        # were upserted by (source, id), so nothing was stored twice.
        pass
