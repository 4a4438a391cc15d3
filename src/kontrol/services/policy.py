"""Who may do what: the role x action matrix of a workspace.

Every page and API endpoint asks here (``require(viewer, Action.X)``) before it
acts. The matrix says which roles may attempt an action at all; whether a
particular row is theirs (an agent's own evaluation, a team lead's team, a
reviewer's assigned item) is decided by the scope functions next to the data
(``access.interaction_scope`` and the review services), which use
``Viewer.role`` the same way.
"""

from __future__ import annotations

from enum import StrEnum

from kontrol.domain.errors import Forbidden
from kontrol.domain.roles import WorkspaceRole
from kontrol.services.access import Viewer

ADMIN = WorkspaceRole.ADMIN
QA_LEAD = WorkspaceRole.QA_LEAD
REVIEWER = WorkspaceRole.REVIEWER
TEAM_LEAD = WorkspaceRole.TEAM_LEAD
AGENT = WorkspaceRole.AGENT
EVERYONE = frozenset(WorkspaceRole)


class Action(StrEnum):
    """Something a person may try to do in a workspace."""

    # Interactions and their automatic evaluations (rows narrowed by scope).
    VIEW_INTERACTIONS = "view_interactions"
    VIEW_REJECTS = "view_rejects"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_USERS = "manage_users"
    # Automatic checks.
    MANAGE_CHECKS = "manage_checks"
    # KPIs.
    VIEW_KPIS = "view_kpis"
    VIEW_TARGETS = "view_targets"
    EDIT_TARGETS = "edit_targets"
    # Surveys and alerts.
    MANAGE_PLACES = "manage_places"
    VIEW_ALERTS = "view_alerts"
    EDIT_ALERT_RULES = "edit_alert_rules"
    # Routing and review queues.
    MANAGE_ROUTING = "manage_routing"
    VIEW_QUEUES = "view_queues"
    ASSIGN_REVIEWS = "assign_reviews"
    REVIEW = "review"
    VIEW_REVIEW_AGREEMENT = "view_review_agreement"
    # Feedback and disputes.
    VIEW_EVALUATIONS = "view_evaluations"
    ACKNOWLEDGE = "acknowledge"
    DISPUTE = "dispute"
    RESOLVE_DISPUTES = "resolve_disputes"
    # Corrective tasks and coaching.
    VIEW_TASKS = "view_tasks"
    MANAGE_TASKS = "manage_tasks"
    VIEW_COACHING = "view_coaching"
    # Calibration.
    RUN_CALIBRATION = "run_calibration"
    TAKE_PART_IN_CALIBRATION = "take_part_in_calibration"
    VIEW_REVIEWER_STATS = "view_reviewer_stats"


POLICY: dict[Action, frozenset[WorkspaceRole]] = {
    Action.VIEW_INTERACTIONS: EVERYONE,
    Action.VIEW_REJECTS: frozenset({ADMIN, QA_LEAD}),
    Action.MANAGE_INTEGRATIONS: frozenset({ADMIN}),
    Action.MANAGE_USERS: frozenset({ADMIN}),
    Action.MANAGE_CHECKS: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_KPIS: EVERYONE,
    Action.VIEW_TARGETS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.EDIT_TARGETS: frozenset({ADMIN, QA_LEAD}),
    Action.MANAGE_PLACES: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_ALERTS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.EDIT_ALERT_RULES: frozenset({ADMIN, QA_LEAD}),
    Action.MANAGE_ROUTING: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_QUEUES: frozenset({ADMIN, QA_LEAD, REVIEWER}),
    Action.ASSIGN_REVIEWS: frozenset({ADMIN, QA_LEAD}),
    Action.REVIEW: frozenset({ADMIN, QA_LEAD, REVIEWER}),
    Action.VIEW_REVIEW_AGREEMENT: frozenset({ADMIN, QA_LEAD, REVIEWER}),
    Action.VIEW_EVALUATIONS: EVERYONE,
    Action.ACKNOWLEDGE: frozenset({AGENT}),
    Action.DISPUTE: frozenset({AGENT}),
    Action.RESOLVE_DISPUTES: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_TASKS: EVERYONE,
    Action.MANAGE_TASKS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.VIEW_COACHING: EVERYONE,
    Action.RUN_CALIBRATION: frozenset({ADMIN, QA_LEAD}),
    Action.TAKE_PART_IN_CALIBRATION: frozenset({ADMIN, QA_LEAD, REVIEWER}),
    Action.VIEW_REVIEWER_STATS: frozenset({ADMIN, QA_LEAD}),
}

# Said when an action is refused: what the rule is, so nobody guesses.
REFUSALS: dict[Action, str] = {
    Action.VIEW_REJECTS: "only admins and QA leads see import rejects",
    Action.MANAGE_INTEGRATIONS: "only workspace admins manage API keys and jobs",
    Action.MANAGE_USERS: "only workspace admins manage people and roles",
    Action.MANAGE_CHECKS: "only admins and QA leads change scorecards and checks",
    Action.VIEW_TARGETS: "agents see targets beside their numbers on the dashboard",
    Action.EDIT_TARGETS: "only admins and QA leads set KPI targets",
    Action.MANAGE_PLACES: "only admins and QA leads manage survey places",
    Action.VIEW_ALERTS: "agents do not see the alerts list",
    Action.EDIT_ALERT_RULES: "only admins and QA leads change alert rules",
    Action.MANAGE_ROUTING: "only admins and QA leads change review queues and routing rules",
    Action.VIEW_QUEUES: "review queues are for reviewers and QA leads",
    Action.ASSIGN_REVIEWS: "only admins and QA leads assign reviews",
    Action.REVIEW: "only reviewers, QA leads and admins score interactions",
    Action.VIEW_REVIEW_AGREEMENT: "the reviewer-versus-checks report is for the QA team",
    Action.ACKNOWLEDGE: "only the evaluated agent acknowledges an evaluation",
    Action.DISPUTE: "only the evaluated agent disputes an evaluation",
    Action.RESOLVE_DISPUTES: "only admins and QA leads resolve disputes",
    Action.MANAGE_TASKS: "agents cannot create or assign corrective tasks",
    Action.RUN_CALIBRATION: "only admins and QA leads run calibration sessions",
    Action.TAKE_PART_IN_CALIBRATION: "calibration sessions are for reviewers and QA leads",
    Action.VIEW_REVIEWER_STATS: "only admins and QA leads see how reviewers deviate",
}


def allowed(viewer: Viewer, action: Action) -> bool:
    """Whether ``viewer``'s role may attempt ``action`` in their workspace."""
    return viewer.role in POLICY[action]


def require(viewer: Viewer, action: Action) -> None:
    """Raise ``Forbidden`` (with the rule in words) unless ``allowed``."""
    if not allowed(viewer, action):
        raise Forbidden(REFUSALS.get(action, f"your role may not {action.value.replace('_', ' ')}"))
