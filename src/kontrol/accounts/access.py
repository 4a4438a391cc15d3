"""The logged-in person acting in one workspace (``Viewer``).

Every role decision lives in :mod:`kontrol.accounts.policy`. The names below
are the older spellings of those rules, kept as thin aliases so code written
against them keeps working; new code calls ``policy`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from kontrol.accounts import policy
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.policy import KPI_FILTER_NAMES, Action, interaction_scope, kpi_scope
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole

__all__ = [
    "KPI_FILTER_NAMES",
    "Viewer",
    "can_see_rejects",
    "interaction_scope",
    "kpi_scope",
    "require_rejects",
]


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


def can_see_rejects(viewer: Viewer) -> bool:
    """``policy.allowed(viewer, Action.VIEW_REJECTS)``: the pages' nav asks this."""
    return policy.allowed(viewer, Action.VIEW_REJECTS)


def require_rejects(viewer: Viewer) -> None:
    """``policy.require(viewer, Action.VIEW_REJECTS)``."""
    policy.require(viewer, Action.VIEW_REJECTS)
