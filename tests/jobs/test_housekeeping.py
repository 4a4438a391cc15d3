"""The hourly housekeeping job deletes old finished runs and expired idempotency answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest.pushes import ingest
from kontrol.jobs import enqueue
from kontrol.jobs.backends import drain
from kontrol.jobs.schedule import queue_recurring
from kontrol.settings import Settings
from kontrol.store.tables import idempotency_keys, job_runs
from tests.jobs import sample_jobs


def test_old_finished_runs_and_expired_answers_are_deleted(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    assert sample_jobs.count is not None
    old = enqueue(engine, "test.count", name="old")
    recent = enqueue(engine, "test.count", name="recent")
    keyed = enqueue(engine, "test.count", name="keyed", dedup_key="alert:1")
    dead = enqueue(engine, "test.broken", name="dead")
    drain(engine, Settings())
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="k", created_by="t").key
    record = (
        b'{"id": "x1", "channel": "chat", "started_at": "2026-11-25T10:00:00Z", "messages": []}'
    )
    ingest(engine=engine, key=key, endpoint="interactions", body=record, idempotency_key="a")
    month_ago = utcnow() - timedelta(days=30)
    with engine.begin() as connection:
        connection.execute(
            update(job_runs)
            .where(job_runs.c.id.in_([old, keyed, dead]))
            .values(finished_at=month_ago, created_at=month_ago)
        )
        connection.execute(update(idempotency_keys).values(created_at=month_ago))

    queue_recurring(engine)
    drain(engine, Settings())
    with engine.connect() as connection:
        left = set(connection.execute(select(job_runs.c.id)).scalars())
        answers = connection.execute(select(idempotency_keys.c.id)).all()
    assert old not in left
    assert {recent, keyed, dead} <= left, "recent, de-duplicating and dead runs stay"
    assert answers == []
