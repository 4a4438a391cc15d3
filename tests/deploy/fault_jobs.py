"""A job of the fault tests; worker subprocesses load it via KONTROL_JOB_MODULES."""

from __future__ import annotations

import time

from kontrol.jobs import JobContext, job
from tests.jobs.sample_jobs import bump


@job("deploy.slow_count")
def slow_count(ctx: JobContext, *, name: str, seconds: float) -> None:
    """Counts ``name`` once, after ``seconds`` of work (so a run is caught in the middle)."""
    time.sleep(seconds)
    bump(ctx.connection, name)
