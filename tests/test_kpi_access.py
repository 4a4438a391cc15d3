"""Whose numbers each role may count (services.access.kpi_scope and the targets rules)."""

from __future__ import annotations

import pytest

from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.services.access import (
    Viewer,
    can_edit_targets,
    can_see_targets,
    kpi_scope,
    require_targets,
)
from kontrol.services.accounts import Account, Membership
from kontrol.services.workspaces import Workspace

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
    assert can_edit_targets(viewer(WorkspaceRole.ADMIN))
    assert can_edit_targets(viewer(WorkspaceRole.QA_LEAD))
    assert not can_edit_targets(viewer(WorkspaceRole.TEAM_LEAD, team="L1"))
    assert can_see_targets(viewer(WorkspaceRole.TEAM_LEAD, team="L1"))
    assert can_see_targets(viewer(WorkspaceRole.REVIEWER))
    assert not can_see_targets(viewer(WorkspaceRole.AGENT, agent="a1"))
    with pytest.raises(Forbidden):
        require_targets(viewer(WorkspaceRole.REVIEWER), edit=True)
    require_targets(viewer(WorkspaceRole.REVIEWER))
