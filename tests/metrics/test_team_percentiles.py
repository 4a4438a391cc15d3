"""A team's and an agent's exact medians: the dashboard's path gives the exact figures,
and on PostgreSQL their ``percentile_cont`` statements read the covering index alone
(migration 0049), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

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


def _percentile_statements(
    engine: Engine, workspace: Workspace, report: dict[str, Any]
) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        if "percentile_cont" in args[2]:
            seen.append((args[2], args[3]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as connection:
            compute(connection, workspace=workspace, exact=True, **report)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("report", REPORTS)
def test_percentiles_of_a_team_or_an_agent_read_the_index_alone(
    loaded: Engine, workspace: Workspace, report: dict[str, Any]
) -> None:
    if loaded.dialect.name != "postgresql":
        pytest.skip("INCLUDE indexes are PostgreSQL's; SQLite keeps the plain ones")
    statements = _percentile_statements(loaded, workspace, report)
    assert len(statements) == 1
    statement, parameters = statements[0]
    # As autovacuum leaves a table: statistics, and the visibility map that lets an
    # index be read without the table.
    with loaded.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE interaction_facts")
    with loaded.connect() as connection:
        # On a few hundred rows the planner would rather read the table: forbid it,
        # so that only an index holding every column the statement reads can serve it.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(
            row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        )
    assert "Index Only Scan using ix_interaction_facts_ws_" in plan, plan
