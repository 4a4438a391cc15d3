"""Who may see what: the one place where visibility rules live.

An agent sees only their own interactions; a team lead sees the team's;
admins, QA leads and reviewers see the whole workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.services.accounts import Account, Membership
from kontrol.services.workspaces import Workspace
from kontrol.store.tables import interactions


@dataclass(frozen=True)
class Viewer:
    """A logged-in person acting in one workspace."""

    account: Account
    membership: Membership

    @property
    def workspace(self) -> Workspace:
        """The workspace they act in."""
        return self.membership.workspace

    @property
    def role(self) -> WorkspaceRole:
        """Their role there."""
        return self.membership.role


def interaction_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``interactions`` that limits rows to what ``viewer`` may see."""
    if viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD, WorkspaceRole.REVIEWER):
        return true()
    if viewer.role is WorkspaceRole.TEAM_LEAD:
        team = viewer.membership.team
        return interactions.c.team == team if team else false()
    agent = viewer.membership.agent_external_id
    return interactions.c.agent_external_id == agent if agent else false()


def can_see_rejects(viewer: Viewer) -> bool:
    """Import rejects hold raw customer data of the whole workspace."""
    return viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD)


def require_rejects(viewer: Viewer) -> None:
    """Raise ``Forbidden`` unless the viewer may list import rejects."""
    if not can_see_rejects(viewer):
        raise Forbidden("only admins and QA leads see import rejects")


def can_manage_integrations(viewer: Viewer) -> bool:
    """API keys and the job queue of a workspace are for its admins."""
    return viewer.role is WorkspaceRole.ADMIN


def require_integrations(viewer: Viewer) -> None:
    """Raise ``Forbidden`` unless the viewer may manage API keys and jobs."""
    if not can_manage_integrations(viewer):
        raise Forbidden("only workspace admins manage API keys and jobs")


# -- KPIs, dashboard and targets (metrics web part) ----------------------------

KPI_FILTER_NAMES = ("agent", "team", "channel", "topic")


def kpi_scope(viewer: Viewer, filters: Mapping[str, str]) -> dict[str, str]:
    """The KPI filters narrowed to what ``viewer`` may count.

    Admins, QA leads and reviewers count the whole workspace; a team lead
    their team; an agent their own contacts. Asking for another team's or
    another agent's numbers is refused rather than silently answered with
    one's own, so a wrong link never passes for someone else's figures.
    """
    narrowed = {name: value for name, value in filters.items() if value}
    if viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD, WorkspaceRole.REVIEWER):
        return narrowed
    if viewer.role is WorkspaceRole.TEAM_LEAD:
        team = viewer.membership.team
        if not team:
            raise Forbidden("this team lead has no team: ask an admin to set it")
        if narrowed.get("team", team) != team:
            raise Forbidden("team leads see the numbers of their own team only")
        return {**narrowed, "team": team}
    agent = viewer.membership.agent_external_id
    if not agent:
        raise Forbidden("this agent account is not linked to an agent id")
    if narrowed.get("agent", agent) != agent:
        raise Forbidden("agents see their own numbers only")
    if "team" in narrowed:
        # An agent's own contacts, whatever team they were in; a team filter adds nothing.
        del narrowed["team"]
    return {**narrowed, "agent": agent}


def can_see_targets(viewer: Viewer) -> bool:
    """The list of KPI targets: everyone who leads or checks others."""
    return viewer.role is not WorkspaceRole.AGENT


def can_edit_targets(viewer: Viewer) -> bool:
    """Setting targets is the service plan: admins and QA leads."""
    return viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD)


def require_targets(viewer: Viewer, *, edit: bool = False) -> None:
    """Raise ``Forbidden`` unless the viewer may see (or ``edit``) KPI targets."""
    if edit and not can_edit_targets(viewer):
        raise Forbidden("only admins and QA leads set KPI targets")
    if not can_see_targets(viewer):
        raise Forbidden("agents see targets beside their numbers on the dashboard")


def can_manage_checks(viewer: Viewer) -> bool:
    """Scorecards, phrase lists and custom checks change every score: admins and QA leads."""
    return viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD)


def require_manage_checks(viewer: Viewer) -> None:
    """Raise ``Forbidden`` unless the viewer may change scorecards and check settings."""
    if not can_manage_checks(viewer):
        raise Forbidden("only admins and QA leads change scorecards and checks")
