"""The job queue: work that must not block a request (docs/jobs.md).

``enqueue(engine, name, **payload)`` records a run and hands it to the
backend the settings choose; ``@job(name)`` registers what a run does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from kontrol.jobs.registry import Job, JobContext, get_job, job, job_names, load_jobs
from kontrol.jobs.runs import JobRun
from kontrol.settings import Settings, current_settings

if TYPE_CHECKING:
    from kontrol.jobs.backends import BackgroundLoop

log = logging.getLogger(__name__)

__all__ = [
    "Job",
    "background_jobs",
    "retry",
    "run_due_jobs",
    "JobContext",
    "JobRun",
    "enqueue",
    "get_job",
    "job",
    "job_names",
    "load_jobs",
    "uses_redis",
]


def uses_redis(settings: Settings | None = None) -> bool:
    """True when runs go through Redis to ``kontrol worker`` processes."""
    return bool((settings or current_settings()).redis_url)


def enqueue(
    engine: Engine,
    job_name: str,
    *,
    connection: Connection | None = None,
    dedup_key: str | None = None,
    max_attempts: int | None = None,
    **payload: Any,
) -> int:
    """Queue a run of ``job_name`` with ``payload`` (JSON values); the run's id.

    With ``connection`` the run is written in the caller's transaction and
    only exists once it commits (then a worker's sweep or the in-process
    runner finds it; with Redis a message is also sent, retried until the row
    is visible). With ``dedup_key``, a key seen before returns the earlier run.
    """
    from kontrol.jobs import backends, runs

    settings = current_settings()
    if connection is not None:
        run_id, created = runs.create_run(
            connection, job_name, payload, dedup_key=dedup_key, max_attempts=max_attempts
        )
    else:
        with engine.begin() as own:
            run_id, created = runs.create_run(
                own, job_name, payload, dedup_key=dedup_key, max_attempts=max_attempts
            )
    if created:
        if settings.redis_url:
            try:
                backends.send_redis(settings, run_id)
            except Exception as error:  # noqa: BLE001 - Redis away: the row stays the truth
                # Redis restarting or unreachable: the run is recorded, and every worker's
                # sweep (KONTROL_JOB_SWEEP_SECONDS) sends its message once Redis is back.
                log.warning("job run %s queued without a Redis message: %s", run_id, error)
        else:
            backends.wake()
    return run_id


@contextmanager
def background_jobs(
    engine: Engine, *, alongside: Sequence[Callable[[Engine], BackgroundLoop]] = ()
) -> Iterator[None]:
    """While open, this process runs due jobs in two threads, and each loop made by
    ``alongside`` (the web app's effects drainer) in its own (unless Redis workers do).

    One thread runs the long jobs (the nightly trainings, ``@job(long=True)``), the
    other every other job: alerts, reports and effects never wait minutes behind a
    training started with the app. The caller names the loops: the job queue sits
    below the features that own them.
    """
    from kontrol.jobs.backends import InProcessRunner

    settings = current_settings()
    if settings.redis_url:
        yield
        return
    load_jobs()
    runners = [
        InProcessRunner(engine, settings, long=False),
        InProcessRunner(engine, settings, kind="thread-long", recurring=False, long=True),
    ]
    loops = [make(engine) for make in alongside]
    for runner in runners:
        runner.start()
    for loop in loops:
        loop.start()
    try:
        yield
    finally:
        for loop in reversed(loops):
            loop.stop()
        for runner in reversed(runners):
            runner.stop()


def run_due_jobs(engine: Engine) -> int:
    """In a command-line process without Redis: run the jobs that are due, inline."""
    from kontrol.jobs.backends import drain

    settings = current_settings()
    if settings.redis_url:
        return 0
    return drain(engine, settings)


def retry(engine: Engine, run_id: int, *, workspace_id: int | None = None) -> JobRun:
    """Queue a dead or failed run again (the jobs page's button, ``kontrol jobs retry``).

    With ``workspace_id``, a run of another workspace is not found.
    """
    from kontrol.domain.errors import NotFound
    from kontrol.jobs import backends, runs

    settings = current_settings()
    with engine.begin() as connection:
        run = runs.get_run(connection, run_id)
        if workspace_id is not None and run.workspace_id != workspace_id:
            raise NotFound(
                f"no job run {run_id}", key="jobs.error.no_run", params={"run_id": run_id}
            )
        again = runs.retry_run(connection, run_id)
    if settings.redis_url:
        backends.send_redis(settings, run_id)
    else:
        backends.wake()
    return again
