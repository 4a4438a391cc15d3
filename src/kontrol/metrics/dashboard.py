"""The KPI dashboard: tiles with target and trend, series over time, a breakdown.

Everything is counted by :func:`kontrol.metrics.kpis.compute` (the metric SQL
over facts and rollups); this module decides which numbers a page shows, for
which dates, limited to what the viewer may see, and where each number leads
(the interaction-list filters that select the contacts behind it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import agent_scope, kpi_reach, kpi_scope
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period, first_day, next_key, period_keys
from kontrol.metrics import Metric, catalogue, get_metric
from kontrol.metrics.kpis import compute
from kontrol.metrics.targets import Target, list_targets, target_for, target_status
from kontrol.store.tables import agents, interaction_facts

DIMENSIONS = ("agent", "team", "channel", "topic")
# The numbers a service manager looks at first; metrics the engine does not know are skipped.
TILE_METRICS = (
    "contacts",
    "csat",
    "nps",
    "fcr",
    "sla",
    "frt",
    "aht",
    "abandonment",
    "repeat_contact",
    "complaints",
    "qa_score",
)
CHART_METRICS = ("contacts", "csat", "sla", "frt", "aht", "fcr")
BREAKDOWN_METRICS = (
    "contacts",
    "csat",
    "nps",
    "fcr",
    "sla",
    "frt",
    "aht",
    "abandonment",
    "repeat_contact",
    "complaints",
)
# How many periods a chart shows, ending with the chosen one.
CHART_SPAN = {Period.DAY: 31, Period.WEEK: 13, Period.MONTH: 12, Period.QUARTER: 8}
# Metrics whose value grows with the length of the period: a target set for
# another period length does not apply to them.
SUMMED_UNITS = {"count", "currency"}


@dataclass(frozen=True)
class DrillDown:
    """Where a metric's numbers lead in the interaction list.

    ``population``: the contacts the value is computed over. ``problems``: the
    ones that pull it the wrong way (CSAT 1-3, SLA missed, abandoned...), with
    how to count them from a row (``den - num`` or ``num``).
    """

    population: Mapping[str, str] | None
    problems: Mapping[str, str] | None = None
    problem_count: str | None = None  # "den-num", "num" or None (not countable)


DRILL_DOWNS: dict[str, DrillDown] = {
    "contacts": DrillDown({"handled": "yes"}),
    "csat": DrillDown({"measured": "csat"}, {"csat_max": "3"}, "den-num"),
    "csat_avg": DrillDown({"measured": "csat"}, {"csat_max": "3"}),
    "nps": DrillDown({"measured": "nps"}, {"nps": "detractor"}),
    "ces": DrillDown({"measured": "ces"}),
    "survey_rate": DrillDown({"handled": "yes"}),
    "fcr": DrillDown({"measured": "fcr"}, {"fcr": "no"}, "den-num"),
    "repeat_contact": DrillDown({"measured": "repeat"}, {"repeat": "yes"}, "num"),
    "sla": DrillDown({"measured": "sla"}, {"sla": "missed"}, "den-num"),
    "frt": DrillDown({"measured": "frt"}),
    "asa": DrillDown({"measured": "asa"}),
    "aht": DrillDown({"measured": "aht"}),
    "resolution_time": DrillDown({"measured": "resolution"}),
    "abandonment": DrillDown(None, {"abandoned": "yes"}, "num"),
    "complaints": DrillDown({"complaint": "yes"}),
    "cost_per_contact": DrillDown({"measured": "cost"}),
    "cost_total": DrillDown({"measured": "cost"}),
}


@dataclass(frozen=True)
class DateRange:
    """Local days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1

    def as_params(self) -> dict[str, str]:
        """``date_from`` / ``date_to`` for a link to the interaction list."""
        return {"date_from": self.first.isoformat(), "date_to": self.last.isoformat()}


def last_day(period: Period, key: str) -> date:
    """The last local day of the period called ``key``."""
    return first_day(period, next_key(period, key)) - timedelta(days=1)


def previous_key(period: Period, key: str) -> str:
    """The key of the period right before ``key``."""
    return period_keys(first_day(period, key) - timedelta(days=1))[period]


def period_of(period: Period, day: date) -> DateRange:
    """The whole period that contains ``day``."""
    key = period_keys(day)[period]
    return DateRange(first_day(period, key), last_day(period, key))


def previous_range(period: Period, current: DateRange) -> DateRange:
    """The range a trend compares with: the previous period, or as many days before."""
    key = period_keys(current.first)[period]
    if current.first == first_day(period, key) and current.last == last_day(period, key):
        before = previous_key(period, key)
        return DateRange(first_day(period, before), last_day(period, before))
    return DateRange(
        current.first - timedelta(days=current.days), current.first - timedelta(days=1)
    )


def chart_keys(period: Period, current: DateRange) -> list[str]:
    """The period keys a chart shows: ``CHART_SPAN`` periods up to the chosen range's end."""
    keys = [period_keys(current.last)[period]]
    while len(keys) < CHART_SPAN[period] or first_day(period, keys[-1]) > current.first:
        keys.append(previous_key(period, keys[-1]))
    return list(reversed(keys))


@dataclass(frozen=True)
class DashboardQuery:
    """What the person chose: period length, dates, filters, breakdown and its order."""

    period: Period = Period.MONTH
    date_from: date | None = None
    date_to: date | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    by: str = "agent"
    sort: str = "contacts"
    descending: bool = True


@dataclass(frozen=True)
class Figure:
    """One number with what it is judged against."""

    metric: Metric
    value: float | None
    target: Target | None = None
    status: str | None = None  # ok, warning, bad
    previous: float | None = None
    problems: int | None = None
    link: dict[str, str] | None = None
    problems_link: dict[str, str] | None = None

    @property
    def change(self) -> float | None:
        """Value minus the previous period's."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str | None:
        """``better``, ``worse`` or ``same`` compared with the previous period."""
        change = self.change
        if change is None:
            return None
        if abs(change) < 1e-9:
            return "same"
        if self.metric.direction is None:
            return "up" if change > 0 else "down"
        better = change > 0 if self.metric.direction == "higher" else change < 0
        return "better" if better else "worse"


@dataclass(frozen=True)
class Tile:
    """A KPI tile: the viewer's figure and, for an agent, the team's beside it."""

    metric: Metric
    figure: Figure
    team: Figure | None = None


@dataclass(frozen=True)
class Series:
    """One metric over time, with its target (if any) for the chart."""

    metric: Metric
    values: list[float | None]
    team_values: list[float | None] | None
    target: float | None
    warning: float | None


@dataclass(frozen=True)
class BreakdownRow:
    """One group of the breakdown table."""

    key: str | None
    label: str
    figures: list[Figure]
    link_filters: dict[str, str] | None


@dataclass
class Dashboard:
    """Everything the dashboard page and its exports show."""

    query: DashboardQuery
    current: DateRange
    previous: DateRange
    filters: dict[str, str]
    team: str | None
    tiles: list[Tile]
    period_keys: list[str]
    series: list[Series]
    columns: list[Metric]
    rows: list[BreakdownRow]
    total: BreakdownRow
    team_total: BreakdownRow | None
    by: str


def available(ids: Sequence[str]) -> list[Metric]:
    """The metrics of ``ids`` the engine defines, in that order."""
    known = {metric.id: metric for metric in catalogue()}
    return [known[metric_id] for metric_id in ids if metric_id in known]


def latest_day(connection: Connection, viewer: Viewer, today: date) -> date:
    """The day the default period ends on: today, or the last day with data before it."""
    found = connection.execute(
        select(func.max(interaction_facts.c.day)).where(
            interaction_facts.c.workspace_id == viewer.workspace.id,
            interaction_facts.c.day <= today.isoformat(),
        )
    ).scalar()
    return date.fromisoformat(found) if found else today


def visible_agents(connection: Connection, viewer: Viewer) -> list[tuple[str, str]]:
    """(id, name) of the agents whose numbers ``viewer`` may see, by name."""
    query = select(agents.c.external_id, agents.c.name).where(
        agents.c.workspace_id == viewer.workspace.id, agent_scope(viewer)
    )
    rows = connection.execute(query.order_by(agents.c.name, agents.c.external_id)).all()
    return [(row.external_id, row.name or row.external_id) for row in rows]


def agent_team(connection: Connection, viewer: Viewer) -> str | None:
    """An agent's team, from the agent list (for the team figures beside their own)."""
    agent = viewer.membership.agent_external_id
    if kpi_reach(viewer) != "own" or not agent:
        return None
    team: str | None = connection.execute(
        select(agents.c.team).where(
            agents.c.workspace_id == viewer.workspace.id, agents.c.external_id == agent
        )
    ).scalar()
    return team or None


def choose_range(
    connection: Connection, viewer: Viewer, query: DashboardQuery, now: datetime
) -> DateRange:
    """The chosen dates; without them, the period holding the latest day with data."""
    today = from_utc(now, zone(viewer.workspace.timezone)).date()
    if query.date_from and query.date_to:
        if query.date_from > query.date_to:
            raise InvalidInput("date_from: after date_to")
        if (query.date_to - query.date_from).days > 3 * 366:
            raise InvalidInput("date_to: a range of at most three years")
        return DateRange(query.date_from, query.date_to)
    if query.date_to:
        return DateRange(period_of(query.period, query.date_to).first, query.date_to)
    if query.date_from:
        whole = period_of(query.period, query.date_from)
        return DateRange(query.date_from, whole.last)
    return period_of(query.period, latest_day(connection, viewer, today))


def _problem_count(drill: DrillDown, metric: Metric, row: Mapping[str, Any]) -> int | None:
    num, den = row.get(f"{metric.id}_num"), row.get(f"{metric.id}_den")
    if drill.problem_count == "num" and num is not None:
        return int(num)
    if drill.problem_count == "den-num" and num is not None and den is not None:
        return int(den) - int(num)
    return None


def _figure(
    metric: Metric,
    row: Mapping[str, Any],
    *,
    targets: Sequence[Target],
    target_row: Mapping[str, Any],
    period: Period,
    previous: Mapping[str, Any] | None,
    link_base: Mapping[str, str] | None,
) -> Figure:
    value = row.get(metric.id)
    target = target_for(targets, metric.id, target_row, period.value)
    if target is not None and target.period != period.value and metric.unit in SUMMED_UNITS:
        target = None
    drill = DRILL_DOWNS.get(metric.id)
    link = problems_link = None
    if drill is not None and link_base is not None:
        if drill.population is not None:
            link = {**link_base, **drill.population}
        if drill.problems is not None:
            problems_link = {**link_base, **drill.problems}
    return Figure(
        metric=metric,
        value=value,
        target=target,
        status=target_status(value, target) if target is not None else None,
        previous=previous.get(metric.id) if previous is not None else None,
        problems=_problem_count(drill, metric, row) if drill is not None else None,
        link=link,
        problems_link=problems_link,
    )


def _one(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return rows[0] if rows else {}


def _sort_key(row: BreakdownRow, sort: str) -> tuple[int, Any]:
    if sort in DIMENSIONS:
        return (0, row.label.casefold())
    for figure in row.figures:
        if figure.metric.id == sort:
            return (0, figure.value) if figure.value is not None else (1, 0)
    return (1, 0)


def build_dashboard(
    connection: Connection,
    viewer: Viewer,
    query: DashboardQuery,
    *,
    now: datetime,
    agent_names: Mapping[str, str] | None = None,
) -> Dashboard:
    """The dashboard for ``viewer``: only numbers they may see (see ``kpi_scope``)."""
    if query.by not in DIMENSIONS:
        raise InvalidInput(f"by: one of {', '.join(DIMENSIONS)}")
    filters = kpi_scope(viewer, query.filters)
    workspace = viewer.workspace
    period = query.period
    current = choose_range(connection, viewer, query, now)
    previous = previous_range(period, current)
    team = agent_team(connection, viewer)
    tile_metrics = available(TILE_METRICS)
    chart_metrics = available(CHART_METRICS)
    columns = available(BREAKDOWN_METRICS)
    wanted = sorted({metric.id for metric in [*tile_metrics, *chart_metrics, *columns]})
    targets = list_targets(connection, workspace)

    def totals(scope: Mapping[str, str], dates: DateRange) -> Mapping[str, Any]:
        return _one(
            compute(
                connection,
                workspace=workspace,
                metrics=wanted,
                date_from=dates.first,
                date_to=dates.last,
                filters=scope,
            )
        )

    keys = chart_keys(period, current)
    chart_range = DateRange(first_day(period, keys[0]), last_day(period, keys[-1]))
    # A whole period (the usual case) and the one before it are two points of the
    # chart: one query gives the chart and the tiles.
    whole = current == period_of(period, current.first)
    series_ids = wanted if whole else [metric.id for metric in chart_metrics]

    def over_time(scope: Mapping[str, str]) -> dict[str, Mapping[str, Any]]:
        rows = compute(
            connection,
            workspace=workspace,
            metrics=series_ids,
            period=period.value,
            date_from=chart_range.first,
            date_to=chart_range.last,
            filters=scope,
        )
        return {str(row.get("period")): row for row in rows}

    def now_and_before(
        scope: Mapping[str, str], points: Mapping[str, Mapping[str, Any]]
    ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        if whole:
            return points.get(keys[-1], {}), points.get(keys[-2], {})
        return totals(scope, current), totals(scope, previous)

    by_period = over_time(filters)
    now_row, before_row = now_and_before(filters, by_period)
    team_filters = None
    team_now = team_before = None
    team_by_period = None
    if team is not None:
        team_filters = {k: v for k, v in filters.items() if k not in ("agent", "team")}
        team_filters["team"] = team
        team_by_period = over_time(team_filters)
        team_now, team_before = now_and_before(team_filters, team_by_period)

    link_base = {**filters, **current.as_params()}
    tiles = []
    for metric in tile_metrics:
        mine = _figure(
            metric,
            now_row,
            targets=targets,
            target_row=filters,
            period=period,
            previous=before_row,
            link_base=link_base,
        )
        theirs = None
        if team_now is not None and team_filters is not None:
            theirs = _figure(
                metric,
                team_now,
                targets=targets,
                target_row=team_filters,
                period=period,
                previous=team_before,
                link_base=None,
            )
        tiles.append(Tile(metric, mine, theirs))

    series = []
    for metric in chart_metrics:
        target = target_for(targets, metric.id, filters, period.value)
        if target is not None and target.period != period.value and metric.unit in SUMMED_UNITS:
            target = None
        series.append(
            Series(
                metric=metric,
                values=[by_period.get(key, {}).get(metric.id) for key in keys],
                team_values=(
                    [team_by_period.get(key, {}).get(metric.id) for key in keys]
                    if team_by_period is not None
                    else None
                ),
                target=target.target if target else None,
                warning=target.warning if target else None,
            )
        )

    breakdown = compute(
        connection,
        workspace=workspace,
        metrics=[metric.id for metric in columns],
        by=(query.by,),
        date_from=current.first,
        date_to=current.last,
        filters=filters,
    )
    names = agent_names or {}
    rows = []
    for row in breakdown:
        key = row.get(query.by)
        label = names.get(key, key) if query.by == "agent" and key else key
        target_row = {**filters, query.by: key} if key is not None else filters
        row_link = {**link_base, query.by: key} if key is not None else None
        rows.append(
            BreakdownRow(
                key=key,
                label=label or "",
                figures=[
                    _figure(
                        metric,
                        row,
                        targets=targets,
                        target_row=target_row,
                        period=period,
                        previous=None,
                        link_base=row_link,
                    )
                    for metric in columns
                ],
                link_filters=row_link,
            )
        )
    present = [row for row in rows if _sort_key(row, query.sort)[0] == 0]
    missing = [row for row in rows if _sort_key(row, query.sort)[0] == 1]
    present.sort(key=lambda row: _sort_key(row, query.sort)[1], reverse=query.descending)
    rows = present + missing

    def total_row(label: str, row: Mapping[str, Any], scope: Mapping[str, str]) -> BreakdownRow:
        base = {**scope, **current.as_params()}
        return BreakdownRow(
            key=None,
            label=label,
            figures=[
                _figure(
                    metric,
                    row,
                    targets=targets,
                    target_row=scope,
                    period=period,
                    previous=None,
                    link_base=base,
                )
                for metric in columns
            ],
            link_filters=base,
        )

    return Dashboard(
        query=query,
        current=current,
        previous=previous,
        filters=filters,
        team=team,
        tiles=tiles,
        period_keys=keys,
        series=series,
        columns=columns,
        rows=rows,
        total=total_row("", now_row, filters),
        team_total=(
            total_row(team, team_now, team_filters)
            if team is not None and team_now is not None and team_filters is not None
            else None
        ),
        by=query.by,
    )


def kpi_rows(
    connection: Connection,
    viewer: Viewer,
    *,
    metrics: Sequence[str] | None,
    by: Sequence[str],
    period: Period | None,
    date_from: date | None,
    date_to: date | None,
    filters: Mapping[str, str],
) -> list[dict[str, Any]]:
    """METRICS.md rows for the API, limited to what ``viewer`` may see."""
    for name in by:
        if name not in (*DIMENSIONS, "language"):
            raise InvalidInput(f"by: {name!r} is not one of {', '.join(DIMENSIONS)}, language")
    for metric_id in metrics or ():
        get_metric(metric_id)
    return compute(
        connection,
        workspace=viewer.workspace,
        metrics=list(metrics) if metrics else None,
        by=tuple(by),
        period=period.value if period else None,
        date_from=date_from,
        date_to=date_to,
        filters=kpi_scope(viewer, filters),
    )
