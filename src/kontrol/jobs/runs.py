"""Job runs: one row each, the queue's visible state and its dead-letter list.

The row, not the broker, is the truth. Delivery (a thread polling this table,
or Redis with ``kontrol worker`` processes) only says "run number N may be
due". Running one:

1. claim: ``status = running``, one more attempt, a claim that runs out
   (``claimed_until``) so the run of a killed runner is taken up again; while
   the work goes on, a heartbeat renews the claim (:class:`ClaimRenewal`), so
   the claim can be short (a minute) and a long run is never taken over;
2. the job's work in one transaction, which ends by marking the run ``done``
   only if it is not done already: a run delivered twice (its first worker
   killed after the commit, before telling the broker) rolls back its second
   effect, so database effects happen exactly once;
3. on an error: ``failed`` with the error and the time of the next attempt
   (exponential back-off), or ``dead`` when the attempts are used up.
"""

from __future__ import annotations

import logging
import random
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    false,
    func,
    or_,
    select,
    true,
    update,
)

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.jobs.registry import JobContext, get_job, long_job_names, payload_of
from kontrol.settings import Settings
from kontrol.store.database import commit_points
from kontrol.store.tables import job_runs
from kontrol.store.upsert import insert_ignoring_duplicate

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, DEAD = "queued", "running", "done", "failed", "dead"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, DEAD)
WAITING = (QUEUED, FAILED)
FINISHED = (DONE, DEAD)
# The stored error is cut to this many characters (the end of a traceback says most).
ERROR_CHARS = 4000


@dataclass(frozen=True)
class JobRun:
    """One run of a job, as the jobs page and ``kontrol jobs`` show it."""

    id: int
    name: str
    workspace_id: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The shape the JSON API and ``--json`` print."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat() + "Z" if value else None

        return {
            "id": self.id,
            "name": self.name,
            "payload": self.payload,
            "status": self.status,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "last_error": self.last_error,
            "created_at": moment(self.created_at),
            "next_attempt_at": moment(self.next_attempt_at),
            "started_at": moment(self.started_at),
            "finished_at": moment(self.finished_at),
        }


def _to_run(row: Any) -> JobRun:
    return JobRun(
        id=row.id,
        name=row.name,
        workspace_id=row.workspace_id,
        payload=payload_of(row.payload),
        status=row.status,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def create_run(
    connection: Connection,
    name: str,
    payload: dict[str, Any],
    *,
    dedup_key: str | None = None,
    max_attempts: int | None = None,
) -> tuple[int, bool]:
    """Insert a queued run; ``(id, created)``. A known ``dedup_key`` returns its run."""
    registered = get_job(name)
    if dedup_key is not None:
        if len(dedup_key) > 200:
            raise InvalidInput("dedup_key: at most 200 characters", key="jobs.error.dedup_key")
        found = _by_dedup_key(connection, dedup_key)
        if found is not None:
            return found, False
    now = utcnow()
    workspace_id = payload.get("workspace_id")
    values = {
        "name": name,
        "workspace_id": workspace_id if isinstance(workspace_id, int) else None,
        "payload": payload,
        "status": QUEUED,
        "attempts": 0,
        "max_attempts": max_attempts or registered.max_attempts,
        "dedup_key": dedup_key,
        "created_at": now,
        "next_attempt_at": now,
    }
    if dedup_key is None:
        new_id = connection.execute(job_runs.insert().values(**values)).inserted_primary_key
        assert new_id is not None
        return int(new_id[0]), True
    created = insert_ignoring_duplicate(connection, job_runs, values, unique=["dedup_key"])
    if created is not None:
        return created, True
    found = _by_dedup_key(connection, dedup_key)
    assert found is not None
    return found, False


def _by_dedup_key(connection: Connection, dedup_key: str) -> int | None:
    found = connection.execute(
        select(job_runs.c.id).where(job_runs.c.dedup_key == dedup_key)
    ).scalar()
    return None if found is None else int(found)


def get_run(connection: Connection, run_id: int) -> JobRun:
    """The run ``run_id``."""
    row = connection.execute(select(job_runs).where(job_runs.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"no job run {run_id}", key="jobs.error.no_run", params={"run_id": run_id})
    return _to_run(row)


def list_runs(
    connection: Connection,
    *,
    status: str | None = None,
    workspace_id: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[JobRun]:
    """Runs, newest first; ``status`` narrows (``dead`` is the dead-letter list).

    ``workspace_id`` limits them to the runs that work for one workspace.
    """
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status: one of {', '.join(STATUSES)}",
            key="error.one_of",
            params={"choices": ", ".join(STATUSES)},
            where_key="error.where.field",
            where_params={"field": "status"},
        )
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(job_runs.c.status == status)
    if before_id is not None:
        query = query.where(job_runs.c.id < before_id)
    if workspace_id is not None:
        query = query.where(job_runs.c.workspace_id == workspace_id)
    return [_to_run(row) for row in connection.execute(query)]


def count_by_status(connection: Connection, *, workspace_id: int | None = None) -> dict[str, int]:
    """How many runs are in each status (of one workspace when given)."""
    counts = dict.fromkeys(STATUSES, 0)
    query = select(job_runs.c.status, func.count()).group_by(job_runs.c.status)
    if workspace_id is not None:
        query = query.where(job_runs.c.workspace_id == workspace_id)
    rows = connection.execute(query)
    for status, count in rows:
        counts[status] = int(count)
    return counts


def retry_run(connection: Connection, run_id: int) -> JobRun:
    """Queue a dead (or failed) run again with a fresh set of attempts."""
    run = get_run(connection, run_id)
    if run.status not in (DEAD, FAILED):
        raise Conflict(
            f"job run {run_id} is {run.status}: only dead or failed runs are retried",
            key="jobs.error.not_retried",
            params={"run_id": run_id, "status": run.status},
        )
    connection.execute(
        update(job_runs)
        .where(job_runs.c.id == run_id, job_runs.c.status.in_((DEAD, FAILED)))
        .values(
            status=QUEUED,
            attempts=0,
            next_attempt_at=utcnow(),
            finished_at=None,
            claimed_by=None,
            claimed_until=None,
        )
    )
    return get_run(connection, run_id)


def backoff(attempt: int, settings: Settings) -> timedelta:
    """Wait before attempt ``attempt + 1``: doubling from the base, capped, with jitter."""
    base = settings.job_backoff_seconds * (2 ** max(attempt - 1, 0))
    seconds = min(base, settings.job_backoff_max_seconds)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


# -- claiming and running ---------------------------------------------------


def claim(engine: Engine, run_id: int, runner: str, settings: Settings) -> bool:
    """Mark ``run_id`` running for ``runner``; False when it is finished (or unknown).

    A run found ``running`` is taken over: the broker delivers a message again
    only when the worker that had it died (or its claim ran out).
    """
    now = utcnow()
    with engine.begin() as connection:
        claimed = connection.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id, job_runs.c.status.in_((QUEUED, FAILED, RUNNING)))
            .values(
                status=RUNNING,
                attempts=job_runs.c.attempts + 1,
                started_at=now,
                claimed_by=runner[:100],
                claimed_until=now + timedelta(seconds=settings.job_lease_seconds),
            )
        ).rowcount
    return bool(claimed)


def renew_claim(engine: Engine, run_id: int, runner: str, settings: Settings) -> bool:
    """Push ``run_id``'s claim a lease further; False when the run is no longer ``runner``'s."""
    with engine.begin() as connection:
        renewed = connection.execute(
            update(job_runs)
            .where(
                job_runs.c.id == run_id,
                job_runs.c.status == RUNNING,
                job_runs.c.claimed_by == runner[:100],
            )
            .values(claimed_until=utcnow() + timedelta(seconds=settings.job_lease_seconds))
        ).rowcount
    return bool(renewed)


class ClaimRenewal:
    """A heartbeat: renews a run's claim every third of a lease while its work goes on.

    The claim is short (``KONTROL_JOB_LEASE_SECONDS``, a minute) so the run of a
    killed worker is sent again soon by a sweep; a live worker keeps its claim
    however long the work takes. A renewal that fails (the database busy, SQLite
    locked by the run's own transaction) is tried again at the next beat.
    """

    def __init__(self, engine: Engine, run_id: int, runner: str | None, settings: Settings) -> None:
        self.engine = engine
        self.run_id = run_id
        self.runner = runner
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ClaimRenewal:
        if self.runner:
            self._thread = threading.Thread(
                target=self._beat, name=f"kontrol-claim-{self.run_id}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        assert self.runner is not None
        interval = max(self.settings.job_lease_seconds / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not renew_claim(self.engine, self.run_id, self.runner, self.settings):
                    return  # finished, failed or taken over: nothing left to hold
            except Exception:  # noqa: BLE001 - the next beat tries again
                log.debug("could not renew the claim of job run %s", self.run_id, exc_info=True)


def _in_lane(long: bool | None) -> ColumnElement[bool]:
    """Runs of the long lane (``True``), of the others (``False``) or of any (``None``)."""
    if long is None:
        return true()
    names = long_job_names()
    if long:
        return job_runs.c.name.in_(names) if names else false()
    return job_runs.c.name.notin_(names) if names else true()


def claim_due(
    engine: Engine, runner: str, settings: Settings, *, long: bool | None = None
) -> int | None:
    """Claim the run that is due first (a waiting one, or one whose claim ran out).

    ``long`` narrows to the long lane's runs (``True``) or to the others (``False``).
    """
    now = utcnow()
    due = and_(
        or_(
            (job_runs.c.status.in_(WAITING)) & (job_runs.c.next_attempt_at <= now),
            (job_runs.c.status == RUNNING) & (job_runs.c.claimed_until < now),
        ),
        _in_lane(long),
    )
    with engine.connect() as connection:
        candidates = list(
            connection.execute(
                select(job_runs.c.id).where(due).order_by(job_runs.c.next_attempt_at).limit(5)
            ).scalars()
        )
    for run_id in candidates:
        with engine.begin() as connection:
            claimed = connection.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id, due)
                .values(
                    status=RUNNING,
                    attempts=job_runs.c.attempts + 1,
                    started_at=now,
                    claimed_by=runner[:100],
                    claimed_until=now + timedelta(seconds=settings.job_lease_seconds),
                )
            ).rowcount
        if claimed:
            return int(run_id)
    return None


def next_due_at(engine: Engine, *, long: bool | None = None) -> datetime | None:
    """When the next waiting run (of the lane) is due (for a runner deciding how long to sleep)."""
    with engine.connect() as connection:
        found: datetime | None = connection.execute(
            select(func.min(job_runs.c.next_attempt_at)).where(
                job_runs.c.status.in_(WAITING), _in_lane(long)
            )
        ).scalar()
    return found


class _AlreadyDone(Exception):
    """Another delivery of the run committed first: roll this one back."""


def execute(engine: Engine, run_id: int, settings: Settings) -> str:
    """Run a claimed run; the status it ends in (``done``, ``failed``, ``dead``).

    ``done`` is also answered when another delivery finished the run first;
    then nothing this delivery wrote is kept.
    """
    with engine.connect() as connection:
        row = connection.execute(select(job_runs).where(job_runs.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"no job run {run_id}", key="jobs.error.no_run", params={"run_id": run_id})
    if row.status in FINISHED:
        return str(row.status)
    try:
        registered = get_job(row.name)
        with (
            ClaimRenewal(engine, run_id, row.claimed_by, settings),
            engine.begin() as connection,
        ):
            context = JobContext(
                engine=engine, connection=connection, run_id=run_id, attempt=row.attempts
            )
            # SQLite: a long job commits its finished parts (store/database.commit_points).
            with commit_points(connection):
                registered.function(context, **payload_of(row.payload))
            finished = connection.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id, job_runs.c.status.notin_(FINISHED))
                .values(
                    status=DONE,
                    finished_at=utcnow(),
                    last_error=None,
                    claimed_by=None,
                    claimed_until=None,
                )
            ).rowcount
            if not finished:
                raise _AlreadyDone
    except _AlreadyDone:
        log.info("job run %s was finished by another delivery; this one is rolled back", run_id)
        return DONE
    except Exception as error:  # noqa: BLE001 - any failure of a job is recorded, never lost
        return _record_failure(engine, run_id, row.attempts, row.max_attempts, error, settings)
    return DONE


def _record_failure(
    engine: Engine,
    run_id: int,
    attempts: int,
    max_attempts: int,
    error: Exception,
    settings: Settings,
) -> str:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    detail = "".join(traceback.format_exception(error))
    message = f"{text}\n\n{detail}"
    if len(message) > ERROR_CHARS:
        message = text[:1000] + "\n…\n" + detail[-(ERROR_CHARS - 1010) :]
    dead = attempts >= max_attempts
    now = utcnow()
    log.warning("job run %s failed (attempt %s of %s): %s", run_id, attempts, max_attempts, text)
    with engine.begin() as connection:
        connection.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id, job_runs.c.status.notin_(FINISHED))
            .values(
                status=case((job_runs.c.attempts >= job_runs.c.max_attempts, DEAD), else_=FAILED),
                last_error=message,
                next_attempt_at=now + backoff(attempts, settings),
                finished_at=now if dead else None,
                claimed_by=None,
                claimed_until=None,
            )
        )
        status = connection.execute(
            select(job_runs.c.status).where(job_runs.c.id == run_id)
        ).scalar_one()
    return str(status)


def run_now(engine: Engine, run_id: int, runner: str, settings: Settings) -> str:
    """Claim and run ``run_id`` in this process; the status it ends in."""
    if not claim(engine, run_id, runner, settings):
        with engine.connect() as connection:
            return get_run(connection, run_id).status
    return execute(engine, run_id, settings)
