"""Shoppers and recruiters are members who see nothing of the service team's data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.policy import (
    OUTSIDE_THE_SERVICE_TEAM,
    Action,
    agent_scope,
    alert_scope,
    interaction_reach,
    interaction_scope,
    kpi_scope,
    require,
)
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.store.tables import agents, alerts, interactions
from tests.factories import add_person, log_in

WORKSPACE = Workspace(1, "default", "UTC")
OUTSIDERS = [WorkspaceRole.SHOPPER, WorkspaceRole.RECRUITER]


def viewer(role: WorkspaceRole) -> Viewer:
    return Viewer(Account(1, "someone", "Someone", "ru"), Membership(WORKSPACE, role, None, None))


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_rows_of_the_service_team_are_in_their_scope(role: WorkspaceRole) -> None:
    who = viewer(role)
    assert interaction_reach(who) == "none"
    for condition, table in (
        (interaction_scope(who), interactions),
        (agent_scope(who), agents),
        (alert_scope(who), alerts),
    ):
        sql = str(
            select(table.c.id).where(condition).compile(compile_kwargs={"literal_binds": True})
        )
        assert "false" in sql.lower() or "0 = 1" in sql, sql


@pytest.mark.parametrize("role", OUTSIDERS)
def test_they_count_no_kpis_and_are_told_why_they_are_refused(role: WorkspaceRole) -> None:
    with pytest.raises(Forbidden):
        kpi_scope(viewer(role), {})
    with pytest.raises(Forbidden, match=OUTSIDE_THE_SERVICE_TEAM):
        require(viewer(role), Action.VIEW_INTERACTIONS)


def test_their_menu_has_no_service_team_pages(
    client: TestClient, engine: Engine, populated: Workspace
) -> None:
    with engine.begin() as connection:
        add_person(connection, populated, "shopper1", WorkspaceRole.SHOPPER)
    log_in(client, "shopper1")
    page = client.get("/api/v1/me").json()
    assert page["role"] == "shopper"
    refused = client.get("/interactions", follow_redirects=False)
    assert refused.status_code == 403
    assert 'href="/dashboard"' not in refused.text
    assert 'href="/interactions"' not in refused.text
