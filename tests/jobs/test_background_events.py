"""Heavy event subscribers run through the queue when an import is large."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol import events
from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.ingest.importing import import_file
from kontrol.jobs import runs as job_runs
from kontrol.jobs.backends import drain
from kontrol.jobs.registry import jobs
from kontrol.settings import Settings

seen: list[tuple[str, int]] = []


def heavy(engine: Engine, event: events.InteractionsStored) -> None:
    """Stands for scoring: notes how many interactions it was given."""
    seen.append(("heavy", len(event.interaction_ids)))


@pytest.fixture(autouse=True)
def heavy_subscriber(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    monkeypatch.setenv("KONTROL_BACKGROUND_THRESHOLD", "2")
    # A heavy subscriber brings its job: both registries are put back afterwards.
    with events.subscribers.temporarily(), jobs.temporarily():
        events.subscriber(events.InteractionsStored, background=True)(heavy)
        seen.clear()
        yield


def _file(path: Path, count: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": f"x{n}",
                "channel": "chat",
                "started_at": "2026-11-02T10:00:00Z",
                "messages": [{"role": "customer", "text": "Здравствуйте"}],
            }
        )
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_small_import_runs_heavy_subscribers_inline(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(engine=engine, workspace=workspace, path=_file(tmp_path / "a.jsonl", 2))
    assert seen == [("heavy", 2)]
    with engine.connect() as connection:
        names = [run.name for run in job_runs.list_runs(connection)]
    assert events.background_job_name(heavy) not in names


def test_a_large_import_queues_them_and_the_job_does_the_work(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_file(engine=engine, workspace=workspace, path=_file(tmp_path / "b.jsonl", 3))
    assert seen == [], "the import did not wait for the heavy subscriber"
    with engine.connect() as connection:
        (queued,) = [
            run
            for run in job_runs.list_runs(connection)
            if run.name == events.background_job_name(heavy)
        ]
    assert queued.workspace_id == workspace.id and len(queued.payload["ids"]) == 3
    drain(engine, Settings())
    assert seen == [("heavy", 3)]


def test_the_import_command_runs_the_queued_work_before_it_exits(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["import", str(_file(tmp_path / "c.jsonl", 3)), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    assert seen == [("heavy", 3)]
    with engine.connect() as connection:
        ran = [
            run.status
            for run in job_runs.list_runs(connection)
            if run.name == events.background_job_name(heavy)
        ]
    assert ran == ["done"]
