"""Onboarding: a new agent's first 90 days, with a mentor and feedback sessions.

A lead starts an agent's onboarding on a date and names a mentor (a member of
the workspace, chosen by name). The onboarding view puts side by side, over the
days of onboarding so far:

- the agent's KPIs and the team's, both from ``metrics.kpis.compute`` (the same
  figures as the KPI dashboard, filtered by agent and by team), each with the
  count behind it;
- the agent's weekly QA score and weakest criteria from the coaching view
  (``feedback.coaching.coaching_view``: the same counted evaluations);
- the training assigned, the tests taken, where the agent stands on each
  certification (tests and role plays);
- the feedback sessions held: date, who led them, notes, agreed next steps.

Admins, QA leads and team leads (their team) run onboarding; agents see their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.members import Member, list_members
from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.errors import NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.feedback.coaching import (
    CoachedAgent,
    CoachingView,
    coaching_agents,
    coaching_view,
    find_agent,
)
from kontrol.metrics import get_metric
from kontrol.metrics.kpis import compute
from kontrol.staff.certification import (
    Requirement,
    certificates,
    list_certifications,
    requirements_of,
)
from kontrol.staff.knowledge import Attempt, attempts_of, list_tests
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import list_scenarios
from kontrol.staff.rows import insert_row
from kontrol.staff.training import TrainingAssignment, list_training_assignments
from kontrol.store.tables import staff_onboarding_sessions, staff_onboardings

ONBOARDING_DAYS = 90
# The KPIs an onboarding compares, in this order (ids of the metric catalogue).
ONBOARDING_KPIS = ("qa_score", "qa_fail", "aht", "fcr", "csat", "contacts")
# Who can mentor or lead a session: the service team (not shoppers or recruiters).
MENTOR_ROLES = frozenset(
    {WorkspaceRole.ADMIN, WorkspaceRole.QA_LEAD, WorkspaceRole.TEAM_LEAD, WorkspaceRole.AGENT}
)
MAX_NOTES = 5000
MAX_NEXT_STEPS = 2000


def onboarding_today(viewer: Viewer) -> date:
    """Today in the workspace's time zone (the day sessions and starts default to)."""
    return from_utc(utcnow(), zone(viewer.workspace.timezone)).date()


def mentor_choices(connection: Connection, viewer: Viewer, agent: str = "") -> list[Member]:
    """Active members of the service team who may mentor ``agent`` (not the agent)."""
    return [
        m
        for m in list_members(connection, viewer.workspace)
        if m.active and m.role in MENTOR_ROLES and (not agent or m.agent_id != agent)
    ]


def _member_named(connection: Connection, viewer: Viewer, username: str, agent: str) -> Member:
    wanted = username.strip()
    for member in mentor_choices(connection, viewer, agent):
        if member.username == wanted:
            return member
    raise StaffInputError("staff.error.mentor_unknown", name=wanted)


@dataclass(frozen=True, slots=True)
class FeedbackSession:
    """A feedback session held with a new agent."""

    id: int
    held_on: date
    led_by: str
    led_by_name: str
    notes: str
    next_steps: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "held_on": self.held_on.isoformat(),
            "led_by": self.led_by,
            "led_by_name": self.led_by_name,
            "notes": self.notes,
            "next_steps": self.next_steps,
        }


@dataclass(frozen=True, slots=True)
class Onboarding:
    """An agent's onboarding: since when, who mentors, and the sessions held."""

    id: int
    agent: CoachedAgent
    started_on: date
    mentor: Member | None
    sessions: tuple[FeedbackSession, ...]
    today: date

    @property
    def ends_on(self) -> date:
        return self.started_on + timedelta(days=ONBOARDING_DAYS - 1)

    @property
    def day(self) -> int:
        """The day of onboarding today (1 on the first day; 0 before it starts)."""
        return max(0, min((self.today - self.started_on).days + 1, ONBOARDING_DAYS))

    @property
    def finished(self) -> bool:
        return self.today > self.ends_on

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agent": self.agent.external_id,
            "agent_name": self.agent.name,
            "team": self.agent.team,
            "started_on": self.started_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "day": self.day,
            "finished": self.finished,
            "mentor": self.mentor.username if self.mentor else None,
            "mentor_name": self.mentor.display_name if self.mentor else None,
            "sessions": [s.as_json() for s in self.sessions],
        }


def _load(
    connection: Connection, viewer: Viewer, rows: Sequence[Any], scope: dict[str, CoachedAgent]
) -> list[Onboarding]:
    members = {m.user_id: m for m in list_members(connection, viewer.workspace)}
    names = {m.username: m.display_name for m in members.values()}
    held: dict[int, list[FeedbackSession]] = {}
    for s in connection.execute(
        select(staff_onboarding_sessions)
        .where(staff_onboarding_sessions.c.onboarding_id.in_([r.id for r in rows]))
        .order_by(staff_onboarding_sessions.c.held_on, staff_onboarding_sessions.c.id)
    ):
        held.setdefault(s.onboarding_id, []).append(
            FeedbackSession(
                s.id,
                s.held_on,
                s.led_by,
                names.get(s.led_by, s.led_by),
                s.notes,
                s.next_steps or "",
            )
        )
    today = onboarding_today(viewer)
    return [
        Onboarding(
            row.id,
            scope[row.agent_external_id],
            row.started_on,
            members.get(row.mentor_user_id) if row.mentor_user_id is not None else None,
            tuple(held.get(row.id, [])),
            today,
        )
        for row in rows
    ]


def list_onboardings(connection: Connection, viewer: Viewer) -> list[Onboarding]:
    """Onboardings of the agents in ``viewer``'s reach (agents: their own), newest first."""
    require(viewer, Action.VIEW_ONBOARDING)
    scope = {a.external_id: a for a in coaching_agents(connection, viewer)}
    rows = connection.execute(
        select(staff_onboardings)
        .where(
            staff_onboardings.c.workspace_id == viewer.workspace.id,
            staff_onboardings.c.agent_external_id.in_(sorted(scope)),
        )
        .order_by(staff_onboardings.c.started_on.desc(), staff_onboardings.c.id.desc())
    ).all()
    return _load(connection, viewer, rows, scope)


def get_onboarding(connection: Connection, viewer: Viewer, agent: str) -> Onboarding:
    """The onboarding of ``agent``; ``NotFound`` when there is none in reach."""
    for found in list_onboardings(connection, viewer):
        if found.agent.external_id == agent:
            return found
    raise NotFound(
        f"no onboarding of {agent!r}", key="staff.error.no_onboarding", params={"agent": agent}
    )


def start_onboarding(
    connection: Connection,
    viewer: Viewer,
    *,
    agent: str,
    started_on: date | None = None,
    mentor: str = "",
) -> Onboarding:
    """Start an agent's onboarding (admins, QA leads, team leads: their team)."""
    require(viewer, Action.MANAGE_ONBOARDING)
    found = find_agent(connection, viewer, agent.strip())
    start = started_on or onboarding_today(viewer)
    if abs((start - onboarding_today(viewer)).days) > 365:
        raise StaffInputError("staff.error.onboarding_start")
    mentor_id = (
        _member_named(connection, viewer, mentor, found.external_id).user_id
        if mentor.strip()
        else None
    )
    taken = connection.execute(
        select(staff_onboardings.c.id).where(
            staff_onboardings.c.workspace_id == viewer.workspace.id,
            staff_onboardings.c.agent_external_id == found.external_id,
        )
    ).first()
    if taken is not None:
        raise StaffInputError("staff.error.onboarding_taken", agent=found.external_id)
    insert_row(
        connection,
        insert(staff_onboardings).values(
            workspace_id=viewer.workspace.id,
            agent_external_id=found.external_id,
            started_on=start,
            mentor_user_id=mentor_id,
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return get_onboarding(connection, viewer, found.external_id)


def set_mentor(connection: Connection, viewer: Viewer, agent: str, mentor: str) -> Onboarding:
    """Name (or change) the new agent's mentor."""
    require(viewer, Action.MANAGE_ONBOARDING)
    onboarding = get_onboarding(connection, viewer, agent)
    chosen = _member_named(connection, viewer, mentor, onboarding.agent.external_id)
    connection.execute(
        update(staff_onboardings)
        .where(staff_onboardings.c.id == onboarding.id)
        .values(mentor_user_id=chosen.user_id)
    )
    return get_onboarding(connection, viewer, agent)


def record_session(
    connection: Connection,
    viewer: Viewer,
    agent: str,
    *,
    held_on: date,
    led_by: str,
    notes: str,
    next_steps: str = "",
) -> FeedbackSession:
    """Record a feedback session held with the new agent (its mentor or a lead led it)."""
    require(viewer, Action.MANAGE_ONBOARDING)
    onboarding = get_onboarding(connection, viewer, agent)
    if held_on < onboarding.started_on or held_on > onboarding_today(viewer):
        raise StaffInputError("staff.error.session_date")
    leader = _member_named(connection, viewer, led_by, onboarding.agent.external_id)
    notes, next_steps = notes.strip(), next_steps.strip()
    if not notes or len(notes) > MAX_NOTES:
        raise StaffInputError("staff.error.session_notes", most=MAX_NOTES)
    if len(next_steps) > MAX_NEXT_STEPS:
        raise StaffInputError("staff.error.session_next_steps", most=MAX_NEXT_STEPS)
    new_id = insert_row(
        connection,
        insert(staff_onboarding_sessions).values(
            onboarding_id=onboarding.id,
            held_on=held_on,
            led_by=leader.username,
            notes=notes,
            next_steps=next_steps or None,
            created_at=utcnow(),
        ),
    )
    return next(s for s in get_onboarding(connection, viewer, agent).sessions if s.id == new_id)


# -- the onboarding view -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiComparison:
    """One KPI for the agent and for their team over the same days, with the counts behind."""

    metric: str
    unit: str
    direction: str | None
    agent: float | None
    agent_n: int | None
    team: float | None
    team_n: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "direction": self.direction,
            "agent": self.agent,
            "agent_n": self.agent_n,
            "team": self.team,
            "team_n": self.team_n,
        }


def _count(row: dict[str, Any], metric_id: str) -> int | None:
    """The number behind a KPI figure: a ratio's denominator (the QA score: the evaluations)."""
    source = "qa_fail" if metric_id == "qa_score" else metric_id
    for key in (f"{source}_den",):
        if row.get(key) is not None:
            return int(row[key])
    return None


def kpi_comparison(
    connection: Connection, viewer: Viewer, onboarding: Onboarding
) -> list[KpiComparison]:
    """The agent's KPIs against their team's over the onboarding so far (``compute``)."""
    start = onboarding.started_on
    end = min(onboarding.ends_on, onboarding.today)
    if end < start:
        return []

    def row_for(dimension: str, value: str) -> dict[str, Any]:
        return compute(
            connection,
            workspace=viewer.workspace,
            metrics=list(ONBOARDING_KPIS),
            date_from=start,
            date_to=end,
            filters={dimension: value},
        )[0]

    mine = row_for("agent", onboarding.agent.external_id)
    team = row_for("team", onboarding.agent.team) if onboarding.agent.team else {}
    found = []
    for metric_id in ONBOARDING_KPIS:
        metric = get_metric(metric_id)
        found.append(
            KpiComparison(
                metric_id,
                metric.unit,
                metric.direction,
                mine.get(metric_id),
                _count(mine, metric_id),
                team.get(metric_id),
                _count(team, metric_id) if team else None,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class CertificationStanding:
    """Where the agent stands on one certification: each requirement, and the certificate."""

    certification: str
    certification_id: int
    # each requirement with the title of its test or scenario
    requirements: tuple[tuple[Requirement, str], ...]
    state: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "certification_id": self.certification_id,
            "certification": self.certification,
            "requirements": [{**r.as_json(), "title": title} for r, title in self.requirements],
            "state": self.state,
        }


@dataclass(slots=True)
class OnboardingView:
    """Everything the onboarding page shows for one agent."""

    onboarding: Onboarding
    kpis: list[KpiComparison]
    coaching: CoachingView
    assignments: list[TrainingAssignment] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    standings: list[CertificationStanding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        coaching = self.coaching.as_json()
        return {
            **self.onboarding.as_json(),
            "kpis": [k.as_json() for k in self.kpis],
            "qa_score_by_week": coaching["scores"],
            "weakest_criteria": coaching["criteria"][:3],
            "assignments": [a.as_json() for a in self.assignments],
            "attempts": [
                {
                    "id": a.id,
                    "test": a.test.title,
                    "status": a.status,
                    "score": a.score,
                    "passed": a.passed,
                    "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                }
                for a in self.attempts
            ],
            "certifications": [s.as_json() for s in self.standings],
        }


def _weeks(viewer: Viewer, onboarding: Onboarding) -> tuple[datetime, int]:
    """The weekly figures' end (now, or the last day of a finished onboarding) and how
    many weeks back they go: every week of the onboarding so far."""
    last = min(onboarding.ends_on, onboarding.today)
    first_monday = onboarding.started_on - timedelta(days=onboarding.started_on.weekday())
    weeks = max(1, (last - first_monday).days // 7 + 1)
    if not onboarding.finished:
        return utcnow(), weeks
    noon = datetime.combine(onboarding.ends_on, time(12))
    return to_utc(noon, zone(viewer.workspace.timezone)), weeks


def onboarding_view(connection: Connection, viewer: Viewer, agent: str) -> OnboardingView:
    """The onboarding of ``agent`` with their figures against the team's."""
    onboarding = get_onboarding(connection, viewer, agent)
    agent_id = onboarding.agent.external_id
    workspace_id = viewer.workspace.id
    weeks_end, weeks = _weeks(viewer, onboarding)
    held = {
        c.certification.id: c.state()
        for c in certificates(connection, viewer)
        if c.agent == agent_id
    }
    titles = {("test", t.id): t.title for t in list_tests(connection, workspace_id)}
    titles.update({("roleplay", s.id): s.title for s in list_scenarios(connection, workspace_id)})
    standings = [
        CertificationStanding(
            c.name,
            c.id,
            tuple(
                (r, titles.get((r.kind, r.ref_id), str(r.ref_id)))
                for r in requirements_of(connection, workspace_id, c, agent_id)
            ),
            held.get(c.id),
        )
        for c in list_certifications(connection, workspace_id)
    ]
    return OnboardingView(
        onboarding=onboarding,
        kpis=kpi_comparison(connection, viewer, onboarding),
        coaching=coaching_view(
            connection, viewer, agent_id, period="week", now=weeks_end, periods=weeks
        ),
        assignments=list_training_assignments(connection, viewer, agent=agent_id),
        attempts=attempts_of(connection, viewer, agent=agent_id),
        standings=standings,
    )
