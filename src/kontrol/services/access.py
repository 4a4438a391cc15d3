"""Who may see what: the one place where visibility rules live.

An agent sees only their own interactions; a team lead sees the team's;
admins, QA leads and reviewers see the whole workspace.
"""

from __future__ import annotations

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


def can_manage_checks(viewer: Viewer) -> bool:
    """Scorecards, phrase lists and custom checks change every score: admins and QA leads."""
    return viewer.role in (WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD)


def require_manage_checks(viewer: Viewer) -> None:
    """Raise ``Forbidden`` unless the viewer may change scorecards and check settings."""
    if not can_manage_checks(viewer):
        raise Forbidden("only admins and QA leads change scorecards and checks")
