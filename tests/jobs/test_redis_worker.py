"""The job queue in production shape: real Redis, real ``kontrol worker`` processes.

A worker is killed with SIGKILL in the middle of a job; a second worker takes
the job up once the first one's heartbeat has run out, and the job's effect
lands exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, select

from kontrol.jobs import enqueue
from kontrol.jobs import runs as job_runs
from kontrol.store.tables import job_runs as job_runs_table
from tests.jobs.sample_jobs import counter

REDIS_URL = os.environ.get("KONTROL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
KONTROL = Path(sys.executable).with_name("kontrol")

pytestmark = pytest.mark.slow


@pytest.fixture
def queue_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Settings shared by this test and its workers: a Redis namespace of its own."""
    namespace = f"kontrol-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (.ci/run starts it)")
    env = {
        "KONTROL_DATABASE_URL": database_url,
        "KONTROL_REDIS_URL": REDIS_URL,
        "KONTROL_REDIS_NAMESPACE": namespace,
        "KONTROL_JOB_MODULES": "tests.jobs.sample_jobs",
        "KONTROL_JOB_HEARTBEAT_TIMEOUT_MS": "1500",
        "KONTROL_JOB_MAINTENANCE_CHANCE": "1000000",
        "KONTROL_JOB_BACKOFF_SECONDS": "0.2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(KONTROL), "worker", "--threads", "1"],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait(condition: Callable[[], bool], what: str, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def _status(engine: Engine, run_id: int) -> job_runs.JobRun:
    with engine.connect() as connection:
        return job_runs.get_run(connection, run_id)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    engine: Engine, queue_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    markers = tmp_path / "markers"
    markers.mkdir()
    first = _start_worker(queue_env, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        run_id = enqueue(engine, "test.blocks", name="killed", marker_dir=str(markers))
        _wait(lambda: (markers / "started-1").exists(), "the first worker to start the job", log)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert _status(engine, run_id).status == "running", "the killed worker held it"

        (markers / "release").write_text("go")
        second = _start_worker(queue_env, log)
        _wait(lambda: _status(engine, run_id).status == "done", "the second worker", log)
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    run = _status(engine, run_id)
    assert run.attempts == 2
    assert (markers / "started-2").exists(), "the second delivery ran the job again"
    with engine.connect() as connection:
        assert counter(connection, "killed") == 1, "the killed attempt's effect was rolled back"


def _holder(engine: Engine, run_id: int) -> str | None:
    with engine.connect() as connection:
        found: str | None = connection.execute(
            select(job_runs_table.c.claimed_by).where(job_runs_table.c.id == run_id)
        ).scalar()
    return found


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_killed_workers_run_is_sent_again_once_its_claim_runs_out(
    engine: Engine, queue_env: dict[str, str], tmp_path: Path
) -> None:
    # Here dramatiq never gives a dead worker's message back (no maintenance, a
    # heartbeat timeout of 10 minutes): only the sweep of the other worker can, once
    # the run's claim ran out. While its worker lives, the claim is renewed.
    lease = 2.0
    env = {
        **queue_env,
        "KONTROL_JOB_MAINTENANCE_CHANCE": "0",
        "KONTROL_JOB_HEARTBEAT_TIMEOUT_MS": "600000",
        "KONTROL_JOB_LEASE_SECONDS": str(lease),
        "KONTROL_JOB_SWEEP_SECONDS": "0.5",
    }
    log = tmp_path / "workers.log"
    markers = tmp_path / "markers"
    markers.mkdir()
    workers = [_start_worker(env, log), _start_worker(env, log)]
    try:
        run_id = enqueue(engine, "test.blocks", name="held", marker_dir=str(markers))
        _wait(lambda: (markers / "started-1").exists(), "a worker to start the job", log)
        time.sleep(3 * lease)  # three claims' length: the live worker keeps renewing
        assert not (markers / "started-2").exists(), "a live worker's run was taken over"
        holder = _holder(engine, run_id)
        assert holder is not None
        pid = int(holder.split(":")[1])
        (killed,) = [worker for worker in workers if worker.pid == pid]
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        (markers / "release").write_text("go")
        _wait(lambda: _status(engine, run_id).status == "done", "the other worker", log, 60)
    finally:
        for worker in workers:
            _stop(worker)
    assert _status(engine, run_id).attempts == 2
    with engine.connect() as connection:
        assert counter(connection, "held") == 1, "the killed attempt's effect was rolled back"


def test_failures_through_redis_are_retried_then_dead_lettered(
    engine: Engine, queue_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    worker = _start_worker(queue_env, log)
    try:
        flaky = enqueue(engine, "test.flaky", name="flaky", succeed_at=3)
        broken = enqueue(engine, "test.broken", name="broken")
        plain = enqueue(engine, "test.count", name="plain")
        finished = ("done", "dead")
        _wait(
            lambda: all(_status(engine, r).status in finished for r in (flaky, broken, plain)),
            "the three runs to finish",
            log,
        )
    finally:
        _stop(worker)
    assert (_status(engine, flaky).status, _status(engine, flaky).attempts) == ("done", 3)
    dead = _status(engine, broken)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert "broken on purpose" in (dead.last_error or "")
    assert _status(engine, plain).status == "done"
    with engine.connect() as connection:
        assert counter(connection, "flaky") == 1
        assert counter(connection, "plain") == 1
        assert counter(connection, "broken") == 0
    assert worker.returncode == 0, "SIGTERM stops a worker cleanly"
