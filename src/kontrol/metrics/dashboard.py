"""The KPI dashboard: tiles with target and trend, series over time, a breakdown.

Everything is counted by :func:`kontrol.metrics.kpis.compute` (the metric SQL
over facts and rollups); this module decides which numbers a page shows, for
which dates, limited to what the viewer may see, and where each number leads
(the interaction-list filters that select the contacts behind it). Each number
is a :class:`~kontrol.metrics.figures.Figure`; the dates come from
:mod:`kontrol.metrics.date_ranges`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import agent_scope, kpi_reach, kpi_scope
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period, first_day
from kontrol.metrics import Metric, catalogue, get_metric
from kontrol.metrics.date_ranges import (
    DateRange,
    chart_keys,
    last_day,
    period_of,
    previous_range,
    running_range,
)
from kontrol.metrics.figures import Figure, applicable_target, figure
from kontrol.metrics.kpis import compute
from kontrol.metrics.targets import Target, list_targets
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
            raise InvalidInput(
                "date_from: after date_to",
                key="metrics.error.from_after_to",
                where_key="error.where.field",
                where_params={"field": "date_from"},
            )
        if (query.date_to - query.date_from).days > 3 * 366:
            raise InvalidInput(
                "date_to: a range of at most three years",
                key="metrics.error.range",
                where_key="error.where.field",
                where_params={"field": "date_to"},
            )
        return DateRange(query.date_from, query.date_to)
    if query.date_to:
        return DateRange(period_of(query.period, query.date_to).first, query.date_to)
    if query.date_from:
        whole = period_of(query.period, query.date_from)
        return DateRange(query.date_from, whole.last)
    # A period still running counts its days so far (compared with as many days before).
    return running_range(query.period, latest_day(connection, viewer, today), today)


def _one(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return rows[0] if rows else {}


def _sort_key(row: BreakdownRow, sort: str) -> tuple[int, Any]:
    if sort in DIMENSIONS:
        return (0, row.label.casefold())
    for found in row.figures:
        if found.metric.id == sort:
            return (0, found.value) if found.value is not None else (1, 0)
    return (1, 0)


@dataclass(frozen=True)
class _Scope:
    """The numbers of one scope (the viewer's filters, or an agent's team)."""

    filters: Mapping[str, str]
    by_period: dict[str, Mapping[str, Any]]
    now: Mapping[str, Any]
    before: Mapping[str, Any]


@dataclass(frozen=True)
class _Counting:
    """How the dashboard counts: the dates, the metrics and targets its parts share."""

    connection: Connection
    workspace: Workspace
    period: Period
    current: DateRange
    previous: DateRange
    keys: list[str]
    wanted: list[str]
    series_ids: list[str]
    whole: bool
    targets: list[Target]

    def totals(self, filters: Mapping[str, str], dates: DateRange) -> Mapping[str, Any]:
        """Every wanted metric over ``dates``."""
        return _one(
            compute(
                self.connection,
                workspace=self.workspace,
                metrics=self.wanted,
                date_from=dates.first,
                date_to=dates.last,
                filters=filters,
            )
        )

    def over_time(self, filters: Mapping[str, str]) -> dict[str, Mapping[str, Any]]:
        """The chart's metrics period by period, by period key."""
        rows = compute(
            self.connection,
            workspace=self.workspace,
            metrics=self.series_ids,
            period=self.period.value,
            date_from=first_day(self.period, self.keys[0]),
            date_to=last_day(self.period, self.keys[-1]),
            filters=filters,
        )
        return {str(row.get("period")): row for row in rows}

    def scope(self, filters: Mapping[str, str]) -> _Scope:
        """The chart, the chosen range and the one before it, for ``filters``."""
        by_period = self.over_time(filters)
        if self.whole:
            # A whole period (the usual case) and the one before it are two points
            # of the chart: one query gives the chart and the tiles.
            now = by_period.get(self.keys[-1], {})
            before = by_period.get(self.keys[-2], {})
        else:
            now = self.totals(filters, self.current)
            before = self.totals(filters, self.previous)
        return _Scope(filters, by_period, now, before)

    def figure(
        self,
        metric: Metric,
        row: Mapping[str, Any],
        *,
        target_row: Mapping[str, Any],
        previous: Mapping[str, Any] | None = None,
        link_base: Mapping[str, str] | None = None,
    ) -> Figure:
        """``metric`` in ``row``, judged against the targets of ``target_row``."""
        return figure(
            metric,
            row,
            targets=self.targets,
            target_row=target_row,
            period=self.period,
            previous=previous,
            link_base=link_base,
        )


def _counting(
    connection: Connection, viewer: Viewer, query: DashboardQuery, now: datetime
) -> _Counting:
    period = query.period
    current = choose_range(connection, viewer, query, now)
    wanted = {metric.id for metric in available(TILE_METRICS)}
    wanted |= {metric.id for metric in available(CHART_METRICS)}
    wanted |= {metric.id for metric in available(BREAKDOWN_METRICS)}
    whole = current == period_of(period, current.first)
    return _Counting(
        connection=connection,
        workspace=viewer.workspace,
        period=period,
        current=current,
        previous=previous_range(period, current),
        keys=chart_keys(period, current),
        wanted=sorted(wanted),
        series_ids=sorted(wanted) if whole else [m.id for m in available(CHART_METRICS)],
        whole=whole,
        targets=list_targets(connection, viewer.workspace),
    )


def _tiles(counting: _Counting, mine: _Scope, team: _Scope | None) -> list[Tile]:
    """The KPI tiles, each with its trend, drill-down links and the team's figure."""
    link_base = {**mine.filters, **counting.current.as_params()}
    tiles = []
    for metric in available(TILE_METRICS):
        own = counting.figure(
            metric,
            mine.now,
            target_row=mine.filters,
            previous=mine.before,
            link_base=link_base,
        )
        theirs = None
        if team is not None:
            theirs = counting.figure(
                metric, team.now, target_row=team.filters, previous=team.before
            )
        tiles.append(Tile(metric, own, theirs))
    return tiles


def _series(counting: _Counting, mine: _Scope, team: _Scope | None) -> list[Series]:
    """The chart lines: a value per period key, the team's beside it, the target."""
    keys = counting.keys
    series = []
    for metric in available(CHART_METRICS):
        target = applicable_target(counting.targets, metric, mine.filters, counting.period)
        series.append(
            Series(
                metric=metric,
                values=[mine.by_period.get(key, {}).get(metric.id) for key in keys],
                team_values=(
                    [team.by_period.get(key, {}).get(metric.id) for key in keys]
                    if team is not None
                    else None
                ),
                target=target.target if target else None,
                warning=target.warning if target else None,
            )
        )
    return series


def _breakdown(
    counting: _Counting,
    query: DashboardQuery,
    filters: Mapping[str, str],
    agent_names: Mapping[str, str],
) -> list[BreakdownRow]:
    """One row per group of ``query.by``, in the chosen order (groups without a value last)."""
    columns = available(BREAKDOWN_METRICS)
    current = counting.current
    link_base = {**filters, **current.as_params()}
    found = compute(
        counting.connection,
        workspace=counting.workspace,
        metrics=[metric.id for metric in columns],
        by=(query.by,),
        date_from=current.first,
        date_to=current.last,
        filters=filters,
    )
    rows = []
    for row in found:
        key = row.get(query.by)
        label = agent_names.get(key, key) if query.by == "agent" and key else key
        target_row = {**filters, query.by: key} if key is not None else filters
        row_link = {**link_base, query.by: key} if key is not None else None
        figures = [
            counting.figure(metric, row, target_row=target_row, link_base=row_link)
            for metric in columns
        ]
        rows.append(
            BreakdownRow(key=key, label=label or "", figures=figures, link_filters=row_link)
        )
    present = [row for row in rows if _sort_key(row, query.sort)[0] == 0]
    missing = [row for row in rows if _sort_key(row, query.sort)[0] == 1]
    present.sort(key=lambda row: _sort_key(row, query.sort)[1], reverse=query.descending)
    return present + missing


def _total_row(counting: _Counting, label: str, scope: _Scope) -> BreakdownRow:
    """The breakdown's total line for ``scope`` over the chosen range."""
    base = {**scope.filters, **counting.current.as_params()}
    return BreakdownRow(
        key=None,
        label=label,
        figures=[
            counting.figure(metric, scope.now, target_row=scope.filters, link_base=base)
            for metric in available(BREAKDOWN_METRICS)
        ],
        link_filters=base,
    )


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
        raise InvalidInput(
            f"by: one of {', '.join(DIMENSIONS)}",
            key="error.one_of",
            params={"choices": ", ".join(DIMENSIONS)},
            where_key="error.where.field",
            where_params={"field": "by"},
        )
    filters = kpi_scope(viewer, query.filters)
    counting = _counting(connection, viewer, query, now)
    mine = counting.scope(filters)
    team = agent_team(connection, viewer)
    theirs = None
    if team is not None:
        team_filters = {k: v for k, v in filters.items() if k not in ("agent", "team")}
        team_filters["team"] = team
        theirs = counting.scope(team_filters)
    return Dashboard(
        query=query,
        current=counting.current,
        previous=counting.previous,
        filters=filters,
        team=team,
        tiles=_tiles(counting, mine, theirs),
        period_keys=counting.keys,
        series=_series(counting, mine, theirs),
        columns=available(BREAKDOWN_METRICS),
        rows=_breakdown(counting, query, filters, agent_names or {}),
        total=_total_row(counting, "", mine),
        team_total=(
            _total_row(counting, team, theirs) if team is not None and theirs is not None else None
        ),
        by=query.by,
    )


def dashboard_tiles(
    connection: Connection, viewer: Viewer, query: DashboardQuery, *, now: datetime
) -> list[Tile]:
    """Only the KPI tiles of :func:`build_dashboard` (no breakdown), for the start page."""
    filters = kpi_scope(viewer, query.filters)
    counting = _counting(connection, viewer, query, now)
    return _tiles(counting, counting.scope(filters), None)


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
            raise InvalidInput(
                f"by: {name!r} is not one of {', '.join(DIMENSIONS)}, language",
                key="metrics.error.by_export",
                params={"name": name, "choices": ", ".join(DIMENSIONS)},
                where_key="error.where.field",
                where_params={"field": "by"},
            )
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
