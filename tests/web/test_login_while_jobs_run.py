"""Logging in while background work runs at start-up on SQLite: never a 503 (issue 15).

The first login of a fresh ``make run`` answered 503 now and then: the nightly
trainings that run when the app starts held SQLite's one write lock for a minute
and more (their first model written, the next one being learned), longer than
logins wait for it. A long job now commits its finished parts
(``store/database.commit_points``) and the effects drainer looks before it
takes the lock.

Here a real server (uvicorn in a thread) starts with background work pending:
a long job that has written its first part and is computing the next, and
effects of stored records for the drainer. People log in meanwhile.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.effects_backlog import queue_effects
from kontrol.jobs import enqueue, load_jobs
from kontrol.jobs.backends import drain
from kontrol.jobs.runs import DONE, get_run
from kontrol.settings import current_settings
from kontrol.store.tables import interactions
from tests.factories import PASSWORD
from tests.jobs import sample_jobs
from tests.web.test_browser import serve_app

LOGINS = 6


def _log_in(base: str, username: str) -> int:
    with httpx.Client(base_url=base, timeout=120) as client:
        form = client.get("/login")
        if form.status_code != 200:
            return form.status_code
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert found is not None
        answer = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
        )
        return answer.status_code


def _wait_for(path: Path) -> None:
    """Wait for the job to say it is in its second part (a wait, not an assertion)."""
    deadline = time.monotonic() + 120
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the long job never started")
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_logins_answer_while_a_long_job_and_the_drainer_work(
    database_url: str, engine: Engine, populated: Workspace, tmp_path: Path
) -> None:
    assert sample_jobs.parts is not None  # registered on import
    run_id = enqueue(engine, "test.parts", name="parts", marker_dir=str(tmp_path))
    with engine.begin() as connection:
        stored = list(connection.execute(select(interactions.c.id)).scalars())
        queue_effects(connection, populated.id, interactions=stored, surveys=stored)
    answers: list[int] = []
    with serve_app(database_url) as base:
        _wait_for(tmp_path / "started")
        people = ["admin", "qa", "lead", "agent1", "agent3", "admin"][:LOGINS]
        threads = [
            threading.Thread(target=lambda who=who: answers.append(_log_in(base, who)))
            for who in people
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        (tmp_path / "release").write_text("")
        # The job ends once released; the server stops after it (its runner is joined).
    assert sorted(answers) == [303] * LOGINS, answers
    with engine.connect() as connection:
        assert sample_jobs.counter(connection, "parts") == 2
        assert get_run(connection, run_id).status == DONE


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_nightly_reason_training_leaves_the_write_lock_free_while_it_learns(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kontrol.analysis import assignment
    from kontrol.analysis.classifier import train_model

    path = engine.url.database
    assert path is not None
    learned: list[str] = []
    original = train_model

    def learning(texts: list[str], labels: list[str]) -> object:
        # Someone logs in while a model learns: a writer that does not wait at all
        # fails at once if the job still holds the lock of what it wrote before.
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute(
                "INSERT INTO app_settings (key, value) VALUES (?, ?)", (f"probe:{len(learned)}", "")
            )
            other.commit()
        finally:
            other.close()
        learned.append("written")
        return original(texts, labels)

    monkeypatch.setattr(assignment, "train_model", learning)
    load_jobs()
    run_id = enqueue(engine, "analysis.train", due="2026-12-07T00:00:00")
    drain(engine, current_settings())
    with engine.connect() as connection:
        run = get_run(connection, run_id)
    # Two models (reasons, complaint types): the second learns after the first is saved.
    assert learned == ["written", "written"], run.last_error
    assert run.status == DONE
