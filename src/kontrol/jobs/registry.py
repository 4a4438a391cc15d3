"""Jobs by name: the work that must not block a request.

A job is a function registered with :func:`job` under a stable name; a job
run names it and carries a JSON payload. The modules that register jobs are
named in the ``kontrol.jobs`` entry-point group, built-ins (pyproject.toml) as
well as a third party's; ``KONTROL_JOB_MODULES`` adds more without packaging
(a worker started for tests, a local script).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from kontrol.domain.errors import NotFound
from kontrol.plugins import Registry, UnknownPlugin

ENTRY_POINT_GROUP = "kontrol.jobs"
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
    # A long job (a training of minutes) runs in its own lane: the in-process runner
    # gives it a thread of its own, so short jobs (alerts, effects) never wait behind it.
    long: bool = False


class JobRegistry(Registry[Job]):
    """The jobs by name; loading also imports ``KONTROL_JOB_MODULES`` and runs the loaders."""

    def __init__(self) -> None:
        super().__init__("job", group=ENTRY_POINT_GROUP)
        self._loaders: list[Callable[[], None]] = []

    def add_loader(self, loader: Callable[[], None]) -> None:
        """Call ``loader`` when jobs are loaded (a registry whose plugins bring jobs)."""
        if loader not in self._loaders:
            self._loaders.append(loader)

    def _load_more(self) -> None:
        extra = [name.strip() for name in os.environ.get("KONTROL_JOB_MODULES", "").split(",")]
        for module in extra:
            if module:
                importlib.import_module(module)
        for loader in list(self._loaders):
            loader()


jobs = JobRegistry()


def job(
    name: str,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    every: timedelta | None = None,
    long: bool = False,
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated ``function(ctx, **payload)`` as the job ``name``.

    With ``every``, the job is recurring: runners queue it once per period
    (its payload is ``{"due": "<start of the period, ISO, UTC>"}``). With
    ``long``, it runs in the long lane (see :class:`Job`).
    """

    def register(function: JobFunction) -> JobFunction:
        register_job(name, function, max_attempts=max_attempts, every=every, long=long)
        return function

    return register


def register_job(
    name: str,
    function: JobFunction,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    every: timedelta | None = None,
    long: bool = False,
) -> None:
    """Register ``function`` as the job ``name`` (the decorator's plain form)."""
    if max_attempts < 1:
        raise ValueError("a job needs at least one attempt")
    if every is not None and every < timedelta(seconds=1):
        raise ValueError("a recurring job runs at most once a second")
    jobs.add(name, Job(name, function, max_attempts, every, long))


def add_loader(loader: Callable[[], None]) -> None:
    """Call ``loader`` when jobs are loaded (modules that register jobs lazily)."""
    jobs.add_loader(loader)


def load_jobs() -> None:
    """Import every module that registers jobs (once per process)."""
    jobs.load_entry_points()


def get_job(name: str) -> Job:
    """The job called ``name``."""
    try:
        return jobs.get(name)
    except UnknownPlugin:
        raise NotFound(
            f"no job named {name!r}", key="jobs.error.no_job", params={"name": name}
        ) from None


def job_names() -> list[str]:
    """Names of every registered job."""
    return sorted(jobs)


def recurring_jobs() -> list[Job]:
    """Registered jobs that run once per period."""
    return [found for found in jobs.values() if found.every is not None]


def long_job_names() -> list[str]:
    """Names of the registered jobs of the long lane."""
    return sorted(found.name for found in jobs.values() if found.long)


def payload_of(data: Any) -> dict[str, Any]:
    """A payload as stored: a JSON object."""
    return dict(data) if isinstance(data, dict) else {}
