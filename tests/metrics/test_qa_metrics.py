"""qa_score and qa_fail over the evaluations the checks (and, later, reviewers) store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics.kpis import compute
from kontrol.store.tables import evaluations, interactions, scorecards
from tests.factories import import_records
from tests.metrics.fixtures import AGENTS, INTERACTIONS

WHEN = datetime(2026, 11, 25, 12, 0)


@pytest.fixture
def evaluated(engine: Engine, workspace: Workspace, tmp_path: Path) -> Iterator[Engine]:
    import_records(engine, workspace, tmp_path, AGENTS + INTERACTIONS, name="d.jsonl")
    with engine.begin() as connection:
        # The import scored everything automatically; these tests set the evaluations by hand.
        connection.execute(evaluations.delete())
        card = connection.execute(select(scorecards.c.id).limit(1)).scalar_one()
        ids = dict(connection.execute(select(interactions.c.external_id, interactions.c.id)).all())

        def evaluation(external_id: str, kind: str, score: float | None, passed: bool | None):
            return {
                "workspace_id": workspace.id,
                "interaction_id": ids[external_id],
                "scorecard_id": card,
                "kind": kind,
                "score": score,
                "passed": passed,
                "items": [],
                "created_at": WHEN,
            }

        for row in [
            # i1: automatic 60 (fails), but a manual 90 exists: only the manual counts.
            evaluation("i1", "auto", 60, False),
            evaluation("i1", "manual", 90, True),
            # i3: a failed critical criterion scores 0 and fails.
            evaluation("i3", "auto", 0, False),
            # i6: an older automatic 95, then (after a scorecard edit) 70: only the newest counts.
            evaluation("i6", "auto", 95, True),
            evaluation("i6", "auto", 70, False),
            # i7: every criterion na: no score, counted in neither metric.
            evaluation("i7", "auto", None, None),
        ]:
            connection.execute(evaluations.insert().values(**row))
    return engine


def test_manual_evaluation_wins_and_failures_count(evaluated: Engine, workspace: Workspace) -> None:
    with evaluated.connect() as connection:
        [row] = compute(connection, workspace=workspace, metrics=["qa_score", "qa_fail"])
        by_agent = compute(connection, workspace=workspace, metrics=["qa_score"], by=["agent"])
    assert row["qa_score"] == pytest.approx((90 + 0 + 70) / 3)
    assert (row["qa_fail_num"], row["qa_fail_den"]) == (2, 3)
    assert row["qa_fail"] == pytest.approx(200 / 3)
    agents = {r["agent"]: r["qa_score"] for r in by_agent}
    assert agents["a1"] == pytest.approx((90 + 0 + 70) / 3)
    assert agents["a2"] is None


def test_no_evaluations_is_null(evaluated: Engine, workspace: Workspace) -> None:
    with evaluated.begin() as connection:
        connection.execute(evaluations.delete())
        [row] = compute(connection, workspace=workspace, metrics=["qa_score", "qa_fail"])
    assert row["qa_score"] is None and row["qa_fail"] is None
