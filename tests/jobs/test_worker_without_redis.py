"""`kontrol worker` without Redis runs the database's own queue, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.jobs import enqueue
from kontrol.jobs import runs as job_runs
from tests.jobs.sample_jobs import counter
from tests.jobs.test_redis_worker import KONTROL, ROOT

pytestmark = pytest.mark.slow


def test_a_worker_on_the_database_queue_runs_jobs(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    env = {
        **{k: v for k, v in os.environ.items() if k != "KONTROL_REDIS_URL"},
        "KONTROL_DATABASE_URL": database_url,
        "KONTROL_JOB_MODULES": "tests.jobs.sample_jobs",
        "PYTHONPATH": str(ROOT),
    }
    run_id = enqueue(engine, "test.count", name="db-queue")
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [str(KONTROL), "worker", "--threads", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if job_runs.get_run(connection, run_id).status == "done":
                    break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    with engine.connect() as connection:
        assert job_runs.get_run(connection, run_id).status == "done", log.read_text()[-2000:]
        assert counter(connection, "db-queue") == 1
    assert worker.returncode == 0
    assert "database queue" in log.read_text()
