"""A team's and an agent's exact medians: the dashboard's path gives the exact figures, on
SQLite and PostgreSQL. (Whether PostgreSQL reads the covering indexes of migration 0049
alone depends on the planner's view of the table's size: on a few hundred rows it may not,
so the plan is measured by `bench.scale_postgres` on a million, not asserted here.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.people import TEAM_1
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics.kpis import compute

REPORTS: list[dict[str, Any]] = [
    # The team lead's chart and tiles, and their breakdown by agent.
    {"filters": {"team": TEAM_1}, "period": "month"},
    {"filters": {"team": TEAM_1}, "by": ["agent"]},
    # The agent's own chart and tiles.
    {"filters": {"agent": "a01"}, "period": "month"},
]


@pytest.fixture
def loaded(engine: Engine, workspace: Workspace, tmp_path: Path) -> Engine:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=11, count=400, size=SMALL)
    import_file(engine=engine, workspace=workspace, path=data)
    return engine


@pytest.mark.parametrize("report", REPORTS)
def test_team_and_agent_reports_keep_exact_medians(
    loaded: Engine, workspace: Workspace, report: dict[str, Any]
) -> None:
    with loaded.connect() as connection:
        exact = compute(connection, workspace=workspace, exact=True, **report)
        dashboard = compute(connection, workspace=workspace, **report)
    assert any(row.get("frt") is not None for row in exact)
    assert any(row.get("aht_p90") is not None for row in exact)
    assert dashboard == exact
