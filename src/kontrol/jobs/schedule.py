"""Recurring jobs: queued once per period, however many runners look.

Every runner (the web app's thread, ``kontrol worker``) calls
:func:`queue_recurring` now and then. The run of a period carries the
``dedup_key`` ``every:<name>:<start of the period>``: the unique index on
``job_runs.dedup_key`` lets exactly one runner create it, the others find it.
A period in which no runner was alive is skipped, not made up later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from kontrol.domain.clock import utcnow
from kontrol.jobs.registry import recurring_jobs

# How often runners look whether a period began.
TICK_SECONDS = 10.0


def period_start(now: datetime, seconds: float) -> datetime:
    """The start of the period of ``seconds`` that holds ``now`` (naive UTC), from the epoch."""
    epoch = now.replace(tzinfo=UTC).timestamp()
    start = epoch - (epoch % seconds)
    return datetime.fromtimestamp(start, UTC).replace(tzinfo=None)


def queue_recurring(engine: Engine, now: datetime | None = None) -> list[int]:
    """Queue the run of the current period of every recurring job; their run ids."""
    from kontrol.jobs import enqueue

    moment = now or utcnow()
    run_ids = []
    for found in recurring_jobs():
        assert found.every is not None
        due = period_start(moment, found.every.total_seconds()).isoformat()
        run_ids.append(
            enqueue(engine, found.name, dedup_key=f"every:{found.name}:{due}"[:200], due=due)
        )
    return run_ids
