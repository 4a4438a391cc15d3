"""The job queue without Redis: runs, retries, the dead-letter list, exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.domain.errors import Conflict
from kontrol.jobs import backends, background_jobs, enqueue
from kontrol.jobs import runs as job_runs
from kontrol.jobs.backends import InProcessRunner, drain
from kontrol.settings import Settings
from tests.jobs import sample_jobs
from tests.jobs.sample_jobs import counter


@pytest.fixture(autouse=True)
def no_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    assert sample_jobs.count is not None  # registered on import
    yield


def _count(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return counter(connection, name)


def _run(engine: Engine, run_id: int) -> job_runs.JobRun:
    with engine.connect() as connection:
        return job_runs.get_run(connection, run_id)


def test_a_queued_job_runs_once_when_drained(engine: Engine) -> None:
    run_id = enqueue(engine, "test.count", name="a")
    assert _run(engine, run_id).status == "queued"
    assert _count(engine, "a") == 0, "enqueue itself does not run the job"

    assert drain(engine, Settings()) == 1
    run = _run(engine, run_id)
    assert (run.status, run.attempts, run.payload) == ("done", 1, {"name": "a"})
    assert run.finished_at is not None
    assert _count(engine, "a") == 1

    assert drain(engine, Settings()) == 0
    assert _count(engine, "a") == 1


def test_failures_are_retried_and_the_effect_lands_once(engine: Engine) -> None:
    run_id = enqueue(engine, "test.flaky", name="f", succeed_at=3)
    drain(engine, Settings())
    run = _run(engine, run_id)
    assert (run.status, run.attempts) == ("done", 3)
    assert run.last_error is None
    assert _count(engine, "f") == 1


def test_a_job_that_keeps_failing_ends_in_the_dead_letter_list(engine: Engine) -> None:
    run_id = enqueue(engine, "test.broken", name="b")
    drain(engine, Settings())
    run = _run(engine, run_id)
    assert (run.status, run.attempts) == ("dead", 3)
    assert run.last_error is not None and "broken on purpose" in run.last_error
    assert _count(engine, "b") == 0, "a failed attempt's writes are rolled back"
    with engine.connect() as connection:
        dead = job_runs.list_runs(connection, status="dead")
        assert [item.id for item in dead] == [run_id]
        assert job_runs.count_by_status(connection)["dead"] == 1

    with engine.begin() as connection:
        again = job_runs.retry_run(connection, run_id)
    assert (again.status, again.attempts) == ("queued", 0)
    drain(engine, Settings())
    assert _run(engine, run_id).status == "dead"
    with engine.begin() as connection, pytest.raises(Conflict):
        job_runs.retry_run(connection, enqueue(engine, "test.count", name="x"))


def test_a_failed_job_waits_for_its_back_off(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "3600")
    run_id = enqueue(engine, "test.flaky", name="w", succeed_at=2)
    assert drain(engine, Settings()) == 1, "the second attempt is not due yet"
    run = _run(engine, run_id)
    assert run.status == "failed"
    assert run.next_attempt_at > run.started_at  # type: ignore[operator]
    assert "attempt 1 fails on purpose" in (run.last_error or "")


def test_a_run_delivered_twice_has_its_effect_once(engine: Engine) -> None:
    run_id = enqueue(engine, "test.count", name="twice")
    settings = Settings()
    assert job_runs.run_now(engine, run_id, "first", settings) == "done"
    # The broker delivers again (the first worker died before acknowledging).
    assert job_runs.run_now(engine, run_id, "second", settings) == "done"
    assert job_runs.execute(engine, run_id, settings) == "done"
    assert _count(engine, "twice") == 1
    assert _run(engine, run_id).attempts == 1


def test_two_workers_running_one_run_at_once_keep_one_effect(engine: Engine) -> None:
    """A redelivered run taken up while the first delivery still runs."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the two cannot overlap")
    run_id = enqueue(engine, "test.count", name="overlap")
    settings = Settings()
    assert job_runs.claim(engine, run_id, "first", settings)
    assert job_runs.claim(engine, run_id, "second", settings)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(job_runs.execute(engine, run_id, settings)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["done", "done"]
    assert _count(engine, "overlap") == 1


def test_the_same_dedup_key_gives_the_same_run(engine: Engine) -> None:
    first = enqueue(engine, "test.count", name="d", dedup_key="alert:1")
    second = enqueue(engine, "test.count", name="d", dedup_key="alert:1")
    assert first == second
    drain(engine, Settings())
    assert _count(engine, "d") == 1


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as connection:
        enqueue(engine, "test.count", connection=connection, name="rolled")
        raise RuntimeError("the caller's transaction fails")
    assert drain(engine, Settings()) == 0
    assert _count(engine, "rolled") == 0


def test_the_background_runner_picks_up_new_runs(engine: Engine) -> None:
    runner = InProcessRunner(engine, Settings())
    runner.start()
    try:
        run_id = enqueue(engine, "test.count", name="bg")
        deadline = time.monotonic() + 30
        while _run(engine, run_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert _run(engine, run_id).status == "done"
    assert _count(engine, "bg") == 1


def test_a_run_whose_runner_died_is_taken_up_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTROL_JOB_LEASE_SECONDS", "0")
    run_id = enqueue(engine, "test.count", name="orphan")
    # Claimed by a runner that then vanished: its claim runs out at once here.
    assert job_runs.claim(engine, run_id, "dead-runner", Settings())
    assert drain(engine, Settings()) == 1
    run = _run(engine, run_id)
    assert (run.status, run.attempts) == ("done", 2)
    assert _count(engine, "orphan") == 1


def test_a_long_run_keeps_its_claim_while_it_works(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The claim is far shorter than the work: the runner's heartbeat renews it, so
    # another runner never takes the run over while the first one is alive.
    monkeypatch.setenv("KONTROL_JOB_LEASE_SECONDS", "0.3")
    settings = Settings()
    run_id = enqueue(engine, "test.sleeps", name="long", seconds=1.5)
    assert job_runs.claim(engine, run_id, "busy-runner", settings)
    work = threading.Thread(target=job_runs.execute, args=(engine, run_id, settings))
    work.start()
    taken = []
    while work.is_alive():
        taken.append(job_runs.claim_due(engine, "other-runner", settings))
        time.sleep(0.05)
    work.join()
    assert [found for found in taken if found is not None] == []
    run = _run(engine, run_id)
    assert (run.status, run.attempts) == ("done", 1)
    assert _count(engine, "long") == 1


def test_runners_racing_with_one_dedup_key_make_one_run(engine: Engine) -> None:
    start = threading.Barrier(6)
    ids: list[int] = []

    def queue() -> None:
        start.wait()
        ids.append(enqueue(engine, "test.count", name="race", dedup_key="every:race:10:00"))

    threads = [threading.Thread(target=queue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 6 and len(set(ids)) == 1
    drain(engine, Settings())
    assert _count(engine, "race") == 1


def test_short_jobs_run_while_a_long_training_is_in_progress(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The web app's runner: a long training (queued first) does not hold up a short job;
    # the training only finishes once the short job has run beside it.
    monkeypatch.setattr(backends, "queue_recurring", lambda engine: [])  # only these two runs
    training = enqueue(engine, "test.training", name="trained", marker_dir=str(tmp_path))
    with background_jobs(engine):
        _wait(lambda: (tmp_path / "training").exists())
        assert _run(engine, training).status == "running"
        short = enqueue(engine, "test.short", name="alert", marker_dir=str(tmp_path))
        _wait(lambda: _run(engine, training).status in ("done", "failed", "dead"))
        short_run, training_run = _run(engine, short), _run(engine, training)
    assert (short_run.status, training_run.status, training_run.attempts) == ("done", "done", 1)
    assert short_run.finished_at is not None and training_run.finished_at is not None
    assert short_run.finished_at <= training_run.finished_at
    assert (_count(engine, "alert"), _count(engine, "trained")) == (1, 1)


def test_each_lane_claims_only_its_own_runs(engine: Engine) -> None:
    long_run = enqueue(engine, "test.training", name="x", marker_dir="/nonexistent")
    short_run = enqueue(engine, "test.count", name="y")
    settings = Settings()
    assert job_runs.claim_due(engine, "short-lane", settings, long=False) == short_run
    assert job_runs.claim_due(engine, "short-lane", settings, long=False) is None
    assert job_runs.claim_due(engine, "long-lane", settings, long=True) == long_run
    assert job_runs.claim_due(engine, "long-lane", settings, long=True) is None


def _wait(done: Callable[[], bool]) -> None:
    """Poll until ``done`` (a bound on the wait, not an assertion on time)."""
    deadline = time.monotonic() + 90
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
