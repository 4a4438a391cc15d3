"""An import killed between storing a batch and running its effects leaves the facts to
follow, not lost (issue 20, defect 2): the batch's backlog rows are committed with it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app as cli
from kontrol.domain.clock import utcnow
from kontrol.events import Event, publish
from kontrol.ingest import importing
from kontrol.ingest.importing import ImportFailed, import_file
from kontrol.metrics import facts
from kontrol.metrics.kpis import compute
from kontrol.store.tables import effects_backlog, interaction_facts, interactions
from tests.webapp import record

COUNT = 30


def _write(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for number in range(COUNT):
            item = record(
                f"r{number}",
                agent=f"a{number % 4}",
                team="L1",
                started=f"2026-11-{1 + number % 20:02d}T10:00:00+00:00",
                text="Где мой заказ?",
                csat=1 + number % 5,
            )
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _kpis(engine: Engine, workspace: Workspace) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return compute(connection, workspace=workspace, by=("agent",))


class Killed(Exception):
    """Stands for the process dying after a batch committed, before its effects."""


def _import_killed_after_first_batch(engine: Engine, workspace: Workspace, path: Path) -> None:
    calls = {"n": 0}

    def effects_then_death(events: list[Event]) -> None:
        calls["n"] += 1
        if calls["n"] > 1:
            raise Killed
        for event in events:
            publish(engine, event)

    with pytest.raises(ImportFailed) as stopped:
        import_file(
            engine=engine, workspace=workspace, path=path, publish_events=effects_then_death
        )
    assert isinstance(stopped.value.__cause__, Killed)


def test_a_batch_stored_before_the_crash_keeps_its_effects_owed(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH_SIZE", 10)
    path = _write(tmp_path / "calls.jsonl")
    _import_killed_after_first_batch(engine, workspace, path)
    assert _count(engine, interactions) == 20, "two batches were committed"
    assert _count(engine, interaction_facts) == 10, "only the first batch's effects ran"
    with engine.connect() as connection:
        owed = connection.execute(
            select(effects_backlog.c.kind, func.count()).group_by(effects_backlog.c.kind)
        ).all()
    # The second batch's ten interactions and the surveys they carry.
    assert dict(owed) == {"interaction": 10, "survey": 10}, "the second batch's effects are owed"
    # The dead importer's claim runs out; the next `kontrol import` finishes the work
    # first, though the same file brings nothing new for the records already stored.
    with engine.begin() as connection:
        connection.execute(
            update(effects_backlog).values(claimed_until=utcnow() - timedelta(seconds=1))
        )
    database_url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["import", str(path), "--db", database_url, "--json"])
    assert result.exit_code == 0, result.output
    assert _count(engine, effects_backlog) == 0
    assert _count(engine, interaction_facts) == COUNT
    after = _kpis(engine, workspace)
    facts.rebuild(engine, workspace.id)
    assert after == _kpis(engine, workspace), "the KPIs equal a rebuild from scratch"


def test_an_import_that_lives_leaves_no_backlog(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH_SIZE", 10)
    path = _write(tmp_path / "calls.jsonl")
    report = import_file(engine=engine, workspace=workspace, path=path)
    assert report.imported == COUNT
    assert _count(engine, effects_backlog) == 0
    assert _count(engine, interaction_facts) == COUNT
