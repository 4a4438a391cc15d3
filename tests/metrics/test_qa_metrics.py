"""qa_score and qa_fail over the evaluations the checks (and, later, reviewers) store.

The figures are read from the counted evaluation kept on each interaction's
facts; they must equal the ones grouped over the evaluations themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics.evaluations import qa_metrics_from_evaluations
from kontrol.metrics.facts import rebuild, refresh_qa_facts
from kontrol.metrics.kpis import compute, parse_grouping
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
        # Written past the scoring and review code: their facts follow as those would.
        refresh_qa_facts(connection, workspace.id, ids.values())
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
        refresh_qa_facts(
            connection, workspace.id, connection.execute(select(interactions.c.id)).scalars()
        )
        [row] = compute(connection, workspace=workspace, metrics=["qa_score", "qa_fail"])
    assert row["qa_score"] is None and row["qa_fail"] is None


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"by": ["agent"]},
        {"by": ["team", "channel"], "period": "day"},
        {"by": ["agent"], "period": "month"},
        {"period": "week", "filters": {"agent": "a1"}},
    ],
    ids=["total", "agent", "team-channel-day", "agent-month", "one-agent-week"],
)
def test_fact_figures_equal_the_evaluations(
    evaluated: Engine, workspace: Workspace, request_: dict[str, Any]
) -> None:
    """From the facts and from the rollups, as the evaluations themselves give them.

    Twice: as refresh_qa_facts wrote them, then after a rebuild of facts and rollups.
    """
    names = ("qa_score", "qa_fail", "qa_fail_num", "qa_fail_den")
    for _ in range(2):
        with evaluated.connect() as connection:
            grouping = parse_grouping(workspace=workspace, **request_)
            reference = qa_metrics_from_evaluations(connection, grouping)
            for exact in (True, False):
                rows = compute(
                    connection,
                    workspace=workspace,
                    metrics=["qa_score", "qa_fail"],
                    exact=exact,
                    **request_,
                )
                found = {tuple(row[key] for key in grouping.keys): row for row in rows}
                assert reference and set(reference) <= set(found)
                for key, row in found.items():
                    expected = reference.get(key)
                    if expected is None or not expected["qa_fail_den"]:
                        # No scored evaluation in the group: no figures (its parts are 0).
                        assert row["qa_score"] is None and row["qa_fail"] is None, key
                        assert row["qa_fail_num"] in (0, None), key
                        assert row["qa_fail_den"] in (0, None), key
                        continue
                    for name in names:
                        assert row[name] == pytest.approx(expected[name]), (exact, key, name)
        rebuild(evaluated, workspace.id)
