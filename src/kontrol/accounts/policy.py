"""Who may do what, and which rows they see: the one place for role decisions.

Two questions, answered here and nowhere else:

- **May this role attempt this action at all?** ``POLICY`` maps every
  :class:`Action` to the roles allowed to attempt it; pages and API endpoints
  call ``require(viewer, Action.X)`` before they act, and templates ask
  ``allowed(viewer, Action.X)`` before they show a link.
- **Which rows are theirs?** The scope functions return a SQL condition (or
  narrowed KPI filters) that every query over the data adds:
  ``interaction_scope`` (interactions), ``evaluation_scope`` (evaluations),
  ``kpi_scope`` (the filters the KPI engine counts with), ``agent_scope`` (the
  agent list), ``alert_scope`` (raised alerts) and ``work_item_scope`` (CRM
  deals, tickets and tasks: the QA team sees all, a team lead the team's, an
  agent their own).

Row scope by role:

- admins and QA leads: the whole workspace;
- team leads: interactions of their team (``memberships.team``);
- agents: their own interactions (``memberships.agent_external_id``);
- reviewers: the interactions assigned to them (``review_items.assignee_id``),
  the ones they scored (a manual evaluation with their ``reviewer_id``) and the
  ones of calibration sessions they take part in;
- shoppers and recruiters: no interactions, evaluations, alerts or KPIs at all
  (their features scope their own rows).

KPIs are aggregates: reviewers count the whole workspace (they belong to the
QA team and judge against the company picture), team leads their team, agents
themselves. Every list of interactions behind a number goes through
``interaction_scope``, so a reviewer's drill-down shows their rows only.

A row out of scope answers 404, never 403: its existence is not revealed.
``docs/permissions.md`` holds the table generated from ``POLICY``
(``python -m kontrol.accounts.policy``); a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    and_,
    exists,
    false,
    or_,
    select,
    true,
    union,
)

from kontrol.domain.errors import Forbidden, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n import translate
from kontrol.store.tables import (
    agents,
    alerts,
    calibration_items,
    calibration_participants,
    corrective_tasks,
    evaluations,
    improvement_actions,
    interactions,
    review_items,
    work_items,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from kontrol.accounts.access import Viewer

ADMIN = WorkspaceRole.ADMIN
QA_LEAD = WorkspaceRole.QA_LEAD
REVIEWER = WorkspaceRole.REVIEWER
TEAM_LEAD = WorkspaceRole.TEAM_LEAD
AGENT = WorkspaceRole.AGENT
SHOPPER = WorkspaceRole.SHOPPER
RECRUITER = WorkspaceRole.RECRUITER
# The service team: everyone who works with the conversations. Shoppers and
# recruiters are members too, but see only what their own features grant them.
EVERYONE = frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD, AGENT})
# Roles whose row scope is the whole workspace.
WHOLE_WORKSPACE = frozenset({ADMIN, QA_LEAD})


class Action(StrEnum):
    """Something a person may try to do in a workspace."""

    # Interactions and their automatic evaluations (rows narrowed by scope).
    VIEW_INTERACTIONS = "view_interactions"
    SEND_SURVEY_LINKS = "send_survey_links"
    VIEW_REJECTS = "view_rejects"
    IMPORT_FILES = "import_files"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_USERS = "manage_users"
    MANAGE_WORKSPACE = "manage_workspace"
    VIEW_AUDIT_LOG = "view_audit_log"
    # Automatic checks.
    VIEW_SCORECARDS = "view_scorecards"
    MANAGE_CHECKS = "manage_checks"
    # KPIs.
    VIEW_KPIS = "view_kpis"
    VIEW_ATTENTION = "view_attention"
    VIEW_TARGETS = "view_targets"
    EDIT_TARGETS = "edit_targets"
    # Surveys and alerts.
    MANAGE_PLACES = "manage_places"
    VIEW_ALERTS = "view_alerts"
    EDIT_ALERT_RULES = "edit_alert_rules"
    # Scripts.
    VIEW_SCRIPTS = "view_scripts"
    EDIT_SCRIPTS = "edit_scripts"
    VIEW_SCRIPT_ADHERENCE = "view_script_adherence"
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
    # Personal data: retention, forgetting a customer, recognition of recordings.
    MANAGE_PRIVACY = "manage_privacy"
    VIEW_PERSONAL_ORIGINALS = "view_personal_originals"
    RECOGNISE_SPEECH = "recognise_speech"
    # Mystery shopping.
    VIEW_MYSTERY = "view_mystery"
    MANAGE_MYSTERY = "manage_mystery"
    SHOP = "shop"
    # Work-tool quality (CRM, tickets, tasks).
    VIEW_WORK_QUALITY = "view_work_quality"
    MANAGE_WORK_RULES = "manage_work_rules"
    # The improvement plan (rows narrowed by scope).
    VIEW_ACTIONS = "view_actions"
    MANAGE_ACTIONS = "manage_actions"
    # Service audits.
    VIEW_AUDITS = "view_audits"
    RUN_AUDITS = "run_audits"
    # Rows narrowed: only on audits that name the viewer as an auditor.
    ANSWER_AUDITS = "answer_audits"
    # People: competencies and training.
    VIEW_TRAINING = "view_training"
    MANAGE_TRAINING = "manage_training"
    ASSIGN_TRAINING = "assign_training"
    COMPLETE_TRAINING = "complete_training"
    # People: knowledge tests and certification.
    MANAGE_TESTS = "manage_tests"
    TAKE_TESTS = "take_tests"
    GRADE_TESTS = "grade_tests"
    VIEW_TEST_RESULTS = "view_test_results"
    # People: structured hiring.
    MANAGE_HIRING = "manage_hiring"
    INTERVIEW = "interview"
    VIEW_ONBOARDING = "view_onboarding"
    MANAGE_ONBOARDING = "manage_onboarding"
    # Analysis: contact reasons, bottlenecks, quality and the business.
    VIEW_ANALYSIS = "view_analysis"
    EDIT_REASONS = "edit_reasons"
    # The reporting regulation (rows: the reports one owns, reviews or receives).
    VIEW_REPORTS = "view_reports"
    MANAGE_REPORTS = "manage_reports"


POLICY: dict[Action, frozenset[WorkspaceRole]] = {
    Action.VIEW_INTERACTIONS: EVERYONE,
    Action.SEND_SURVEY_LINKS: EVERYONE,
    Action.VIEW_REJECTS: frozenset({ADMIN, QA_LEAD}),
    Action.IMPORT_FILES: frozenset({ADMIN, QA_LEAD}),
    Action.MANAGE_INTEGRATIONS: frozenset({ADMIN}),
    Action.MANAGE_USERS: frozenset({ADMIN}),
    Action.MANAGE_WORKSPACE: frozenset({ADMIN}),
    Action.VIEW_AUDIT_LOG: frozenset({ADMIN}),
    Action.VIEW_SCORECARDS: EVERYONE,
    Action.MANAGE_CHECKS: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_KPIS: EVERYONE,
    Action.VIEW_ATTENTION: WHOLE_WORKSPACE,
    Action.VIEW_TARGETS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.EDIT_TARGETS: frozenset({ADMIN, QA_LEAD}),
    Action.MANAGE_PLACES: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_ALERTS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.EDIT_ALERT_RULES: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_SCRIPTS: EVERYONE,
    Action.EDIT_SCRIPTS: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_SCRIPT_ADHERENCE: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
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
    Action.MANAGE_PRIVACY: frozenset({ADMIN}),
    Action.VIEW_PERSONAL_ORIGINALS: frozenset({ADMIN}),
    Action.RECOGNISE_SPEECH: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_MYSTERY: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.MANAGE_MYSTERY: frozenset({ADMIN, QA_LEAD}),
    Action.SHOP: frozenset({SHOPPER}),
    Action.VIEW_WORK_QUALITY: EVERYONE,
    Action.MANAGE_WORK_RULES: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_ACTIONS: EVERYONE,
    Action.MANAGE_ACTIONS: frozenset({ADMIN, QA_LEAD, TEAM_LEAD}),
    Action.VIEW_AUDITS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.RUN_AUDITS: frozenset({ADMIN, QA_LEAD}),
    Action.ANSWER_AUDITS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.VIEW_TRAINING: EVERYONE,
    Action.MANAGE_TRAINING: frozenset({ADMIN, QA_LEAD}),
    Action.ASSIGN_TRAINING: frozenset({ADMIN, QA_LEAD, TEAM_LEAD}),
    Action.COMPLETE_TRAINING: frozenset({AGENT}),
    Action.MANAGE_TESTS: frozenset({ADMIN, QA_LEAD}),
    Action.TAKE_TESTS: frozenset({AGENT}),
    Action.GRADE_TESTS: frozenset({ADMIN, QA_LEAD, TEAM_LEAD}),
    Action.VIEW_TEST_RESULTS: EVERYONE,
    Action.MANAGE_HIRING: frozenset({ADMIN, QA_LEAD, RECRUITER}),
    Action.INTERVIEW: frozenset({ADMIN, QA_LEAD, TEAM_LEAD, RECRUITER}),
    Action.VIEW_ONBOARDING: frozenset({ADMIN, QA_LEAD, TEAM_LEAD, AGENT}),
    Action.MANAGE_ONBOARDING: frozenset({ADMIN, QA_LEAD, TEAM_LEAD}),
    Action.VIEW_ANALYSIS: frozenset({ADMIN, QA_LEAD}),
    Action.EDIT_REASONS: frozenset({ADMIN, QA_LEAD}),
    Action.VIEW_REPORTS: frozenset({ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD}),
    Action.MANAGE_REPORTS: frozenset({ADMIN, QA_LEAD}),
}

# What each action lets a person do, in words (the table in docs/permissions.md).
DESCRIPTIONS: dict[Action, str] = {
    Action.VIEW_INTERACTIONS: "list and open interactions (rows narrowed by scope)",
    Action.SEND_SURVEY_LINKS: "make a survey link for an interaction in scope",
    Action.VIEW_REJECTS: "see records an import rejected",
    Action.IMPORT_FILES: "upload files to import on the import page",
    Action.MANAGE_INTEGRATIONS: (
        "manage ingest API keys, background jobs and the language-model endpoint"
    ),
    Action.MANAGE_USERS: "manage people, roles, teams and agent ids; revoke anyone's API tokens",
    Action.MANAGE_WORKSPACE: "set the name, colour and logo customers see on survey pages",
    Action.VIEW_AUDIT_LOG: "read and export the audit log of security-relevant actions",
    Action.VIEW_SCORECARDS: "read scorecards and their versions",
    Action.MANAGE_CHECKS: (
        "change scorecards, phrase lists, custom checks and language-model criteria"
    ),
    Action.VIEW_KPIS: "see the KPI dashboard, its exports and the KPI API (figures by scope)",
    Action.VIEW_ATTENTION: "see the start page of what needs attention today",
    Action.VIEW_TARGETS: "see the list of KPI targets",
    Action.EDIT_TARGETS: "set KPI targets",
    Action.MANAGE_PLACES: "set up survey places (QR codes, kiosks)",
    Action.VIEW_ALERTS: "see raised alerts (rows narrowed by scope)",
    Action.EDIT_ALERT_RULES: "change alert rules",
    Action.VIEW_SCRIPTS: "read scripts, copy their wordings, comment on a step",
    Action.EDIT_SCRIPTS: "change and import scripts, make widget tokens",
    Action.VIEW_SCRIPT_ADHERENCE: "see script adherence and outcomes (rows narrowed by scope)",
    Action.MANAGE_ROUTING: "change review queues and routing rules",
    Action.VIEW_QUEUES: "see review queues",
    Action.ASSIGN_REVIEWS: "assign and reassign review items",
    Action.REVIEW: "score interactions (manual evaluations)",
    Action.VIEW_REVIEW_AGREEMENT: "see how often reviewers overturn the checks",
    Action.VIEW_EVALUATIONS: "see evaluations (rows narrowed by scope)",
    Action.ACKNOWLEDGE: "acknowledge an evaluation of oneself",
    Action.DISPUTE: "dispute an evaluation of oneself",
    Action.RESOLVE_DISPUTES: "resolve disputes",
    Action.VIEW_TASKS: "see corrective tasks (rows narrowed by scope)",
    Action.MANAGE_TASKS: "create and assign corrective tasks",
    Action.VIEW_COACHING: "see the coaching view (of oneself, the team or everyone)",
    Action.RUN_CALIBRATION: "create, close and set references of calibration sessions",
    Action.TAKE_PART_IN_CALIBRATION: "score in calibration sessions one takes part in",
    Action.VIEW_REVIEWER_STATS: "see each reviewer's deviation from the references",
    Action.MANAGE_PRIVACY: "set retention, forget a customer, read the deletion log",
    Action.VIEW_PERSONAL_ORIGINALS: (
        "read and hear the originals of masked personal data, when the workspace keeps them"
    ),
    Action.RECOGNISE_SPEECH: "send a call's recording to speech recognition",
    Action.VIEW_MYSTERY: "see mystery-shopping programmes, shops and results",
    Action.MANAGE_MYSTERY: "run mystery-shopping programmes: scenarios, targets, shoppers, plan",
    Action.SHOP: "see one's own mystery-shopping assignments and submit shops",
    Action.VIEW_WORK_QUALITY: "see work-tool hygiene scores and items (rows narrowed by scope)",
    Action.MANAGE_WORK_RULES: "change hygiene rules of work items and re-check them",
    Action.VIEW_ACTIONS: "see the improvement plan (rows narrowed by scope)",
    Action.MANAGE_ACTIONS: "create and change improvement actions (team leads: their team's)",
    Action.VIEW_AUDITS: "see service audits, their results, comparisons and reports",
    Action.RUN_AUDITS: "edit audit templates, run audits, answer them and upload evidence",
    Action.ANSWER_AUDITS: (
        "answer the items of an audit and upload its evidence (reviewers and team leads: "
        "only audits that name them as auditors)"
    ),
    Action.VIEW_TRAINING: "see competency profiles and training (agents: their own)",
    Action.MANAGE_TRAINING: "define competencies, training modules and training rules",
    Action.ASSIGN_TRAINING: "assign training modules and see what they changed",
    Action.COMPLETE_TRAINING: "complete a training module assigned to oneself",
    Action.MANAGE_TESTS: "write question banks, tests and certifications",
    Action.TAKE_TESTS: "take knowledge tests",
    Action.GRADE_TESTS: "grade free-text answers and see results per agent, team and question",
    Action.VIEW_TEST_RESULTS: "see test attempts and certificates (agents: their own)",
    Action.MANAGE_HIRING: "job profiles, interview guides, candidates, decisions, retention",
    Action.INTERVIEW: "score the candidates one interviews (others' scores after one's own)",
    Action.VIEW_ONBOARDING: "see new agents' onboarding (team leads: their team, agents: own)",
    Action.MANAGE_ONBOARDING: "start onboarding, name mentors, record feedback sessions",
    Action.VIEW_ANALYSIS: "see contact reasons, bottlenecks and quality beside sales",
    Action.EDIT_REASONS: "edit the reason taxonomy, the cost settings, retrain the model",
    Action.VIEW_REPORTS: "see the reports one owns, reviews or receives, hand in one's own",
    Action.MANAGE_REPORTS: "edit the reporting regulation, send and see every report",
}

# Said when an action is refused: what the rule is, so nobody guesses.
REFUSALS: dict[Action, str] = {
    Action.VIEW_REJECTS: "only admins and QA leads see import rejects",
    Action.IMPORT_FILES: "only admins and QA leads import files",
    Action.MANAGE_INTEGRATIONS: "only workspace admins manage API keys and jobs",
    Action.MANAGE_USERS: "only workspace admins manage people and roles",
    Action.MANAGE_WORKSPACE: "only workspace admins set the workspace's brand",
    Action.VIEW_AUDIT_LOG: "only workspace admins read the audit log",
    Action.MANAGE_CHECKS: "only admins and QA leads change scorecards and checks",
    Action.VIEW_ATTENTION: "the page of what needs attention is the QA lead's start page",
    Action.VIEW_TARGETS: "agents see targets beside their numbers on the dashboard",
    Action.EDIT_TARGETS: "only admins and QA leads set KPI targets",
    Action.MANAGE_PLACES: "only admins and QA leads set up survey places",
    Action.VIEW_ALERTS: "agents do not see the alerts list",
    Action.EDIT_ALERT_RULES: "only admins and QA leads change alert rules",
    Action.EDIT_SCRIPTS: "only admins and QA leads change scripts",
    Action.VIEW_SCRIPT_ADHERENCE: "script adherence figures are for the QA team and team leads",
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
    Action.MANAGE_PRIVACY: "only workspace admins set retention and forget customers",
    Action.VIEW_PERSONAL_ORIGINALS: "only workspace admins see originals of masked personal data",
    Action.RECOGNISE_SPEECH: "only admins and QA leads send recordings to recognition",
    Action.VIEW_MYSTERY: "mystery-shopping results are for the QA team and team leads",
    Action.MANAGE_MYSTERY: "only admins and QA leads run mystery-shopping programmes",
    Action.SHOP: "only mystery shoppers submit shops",
    Action.MANAGE_WORK_RULES: "only admins and QA leads change hygiene rules",
    Action.MANAGE_ACTIONS: "only admins, QA leads and team leads create improvement actions",
    Action.VIEW_AUDITS: "agents do not see service audits",
    Action.RUN_AUDITS: "only admins and QA leads run audits and edit audit templates",
    Action.ANSWER_AUDITS: "only an audit's auditors, admins and QA leads answer it",
    Action.MANAGE_TRAINING: "only admins and QA leads define competencies and training",
    Action.ASSIGN_TRAINING: "only admins, QA leads and team leads assign training",
    Action.COMPLETE_TRAINING: "only the agent a module is assigned to completes it",
    Action.MANAGE_TESTS: "only admins and QA leads write tests and certifications",
    Action.TAKE_TESTS: "knowledge tests are taken by agents",
    Action.GRADE_TESTS: "only admins, QA leads and team leads grade tests and see their results",
    Action.MANAGE_HIRING: "only recruiters, admins and QA leads run hiring",
    Action.INTERVIEW: "only recruiters, admins, QA leads and team leads interview candidates",
    Action.VIEW_ONBOARDING: "onboarding is seen by leads and by the agent themselves",
    Action.MANAGE_ONBOARDING: "only admins, QA leads and team leads run onboarding",
    Action.VIEW_ANALYSIS: "the analysis pages are for admins and QA leads",
    Action.EDIT_REASONS: "only admins and QA leads change the reason taxonomy",
    Action.VIEW_REPORTS: "agents receive reports by e-mail or Telegram, not in Kontrol",
    Action.MANAGE_REPORTS: "only admins and QA leads edit the reporting regulation",
}


# Said to a shopper or recruiter refused an action of the whole service team.
OUTSIDE_THE_SERVICE_TEAM = "this part of Kontrol is for the service team"


def allowed(viewer: Viewer, action: Action) -> bool:
    """Whether ``viewer``'s role may attempt ``action`` in their workspace."""
    return viewer.role in POLICY[action]


class RoleRequired(Forbidden):
    """A refusal by role: besides the rule in words, which roles may and the viewer's own.

    Pages add "Нужна роль: ... Ваша роль — ..." under the reason (web/errors.py),
    computed from ``POLICY``, so the roles named are always the route's own.
    """

    def __init__(
        self,
        *args: object,
        needed: tuple[WorkspaceRole, ...],
        role: WorkspaceRole,
        key: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(*args, key=key, params=params)
        self.needed = needed
        self.role = role


def roles_allowed(action: Action) -> tuple[WorkspaceRole, ...]:
    """The roles that may attempt ``action``, in the order of :class:`WorkspaceRole`."""
    return tuple(role for role in WorkspaceRole if role in POLICY[action])


def require(viewer: Viewer, action: Action, *, reason: str | None = None) -> None:
    """Raise ``RoleRequired`` (with the rule in words) unless ``allowed``.

    ``reason`` is a catalogue key of the route's own rule, for a page whose
    action's general rule would mislead (the action's rule is about changing
    something, the page is about seeing it); its English text is the API's.
    """
    if allowed(viewer, action):
        return
    needed = roles_allowed(action)
    if reason is not None:
        raise RoleRequired(translate("en", reason), needed=needed, role=viewer.role, key=reason)
    if viewer.role not in EVERYONE and action not in REFUSALS:
        raise RoleRequired(
            OUTSIDE_THE_SERVICE_TEAM,
            needed=needed,
            role=viewer.role,
            key="refusal.outside_service_team",
        )
    if action in REFUSALS:
        raise RoleRequired(
            REFUSALS[action], needed=needed, role=viewer.role, key=f"refusal.{action.value}"
        )
    raise RoleRequired(
        f"your role may not {action.value.replace('_', ' ')}",
        needed=needed,
        role=viewer.role,
        key="refusal.role_needed",
    )


# -- row scope ---------------------------------------------------------------------


def reviewer_interactions(viewer: Viewer) -> CompoundSelect[tuple[int]]:
    """Ids of the interactions a reviewer works on: assigned, scored by them, or calibrated.

    The caller keeps ``workspace_id`` in its own query, so one person reviewing
    in two workspaces sees each one's rows there only.
    """
    user_id = viewer.account.id
    return union(
        select(review_items.c.interaction_id).where(
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == user_id,
        ),
        select(evaluations.c.interaction_id).where(
            evaluations.c.workspace_id == viewer.workspace.id,
            evaluations.c.kind == "manual",
            evaluations.c.reviewer_id == user_id,
        ),
        select(calibration_items.c.interaction_id)
        .join(
            calibration_participants,
            calibration_participants.c.session_id == calibration_items.c.session_id,
        )
        .where(calibration_participants.c.user_id == user_id),
    )


def whole_workspace(viewer: Viewer) -> bool:
    """Whether ``viewer``'s rows are the whole workspace (admins and QA leads)."""
    return viewer.role in WHOLE_WORKSPACE


def interaction_reach(viewer: Viewer) -> str:
    """How far ``interaction_scope`` reaches, for pages that say so.

    ``workspace``, ``review`` (assigned / scored / calibration), ``team``, ``own``
    or ``none`` (shoppers and recruiters).
    """
    if viewer.role in WHOLE_WORKSPACE:
        return "workspace"
    if viewer.role is REVIEWER:
        return "review"
    if viewer.role not in EVERYONE:
        return "none"
    return "team" if viewer.role is TEAM_LEAD else "own"


def interaction_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``interactions`` that limits rows to what ``viewer`` may see."""
    if viewer.role in WHOLE_WORKSPACE:
        return true()
    if viewer.role is REVIEWER:
        return interactions.c.id.in_(reviewer_interactions(viewer))
    if viewer.role is TEAM_LEAD:
        team = viewer.membership.team
        return interactions.c.team == team if team else false()
    if viewer.role is not AGENT:
        return false()
    agent = viewer.membership.agent_external_id
    return interactions.c.agent_external_id == agent if agent else false()


def visible_interaction(connection: Connection, viewer: Viewer, interaction_id: int) -> Any:
    """The id, channel, language, agent and team of an interaction ``viewer`` may see.

    ``NotFound`` when it does not exist, is in another workspace or is out of the
    viewer's scope: the answer never tells which.
    """
    row = connection.execute(
        select(
            interactions.c.id,
            interactions.c.channel,
            interactions.c.language,
            interactions.c.agent_external_id,
            interactions.c.team,
        ).where(
            interactions.c.id == interaction_id,
            interactions.c.workspace_id == viewer.workspace.id,
            interaction_scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no interaction {interaction_id}",
            key="accounts.error.no_interaction",
            params={"interaction_id": interaction_id},
        )
    return row


def evaluation_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``evaluations`` that limits rows to what ``viewer`` may see.

    An evaluation is visible when its interaction is (``interaction_scope``);
    a draft manual evaluation only to the reviewer writing it (and to admins and
    QA leads), so nobody reads or disputes a score that is not finished.
    """
    if viewer.role in WHOLE_WORKSPACE:
        return evaluations.c.workspace_id == viewer.workspace.id
    visible_interaction = exists().where(
        interactions.c.id == evaluations.c.interaction_id,
        interactions.c.workspace_id == viewer.workspace.id,
        interaction_scope(viewer),
    )
    finished_or_mine = or_(
        evaluations.c.status != "draft", evaluations.c.reviewer_id == viewer.account.id
    )
    return and_(
        evaluations.c.workspace_id == viewer.workspace.id, visible_interaction, finished_or_mine
    )


def task_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``corrective_tasks`` limiting rows to what ``viewer`` may see.

    Everyone sees the tasks they own or created; a team lead also those about the
    agents of their team, an agent those about themselves; admins and QA leads all.
    """
    tasks = corrective_tasks
    mine = or_(tasks.c.owner_id == viewer.account.id, tasks.c.created_by == viewer.account.id)
    if viewer.role in WHOLE_WORKSPACE:
        return true()
    if viewer.role is TEAM_LEAD:
        if not viewer.membership.team:
            return mine
        team_agents = select(agents.c.external_id).where(
            agents.c.workspace_id == viewer.workspace.id, agents.c.team == viewer.membership.team
        )
        return or_(mine, tasks.c.agent_external_id.in_(team_agents))
    if viewer.role is AGENT:
        agent = viewer.membership.agent_external_id
        return or_(mine, tasks.c.agent_external_id == agent) if agent else mine
    return mine


def work_item_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``work_items`` (CRM deals, tickets, tasks) ``viewer`` may see.

    Admins, QA leads and reviewers (the QA team) the whole workspace, a team lead
    the items of their team, an agent the items they own.
    """
    if viewer.role in WHOLE_WORKSPACE or viewer.role is REVIEWER:
        return true()
    if viewer.role is TEAM_LEAD:
        return work_items.c.team == (viewer.membership.team or "")
    return work_items.c.owner_external_id == (viewer.membership.agent_external_id or "")


def action_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``improvement_actions`` limiting rows to what ``viewer`` may see.

    Everyone sees the actions they own or made; a team lead also those of their
    team, an agent those about themselves; admins and QA leads all.
    """
    plan = improvement_actions
    mine = or_(plan.c.owner_id == viewer.account.id, plan.c.created_by == viewer.account.id)
    if viewer.role in WHOLE_WORKSPACE:
        return true()
    if viewer.role is TEAM_LEAD:
        team = viewer.membership.team
        return or_(mine, plan.c.team == team) if team else mine
    if viewer.role is AGENT:
        agent = viewer.membership.agent_external_id
        return or_(mine, plan.c.agent_external_id == agent) if agent else mine
    return mine


def agent_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``agents`` for the people whose numbers ``viewer`` may count."""
    if viewer.role is TEAM_LEAD:
        return agents.c.team == (viewer.membership.team or "")
    if viewer.role is AGENT:
        return agents.c.external_id == (viewer.membership.agent_external_id or "")
    return true() if viewer.role in EVERYONE else false()


def alert_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The condition on ``alerts`` for the alerts ``viewer`` may see.

    Team leads see their team's alerts. A reviewer sees the alerts without an
    interaction (KPI off target, complaint spikes: workspace figures) and those
    about an interaction in their scope; an alert quotes the customer, so it
    follows the interaction's visibility.
    """
    condition = alerts.c.workspace_id == viewer.workspace.id
    if viewer.role is TEAM_LEAD:
        team = viewer.membership.team
        return and_(condition, alerts.c.team == team) if team else false()
    if viewer.role is REVIEWER:
        in_scope = alerts.c.interaction_id.in_(reviewer_interactions(viewer))
        return and_(condition, or_(alerts.c.interaction_id.is_(None), in_scope))
    if viewer.role not in WHOLE_WORKSPACE:
        return false()
    return condition


KPI_FILTER_NAMES = ("agent", "team", "channel", "topic")


def kpi_reach(viewer: Viewer) -> str:
    """Whose figures ``kpi_scope`` lets ``viewer`` count: ``workspace``, ``team``, ``own``
    or ``none`` (shoppers and recruiters count nothing)."""
    if viewer.role is TEAM_LEAD:
        return "team"
    if viewer.role not in EVERYONE:
        return "none"
    return "own" if viewer.role is AGENT else "workspace"


def kpi_scope(viewer: Viewer, filters: Mapping[str, str]) -> dict[str, str]:
    """The KPI filters narrowed to what ``viewer`` may count.

    Admins, QA leads and reviewers count the whole workspace; a team lead
    their team; an agent their own contacts. Asking for another team's or
    another agent's numbers is refused rather than silently answered with
    one's own, so a wrong link never passes for someone else's figures.
    """
    narrowed = {name: value for name, value in filters.items() if value}
    reach = kpi_reach(viewer)
    if reach == "workspace":
        return narrowed
    if reach == "none":
        raise Forbidden("KPIs are for the service team", key="accounts.error.kpi_service_team")
    if reach == "team":
        team = viewer.membership.team
        if not team:
            raise Forbidden(
                "this team lead has no team: ask an admin to set it",
                key="accounts.error.lead_no_team",
            )
        if narrowed.get("team", team) != team:
            raise Forbidden(
                "team leads see the numbers of their own team only",
                key="accounts.error.leads_own_team",
            )
        return {**narrowed, "team": team}
    agent = viewer.membership.agent_external_id
    if not agent:
        raise Forbidden(
            "this agent account is not linked to an agent id", key="accounts.error.agent_not_linked"
        )
    if narrowed.get("agent", agent) != agent:
        raise Forbidden("agents see their own numbers only", key="accounts.error.agents_own")
    if "team" in narrowed:
        # An agent's own contacts, whatever team they were in; a team filter adds nothing.
        del narrowed["team"]
    return {**narrowed, "agent": agent}


# -- the documented table ------------------------------------------------------------

ROLE_ORDER = (ADMIN, QA_LEAD, REVIEWER, TEAM_LEAD, AGENT, SHOPPER, RECRUITER)


def markdown_table() -> str:
    """The role x action table of ``POLICY`` in Markdown (docs/permissions.md)."""
    head = "| action | " + " | ".join(role.value for role in ROLE_ORDER) + " | what it allows |"
    rule = "|---|" + "---|" * len(ROLE_ORDER) + "---|"
    lines = [head, rule]
    for action in Action:
        marks = " | ".join("yes" if role in POLICY[action] else "—" for role in ROLE_ORDER)
        lines.append(f"| `{action.value}` | {marks} | {DESCRIPTIONS[action]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown_table())
