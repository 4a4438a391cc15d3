"""The fast paths give what the database path gives (issue 21).

``kontrol score FILE`` (its lines streamed a page at a time, the checks in one or
several processes) against ``kontrol import`` into a database; ``kontrol import
--jobs 2`` (the queued scoring run by two processes) against ``--jobs 1``: the
same verdicts, signals, scores, KPI facts and rollups.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, find_workspace
from kontrol.checks.file_scoring import score_file, scratch_engine
from kontrol.checks.scorecards import active_scorecards
from kontrol.checks.stored_results import stored_outcomes
from kontrol.cli.main import app
from kontrol.demo.generator import generate
from kontrol.demo.sizes import SMALL
from kontrol.events import publish
from kontrol.ingest.held_effects import HeldEffects
from kontrol.ingest.importing import import_file
from kontrol.metrics.facts import rebuild
from kontrol.store.database import make_engine
from kontrol.store.tables import (
    evaluations,
    interaction_facts,
    interactions,
    kpi_rollup_buckets,
    kpi_rollups,
)

runner = CliRunner()


@pytest.fixture
def demo_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Demo records (chats, calls, e-mails, surveys, orders); scoring goes to the queue."""
    # Batches above this many ids are scored by queued job runs, as a large import's are.
    monkeypatch.setenv("KONTROL_BACKGROUND_THRESHOLD", "4")
    path = tmp_path / "demo.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for record in generate(seed=5, interactions=40, size=SMALL):
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return path


def _import(path: Path, url: str, jobs: int) -> None:
    result = runner.invoke(app, ["import", str(path), "--db", url, "--jobs", str(jobs)])
    assert result.exit_code == 0, result.output


def _database_lines(url: str) -> dict[str, dict[str, Any]]:
    """What ``kontrol score`` prints, read from a database an import filled."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(interactions.c.id, interactions.c.external_id, interactions.c.workspace_id)
            ).all()
            cards = {card.id: card.name for card in active_scorecards(connection, rows[0][2])}
            outcomes = stored_outcomes(connection, [row.id for row in rows])
            scores = {
                (row.interaction_id, cards[row.scorecard_id]): (row.score, row.passed)
                for row in connection.execute(select(evaluations))
                if row.scorecard_id in cards
            }
    finally:
        engine.dispose()
    found = {}
    for row in rows:
        line = dict(outcomes[row.id])
        for name in ("default-ru", "default-en"):
            if (row.id, name) in scores:
                line["scorecard"] = name
                line["score"], line["passed"] = scores[(row.id, name)]
        found[row.external_id] = line
    return found


def _facts_and_rollups(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The KPI facts by external id, and every rollup row, in a comparable order."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            columns = [c for c in interaction_facts.c if c.name != "interaction_id"]
            facts = sorted(
                tuple(row)
                for row in connection.execute(
                    select(interactions.c.external_id, *columns).join(
                        interactions, interactions.c.id == interaction_facts.c.interaction_id
                    )
                )
            )
            rollups = sorted(
                (repr(tuple(row)) for row in connection.execute(select(kpi_rollups))),
            )
            buckets = sorted(
                repr(tuple(row)) for row in connection.execute(select(kpi_rollup_buckets))
            )
    finally:
        engine.dispose()
    return facts, [tuple(rollups), tuple(buckets)]


def test_score_file_gives_what_an_import_stores(demo_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'imported.db'}"
    _import(demo_file, url, jobs=1)
    stored = _database_lines(url)

    streamed: list[dict[str, Any]] = []
    result = score_file(demo_file, scorecard="default", emit=streamed.append)
    assert result.lines == []  # every line went to emit
    assert len(streamed) == len(stored) > 30
    for line in streamed:
        expected = stored[line["id"]]
        assert line["checks"] == expected["checks"], line["id"]
        assert line["signals"] == expected["signals"], line["id"]
        assert (line["scorecard"], line["score"], line["passed"]) == (
            expected.get("scorecard"),
            expected.get("score"),
            expected.get("passed"),
        ), line["id"]

    in_two = score_file(demo_file, scorecard="default", jobs=2).lines
    assert in_two == streamed


def test_import_with_two_processes_stores_what_one_does(demo_file: Path, tmp_path: Path) -> None:
    one, two = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    _import(demo_file, one, jobs=1)
    _import(demo_file, two, jobs=2)

    assert _database_lines(two) == _database_lines(one)
    facts_one, rollups_one = _facts_and_rollups(one)
    facts_two, rollups_two = _facts_and_rollups(two)
    assert facts_one and facts_two == facts_one
    assert rollups_one[0] and rollups_two == rollups_one

    # Importing the same file again changes nothing, with two processes too.
    _import(demo_file, two, jobs=2)
    assert _facts_and_rollups(two) == (facts_one, rollups_one)


def _held(path: Path, url: str, release: Callable[[HeldEffects, Engine], None]) -> None:
    """Import ``path`` into a scratch database at ``url`` as ``kontrol score FILE`` does."""
    engine = scratch_engine(url)
    try:
        with engine.connect() as connection:
            workspace = find_workspace(connection, DEFAULT_WORKSPACE)
        held = HeldEffects()
        import_file(engine=engine, workspace=workspace, path=path, publish_events=held.hold)
        release(held, engine)
    finally:
        engine.dispose()


def _one_by_one(held: HeldEffects, engine: Engine) -> None:
    # As before the rollups waited for the end: every chunk keeps them current.
    for event in held._chunks():
        publish(engine, event, inline=True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_held_effects_make_their_rollups_once_and_exactly(
    demo_file: Path, tmp_path: Path, jobs: int
) -> None:
    """``kontrol score FILE``'s way (effects held, the rollups made once at the end)
    leaves the facts and rollups of chunks that keep them current one by one, and
    the rollups a full rebuild makes."""
    current = f"sqlite:///{tmp_path / 'current.db'}"
    _held(demo_file, current, _one_by_one)
    held_url = f"sqlite:///{tmp_path / 'held.db'}"
    if jobs == 1:
        _held(demo_file, held_url, lambda held, engine: held.release(engine))
    else:
        _held(
            demo_file,
            held_url,
            lambda held, engine: held.release_in_processes(engine, held_url, jobs),
        )

    facts, rollups = _facts_and_rollups(current)
    assert facts and rollups[0] and rollups[1]
    assert _facts_and_rollups(held_url) == (facts, rollups)
    engine = make_engine(held_url)
    try:
        rebuild(engine, 1)
    finally:
        engine.dispose()
    assert _facts_and_rollups(held_url) == (facts, rollups)
