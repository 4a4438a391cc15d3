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
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from kontrol.accounts.apikeys import ApiKey
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.events import Event, event_ids, publish
from kontrol.ingest.importing import (
    ImportReport,
    import_interaction_groups,
    import_records,
    validate_record,
)
from kontrol.ingest.registry import SourceRecord
from kontrol.ingest.schema import InteractionRecord, RecordError
from kontrol.settings import current_settings
from kontrol.store.tables import idempotency_keys

MAX_BATCH = 1000
MAX_BODY_BYTES = 20 * 1024 * 1024
IDEMPOTENCY_HOURS = 24
RECORD_KINDS = {"interactions": "interaction", "surveys": "survey"}


@dataclass(frozen=True)
class IngestAnswer:
    """The HTTP status and JSON body of an ingest request."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class _Waiting(Protocol):
    """A request waiting in a group commit: done once its group was processed."""

    done: bool
    error: BaseException | None


W = TypeVar("W", bound=_Waiting)


class _GroupCommit(ABC, Generic[W]):
    """Leader and followers: requests that arrive together are processed as one group.

    The first request to find nobody working becomes the leader: it takes a
    group of the waiting requests (:meth:`_take`), processes it outside the
    lock (:meth:`_process`, which sets each one's outcome or ``error``) and
    wakes the others; those that came meanwhile wait and form the next group.
    Each request returns once its own group is done.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: list[W] = []
        self._busy = False

    def _run(self, ticket: W) -> None:
        with self._condition:
            self._waiting.append(ticket)
            while not ticket.done:
                if self._busy:
                    self._condition.wait()
                    continue
                self._busy = True
                group = self._take()
                self._condition.release()
                try:
                    self._process(group)
                finally:
                    self._condition.acquire()
                    self._busy = False
                    for taken in group:
                        taken.done = True
                    self._condition.notify_all()
        if ticket.error is not None:
            raise ticket.error

    def waiting(self) -> int:
        """How many requests wait for their group."""
        with self._condition:
            return len(self._waiting)

    @abstractmethod
    def _take(self) -> list[W]:
        """The next group, removed from ``_waiting`` (called under the lock)."""

    @abstractmethod
    def _process(self, group: Sequence[W]) -> None:
        """Do the group's work; set each request's outcome or ``error``."""


# At most this many record ids in the events of one batch of requests: far below
# the background threshold (so scoring stays inline) and small enough that the
# facts keep their rollups by group (metrics/rollups.SMALL_CHANGE).
EVENT_BATCH_IDS = 32


@dataclass(eq=False)
class _Ticket:
    """The events of one request, waiting to be published."""

    engine: Engine
    events: tuple[Event, ...]
    done: bool = False
    error: BaseException | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = sum(len(event_ids(event)) for event in self.events)


def _merged(tickets: Sequence[_Ticket]) -> list[tuple[Engine, Event]]:
    """One event per engine, workspace and kind, in the order the kinds first came."""
    ids: dict[tuple[Engine, type, int], set[int]] = {}
    for ticket in tickets:
        for event in ticket.events:
            ids.setdefault((ticket.engine, type(event), event.workspace_id), set()).update(
                event_ids(event)
            )
    return [
        (engine, kind(workspace_id, tuple(sorted(found))))
        for (engine, kind, workspace_id), found in ids.items()
    ]


class EventBatcher(_GroupCommit[_Ticket]):
    """Publishes the events of requests that arrive together in one go (group commit).

    The leader takes every waiting request's events (up to ``limit`` ids) and
    publishes them merged. Each request returns once its own events were
    published, so its score, KPI facts and alerts are in place when it is
    answered, exactly as when it runs alone. Subscribers recompute from what is stored, so merging
    the ids of several committed requests changes nothing but the cost. When a
    merged publish fails, each request's events are published alone again, so
    that only the request at fault sees the error.
    """

    def __init__(self, limit: int = EVENT_BATCH_IDS) -> None:
        super().__init__()
        self.limit = limit

    def publish(self, engine: Engine, events: Sequence[Event]) -> None:
        """Publish these events, together with those of concurrent requests."""
        ticket = _Ticket(engine, tuple(events))
        if ticket.size:
            self._run(ticket)

    def _process(self, group: Sequence[_Ticket]) -> None:
        _publish_batch(group)

    def _take(self) -> list[_Ticket]:
        # Never past the background threshold: merged requests must not send their
        # scoring to the job queue when each alone would have been scored at once.
        limit = min(self.limit, current_settings().background_threshold)
        batch = [self._waiting.pop(0)]
        total = batch[0].size
        while self._waiting and total + self._waiting[0].size <= limit:
            total += self._waiting[0].size
            batch.append(self._waiting.pop(0))
        return batch


def _publish_batch(batch: Sequence[_Ticket]) -> None:
    try:
        if len(batch) > 1:
            try:
                for engine, event in _merged(batch):
                    publish(engine, event)
                return
            except Exception:  # noqa: BLE001 - each request's own try below tells
                pass
        for ticket in batch:
            try:
                for event in ticket.events:
                    publish(ticket.engine, event)
            except Exception as error:  # noqa: BLE001 - raised in the request's thread
                ticket.error = error
    except BaseException as error:
        # Interrupted (the process is stopping): nobody in the batch may think it done.
        for ticket in batch:
            ticket.error = ticket.error or error
        raise


_BATCHER = EventBatcher()

# At most this many interactions in one group commit of concurrent requests.
STORE_BATCH_RECORDS = 200


@dataclass(eq=False)
class _Store:
    """One request's valid interactions, waiting to be written with others'."""

    engine: Engine
    workspace: Workspace
    label: str
    records: list[tuple[InteractionRecord, str]]
    keys: frozenset[tuple[str, str]] = field(init=False)
    done: bool = False
    report: ImportReport | None = None
    error: BaseException | None = None

    def __post_init__(self) -> None:
        self.keys = frozenset((record.source, record.id) for record, _ in self.records)

    def joins(self, leader: _Store) -> bool:
        """Whether this request can be written in the leader's transaction."""
        return (
            self.engine is leader.engine
            and self.workspace.id == leader.workspace.id
            and self.label == leader.label
        )


class StoreBatcher(_GroupCommit[_Store]):
    """Writes the interactions of requests that arrive together in one transaction.

    The leader takes the waiting requests of its workspace and key (up to
    ``limit`` records, and never two with the same ``(source, id)``: a later
    one waits for the next group, so the order of updates is kept), writes
    them and their effects-backlog rows in one transaction, and wakes the
    others with their own counts. A group whose transaction fails is written
    again request by request, so only the request at fault sees the error.
    """

    def __init__(self, limit: int = STORE_BATCH_RECORDS) -> None:
        super().__init__()
        self.limit = limit

    def store(
        self,
        engine: Engine,
        workspace: Workspace,
        label: str,
        records: list[tuple[InteractionRecord, str]],
    ) -> ImportReport:
        """Store these records, in the same transaction as concurrent requests'."""
        ticket = _Store(engine, workspace, label, records)
        self._run(ticket)
        assert ticket.report is not None
        return ticket.report

    def _process(self, group: Sequence[_Store]) -> None:
        _store_group(group)

    def _take(self) -> list[_Store]:
        leader = self._waiting.pop(0)
        group = [leader]
        total = len(leader.records)
        keys = set(leader.keys)
        for ticket in list(self._waiting):
            if total + len(ticket.records) > self.limit:
                break
            if not ticket.joins(leader) or not keys.isdisjoint(ticket.keys):
                # Another workspace, or a later update of a record in this group:
                # a later group (so the updates of one record keep their order).
                keys.update(ticket.keys)
                continue
            self._waiting.remove(ticket)
            group.append(ticket)
            total += len(ticket.records)
            keys.update(ticket.keys)
        return group


def _store_group(group: Sequence[_Store]) -> None:
    leader = group[0]
    try:
        try:
            reports = import_interaction_groups(
                engine=leader.engine,
                workspace=leader.workspace,
                label=leader.label,
                groups=[ticket.records for ticket in group],
            )
            for ticket, report in zip(group, reports, strict=True):
                ticket.report = report
            return
        except Exception as error:  # noqa: BLE001 - each request's own try below tells
            if len(group) == 1:
                leader.error = error
                return
        for ticket in group:
            try:
                ticket.report = import_interaction_groups(
                    engine=ticket.engine,
                    workspace=ticket.workspace,
                    label=ticket.label,
                    groups=[ticket.records],
                )[0]
            except Exception as error:  # noqa: BLE001 - raised in the request's thread
                ticket.error = error
    except BaseException as error:
        # Interrupted (the process is stopping): nobody in the group may think it stored.
        for ticket in group:
            if ticket.report is None:
                ticket.error = ticket.error or error
        raise


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
        raise InvalidInput(f"body: at most {MAX_BODY_BYTES // (1024 * 1024)} MB per request")
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise InvalidInput("body: not valid UTF-8") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"body: broken JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if isinstance(payload, list):
        if not payload:
            raise InvalidInput("body: an empty batch")
        if len(payload) > MAX_BATCH:
            raise InvalidInput(f"body: at most {MAX_BATCH} records per request")
    elif not isinstance(payload, dict):
        raise InvalidInput("body: a record (JSON object) or a batch (JSON array) of records")
    return payload


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
            raise InvalidInput("Idempotency-Key: 1 to 200 characters")
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
            f"{IDEMPOTENCY_HOURS} hours; use a new key for new data"
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


def create_demo_api_traffic(engine: Engine, workspace: Workspace) -> None:
    """Demo: a helpdesk key that pushed today's chats (one of them bad), a revoked key.

    The keys' secrets are thrown away: a demo has no usable API key (make one
    on the API keys page).
    """
    from kontrol.accounts.apikeys import (
        authenticate_key,
        create_api_key,
        list_api_keys,
        revoke_api_key,
    )

    with engine.begin() as connection:
        if list_api_keys(connection, workspace):
            return
        made = create_api_key(connection, workspace=workspace, name="helpdesk", created_by="admin")
        old = create_api_key(
            connection, workspace=workspace, name="old-telephony", created_by="admin"
        ).key
        revoke_api_key(connection, old)
    now = utcnow().replace(microsecond=0)

    def chat(number: int, minutes_ago: int, customer: str, agent_text: str) -> dict[str, Any]:
        started = (now - timedelta(minutes=minutes_ago)).isoformat() + "Z"
        return {
            "source": "helpdesk",
            "id": f"HD-{number}",
            "channel": "chat",
            "started_at": started,
            "agent_id": "a01",
            "customer_id": f"hd-c{number}",
            "topic": "delivery",
            "messages": [
                {"role": "customer", "text": customer, "at": started},
                {"role": "agent", "text": agent_text, "at": started},
            ],
        }

    batch = [
        chat(
            70412,
            35,
            "Добрый день! Курьер не приехал в назначенное время.",
            "Здравствуйте! Приношу извинения, уже уточняю у службы доставки.",
        ),
        chat(
            70413,
            20,
            "Можно перенести доставку на завтра?",
            "Да, конечно. Перенесла на завтра с 10 до 14, подтверждение придёт в SMS.",
        ),
        # A record the helpdesk sent with a channel Kontrol does not know: kept as a reject.
        {**chat(70414, 5, "Алло?", "Слушаю вас."), "channel": "pager"},
    ]
    with engine.begin() as connection:
        helpdesk = authenticate_key(connection, made.secret)
    assert helpdesk is not None
    ingest(
        engine=engine,
        key=helpdesk,
        endpoint="interactions",
        body=json.dumps(batch, ensure_ascii=False).encode(),
        idempotency_key="demo-batch-1",
        wait=True,
    )
