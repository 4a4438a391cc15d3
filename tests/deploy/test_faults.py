"""Processes and servers dying under load (issue 20, "Faults"); docs/deploy.md.

Existing fault tests are not repeated here: an import killed mid-file
(tests/ingest/test_crash_consistency.py), a worker killed in one job
(tests/jobs/test_redis_worker.py) and in a batch of pushed effects
(tests/jobs/test_effects_worker.py). These add:

- a worker killed with SIGKILL in the middle of the jobs of several imports:
  a new worker finishes every run, each once, and the KPIs equal a rebuild;
- a web process (uvicorn) killed with SIGKILL under a load of ingest API
  requests: every acknowledged record is stored once, and its effects land;
- a private Redis killed and started again (empty) while jobs are queued and
  running: every job still runs exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.ingest.importing import import_file
from kontrol.jobs import enqueue
from kontrol.store.tables import (
    effects_backlog,
    evaluations,
    interaction_facts,
    interactions,
    job_runs,
)
from tests.deploy import fault_jobs  # noqa: F401 - registers the job in this process too
from tests.deploy.conftest import PrivateRedis, free_port
from tests.factories import demo_interactions_file
from tests.jobs.sample_jobs import counter

pytestmark = pytest.mark.slow
# fault_jobs is imported at collection, before any registry is frozen, so enqueue knows it.
SLOW_JOB = "deploy.slow_count"

ROOT = Path(__file__).resolve().parents[2]
KONTROL = Path(sys.executable).with_name("kontrol")
SHARED_REDIS = os.environ.get("KONTROL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
runner = CliRunner()


def _scalar(engine: Engine, query: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one() or 0)  # type: ignore[call-overload]


def _wait(condition: Callable[[], bool], what: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}; log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return _spawn([str(KONTROL), "worker", "--threads", "2"], env, log)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def fault_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Settings of this test and its subprocesses: a Redis namespace of its own."""
    namespace = f"kontrol-fault-{uuid.uuid4().hex[:12]}"
    env = {
        "KONTROL_DATABASE_URL": database_url,
        "KONTROL_REDIS_URL": SHARED_REDIS,
        "KONTROL_REDIS_NAMESPACE": namespace,
        "KONTROL_JOB_MODULES": "tests.deploy.fault_jobs",
        "KONTROL_JOB_HEARTBEAT_TIMEOUT_MS": "1500",
        "KONTROL_JOB_MAINTENANCE_CHANCE": "1000000",
        "KONTROL_JOB_BACKOFF_SECONDS": "0.2",
        "KONTROL_BACKGROUND_THRESHOLD": "10",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    client = redis.Redis.from_url(env["KONTROL_REDIS_URL"])
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _kpis(url: str) -> object:
    answer = runner.invoke(app, ["kpi", "--db", url, "--by", "agent", "--period", "month"])
    assert answer.exit_code == 0, answer.output
    return json.loads(answer.stdout)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_killed_amid_the_jobs_of_imports_leaves_every_job_done_once(
    engine: Engine,
    database_url: str,
    workspace: Workspace,
    fault_env: dict[str, str],
    tmp_path: Path,
) -> None:
    # A message the killed worker held and the broker did not give back is sent again by
    # the sweep once the run's claim ran out (a minute by default) or, for a run it had
    # not started, once the run is KONTROL_JOB_REQUEUE_SECONDS late (30 min by default).
    env = {
        **fault_env,
        "KONTROL_JOB_LEASE_SECONDS": "5",
        "KONTROL_JOB_REQUEUE_SECONDS": "5",
        "KONTROL_JOB_SWEEP_SECONDS": "1",
    }
    log = tmp_path / "workers.log"
    files = [demo_interactions_file(tmp_path / f"part-{n}.jsonl", 60, seed=n) for n in range(4)]
    first = _worker(env, log)
    second: subprocess.Popen[bytes] | None = None
    runs = select(func.count()).select_from(job_runs)
    done = runs.where(job_runs.c.status == "done")
    try:
        for path in files:  # each import queues its scoring, analysis and alert work
            import_file(engine=engine, workspace=workspace, path=path)
        total = _scalar(engine, runs)
        assert total >= 8, "the imports queued their heavy work"
        _wait(lambda: _scalar(engine, done) >= 1, "the first worker to finish a job", log)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert _scalar(engine, done) < total, "the worker died with jobs left"
        second = _worker(env, log)
        # Recurring runs keep being added; every run there is must end done.
        left = runs.where(job_runs.c.status != "done")
        _wait(lambda: _scalar(engine, left) == 0, "the second worker to finish them", log)
    finally:
        _stop(first)
        _stop(second)
    assert _scalar(engine, runs.where(job_runs.c.status != "done")) == 0
    stored = _scalar(engine, select(func.count()).select_from(interactions))
    assert _scalar(engine, select(func.count()).select_from(interaction_facts)) == stored
    pairs = select(evaluations.c.interaction_id, evaluations.c.scorecard_id).distinct()
    assert _scalar(engine, select(func.count()).select_from(evaluations)) == _scalar(
        engine, select(func.count()).select_from(pairs.subquery())
    ), "no interaction was scored twice on one scorecard"
    before = _kpis(database_url)
    rebuilt = runner.invoke(app, ["rollup", "--db", database_url])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _kpis(database_url) == before, "the KPIs equal a rebuild"


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "kontrol.web.app:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    return _spawn(command, env, log)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _record(external_id: str) -> bytes:
    return json.dumps(
        {
            "source": "helpdesk",
            "id": external_id,
            "channel": "chat",
            "started_at": "2026-11-25T10:00:00Z",
            "agent_id": f"a{hash(external_id) % 5}",
            "customer_id": "c1",
            "messages": [
                {"role": "customer", "text": "Где мой заказ?", "at": "2026-11-25T10:00:00Z"},
                {"role": "agent", "text": "Добрый день! Заказ приедет сегодня."},
            ],
        },
        ensure_ascii=False,
    ).encode()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_web_process_killed_under_ingest_load_keeps_every_acknowledged_record(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="load", created_by="t").secret
    # A killed process's claim on the effects it was running ends after 3 s.
    env = {"KONTROL_DATABASE_URL": database_url, "KONTROL_EFFECTS_LEASE_SECONDS": "3"}
    port = free_port()
    log = tmp_path / "web.log"
    web = _serve(env, port, log)
    acknowledged: set[str] = set()
    refused: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(lane: int) -> None:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        with httpx.Client(timeout=10) as client:
            number = 0
            while not stop.is_set():
                external_id = f"load-{lane}-{number}"
                number += 1
                try:
                    answer = client.post(
                        f"http://127.0.0.1:{port}/api/v1/interactions",
                        content=_record(external_id),
                        headers=headers,
                    )
                except httpx.HTTPError:
                    time.sleep(0.05)  # the server is gone: this record is not acknowledged
                    continue
                with lock:
                    if answer.status_code == 200:
                        acknowledged.add(external_id)
                    else:
                        refused.append(f"{answer.status_code} {answer.text[:200]}")

    replacement: subprocess.Popen[bytes] | None = None
    lanes = [threading.Thread(target=sender, args=(lane,)) for lane in range(4)]
    try:
        _wait(lambda: _up(port), "the web process", log)
        for lane in lanes:
            lane.start()
        _wait(lambda: len(acknowledged) >= 80, "80 acknowledged records", log)
        web.send_signal(signal.SIGKILL)
        web.wait(30)
        at_kill = len(acknowledged)
        replacement = _serve(env, port, log)
        _wait(lambda: len(acknowledged) >= at_kill + 80, "the new process to take load", log)
    finally:
        stop.set()
        for lane in lanes:
            lane.join(30)
        backlog = select(func.count()).select_from(effects_backlog)
        if replacement is not None:
            # The new process's drainer runs the effects the killed one still owed.
            _wait(lambda: _scalar(engine, backlog) == 0, "the effects backlog to drain", log)
        _stop(web)
        _stop(replacement)
    assert refused == []
    with engine.connect() as connection:
        stored = connection.execute(
            select(interactions.c.external_id, func.count())
            .where(interactions.c.workspace_id == workspace.id)
            .group_by(interactions.c.external_id)
        ).all()
    counts = {str(name): int(count) for name, count in stored}
    assert acknowledged - set(counts) == set(), "every acknowledged record is stored"
    assert {name for name, count in counts.items() if count != 1} == set(), "each once"
    facts = _scalar(engine, select(func.count()).select_from(interaction_facts))
    assert facts == len(counts), "every stored record got its KPI facts"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_redis_restart_during_a_run_loses_no_job(
    engine: Engine,
    fault_env: dict[str, str],
    private_redis: PrivateRedis,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    env = {
        **fault_env,
        "KONTROL_REDIS_URL": private_redis.url,
        "KONTROL_JOB_SWEEP_SECONDS": "1",
        "KONTROL_JOB_LEASE_SECONDS": "2",
        "KONTROL_JOB_REQUEUE_SECONDS": "2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    log = tmp_path / "worker.log"
    worker = _worker(env, log)
    done = (
        select(func.count())
        .select_from(job_runs)
        .where(job_runs.c.name == SLOW_JOB, job_runs.c.status == "done")
    )
    try:
        before = [enqueue(engine, SLOW_JOB, name=f"before-{n}", seconds=0.1) for n in range(30)]
        _wait(lambda: _scalar(engine, done) >= 3, "the worker to run some jobs", log)
        private_redis.kill()  # every message it held (queued, delayed, in flight) is gone
        # Work queued while Redis is away is recorded; the enqueue does not fail.
        during = [enqueue(engine, SLOW_JOB, name=f"during-{n}", seconds=0.05) for n in range(10)]
        time.sleep(1)
        private_redis.start()  # empty: no persistence
        after = [enqueue(engine, SLOW_JOB, name=f"after-{n}", seconds=0.05) for n in range(10)]
        total = len(before) + len(during) + len(after)
        _wait(lambda: _scalar(engine, done) == total, "every job to be done", log, 90)
    finally:
        _stop(worker)
    with engine.connect() as connection:
        for prefix, runs in (("before", before), ("during", during), ("after", after)):
            for number in range(len(runs)):
                assert counter(connection, f"{prefix}-{number}") == 1, f"{prefix}-{number}"
