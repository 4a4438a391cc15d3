"""The effects backlog: stored records whose scoring, KPI facts, alerts and routing are to run.

The ingest API answers as soon as a request's records are committed. In the
same transaction it adds one backlog row per changed interaction (survey,
order), so what is stored and what is still to be done about it can never
part: a process killed after the commit leaves the rows, and another drainer
takes them up.

A drainer claims up to ``DRAIN_LIMIT`` rows at a time (a lease of
``KONTROL_EFFECTS_LEASE_SECONDS``, as job runs have), publishes them as the
import's events merged per workspace and kind (so the subscribers run once per
few hundred records instead of once per request),
and deletes them. The subscribers recompute from what is stored, so running a
row twice (a lease that ran out while its drainer was still busy) changes
nothing. A merged batch that fails becomes ``ingest.effects`` job runs, which
retry with back-off and end in the jobs page's dead-letter list.

Drainers run in each web process without Redis (the embedded default) and in
each ``kontrol worker`` with Redis; any number of them share the backlog.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update

from kontrol.domain.clock import utcnow
from kontrol.events import (
    Event,
    InteractionsStored,
    OrdersStored,
    SurveysStored,
    WorkItemsStored,
    event_ids,
    publish,
)
from kontrol.jobs import enqueue
from kontrol.jobs.backends import BackgroundLoop, runner_name
from kontrol.jobs.registry import JobContext, job
from kontrol.settings import current_settings
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import effects_backlog

log = logging.getLogger(__name__)

# Rows one drainer takes at a time: large enough that the subscribers' statements are
# shared by many records, below the background threshold (500) so they run here.
DRAIN_LIMIT = 250
# SQLite has one writer at a time: a batch's effects hold the write lock while they
# are written, and pushes wait for it. Smaller batches there: p99 of the ingest API
# about 200-380 ms instead of 580-770 ms under full load (docs/benchmarks.md).
SQLITE_DRAIN_LIMIT = 50
# How often an idle drainer looks for rows other processes added.
POLL_SECONDS = 0.2
# How long a drainer lets rows gather after a batch smaller than DRAIN_LIMIT, or after
# being woken: under a steady flow of requests, batches of many rows instead of one
# each, at the cost of this much more delay.
GATHER_SECONDS = 0.1
# The job a failed batch becomes (retries with back-off, then the dead-letter list).
RETRY_JOB = "ingest.effects"

INTERACTION, SURVEY, ORDER, WORK_ITEM = "interaction", "survey", "order", "work_item"
_EVENTS: dict[
    str,
    type[InteractionsStored] | type[SurveysStored] | type[OrdersStored] | type[WorkItemsStored],
] = {
    INTERACTION: InteractionsStored,
    SURVEY: SurveysStored,
    ORDER: OrdersStored,
    WORK_ITEM: WorkItemsStored,
}

_wake = threading.Event()


def queue_effects(
    connection: Connection,
    workspace_id: int,
    *,
    interactions: Iterable[int] = (),
    surveys: Iterable[int] = (),
    orders: Iterable[int] = (),
    work_items: Iterable[int] = (),
    claimed_by: str | None = None,
) -> int:
    """Add backlog rows inside the caller's transaction; how many were added.

    ``surveys`` are the ids of the interactions the changed surveys rate. With
    ``claimed_by``, the rows are that runner's for one lease: it runs their
    effects itself and then calls :func:`release`; if it dies first, the lease
    runs out and any drainer takes them.
    """
    now = utcnow()
    claim: dict[str, object] = {"claimed_by": None, "claimed_until": None}
    if claimed_by is not None:
        lease = timedelta(seconds=current_settings().effects_lease_seconds)
        claim = {"claimed_by": claimed_by, "claimed_until": now + lease}
    rows = [
        {
            "workspace_id": workspace_id,
            "kind": kind,
            "record_id": record_id,
            "queued_at": now,
            **claim,
        }
        for kind, ids in (
            (INTERACTION, interactions),
            (SURVEY, surveys),
            (ORDER, orders),
            (WORK_ITEM, work_items),
        )
        for record_id in ids
    ]
    if rows:
        connection.execute(effects_backlog.insert(), rows)
    return len(rows)


def release(engine: Engine, runner: str) -> None:
    """Delete the rows ``runner`` claimed when it wrote them: their effects have run."""
    with engine.begin() as connection:
        connection.execute(delete(effects_backlog).where(effects_backlog.c.claimed_by == runner))


def wake_drainers() -> None:
    """Tell this process's drainer that rows were committed."""
    _wake.set()


def events_of(rows: Iterable[tuple[int, str, int]]) -> list[Event]:
    """``(workspace_id, kind, record_id)`` rows as one event per workspace and kind.

    Interactions come before surveys and orders, as an import publishes them.
    """
    ids: dict[tuple[str, int], set[int]] = {}
    for workspace_id, kind, record_id in rows:
        ids.setdefault((kind, workspace_id), set()).add(record_id)
    order = {INTERACTION: 0, SURVEY: 1, ORDER: 2, WORK_ITEM: 3}
    return [
        _EVENTS[kind](workspace_id, tuple(sorted(found)))
        for (kind, workspace_id), found in sorted(ids.items(), key=lambda item: order[item[0][0]])
    ]


def _claim(engine: Engine, runner: str, limit: int) -> list[tuple[int, int, str, int]]:
    """Take up to ``limit`` rows nobody holds (or whose claim ran out), oldest first."""
    now = utcnow()
    # A drainer killed mid-batch leaves its rows to the others once this runs out.
    lease = current_settings().effects_lease_seconds
    free = or_(effects_backlog.c.claimed_until.is_(None), effects_backlog.c.claimed_until < now)
    with engine.begin() as connection:
        query = (
            select(
                effects_backlog.c.id,
                effects_backlog.c.workspace_id,
                effects_backlog.c.kind,
                effects_backlog.c.record_id,
            )
            .where(free)
            .order_by(effects_backlog.c.id)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        else:
            # An idle drainer only looks (a read takes no lock): taking SQLite's one
            # write lock five times a second for nothing made logins wait behind it.
            if (
                connection.execute(select(effects_backlog.c.id).where(free).limit(1)).first()
                is None
            ):
                return []
            # Take the write lock before reading the batch, so two drainers never
            # read the same free rows.
            hold_write_lock(connection)
        rows = [(row[0], row[1], row[2], row[3]) for row in connection.execute(query)]
        if rows:
            connection.execute(
                update(effects_backlog)
                .where(effects_backlog.c.id.in_([row[0] for row in rows]))
                .values(claimed_by=runner, claimed_until=now + timedelta(seconds=lease))
            )
    return rows


def drain_once(engine: Engine, *, runner: str | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Claim one batch, run its effects, delete it; how many rows it held (0: none free)."""
    runner = runner or runner_name("effects")
    if engine.dialect.name == "sqlite":
        limit = min(limit, SQLITE_DRAIN_LIMIT)
    rows = _claim(engine, runner, limit)
    if not rows:
        return 0
    events = events_of((workspace_id, kind, record_id) for _, workspace_id, kind, record_id in rows)
    row_ids = [row[0] for row in rows]
    try:
        for event in events:
            publish(engine, event)
    except Exception:  # noqa: BLE001 - the batch goes to the job queue, which retries it
        log.exception("effects of %d records failed; queued as %s jobs", len(rows), RETRY_JOB)
        with engine.begin() as connection:
            for event in events:
                enqueue(
                    engine,
                    RETRY_JOB,
                    connection=connection,
                    workspace_id=event.workspace_id,
                    kind=_kind_of(event),
                    ids=list(event_ids(event)),
                )
            _delete(connection, row_ids, runner)
        return len(rows)
    with engine.begin() as connection:
        _delete(connection, row_ids, runner)
    return len(rows)


def _delete(connection: Connection, row_ids: list[int], runner: str) -> None:
    # Only rows still claimed by this drainer: when the lease ran out and another
    # drainer took them, that one deletes them after its own (identical) run.
    for start in range(0, len(row_ids), 500):
        connection.execute(
            delete(effects_backlog).where(
                and_(
                    effects_backlog.c.id.in_(row_ids[start : start + 500]),
                    effects_backlog.c.claimed_by == runner,
                )
            )
        )


def _kind_of(event: Event) -> str:
    for kind, event_type in _EVENTS.items():
        if isinstance(event, event_type):
            return kind
    raise ValueError(f"not a stored-records event: {event!r}")


@job(RETRY_JOB, max_attempts=5)
def run_effects(ctx: JobContext, *, workspace_id: int, kind: str, ids: list[int]) -> None:
    """The effects of a backlog batch that failed once, as a job (retried, then dead)."""
    publish(ctx.engine, _EVENTS[kind](workspace_id, tuple(ids)))


def drain_backlog(engine: Engine, *, runner: str | None = None) -> int:
    """Run every free row's effects in this thread; how many rows were done."""
    done = 0
    while True:
        count = drain_once(engine, runner=runner)
        if not count:
            return done
        done += count


@dataclass(frozen=True)
class BacklogState:
    """How much waits, and since when (the jobs page, the load test)."""

    waiting: int
    oldest: datetime | None

    def age_seconds(self, now: datetime | None = None) -> float:
        """How long the oldest row has waited."""
        if self.oldest is None:
            return 0.0
        return max(((now or utcnow()) - self.oldest).total_seconds(), 0.0)


def backlog_state(connection: Connection, workspace_id: int | None = None) -> BacklogState:
    """Rows waiting (of one workspace, or all) and the oldest one's time."""
    query = select(func.count(), func.min(effects_backlog.c.queued_at))
    if workspace_id is not None:
        query = query.where(effects_backlog.c.workspace_id == workspace_id)
    waiting, oldest = connection.execute(query).one()
    return BacklogState(int(waiting or 0), oldest)


class BacklogDrainer(BackgroundLoop):
    """A background thread that drains the backlog: woken by this process, polling for others."""

    thread_name = "kontrol-effects"

    def __init__(self, engine: Engine, *, kind: str = "effects") -> None:
        super().__init__(kind, _wake)
        self.engine = engine

    def loop(self) -> None:
        """Drain; when nothing is free, sleep until woken or the next poll."""
        while not self._stop.is_set():
            try:
                _wake.clear()
                done = drain_once(self.engine, runner=self.runner)
                if done >= DRAIN_LIMIT:
                    continue
                if not done and not _wake.wait(POLL_SECONDS):
                    continue  # nothing woke it: look again (rows of other processes)
                self._stop.wait(GATHER_SECONDS)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the drainer
                log.exception("effects drainer error; trying again shortly")
                self._stop.wait(1.0)


def wait_until_drained(engine: Engine, *, timeout: float = 30.0) -> bool:
    """Block until no backlog row is left (tests, the load test, ``kontrol`` commands)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if not backlog_state(connection).waiting:
                return True
        time.sleep(0.05)
    return False
