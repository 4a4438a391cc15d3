"""Delivery of job runs: a thread in this process, or Redis and ``kontrol worker``.

Which one is chosen by the settings: ``KONTROL_REDIS_URL`` set means Redis
(dramatiq's Redis broker), else in-process. Both only carry run ids; the
``job_runs`` row holds the state (see :mod:`kontrol.jobs.runs`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from abc import ABC, abstractmethod
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, or_, select, update

from kontrol.domain.clock import utcnow
from kontrol.jobs import runs
from kontrol.jobs.schedule import TICK_SECONDS, queue_recurring
from kontrol.settings import Settings, current_settings
from kontrol.store.tables import job_runs

log = logging.getLogger(__name__)

QUEUE_NAME = "kontrol"
ACTOR_NAME = "kontrol_job_run"


def runner_name(kind: str) -> str:
    """Who claims a run: host, process and kind, shown on the jobs page."""
    return f"{socket.gethostname()}:{os.getpid()}:{kind}"


# -- in-process -------------------------------------------------------------

_wake = threading.Event()


def wake() -> None:
    """Tell runners of this process that a run was queued."""
    _wake.set()


def drain(engine: Engine, settings: Settings, *, limit: int | None = None) -> int:
    """Run every due run in this thread until none is due; how many were run.

    Runs that fail wait for their next attempt (the back-off); a later drain,
    the web app's runner or ``kontrol worker`` takes them up.
    """
    done = 0
    runner = runner_name("inline")
    while limit is None or done < limit:
        run_id = runs.claim_due(engine, runner, settings)
        if run_id is None:
            break
        runs.execute(engine, run_id, settings)
        done += 1
    return done


class BackgroundLoop(ABC):
    """A daemon thread that runs :meth:`loop` until :meth:`stop`.

    ``wake`` is the event the loop sleeps on; stopping sets it, so the loop
    ends without waiting out its sleep.
    """

    thread_name = "kontrol-background"

    def __init__(self, kind: str, wake: threading.Event) -> None:
        self.runner = runner_name(kind)
        self._wake_event = wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (a daemon: it never keeps the process alive)."""
        self._thread = threading.Thread(target=self.loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after the work it is in, and wait for it."""
        self._stop.set()
        self._wake_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @abstractmethod
    def loop(self) -> None:
        """The thread's work, until ``self._stop`` is set."""


class InProcessRunner(BackgroundLoop):
    """A background thread that runs due job runs of one database."""

    thread_name = "kontrol-jobs"

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        kind: str = "thread",
        recurring: bool = True,
        long: bool | None = None,
    ) -> None:
        super().__init__(kind, _wake)
        self.engine = engine
        # Whether this runner also queues recurring jobs when their period begins.
        self.recurring = recurring
        # Its lane: only long jobs (True), only the others (False) or any (None).
        self.long = long
        self.settings = settings

    def loop(self) -> None:
        """Claim and run due runs; sleep until woken or the next one is due."""
        next_tick = 0.0
        while not self._stop.is_set():
            try:
                if self.recurring and time.monotonic() >= next_tick:
                    queue_recurring(self.engine)
                    next_tick = time.monotonic() + TICK_SECONDS
                run_id = runs.claim_due(self.engine, self.runner, self.settings, long=self.long)
                if run_id is not None:
                    runs.execute(self.engine, run_id, self.settings)
                    continue
                # Both lanes sleep on the one event: a runner woken for the other
                # lane's run finds nothing to claim and sleeps again.
                _wake.clear()
                _wake.wait(self._sleep())
            except Exception:  # noqa: BLE001 - a database hiccup must not end the runner
                log.exception("job runner error; trying again shortly")
                self._stop.wait(1.0)

    def _sleep(self) -> float:
        due = runs.next_due_at(self.engine, long=self.long)
        if due is None:
            return 5.0
        return min(max((due - utcnow()).total_seconds(), 0.05), 5.0 if not self.recurring else 2.0)


# -- Redis ------------------------------------------------------------------


class RunNotVisible(Exception):
    """A message names a run not (yet) committed: dramatiq retries it shortly."""


# The database a worker process serves; set by :func:`serve_redis`. Messages
# carry only run ids: the worker's own settings say where the database is.
_worker_engine: list[Engine] = []


@lru_cache(maxsize=4)
def _broker(url: str, namespace: str, heartbeat_timeout_ms: int, maintenance_chance: int) -> Any:
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import (
        AgeLimit,
        Callbacks,
        Pipelines,
        Retries,
        ShutdownNotifications,
    )

    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=url,
        namespace=namespace,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
        # No TimeLimit: a run takes as long as its work does (its claim is renewed
        # while it runs, see runs.execute); the middleware, given no limit, failed
        # on every message with a TypeError that dramatiq logged as critical.
        middleware=[
            AgeLimit(),
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            # Only for infrastructure trouble (run not visible, database down):
            # a job's own failures are retried through its job_runs row.
            Retries(max_retries=20, min_backoff=500, max_backoff=300_000),
        ],
    )

    def deliver(run_id: int) -> None:
        if not _worker_engine:
            raise RunNotVisible("this process serves no database")
        _deliver(_worker_engine[0], int(run_id))

    dramatiq.actor(
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=QUEUE_NAME,
    )(deliver)
    return broker


def broker_for(settings: Settings) -> Any:
    """The dramatiq Redis broker of these settings (one per process)."""
    assert settings.redis_url
    return _broker(
        settings.redis_url,
        settings.redis_namespace,
        settings.job_heartbeat_timeout_ms,
        settings.job_maintenance_chance,
    )


def _current_settings() -> Settings:
    return current_settings()


def _deliver(engine: Engine, run_id: int) -> None:
    settings = _current_settings()
    with engine.connect() as connection:
        exists = connection.execute(select(job_runs.c.id).where(job_runs.c.id == run_id)).first()
    if exists is None:
        raise RunNotVisible(f"job run {run_id} is not in the database (yet)")
    status = runs.run_now(engine, run_id, runner_name("worker"), settings)
    if status == runs.FAILED:
        with engine.connect() as connection:
            due = runs.get_run(connection, run_id).next_attempt_at
        send_redis(settings, run_id, delay=max((due - utcnow()).total_seconds(), 0.0))


def send_redis(settings: Settings, run_id: int, *, delay: float = 0.0) -> None:
    """Put a message for ``run_id`` on the Redis queue (``delay`` in seconds)."""
    import dramatiq

    broker = broker_for(settings)
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=QUEUE_NAME,
        actor_name=ACTOR_NAME,
        args=(run_id,),
        kwargs={},
        options={},
    )
    broker.enqueue(message, delay=int(delay * 1000) if delay > 0 else None)


def sweep(engine: Engine, settings: Settings) -> int:
    """Send again the runs whose message may be lost; how many.

    A run waiting ``job_requeue_seconds`` past its due time, or running past
    its claim (its worker died and the broker did not put the message back; a
    live worker renews its claim), gets a new message. A duplicate costs
    nothing: the run's row decides.
    """
    now = utcnow()
    late = now - timedelta(seconds=settings.job_requeue_seconds)
    stale = or_(
        (job_runs.c.status.in_(runs.WAITING)) & (job_runs.c.next_attempt_at < late),
        (job_runs.c.status == runs.RUNNING) & (job_runs.c.claimed_until < now),
    )
    with engine.begin() as connection:
        found = list(connection.execute(select(job_runs.c.id).where(stale).limit(1000)).scalars())
        if found:
            connection.execute(
                update(job_runs)
                .where(job_runs.c.id.in_(found), job_runs.c.status.in_(runs.WAITING))
                .values(next_attempt_at=now)
            )
    for run_id in found:
        send_redis(settings, int(run_id))
    return len(found)


def serve_redis(engine: Engine, settings: Settings, *, threads: int, stop: threading.Event) -> None:
    """Consume the Redis queue with ``threads`` threads until ``stop`` is set."""
    from dramatiq import Worker

    _worker_engine[:] = [engine]
    broker = broker_for(settings)
    worker = Worker(broker, queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=500)
    worker.start()
    next_sweep = 0.0
    try:
        while not stop.is_set():
            try:
                queue_recurring(engine)
                if time.monotonic() >= next_sweep:
                    sweep(engine, settings)
                    next_sweep = time.monotonic() + settings.job_sweep_seconds
            except Exception:  # noqa: BLE001 - the sweeper must not end the worker
                log.exception("job sweeper error")
            stop.wait(TICK_SECONDS)
    finally:
        worker.stop()


def serve_in_process(
    engine: Engine, settings: Settings, *, threads: int, stop: threading.Event
) -> None:
    """Without Redis: ``threads`` runners on the database's own queue until ``stop``.

    With two or more, the first never takes a long job (a training): short jobs
    always have a runner.
    """
    runners = [
        InProcessRunner(
            engine,
            settings,
            kind="worker",
            recurring=index == 0,
            long=False if index == 0 and threads > 1 else None,
        )
        for index in range(threads)
    ]
    for runner in runners:
        runner.start()
    stop.wait()
    for runner in runners:
        runner.stop()
