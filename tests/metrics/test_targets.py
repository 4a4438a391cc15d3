"""KPI targets: stored per metric, scope and period; values get ok / warning / bad."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace, ensure_workspace
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.metrics.targets import (
    delete_target,
    list_targets,
    save_target,
    target_for,
    target_status,
    with_status,
)


def test_targets_are_saved_replaced_listed_and_deleted(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        first = save_target(
            connection,
            workspace,
            metric="sla",
            scope="company",
            scope_value=None,
            target=80,
            warning=70,
            direction=None,
            owner="Наталья",
            period="month",
        )
        assert first.direction == "higher"  # the metric's own direction by default
        again = save_target(
            connection,
            workspace,
            metric="sla",
            scope="company",
            scope_value=None,
            target=85,
            warning=75,
            direction=None,
            owner="Наталья",
            period="month",
        )
        save_target(
            connection,
            workspace,
            metric="frt",
            scope="team",
            scope_value="Линия 1",
            target=60,
            warning=120,
            direction=None,
            owner="Ирина",
            period="week",
        )
        listed = list_targets(connection, workspace)
    assert again.id == first.id
    assert [(t.metric, t.target) for t in listed] == [("frt", 60), ("sla", 85)]
    other = ensure_workspace(engine, "other")
    with engine.begin() as connection:
        with pytest.raises(NotFound):
            delete_target(connection, other, first.id)
        delete_target(connection, workspace, first.id)
        assert [t.metric for t in list_targets(connection, workspace)] == ["frt"]


def test_bad_targets_are_refused(engine: Engine, workspace: Workspace) -> None:
    fields = {
        "metric": "sla",
        "scope": "team",
        "scope_value": "T1",
        "target": 80.0,
        "warning": 70.0,
        "direction": None,
        "owner": "QA",
        "period": "month",
    }
    with engine.begin() as connection:
        with pytest.raises(InvalidInput, match="unknown metric"):
            save_target(connection, workspace, **{**fields, "metric": "speed"})
        with pytest.raises(InvalidInput, match="scope value"):
            save_target(connection, workspace, **{**fields, "scope_value": ""})
        with pytest.raises(InvalidInput, match="warning"):
            save_target(connection, workspace, **{**fields, "warning": 90.0})
        with pytest.raises(InvalidInput, match="period"):
            save_target(connection, workspace, **{**fields, "period": "year"})


def test_status_and_the_most_specific_target(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        company = save_target(
            connection,
            workspace,
            metric="aht",
            scope="company",
            scope_value=None,
            target=300,
            warning=400,
            direction="lower",
            owner="QA",
            period="month",
        )
        team = save_target(
            connection,
            workspace,
            metric="aht",
            scope="team",
            scope_value="T1",
            target=250,
            warning=280,
            direction="lower",
            owner="Lead",
            period="month",
        )
        targets = list_targets(connection, workspace)
    assert [target_status(v, company) for v in (300, 350, 401)] == ["ok", "warning", "bad"]
    assert target_status(None, company) is None
    assert target_for(targets, "aht", {"team": "T1"}, "month") == team
    assert target_for(targets, "aht", {"team": "T2"}, "month") == company
    rows = with_status([{"team": "T1", "aht": 270}, {"team": "T2", "aht": 270}], targets, "month")
    assert [(r["aht_target"], r["aht_status"]) for r in rows] == [(250, "warning"), (300, "ok")]
