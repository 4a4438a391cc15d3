"""The coaching view of one agent: weakest criteria over time, open tasks, what to discuss.

It counts the same evaluations as the KPIs (metrics/evaluations.py): per
interaction the newest submitted manual evaluation, else the newest automatic
one. Per criterion and per week (or month) of the interactions' start, in the
workspace time zone:

- ``n``: how many of those evaluations counted the criterion (a fraction, not
  ``na`` left out);
- ``failed``: how many of them scored it below half (a failed pass/fail
  criterion, a 1 or 2 on a 1-5 scale, ``na`` where the scorecard counts it as a fail);
- ``share_failed`` = failed / n, ``mean`` = the mean fraction (1 = always fully met).

Bonus criteria (the upsell, usually) are left out: not earning a bonus is no
failure, and the score never counts it against the agent.

The weakest criteria come first (lowest mean over the window, then most
failures); bonus criteria are left out (a bonus not earned is no failure).
``trend`` is the change of the mean between the last two periods that have data
(positive: improving). Only one agent's evaluations of a few months are read, so
the arithmetic runs in Python over a bounded set of rows.

A period still running (this week on its Monday) is compared like the dashboard
compares a month to date (``metrics.date_ranges.previous_range``): with as many
first days of the period before, never with that whole period. Such a change is
shown only when both sides hold at least ``MIN_EVALUATIONS`` evaluations (the
team page's floor: a score over two or three conversations says little);
otherwise it is held back and the page says why.

Agents see their own view, team leads their team's agents, the QA team everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer, interaction_scope
from kontrol.accounts.policy import Action, agent_scope, require
from kontrol.checks.scorecards import StoredScorecard, scorecard_by_id
from kontrol.checks.stored_results import AUTO
from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.domain.periods import Period, first_day, next_key, period_keys
from kontrol.feedback.agent_view import (
    EvaluationSummary,
    list_evaluations,
)
from kontrol.feedback.tasks import Task, tasks_of
from kontrol.feedback.team_overview import MIN_EVALUATIONS
from kontrol.metrics.date_ranges import DateRange, period_of, previous_range, running_range
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.store.tables import agents, evaluations, interactions

PERIODS = {"week": (Period.WEEK, 8), "month": (Period.MONTH, 6)}
FAILED_BELOW = 0.5
DISCUSS_LIMIT = 20
# The summary above the table: at most this many criteria that go well, and to work on;
# "going well" is met on average from STRONG_FROM, "to work on" below WORK_ON_BELOW.
HIGHLIGHTS = 3
STRONG_FROM = 0.9
WORK_ON_BELOW = 0.8


@dataclass(frozen=True, slots=True)
class CoachedAgent:
    """An agent one may open the coaching view of."""

    external_id: str
    name: str | None
    team: str | None


def coaching_agents(connection: Connection, viewer: Viewer) -> list[CoachedAgent]:
    """The agents whose coaching view ``viewer`` may open."""
    require(viewer, Action.VIEW_COACHING)
    query = select(agents.c.external_id, agents.c.name, agents.c.team).where(
        agents.c.workspace_id == viewer.workspace.id, agent_scope(viewer)
    )
    rows = connection.execute(query.order_by(agents.c.name, agents.c.external_id))
    return [CoachedAgent(row.external_id, row.name, row.team) for row in rows]


def find_agent(connection: Connection, viewer: Viewer, agent: str) -> CoachedAgent:
    """One agent ``viewer`` may coach or see; ``NotFound`` for others, as for unknown ones."""
    for found in coaching_agents(connection, viewer):
        if found.external_id == agent:
            return found
    raise NotFound(f"no agent {agent!r}", key="error.no_agent", params={"agent": agent})


@dataclass(frozen=True, slots=True)
class CriterionTally:
    """One criterion in one period (or over the whole window)."""

    n: int
    failed: int
    total: float

    @property
    def share_failed(self) -> float | None:
        return round(self.failed / self.n, 4) if self.n else None

    @property
    def mean(self) -> float | None:
        return round(self.total / self.n, 4) if self.n else None

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "failed": self.failed,
            "share_failed": self.share_failed,
            "mean": self.mean,
        }


@dataclass(slots=True)
class CriterionTrend:
    """A criterion over the window and per period, with its trend."""

    criterion: str
    title: str
    overall: CriterionTally
    periods: dict[str, CriterionTally]
    trend: float | None
    # The two periods ``trend`` compares: (the earlier, the later).
    compared: tuple[str, str] | None = None
    # The later one still runs: compared with the same days of the earlier one.
    to_date: bool = False
    # A change of a running period on too few evaluations: not shown (``trend`` is None).
    held_back: bool = False

    @property
    def met(self) -> int:
        """How many evaluations met the criterion at least by half."""
        return self.overall.n - self.overall.failed

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "title": self.title,
            **self.overall.as_json(),
            "trend": self.trend,
            "trend_to_date": self.to_date,
            "trend_held_back": self.held_back,
            "periods": {key: cell.as_json() for key, cell in self.periods.items()},
        }


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """The QA score of the latest period with evaluations, and of the one with them before."""

    key: str
    score: float
    n: int
    previous_key: str | None
    previous: float | None
    # ``key`` still runs: ``previous`` is over the same first days of ``previous_key``.
    to_date: bool = False
    previous_n: int = 0
    # Too few evaluations on one side of a running period's comparison: no change shown.
    held_back: bool = False

    @property
    def change(self) -> float | None:
        if self.previous is None or self.held_back:
            return None
        return round(self.score - self.previous, 1)


@dataclass(frozen=True, slots=True)
class RunningPeriod:
    """The window's last period while it still runs, and what it is compared with.

    ``dates``: its days so far; ``same_days``: as many first days of the period
    before (``previous_range``, as the dashboard's month to date); ``scores`` and
    ``cells``: the evaluations and criteria over ``same_days``.
    """

    key: str
    previous_key: str
    dates: DateRange
    total: int
    same_days: DateRange
    scores: tuple[int, float | None]
    cells: dict[str, CriterionTally]
    min_evaluations: int = MIN_EVALUATIONS

    @property
    def days(self) -> int:
        return self.dates.days

    def enough(self, now: int, before: int) -> bool:
        """Whether a change on ``now`` against ``before`` evaluations may be shown."""
        return min(now, before) >= self.min_evaluations

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.key,
            "date_from": self.dates.first.isoformat(),
            "date_to": self.dates.last.isoformat(),
            "days": self.days,
            "total_days": self.total,
            "compared_with": {
                "period": self.previous_key,
                "date_from": self.same_days.first.isoformat(),
                "date_to": self.same_days.last.isoformat(),
                "evaluations": self.scores[0],
                "qa_score": self.scores[1],
            },
            "min_evaluations": self.min_evaluations,
        }


@dataclass(slots=True)
class CoachingView:
    """Everything the coaching page shows for one agent."""

    agent: CoachedAgent
    period: str
    keys: list[str]
    scores: dict[str, tuple[int, float | None]]
    criteria: list[CriterionTrend]
    open_tasks: list[Task] = field(default_factory=list)
    to_discuss: list[EvaluationSummary] = field(default_factory=list)
    running: RunningPeriod | None = None

    @property
    def latest_score(self) -> ScoreChange | None:
        """The score to lead with: the latest period that has one, against the one before
        (a running period: against the same days of the one before, on enough evaluations)."""
        scored = [key for key in self.keys if self.scores[key][1] is not None]
        if not scored:
            return None
        last = scored[-1]
        running = self.running
        if running is not None and last == running.key:
            n, score = self.scores[last]
            previous_n, previous = running.scores
            return ScoreChange(
                key=last,
                score=float(score or 0.0),
                n=n,
                previous_key=running.previous_key,
                previous=previous,
                to_date=True,
                previous_n=previous_n,
                held_back=not running.enough(n, previous_n),
            )
        before = scored[-2] if len(scored) > 1 else None
        return ScoreChange(
            key=last,
            score=float(self.scores[last][1] or 0.0),
            n=self.scores[last][0],
            previous_key=before,
            previous=self.scores[before][1] if before else None,
        )

    def follows(self, earlier: str | None, later: str) -> bool:
        """Whether ``earlier`` is the period right before ``later`` ("last week")."""
        if earlier is None or later not in self.keys or earlier not in self.keys:
            return False
        return self.keys.index(later) - self.keys.index(earlier) == 1

    @property
    def to_work_on(self) -> list[CriterionTrend]:
        """What to work on: the weakest criteria, met below ``WORK_ON_BELOW`` on average."""
        return [c for c in self.criteria if (c.overall.mean or 0.0) < WORK_ON_BELOW][:HIGHLIGHTS]

    @property
    def going_well(self) -> list[CriterionTrend]:
        """What to say first: the criterion that improved most and those nearly always met
        (one still to work on is not praised for a better week)."""
        weak = self.to_work_on
        improved = sorted(
            (c for c in self.criteria if c.trend is not None and c.trend > 0 and c not in weak),
            key=lambda c: -(c.trend or 0.0),
        )
        strong = sorted(
            (c for c in self.criteria if (c.overall.mean or 0.0) >= STRONG_FROM),
            key=lambda c: (-(c.overall.mean or 0.0), -c.overall.n),
        )
        # The one that improved most, the steadiest ones, then more of either.
        chosen: list[CriterionTrend] = []
        for criterion in [*improved[:1], *strong[: HIGHLIGHTS - 1], *improved, *strong]:
            if criterion not in chosen:
                chosen.append(criterion)
        return chosen[:HIGHLIGHTS]

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent.external_id,
            "agent_name": self.agent.name,
            "team": self.agent.team,
            "period": self.period,
            "periods": self.keys,
            "scores": {
                key: {"evaluations": n, "qa_score": score}
                for key, (n, score) in self.scores.items()
            },
            "criteria": [c.as_json() for c in self.criteria],
            "running": self.running.as_json() if self.running is not None else None,
            "open_tasks": [t.as_json() for t in self.open_tasks],
            "to_discuss": [e.as_json() for e in self.to_discuss],
        }


def _window(
    period: Period, count: int, timezone: str, now: datetime
) -> tuple[list[str], datetime, datetime]:
    """The keys of the last ``count`` periods up to ``now`` and their UTC bounds."""
    local = zone(timezone)
    today = from_utc(now, local).date()
    last = period_keys(today)[period]
    start_day = first_day(period, last)
    for _ in range(count - 1):
        start_day = first_day(period, period_keys(start_day - timedelta(days=1))[period])
    keys = [period_keys(start_day)[period]]
    while keys[-1] != last:
        keys.append(next_key(period, keys[-1]))
    end_day = first_day(period, next_key(period, last))
    start = to_utc(datetime.combine(start_day, datetime.min.time()), local)
    end = to_utc(datetime.combine(end_day, datetime.min.time()), local)
    return keys, start, end


def _counted_evaluations(
    connection: Connection, viewer: Viewer, agent_external_id: str, start: datetime, end: datetime
) -> list[Any]:
    """The evaluation the KPIs count for each of the agent's interactions in the window."""
    rows = connection.execute(
        select(
            evaluations.c.id,
            evaluations.c.interaction_id,
            evaluations.c.kind,
            evaluations.c.score,
            evaluations.c.scorecard_id,
            evaluations.c["items"],
            interactions.c.started_at,
        )
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(
            interactions.c.workspace_id == viewer.workspace.id,
            interactions.c.agent_external_id == agent_external_id,
            interactions.c.started_at >= start,
            interactions.c.started_at < end,
            interaction_scope(viewer),
            evaluations.c.status == SUBMITTED,
            evaluations.c.kind.in_((MANUAL, AUTO)),
        )
    ).all()
    # The KPIs' choice per interaction: the newest manual one, else the newest automatic one.
    chosen: dict[int, Any] = {}
    for row in rows:
        best = chosen.get(row.interaction_id)
        rank = (row.kind == MANUAL, row.id)
        if best is None or rank > (best.kind == MANUAL, best.id):
            chosen[row.interaction_id] = row
    return list(chosen.values())


def coaching_view(
    connection: Connection,
    viewer: Viewer,
    agent_external_id: str,
    *,
    period: str = "week",
    now: datetime | None = None,
    periods: int | None = None,
) -> CoachingView:
    """The coaching view of one agent over the last 8 weeks (or 6 months), or over the
    last ``periods`` of them up to ``now``."""
    require(viewer, Action.VIEW_COACHING)
    if period not in PERIODS:
        raise InvalidInput(
            "period: week or month",
            key="feedback.error.period",
            where_key="error.where.field",
            where_params={"field": "period"},
        )
    agent = find_agent(connection, viewer, agent_external_id)
    unit, count = PERIODS[period]
    if periods is not None:
        count = max(1, min(periods, 60))
    moment = now or utcnow()
    keys, start, end = _window(unit, count, viewer.workspace.timezone, moment)
    local = zone(viewer.workspace.timezone)
    today = from_utc(moment, local).date()
    so_far = running_range(unit, today, today)
    # The running period's comparison: as many first days of the period before.
    same_days = (
        previous_range(unit, so_far) if len(keys) > 1 and so_far != period_of(unit, today) else None
    )
    chosen = _counted_evaluations(connection, viewer, agent.external_id, start, end)
    cards: dict[int, StoredScorecard] = {}
    titles: dict[str, str] = {}
    cells: dict[str, dict[str, list[float]]] = {}
    score_sums: dict[str, list[float]] = {key: [] for key in keys}
    same_day_cells: dict[str, list[float]] = {}
    same_day_scores: list[float] = []
    for row in chosen:
        day = from_utc(row.started_at, local).date()
        key = period_keys(day)[unit]
        before = same_days is not None and same_days.first <= day <= same_days.last
        if row.score is not None:
            score_sums[key].append(float(row.score))
            if before:
                same_day_scores.append(float(row.score))
        if row.scorecard_id not in cards:
            cards[row.scorecard_id] = scorecard_by_id(connection, int(row.scorecard_id))
        bonus = set()
        for criterion in cards[row.scorecard_id].scorecard.criteria:
            titles.setdefault(criterion.id, criterion.title)
            if criterion.bonus:
                bonus.add(criterion.id)
        for item in row.items or []:
            fraction = item.get("fraction")
            criterion_id = str(item.get("criterion"))
            # A bonus not earned is no failure: it is never among the weakest criteria.
            if fraction is None or criterion_id in bonus:
                continue
            cells.setdefault(criterion_id, {}).setdefault(key, []).append(float(fraction))
            if before:
                same_day_cells.setdefault(criterion_id, []).append(float(fraction))
    running = (
        None
        if same_days is None
        else RunningPeriod(
            key=keys[-1],
            previous_key=keys[-2],
            dates=so_far,
            total=period_of(unit, today).days,
            same_days=same_days,
            scores=(len(same_day_scores), _mean_score(same_day_scores)),
            cells={key: _cell(values) for key, values in same_day_cells.items()},
        )
    )
    criteria = [
        _trend(criterion_id, titles.get(criterion_id, criterion_id), keys, by_key, running)
        for criterion_id, by_key in cells.items()
    ]
    criteria.sort(
        key=lambda c: (c.overall.mean, -(c.overall.share_failed or 0.0), -c.overall.n, c.criterion)
    )
    scores = {key: (len(values), _mean_score(values)) for key, values in score_sums.items()}
    return CoachingView(
        agent=agent,
        period=period,
        keys=keys,
        scores=scores,
        criteria=criteria,
        open_tasks=tasks_of(connection, viewer, agent=agent.external_id, active_only=True),
        to_discuss=_to_discuss(connection, viewer, agent.external_id, start),
        running=running,
    )


def _mean_score(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _cell(fractions: list[float]) -> CriterionTally:
    return CriterionTally(
        len(fractions), sum(1 for f in fractions if f < FAILED_BELOW), sum(fractions)
    )


def _trend(
    criterion_id: str,
    title: str,
    keys: list[str],
    by_key: dict[str, list[float]],
    running: RunningPeriod | None = None,
) -> CriterionTrend:
    periods = {key: _cell(by_key.get(key, [])) for key in keys}
    overall = _cell([f for key in keys for f in by_key.get(key, [])])
    if running is not None and periods[running.key].n:
        # A running period: against the same days of the one before, on enough evaluations.
        now = periods[running.key]
        before = running.cells.get(criterion_id, _cell([]))
        compared = (running.previous_key, running.key)
        if not running.enough(now.n, before.n):
            return CriterionTrend(
                criterion_id, title, overall, periods, None, compared, to_date=True, held_back=True
            )
        change = round((now.mean or 0.0) - (before.mean or 0.0), 4)
        return CriterionTrend(criterion_id, title, overall, periods, change, compared, to_date=True)
    with_data = [key for key, cell in periods.items() if cell.mean is not None]
    if len(with_data) < 2:
        return CriterionTrend(criterion_id, title, overall, periods, None)
    earlier, later = with_data[-2], with_data[-1]
    trend = round((periods[later].mean or 0.0) - (periods[earlier].mean or 0.0), 4)
    return CriterionTrend(criterion_id, title, overall, periods, trend, (earlier, later))


def _to_discuss(
    connection: Connection, viewer: Viewer, agent: str, since: datetime
) -> list[EvaluationSummary]:
    """Recent evaluations not yet acknowledged that failed or were disputed (the counted ones)."""
    found = []
    for state in ("failed", "disputed"):
        for summary in list_evaluations(
            connection, viewer, agent=agent, state=state, limit=DISCUSS_LIMIT
        ):
            if summary.acknowledged_at is None and (summary.counted or summary.open_disputes):
                if summary.started_at >= since or summary.open_disputes:
                    found.append(summary)
    unique = {s.id: s for s in found}
    return sorted(unique.values(), key=lambda s: s.started_at, reverse=True)[:DISCUSS_LIMIT]
