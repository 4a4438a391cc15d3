"""Housekeeping: a recurring job that keeps the queue's and the API's tables small.

- finished job runs (``done``) older than ``KONTROL_JOB_KEEP_DAYS`` are deleted,
  except those with a ``dedup_key`` of their own (a caller's "only once" must
  hold as long as the caller may ask again); dead runs stay until retried or
  deleted by hand: they are the dead-letter list;
- answers kept for ``Idempotency-Key`` headers are deleted after 24 hours.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from kontrol.domain.clock import utcnow
from kontrol.ingest.pushes import IDEMPOTENCY_HOURS
from kontrol.jobs import JobContext, job
from kontrol.jobs.runs import DONE
from kontrol.settings import current_settings
from kontrol.store.tables import idempotency_keys, job_runs


@job("housekeeping.prune", every=timedelta(hours=1), max_attempts=3)
def prune(ctx: JobContext, *, due: str) -> None:
    """Delete old finished runs and expired idempotency answers."""
    now = utcnow()
    keep = timedelta(days=current_settings().job_keep_days)
    ctx.connection.execute(
        delete(job_runs).where(
            job_runs.c.status == DONE,
            job_runs.c.finished_at < now - keep,
            or_(job_runs.c.dedup_key.is_(None), job_runs.c.dedup_key.like("every:%")),
        )
    )
    ctx.connection.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.created_at < now - timedelta(hours=IDEMPOTENCY_HOURS)
        )
    )
