"""The team lead's start page: the team's month, its weakest criteria, whom to coach first.

Every figure comes from the services the dashboard uses, narrowed by
``kpi_scope`` (a team lead counts their own team, a QA lead the workspace):

- QA score and CSAT of this month so far against the same days of last month,
  with their sample sizes (``kpis.compute``: the dashboard's metric engine).
  "This month" is the month holding the latest day with data, as on the dashboard;
  the comparison takes as many days from the start of the month before.
- The weakest criteria: the automatic checks the team's conversations failed
  most often this month (the dashboard heat map's counts, ``build_heatmap``),
  each with its pass share and sample size and the heat map's drill-down link.
  Checks bound to a bonus criterion are left out: a bonus not earned is no failure.
- Agents to coach first: those with at least ``MIN_EVALUATIONS`` evaluated
  conversations this month, lowest QA score first (ties: most failed checks).
  Agents with fewer evaluations are not ranked, a score over two or three
  conversations says little.
- The team's open coaching tasks, overdue first (then soonest due).

Twelve queries whatever the team's size (docs/ux.md has the measurement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, kpi_reach, kpi_scope, require
from kontrol.checks.scorecards import bonus_checks
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.periods import Period
from kontrol.feedback.tasks import Task, tasks_of
from kontrol.metrics.dashboard import latest_day, visible_agents
from kontrol.metrics.date_ranges import DateRange, period_of
from kontrol.metrics.heatmap import build_heatmap, failing_link
from kontrol.metrics.kpis import compute

METRICS = ("qa_score", "csat")
# The sample size of each figure: the mean QA score has none of its own, but the error
# rate's denominator counts exactly the evaluations with a score.
SAMPLES = {"qa_score": "qa_fail_den", "csat": "csat_den"}
MIN_EVALUATIONS = 5
MOST_CRITERIA = 5
MOST_AGENTS = 5


@dataclass(frozen=True, slots=True)
class MonthFigure:
    """One metric this month so far and over the same days of last month, with sample sizes."""

    metric: str
    value: float | None
    n: int
    previous: float | None
    previous_n: int

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)


@dataclass(frozen=True, slots=True)
class WeakCriterion:
    """A check the team failed: pass share over the team's conversations, and where they are."""

    check: str
    failed: int
    n: int
    link: str

    @property
    def pass_share(self) -> float:
        return round(100.0 * (self.n - self.failed) / self.n, 1) if self.n else 0.0


@dataclass(frozen=True, slots=True)
class AgentToCoach:
    """An agent with their QA score, evaluated conversations and failed checks this month."""

    agent: str
    name: str
    qa_score: float
    evaluations: int
    failed_checks: int


@dataclass(slots=True)
class TeamOverview:
    """Everything the team lead's start page shows above the list of agents."""

    team: str | None
    current: DateRange
    previous: DateRange
    figures: list[MonthFigure]
    weakest: list[WeakCriterion]
    to_coach: list[AgentToCoach]
    open_tasks: list[Task] = field(default_factory=list)
    min_evaluations: int = MIN_EVALUATIONS


def month_ranges(last: date) -> tuple[DateRange, DateRange]:
    """The month of ``last`` up to it, and as many days from the start of the month before
    (at most that whole month: 31 March compares with February)."""
    current = DateRange(period_of(Period.MONTH, last).first, last)
    before = period_of(Period.MONTH, current.first - timedelta(days=1))
    end = min(before.first + timedelta(days=current.days - 1), before.last)
    return current, DateRange(before.first, end)


def _totals(
    connection: Connection, viewer: Viewer, scope: Mapping[str, str], dates: DateRange
) -> Mapping[str, Any]:
    rows = compute(
        connection,
        workspace=viewer.workspace,
        metrics=[*METRICS, "qa_fail"],
        date_from=dates.first,
        date_to=dates.last,
        filters=scope,
    )
    return rows[0] if rows else {}


def _sample(row: Mapping[str, Any], metric: str) -> int:
    return int(row.get(SAMPLES[metric]) or 0)


def _figures(now: Mapping[str, Any], before: Mapping[str, Any]) -> list[MonthFigure]:
    return [
        MonthFigure(
            metric,
            _rounded(now.get(metric)),
            _sample(now, metric),
            _rounded(before.get(metric)),
            _sample(before, metric),
        )
        for metric in METRICS
    ]


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _to_coach(
    connection: Connection,
    viewer: Viewer,
    scope: Mapping[str, str],
    dates: DateRange,
    names: Mapping[str, str],
    failed: Mapping[str, int],
) -> list[AgentToCoach]:
    rows = compute(
        connection,
        workspace=viewer.workspace,
        metrics=["qa_score", "qa_fail"],
        by=("agent",),
        date_from=dates.first,
        date_to=dates.last,
        filters=scope,
    )
    ranked = [
        AgentToCoach(
            agent=str(row["agent"]),
            name=names.get(str(row["agent"]), str(row["agent"])),
            qa_score=round(float(row["qa_score"]), 1),
            evaluations=_sample(row, "qa_score"),
            failed_checks=failed.get(str(row["agent"]), 0),
        )
        for row in rows
        if row.get("agent") is not None
        and row.get("qa_score") is not None
        and _sample(row, "qa_score") >= MIN_EVALUATIONS
    ]
    ranked.sort(key=lambda a: (a.qa_score, -a.failed_checks, a.name))
    return ranked[:MOST_AGENTS]


def has_overview(viewer: Viewer) -> bool:
    """Whether ``viewer`` coaches others and has figures to count (a team lead without a
    team has none until an admin sets it)."""
    if not allowed(viewer, Action.MANAGE_TASKS) or kpi_reach(viewer) == "none":
        return False
    return kpi_reach(viewer) != "team" or bool(viewer.membership.team)


def team_overview(
    connection: Connection, viewer: Viewer, *, now: datetime | None = None
) -> TeamOverview:
    """The start page of a team lead (or of anyone who coaches: their whole reach)."""
    require(viewer, Action.VIEW_COACHING)
    require(viewer, Action.VIEW_KPIS)
    moment = now or utcnow()
    scope = kpi_scope(viewer, {})
    today = from_utc(moment, zone(viewer.workspace.timezone)).date()
    current, previous = month_ranges(latest_day(connection, viewer, today))
    names = dict(visible_agents(connection, viewer))
    heatmap = build_heatmap(connection, viewer, {}, current, names)
    bonus = bonus_checks(connection, viewer.workspace.id)
    failures: dict[str, int] = {}
    failed_per_agent: dict[str, int] = {}
    conversations = sum(row.conversations for row in heatmap.rows)
    for row in heatmap.rows:
        for check, count in row.failures.items():
            if check in bonus:
                continue
            failures[check] = failures.get(check, 0) + count
            failed_per_agent[row.agent] = failed_per_agent.get(row.agent, 0) + count
    link_scope = {"team": scope["team"]} if "team" in scope else {}
    weakest = [
        WeakCriterion(check, count, conversations, failing_link(current, check, link_scope))
        for check, count in sorted(failures.items(), key=lambda item: (-item[1], item[0]))
    ][:MOST_CRITERIA]
    tasks = [
        task for task in tasks_of(connection, viewer, active_only=True) if task.kind == "coaching"
    ]
    tasks.sort(key=lambda task: not task.overdue(moment))
    return TeamOverview(
        team=scope.get("team"),
        current=current,
        previous=previous,
        figures=_figures(
            _totals(connection, viewer, scope, current),
            _totals(connection, viewer, scope, previous),
        ),
        weakest=weakest,
        to_coach=_to_coach(connection, viewer, scope, current, names, failed_per_agent),
        open_tasks=tasks,
        min_evaluations=MIN_EVALUATIONS,
    )
