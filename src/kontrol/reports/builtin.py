"""The built-in report kinds: weekly service report, monthly QA report, agent report.

Every number comes from the metrics engine the dashboard uses
(``metrics.dashboard.build_dashboard`` and ``metrics.kpis.compute``) with the
owner as the viewer, so a report says what the owner's dashboard says for the
same dates and filters; a test compares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

from sqlalchemy import Connection, func, select

from kontrol.accounts.policy import kpi_scope
from kontrol.checks.scorecards import bonus_checks
from kontrol.domain.periods import Period
from kontrol.feedback.coaching import coaching_view
from kontrol.i18n import translate
from kontrol.metrics.dashboard import DashboardQuery, build_dashboard, visible_agents
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.kpis import compute
from kontrol.reports.content import Chart, Column, ReportContent, ReportSection, ReportTable, Value
from kontrol.reports.kinds import BuildRequest, ReportKind, report_kind
from kontrol.store.tables import check_failures, disputes, evaluations, interaction_facts

# How many failed checks the QA report lists.
TOP_FAILURES = 10


def _t(request: BuildRequest, key: str) -> str:
    return translate(request.locale, key)


def _filters(request: BuildRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.params[name] for name in names if request.params.get(name)}


def dashboard_link(period: Period, dates: DateRange, filters: Mapping[str, str], by: str) -> str:
    """The dashboard view of the same dates and filters (a path; the base URL is added later)."""
    params = {"period": period.value, **dates.as_params(), **filters, "by": by}
    return "/dashboard?" + urlencode(params)


def _filter_value(request: BuildRequest, name: str, value: str) -> str:
    """A filter's value as people name it: an agent's name, a channel in words."""
    if name == "agent":
        return dict(visible_agents(request.connection, request.viewer)).get(value, value)
    if name == "channel":
        return _t(request, f"channel.{value}")
    return value


def _subtitle(request: BuildRequest, filters: Mapping[str, str]) -> str:
    dates = request.dates
    text = f"{dates.first:%d.%m.%Y} – {dates.last:%d.%m.%Y}"
    scope = ", ".join(
        f"{_t(request, 'reports.filter.' + k)}: {_filter_value(request, k, v)}"
        for k, v in filters.items()
    )
    return f"{text} · {scope}" if scope else text


def _status(request: BuildRequest, status: str | None) -> str:
    return _t(request, f"reports.status_of_target.{status}") if status else "—"


@report_kind
class WeeklyServiceReport(ReportKind):
    """KPIs against targets with their trend and charts, and the teams side by side."""

    id: ClassVar[str] = "service_weekly"
    period: ClassVar[Period] = Period.WEEK
    params: ClassVar[tuple[str, ...]] = ("team", "channel")

    def build(self, request: BuildRequest) -> ReportContent:
        """The dashboard of the week, as a report."""
        filters = _filters(request, self.params)
        query = DashboardQuery(
            period=request.period,
            date_from=request.dates.first,
            date_to=request.dates.last,
            filters=filters,
            by="team",
        )
        dashboard = build_dashboard(request.connection, request.viewer, query, now=request.now)
        kpi_rows: list[list[Value]] = []
        figures: dict[str, float | int | None] = {}
        for tile in dashboard.tiles:
            found = tile.figure
            figures[found.metric.id] = found.value
            target = found.target.target if found.target is not None else None
            kpi_rows.append(
                [
                    _t(request, found.metric.label_key),
                    found.value,
                    target,
                    _status(request, found.status),
                    found.previous,
                    _t(request, f"reports.trend.{found.trend}") if found.trend else "—",
                ]
            )
        kpis = ReportTable(
            _t(request, "reports.section.kpis"),
            [
                Column(_t(request, "reports.col.metric")),
                Column(_t(request, "reports.col.value"), "by-row"),
                Column(_t(request, "reports.col.target"), "by-row"),
                Column(_t(request, "reports.col.status")),
                Column(_t(request, "reports.col.previous"), "by-row"),
                Column(_t(request, "reports.col.trend")),
            ],
            kpi_rows,
            [tile.figure.metric.unit for tile in dashboard.tiles],
        )
        charts = [
            Chart(
                title=_t(request, series.metric.label_key),
                labels=dashboard.period_keys,
                series=[(_t(request, series.metric.label_key), series.values)],
                unit=series.metric.unit,
                style="bar" if series.metric.unit == "count" else "line",
                target=series.target,
            )
            for series in dashboard.series
        ]
        columns = [Column(_t(request, "reports.filter.team"))] + [
            Column(_t(request, metric.label_key), metric.unit) for metric in dashboard.columns
        ]
        team_rows: list[list[Value]] = [
            [row.label or "—", *(f.value for f in row.figures)] for row in dashboard.rows
        ]
        team_rows.append(
            [_t(request, "reports.total"), *(f.value for f in dashboard.total.figures)]
        )
        return ReportContent(
            title=_t(request, "reports.kind.service_weekly"),
            subtitle=_subtitle(request, dashboard.filters),
            sections=[
                ReportSection(kpis.title, tables=[kpis]),
                ReportSection(_t(request, "reports.section.trend"), charts=charts),
                ReportSection(
                    _t(request, "reports.section.teams"),
                    tables=[ReportTable(_t(request, "reports.section.teams"), columns, team_rows)],
                ),
            ],
            link=dashboard_link(request.period, request.dates, dashboard.filters, "team"),
            figures=figures,
        )


def _qa_rows(
    request: BuildRequest, by: str, filters: Mapping[str, str], names: Mapping[str, str]
) -> list[list[Value]]:
    rows = compute(
        request.connection,
        workspace=request.viewer.workspace,
        metrics=["contacts", "qa_score", "qa_fail"],
        by=(by,),
        date_from=request.dates.first,
        date_to=request.dates.last,
        filters=filters,
    )
    found: list[list[Value]] = []
    for row in rows:
        if row.get("qa_fail_den") in (None, 0):
            continue
        key = row.get(by)
        label = names.get(key, key) if by == "agent" and key else key
        found.append([label or "—", row["qa_fail_den"], row["qa_score"], row["qa_fail"]])
    found.sort(key=lambda r: (r[2] is None, r[2] if isinstance(r[2], int | float) else 0))
    return found


def check_failure_counts(
    connection: Connection, workspace_id: int, dates: DateRange, filters: Mapping[str, str]
) -> list[tuple[str, int]]:
    """(check id, interactions it failed on) in the dates and filters, most failed first.

    Checks bound only to bonus criteria are left out: a bonus not earned is no failure.
    """
    conditions = [
        interaction_facts.c.workspace_id == workspace_id,
        check_failures.c.check_id.not_in(bonus_checks(connection, workspace_id)),
        interaction_facts.c.day >= dates.first.isoformat(),
        interaction_facts.c.day <= dates.last.isoformat(),
    ]
    for name, value in filters.items():
        conditions.append(interaction_facts.c[name] == value)
    count = func.count().label("n")
    statement = (
        select(check_failures.c.check_id, count)
        .join(
            interaction_facts,
            interaction_facts.c.interaction_id == check_failures.c.interaction_id,
        )
        .where(*conditions)
        .group_by(check_failures.c.check_id)
        .order_by(count.desc(), check_failures.c.check_id)
    )
    return [(row.check_id, int(row.n)) for row in connection.execute(statement)]


def dispute_counts(
    connection: Connection, workspace_id: int, dates: DateRange, filters: Mapping[str, str]
) -> dict[str, int]:
    """Disputes of evaluations of the dates' interactions, by status."""
    conditions = [
        interaction_facts.c.workspace_id == workspace_id,
        interaction_facts.c.day >= dates.first.isoformat(),
        interaction_facts.c.day <= dates.last.isoformat(),
    ]
    for name, value in filters.items():
        conditions.append(interaction_facts.c[name] == value)
    statement = (
        select(disputes.c.status, func.count().label("n"))
        .join(evaluations, evaluations.c.id == disputes.c.evaluation_id)
        .join(interaction_facts, interaction_facts.c.interaction_id == evaluations.c.interaction_id)
        .where(*conditions)
        .group_by(disputes.c.status)
    )
    return {row.status: int(row.n) for row in connection.execute(statement)}


def _check_title(locale: str, check_id: str) -> str:
    key = f"checks.check.{check_id}"
    title = translate(locale, key)
    return check_id if title == key else title


@report_kind
class MonthlyQaReport(ReportKind):
    """QA scores by team, agent and criterion (check), the top failures and the disputes."""

    id: ClassVar[str] = "qa_monthly"
    period: ClassVar[Period] = Period.MONTH
    params: ClassVar[tuple[str, ...]] = ("team", "channel")

    def build(self, request: BuildRequest) -> ReportContent:
        """The month's evaluations, counted as the KPIs count them."""
        filters = kpi_scope(request.viewer, _filters(request, self.params))
        workspace = request.viewer.workspace
        total = compute(
            request.connection,
            workspace=workspace,
            metrics=["contacts", "qa_score", "qa_fail"],
            date_from=request.dates.first,
            date_to=request.dates.last,
            filters=filters,
        )[0]
        names = dict(visible_agents(request.connection, request.viewer))
        score_columns = [
            Column(_t(request, "reports.col.evaluated"), "count"),
            Column(_t(request, "reports.col.qa_score"), "points-plain"),
            Column(_t(request, "reports.col.qa_fail"), "%"),
        ]
        by_team = ReportTable(
            _t(request, "reports.section.by_team"),
            [Column(_t(request, "reports.filter.team")), *score_columns],
            _qa_rows(request, "team", filters, names),
        )
        by_agent = ReportTable(
            _t(request, "reports.section.by_agent"),
            [Column(_t(request, "reports.filter.agent")), *score_columns],
            _qa_rows(request, "agent", filters, names),
        )
        evaluated = int(total.get("qa_fail_den") or 0)
        failures = check_failure_counts(request.connection, workspace.id, request.dates, filters)
        criteria_rows: list[list[Value]] = [
            [
                _check_title(request.locale, check_id),
                count,
                count * 100.0 / evaluated if evaluated else None,
            ]
            for check_id, count in failures
        ]
        criteria = ReportTable(
            _t(request, "reports.section.criteria"),
            [
                Column(_t(request, "reports.col.criterion")),
                Column(_t(request, "reports.col.failed"), "count"),
                Column(_t(request, "reports.col.failed_share"), "%"),
            ],
            criteria_rows,
        )
        top = criteria_rows[:TOP_FAILURES]
        chart = Chart(
            title=_t(request, "reports.section.top_failures"),
            labels=[str(row[0]) for row in top],
            series=[(_t(request, "reports.col.failed"), [float(row[1] or 0) for row in top])],
            unit="count",
            style="hbar",
        )
        counted = dispute_counts(request.connection, workspace.id, request.dates, filters)
        dispute_rows: list[list[Value]] = [
            [_t(request, f"reports.dispute.{status}"), counted.get(status, 0)]
            for status in ("open", "upheld", "changed", "withdrawn")
        ]
        summary = ReportTable(
            _t(request, "reports.section.summary"),
            [
                Column(_t(request, "reports.col.metric")),
                Column(_t(request, "reports.col.value"), "by-row"),
            ],
            [
                [_t(request, "reports.col.evaluated"), evaluated],
                [_t(request, "reports.col.qa_score"), _round(total.get("qa_score"))],
                [_t(request, "reports.col.qa_fail"), _round(total.get("qa_fail"))],
                [_t(request, "reports.col.disputes"), sum(counted.values())],
            ],
            ["count", "points-plain", "%", "count"],
        )
        return ReportContent(
            title=_t(request, "reports.kind.qa_monthly"),
            subtitle=_subtitle(request, filters),
            sections=[
                ReportSection(summary.title, tables=[summary]),
                ReportSection(by_team.title, tables=[by_team]),
                ReportSection(by_agent.title, tables=[by_agent]),
                ReportSection(_t(request, "reports.section.criteria"), tables=[criteria]),
                ReportSection(chart.title, charts=[chart] if top else []),
                ReportSection(
                    _t(request, "reports.section.disputes"),
                    tables=[
                        ReportTable(
                            _t(request, "reports.section.disputes"),
                            [
                                Column(_t(request, "reports.col.status")),
                                Column(_t(request, "reports.col.count"), "count"),
                            ],
                            dispute_rows,
                        )
                    ],
                ),
            ],
            link=dashboard_link(request.period, request.dates, filters, "agent"),
            figures={
                "qa_score": total.get("qa_score"),
                "qa_fail": total.get("qa_fail"),
                "evaluated": evaluated,
            },
        )


def _round(value: Any) -> Value:
    return round(float(value), 1) if isinstance(value, int | float) else None


@report_kind
class AgentReport(ReportKind):
    """One agent: their KPIs against targets and their evaluations' progress by criterion."""

    id: ClassVar[str] = "agent"
    period: ClassVar[Period] = Period.MONTH
    params: ClassVar[tuple[str, ...]] = ("agent",)
    required: ClassVar[tuple[str, ...]] = ("agent",)

    def build(self, request: BuildRequest) -> ReportContent:
        """The agent's dashboard figures and coaching view for the period."""
        agent = request.params.get("agent", "")
        filters = {"agent": agent}
        query = DashboardQuery(
            period=request.period,
            date_from=request.dates.first,
            date_to=request.dates.last,
            filters=filters,
            by="channel",
        )
        dashboard = build_dashboard(request.connection, request.viewer, query, now=request.now)
        figures = {tile.figure.metric.id: tile.figure.value for tile in dashboard.tiles}
        kpi_rows: list[list[Value]] = [
            [
                _t(request, tile.figure.metric.label_key),
                tile.figure.value,
                tile.figure.target.target if tile.figure.target is not None else None,
                _status(request, tile.figure.status),
                tile.figure.previous,
            ]
            for tile in dashboard.tiles
        ]
        kpis = ReportTable(
            _t(request, "reports.section.kpis"),
            [
                Column(_t(request, "reports.col.metric")),
                Column(_t(request, "reports.col.value"), "by-row"),
                Column(_t(request, "reports.col.target"), "by-row"),
                Column(_t(request, "reports.col.status")),
                Column(_t(request, "reports.col.previous"), "by-row"),
            ],
            kpi_rows,
            [tile.figure.metric.unit for tile in dashboard.tiles],
        )
        unit = "week" if request.period == Period.WEEK else "month"
        end = _end_of(request)
        view = coaching_view(request.connection, request.viewer, agent, period=unit, now=end)
        progress = Chart(
            title=_t(request, "reports.section.progress"),
            labels=view.keys,
            series=[
                (
                    _t(request, "reports.col.qa_score"),
                    [view.scores[key][1] for key in view.keys],
                )
            ],
            unit="points-plain",
        )
        criteria_rows: list[list[Value]] = [
            [
                c.title,
                c.overall.n,
                c.overall.mean * 100.0 if c.overall.mean is not None else None,
                c.overall.failed,
                c.trend * 100.0 if c.trend is not None else None,
            ]
            for c in view.criteria
        ]
        criteria = ReportTable(
            _t(request, "reports.section.criteria"),
            [
                Column(_t(request, "reports.col.criterion")),
                Column(_t(request, "reports.col.evaluated"), "count"),
                Column(_t(request, "reports.col.met"), "%"),
                Column(_t(request, "reports.col.failed"), "count"),
                Column(_t(request, "reports.col.change"), "%"),
            ],
            criteria_rows,
        )
        name = view.agent.name or agent
        return ReportContent(
            title=f"{_t(request, 'reports.kind.agent')}: {name}",
            subtitle=_subtitle(request, {}),
            sections=[
                ReportSection(kpis.title, tables=[kpis]),
                ReportSection(progress.title, charts=[progress]),
                ReportSection(criteria.title, tables=[criteria]),
            ],
            link=dashboard_link(request.period, request.dates, filters, "channel"),
            figures=figures,
        )


def _end_of(request: BuildRequest) -> Any:
    """The end of the report's last day, naive UTC (the coaching window ends there)."""
    from datetime import datetime, time, timedelta

    from kontrol.domain.clock import to_utc, zone

    last = datetime.combine(request.dates.last + timedelta(days=1), time()) - timedelta(seconds=1)
    return to_utc(last, zone(request.viewer.workspace.timezone))
