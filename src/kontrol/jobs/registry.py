"""Jobs by name: the work that must not block a request.

A job is a function registered with :func:`job` under a stable name; a job
run names it and carries a JSON payload. Built-in job modules are listed in
``JOB_MODULES`` (like ``events.SUBSCRIBERS``); third parties add theirs through
the ``kontrol.jobs`` entry-point group or ``KONTROL_JOB_MODULES``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import entry_points
from typing import Any

from sqlalchemy import Connection, Engine

from kontrol.domain.errors import InvalidInput, NotFound

ENTRY_POINT_GROUP = "kontrol.jobs"
# Modules whose import registers jobs (with ``@job``).
JOB_MODULES: tuple[str, ...] = (
    "kontrol.events",
    "kontrol.alerts.delivery",
    "kontrol.ingest.housekeeping",
    "kontrol.ingest.effects_backlog",
)
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class JobContext:
    """What a job run gets besides its payload.

    ``connection`` is an open transaction that commits together with marking
    the run done: effects written through it happen exactly once, even when a
    worker is killed and the run is delivered again.
    """

    engine: Engine
    connection: Connection
    run_id: int
    attempt: int


JobFunction = Callable[..., None]


@dataclass(frozen=True)
class Job:
    """A registered job."""

    name: str
    function: JobFunction
    max_attempts: int
    # A recurring job runs once in every period of this length (see schedule.py).
    every: timedelta | None = None


_jobs: dict[str, Job] = {}
_loaders: list[Callable[[], None]] = []
_loaded = False


def job(
    name: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, every: timedelta | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated ``function(ctx, **payload)`` as the job ``name``.

    With ``every``, the job is recurring: runners queue it once per period
    (its payload is ``{"due": "<start of the period, ISO, UTC>"}``).
    """

    def register(function: JobFunction) -> JobFunction:
        register_job(name, function, max_attempts=max_attempts, every=every)
        return function

    return register


def register_job(
    name: str,
    function: JobFunction,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    every: timedelta | None = None,
) -> None:
    """Register ``function`` as the job ``name`` (the decorator's plain form)."""
    existing = _jobs.get(name)
    if existing is not None and existing.function is not function:
        raise InvalidInput(f"two jobs are named {name!r}")
    if max_attempts < 1:
        raise InvalidInput("a job needs at least one attempt")
    if every is not None and every < timedelta(seconds=1):
        raise InvalidInput("a recurring job runs at most once a second")
    _jobs[name] = Job(name, function, max_attempts, every)


def add_loader(loader: Callable[[], None]) -> None:
    """Call ``loader`` when jobs are loaded (modules that register jobs lazily)."""
    if loader not in _loaders:
        _loaders.append(loader)


def load_jobs() -> None:
    """Import every module that registers jobs (once per process)."""
    global _loaded
    if _loaded:
        return
    extra = [name.strip() for name in os.environ.get("KONTROL_JOB_MODULES", "").split(",")]
    for module in [*JOB_MODULES, *(name for name in extra if name)]:
        importlib.import_module(module)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entry_point.load()
    for loader in list(_loaders):
        loader()
    _loaded = True


def get_job(name: str) -> Job:
    """The job called ``name``."""
    found = _jobs.get(name)
    if found is None:
        load_jobs()
        found = _jobs.get(name)
    if found is None:
        raise NotFound(f"no job named {name!r}")
    return found


def job_names() -> list[str]:
    """Names of every registered job."""
    load_jobs()
    return sorted(_jobs)


def recurring_jobs() -> list[Job]:
    """Registered jobs that run once per period."""
    load_jobs()
    return [found for found in _jobs.values() if found.every is not None]


def payload_of(data: Any) -> dict[str, Any]:
    """A payload as stored: a JSON object."""
    return dict(data) if isinstance(data, dict) else {}
