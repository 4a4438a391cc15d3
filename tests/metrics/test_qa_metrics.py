"""qa_score and qa_fail over the evaluations contract (the checks feature fills it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from kontrol.metrics.evaluations import evaluations
from kontrol.services.importing import import_file
from kontrol.services.kpis import compute
from kontrol.services.workspaces import Workspace
from kontrol.store.tables import interactions
from tests.metrics.fixtures import AGENTS, INTERACTIONS, write


@pytest.fixture
def evaluated(engine: Engine, workspace: Workspace, tmp_path: Path) -> Iterator[Engine]:
    import_file(
        engine=engine, workspace=workspace, path=write(tmp_path / "d.jsonl", AGENTS + INTERACTIONS)
    )
    created = not inspect(engine).has_table("evaluations")
    with engine.begin() as connection:
        if created:
            evaluations.create(connection)
        ids = dict(connection.execute(select(interactions.c.external_id, interactions.c.id)).all())
        connection.execute(
            evaluations.insert(),
            [
                # i1: automatic 60 (fails), but a manual 90 exists: only the manual counts.
                {
                    "interaction_id": ids["i1"],
                    "score": 60,
                    "passed": False,
                    "kind": "auto",
                    "critical_failed": False,
                },
                {
                    "interaction_id": ids["i1"],
                    "score": 90,
                    "passed": True,
                    "kind": "manual",
                    "critical_failed": False,
                },
                # i3: automatic 85 that failed a critical criterion.
                {
                    "interaction_id": ids["i3"],
                    "score": 85,
                    "passed": None,
                    "kind": "auto",
                    "critical_failed": True,
                },
                # i6: automatic 70, below the default pass mark of 80.
                {
                    "interaction_id": ids["i6"],
                    "score": 70,
                    "passed": None,
                    "kind": "auto",
                    "critical_failed": False,
                },
            ],
        )
    yield engine
    with engine.begin() as connection:
        if created:
            evaluations.drop(connection)
        else:
            connection.execute(evaluations.delete())


def test_manual_evaluation_wins_and_failures_count(evaluated: Engine, workspace: Workspace) -> None:
    with evaluated.connect() as connection:
        [row] = compute(connection, workspace=workspace, metrics=["qa_score", "qa_fail"])
        by_agent = compute(connection, workspace=workspace, metrics=["qa_score"], by=["agent"])
    assert row["qa_score"] == pytest.approx((90 + 85 + 70) / 3)
    assert (row["qa_fail_num"], row["qa_fail_den"]) == (2, 3)
    agents = {r["agent"]: r["qa_score"] for r in by_agent}
    assert agents["a1"] == pytest.approx((90 + 85 + 70) / 3)
    assert agents["a2"] is None
