"""Whose numbers each role may count (policy.kpi_scope and the targets rules)."""

from __future__ import annotations

import pytest

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.policy import Action, allowed, kpi_scope, require
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole

WORKSPACE = Workspace(1, "default", "UTC")


def viewer(role: WorkspaceRole, *, agent: str | None = None, team: str | None = None) -> Viewer:
    return Viewer(Account(1, "someone", "Someone", "ru"), Membership(WORKSPACE, role, agent, team))


@pytest.mark.parametrize(
    "role", [WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD, WorkspaceRole.REVIEWER]
)
def test_workspace_roles_count_whatever_they_filter(role: WorkspaceRole) -> None:
    assert kpi_scope(viewer(role), {}) == {}
    assert kpi_scope(viewer(role), {"team": "L2", "agent": "a9", "topic": ""}) == {
        "team": "L2",
        "agent": "a9",
    }


def test_a_team_lead_counts_their_team_only() -> None:
    lead = viewer(WorkspaceRole.TEAM_LEAD, team="L1")
    assert kpi_scope(lead, {}) == {"team": "L1"}
    assert kpi_scope(lead, {"agent": "a1", "channel": "chat"}) == {
        "agent": "a1",
        "channel": "chat",
        "team": "L1",
    }
    with pytest.raises(Forbidden):
        kpi_scope(lead, {"team": "L2"})
    with pytest.raises(Forbidden):
        kpi_scope(viewer(WorkspaceRole.TEAM_LEAD), {})


def test_an_agent_counts_their_own_contacts_only() -> None:
    agent = viewer(WorkspaceRole.AGENT, agent="a1")
    assert kpi_scope(agent, {}) == {"agent": "a1"}
    assert kpi_scope(agent, {"team": "L1", "topic": "refund"}) == {"topic": "refund", "agent": "a1"}
    with pytest.raises(Forbidden):
        kpi_scope(agent, {"agent": "a2"})
    with pytest.raises(Forbidden):
        kpi_scope(viewer(WorkspaceRole.AGENT), {})


def test_who_sees_and_sets_targets() -> None:
    assert allowed(viewer(WorkspaceRole.ADMIN), Action.EDIT_TARGETS)
    assert allowed(viewer(WorkspaceRole.QA_LEAD), Action.EDIT_TARGETS)
    assert not allowed(viewer(WorkspaceRole.TEAM_LEAD, team="L1"), Action.EDIT_TARGETS)
    assert allowed(viewer(WorkspaceRole.TEAM_LEAD, team="L1"), Action.VIEW_TARGETS)
    assert allowed(viewer(WorkspaceRole.REVIEWER), Action.VIEW_TARGETS)
    assert not allowed(viewer(WorkspaceRole.AGENT, agent="a1"), Action.VIEW_TARGETS)
    with pytest.raises(Forbidden, match="only admins and QA leads set KPI targets"):
        require(viewer(WorkspaceRole.REVIEWER), Action.EDIT_TARGETS)
    require(viewer(WorkspaceRole.REVIEWER), Action.VIEW_TARGETS)
