"""Recurring jobs: one run per period, however many runners queue it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from kontrol.jobs import JobContext, registry
from kontrol.jobs import runs as job_runs
from kontrol.jobs.backends import drain
from kontrol.jobs.schedule import period_start, queue_recurring
from kontrol.settings import Settings
from tests.jobs.sample_jobs import bump, counter

seen_due: list[str] = []


def every_five_minutes(ctx: JobContext, *, due: str) -> None:
    seen_due.append(due)
    bump(ctx.connection, "every")


@pytest.fixture(autouse=True)
def recurring_job(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    with registry.jobs.temporarily():
        registry.register_job("test.every", every_five_minutes, every=timedelta(minutes=5))
        seen_due.clear()
        yield


def test_a_period_gets_one_run_however_often_runners_look(engine: Engine) -> None:
    at = datetime(2026, 11, 25, 10, 1, 30)
    first = queue_recurring(engine, at)
    # Another runner, a few seconds later in the same period (and the same minute, the
    # period of the shortest recurring job the features register).
    again = queue_recurring(engine, at + timedelta(seconds=20))
    assert first == again
    later = queue_recurring(engine, at + timedelta(minutes=5))
    assert later != first
    drain(engine, Settings())
    assert seen_due == ["2026-11-25T10:00:00", "2026-11-25T10:05:00"]
    with engine.connect() as connection:
        assert counter(connection, "every") == 2
        runs = [run for run in job_runs.list_runs(connection) if run.name == "test.every"]
    assert [run.status for run in runs] == ["done", "done"]


def test_periods_start_on_round_times() -> None:
    assert period_start(datetime(2026, 11, 25, 10, 7, 59), 300) == datetime(2026, 11, 25, 10, 5)
    assert period_start(datetime(2026, 11, 25, 23, 59), 86400) == datetime(2026, 11, 25)
