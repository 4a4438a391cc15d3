"""The KPI dashboard and its CSV / XLSX exports.

Thin like the other pages: read the parameters, call ``kontrol.metrics.dashboard``
(which applies the access rules), render.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.audit import AuditAction
from kontrol.accounts.policy import KPI_FILTER_NAMES, Action, allowed, kpi_reach, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.i18n.formats import day_label, decimal, number_label, period_label, range_label
from kontrol.i18n.plurals import plural
from kontrol.interactions.listing import filter_choices
from kontrol.metrics import Metric
from kontrol.metrics.dashboard import (
    DIMENSIONS,
    Dashboard,
    DashboardQuery,
    build_dashboard,
    visible_agents,
)
from kontrol.metrics.date_ranges import DateRange, last_day, period_of
from kontrol.metrics.exports import ExportTable, to_csv, to_xlsx
from kontrol.metrics.heatmap import build_heatmap, failing_link
from kontrol.reports.views import discipline_of
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentPage, CurrentViewer, Db
from kontrol.web.filters import read_date
from kontrol.web.params import read_period
from kontrol.web.security import locale_of

router = APIRouter(include_in_schema=False)
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def format_value(value: float | None, unit: str, locale: str) -> str:
    """A KPI value as people of ``locale`` read it: 82,4 % / 82.4 %, 1:05 (m:ss), +35, 1 204."""
    if value is None:
        return "—"
    if unit == "s":
        seconds = int(round(value))
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if unit == "%":
        return f"{decimal(value, 1, locale)} %"
    if unit == "points":
        return number_label(value, locale, 0, sign=True)
    if unit == "count":
        return decimal(round(value), 0, locale)
    return decimal(value, 2, locale)


def format_change(change: float | None, unit: str, locale: str) -> str:
    """A difference with its sign: +2.1 pp, -0:12."""
    if change is None:
        return ""
    sign = "+" if change >= 0 else "−"
    size = abs(change)
    if unit == "s":
        return sign + format_value(size, "s", locale)
    if unit == "%":
        return sign + decimal(size, 1, locale)
    if unit in ("points", "count"):
        return sign + decimal(size, 0, locale)
    return sign + decimal(size, 2, locale)


def _link(params: Mapping[str, str] | None) -> str | None:
    return "/interactions?" + urlencode(dict(params)) if params is not None else None


def _read_query(request: Request) -> DashboardQuery:
    params = request.query_params
    by = params.get("by") or "agent"
    if by not in DIMENSIONS:
        raise InvalidInput(
            f"by: one of {', '.join(DIMENSIONS)}",
            key="metrics.error.one_of",
            params={"join": ", ".join(DIMENSIONS)},
            where_key="error.where.field",
            where_params={"field": "by"},
        )
    channel = params.get("channel")
    if channel and channel not in {item.value for item in Channel}:
        raise InvalidInput(
            f"channel: unknown channel {channel[:30]!r}",
            key="metrics.error.unknown_channel",
            params={"channel": channel[:30]},
            where_key="error.where.field",
            where_params={"field": "channel"},
        )
    order = params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise InvalidInput(
            "order: asc or desc",
            key="metrics.error.order",
            where_key="error.where.field",
            where_params={"field": "order"},
        )
    return DashboardQuery(
        period=read_period(params.get("period")),
        date_from=read_date("date_from", params.get("date_from")),
        date_to=read_date("date_to", params.get("date_to")),
        filters={name: params[name] for name in KPI_FILTER_NAMES if params.get(name)},
        by=by,
        sort=(params.get("sort") or "contacts")[:40],
        descending=order == "desc",
    )


def _page_params(query: DashboardQuery, **changes: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "period": query.period.value,
        "date_from": query.date_from.isoformat() if query.date_from else None,
        "date_to": query.date_to.isoformat() if query.date_to else None,
        **query.filters,
        "by": query.by,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
    }
    params.update(changes)
    return {key: value for key, value in params.items() if value}


def _label(locale: str, metric: Metric) -> str:
    return translate(locale, metric.label_key)


def _row_name(dashboard: Dashboard, key: str | None, label: str, locale: str) -> str:
    """What a person calls a breakdown row: an agent's name, a channel's or topic's words."""
    if key is None:
        return translate(locale, "dashboard.none")
    if dashboard.by in ("channel", "topic"):
        catalogued = translate(locale, f"{dashboard.by}.{key}")
        return key if catalogued == f"{dashboard.by}.{key}" else catalogued
    return label or key


def export_table(dashboard: Dashboard, locale: str) -> ExportTable:
    """The breakdown as a table for CSV / XLSX: raw numbers, seconds, percent 0-100.

    The first column names each row as the page does (an agent's name, a channel in
    words); an agent's, channel's or topic's code follows in a column of its own, for
    joining the file with other data (a team is known by its name alone).
    """
    dimension = translate(locale, f"dashboard.by.{dashboard.by}")
    coded = dashboard.by != "team"
    headings = [dimension]
    if coded:
        headings.append(translate(locale, f"dashboard.export.code.{dashboard.by}"))
    headings += [
        f"{_label(locale, metric)} ({translate(locale, f'unit.{metric.unit}')})"
        for metric in dashboard.columns
    ]
    rows: list[list[Any]] = []
    for row in [*dashboard.rows, dashboard.total]:
        if row is dashboard.total:
            cells: list[Any] = [translate(locale, "dashboard.total")]
            if coded:
                cells.append("")
        else:
            cells = [_row_name(dashboard, row.key, row.label, locale)]
            if coded:
                cells.append(row.key or "")
        cells += [figure.value for figure in row.figures]
        rows.append(cells)
    title = f"{dimension} {day_label(dashboard.current.first, locale)} – " + day_label(
        dashboard.current.last, locale
    )
    return ExportTable(title=title, headings=headings, rows=rows)


def _export(dashboard: Dashboard, locale: str, kind: str) -> Response:
    table = export_table(dashboard, locale)
    body = to_csv(table, locale) if kind == "csv" else to_xlsx(table)
    name = (
        f"kontrol-kpi-by-{dashboard.by}-{dashboard.current.first.isoformat()}"
        f"-{dashboard.current.last.isoformat()}.{kind}"
    )
    return Response(
        body,
        media_type=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _own_label(dashboard: Dashboard, locale: str, people: Mapping[str, str]) -> str:
    """What the main line of the charts is: "You" only on an agent's own dashboard."""
    if dashboard.team is not None:
        return translate(locale, "dashboard.you")
    agent = dashboard.filters.get("agent")
    if agent:
        return people.get(agent, agent)
    team = dashboard.filters.get("team")
    if team:
        return f"{translate(locale, 'dashboard.team')} {team}"
    return translate(locale, "dashboard.whole_company")


def _chart_labels(dashboard: Dashboard, locale: str) -> list[str]:
    """The periods of the charts; one still running says which days it holds so far."""
    period = dashboard.query.period
    labels = [period_label(period, key, locale) for key in dashboard.period_keys]
    shown = dashboard.current
    if labels and shown.last < last_day(period, dashboard.period_keys[-1]):
        labels[-1] += " · " + range_label(shown.first, shown.last, locale)
    return labels


def partial_period(dashboard: Dashboard, locale: str) -> str | None:
    """The note under the charts when their last period holds only some of its days.

    A month still running (or cut by the chosen dates) counts fewer contacts than a
    whole one: its point is drawn dashed and hollow, and this note says why it is
    lower, so the chart does not read as a crash.
    """
    keys = dashboard.period_keys
    if not keys:
        return None
    period, key, shown = dashboard.query.period, keys[-1], dashboard.current
    end = last_day(period, key)
    if shown.last >= end:
        return None
    start = period_of(period, end).first
    first = max(shown.first, start)
    days = (shown.last - first).days + 1
    total = (end - start).days + 1
    return plural(
        locale,
        "dashboard.partial",
        total,
        period=period_label(period, key, locale),
        dates=range_label(first, shown.last, locale),
        days=days,
    )


def _chart_data(dashboard: Dashboard, locale: str, people: Mapping[str, str]) -> dict[str, Any]:
    return {
        "labels": _chart_labels(dashboard, locale),
        # The index of a last point that holds only part of its period (drawn dashed).
        "partial": len(dashboard.period_keys) - 1
        if partial_period(dashboard, locale) is not None
        else None,
        "own": _own_label(dashboard, locale, people),
        "team": f"{translate(locale, 'dashboard.team')} {dashboard.team}"
        if dashboard.team
        else None,
        "target": translate(locale, "dashboard.target"),
        "warning": translate(locale, "dashboard.warning"),
        "charts": [
            {
                "metric": series.metric.id,
                "label": _label(locale, series.metric),
                "unit": series.metric.unit,
                "values": series.values,
                "team_values": series.team_values,
                "target": series.target,
                "warning": series.warning,
            }
            for series in dashboard.series
        ],
    }


def _dashboard_links(query: DashboardQuery, dashboard: Dashboard) -> dict[str, Any]:
    """The page's links: sorting a column, the periods before and after, the exports."""
    shown = DashboardQuery(
        period=query.period,
        date_from=dashboard.current.first,
        date_to=dashboard.current.last,
        filters=query.filters,
        by=query.by,
        sort=query.sort,
        descending=query.descending,
    )
    before = period_of(query.period, dashboard.current.first - timedelta(days=1))
    after = period_of(query.period, dashboard.current.last + timedelta(days=1))

    def sort_url(column: str) -> str:
        descending = not (query.sort == column and query.descending)
        return "/dashboard?" + urlencode(
            _page_params(shown, sort=column, order="desc" if descending else "asc")
        )

    def move_url(first: date, last: date) -> str:
        return "/dashboard?" + urlencode(
            _page_params(shown, date_from=first.isoformat(), date_to=last.isoformat())
        )

    return {
        "link": _link,
        "sort_url": sort_url,
        "previous_url": move_url(before.first, before.last),
        "next_url": move_url(after.first, after.last),
        "export_url": lambda kind: (
            "/dashboard?" + urlencode({**_page_params(shown), "format": kind})
        ),
    }


def _heat_link(dates: DateRange, agent: str, check: str) -> str:
    """The conversations behind one cell of the heat map."""
    return failing_link(dates, check, {"agent": agent})


def _build(
    db: Connection, viewer: Viewer, query: DashboardQuery
) -> tuple[Dashboard, list[tuple[str, str]]]:
    people = visible_agents(db, viewer)
    dashboard = build_dashboard(db, viewer, query, now=utcnow(), agent_names=dict(people))
    return dashboard, people


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    format: str | None = None,
) -> Response:
    """KPI tiles, charts over time, a sortable breakdown; ``?format=csv|xlsx`` exports it."""
    require(viewer, Action.VIEW_KPIS)
    if format is not None and format not in EXPORT_TYPES:
        raise InvalidInput(
            "format: csv or xlsx",
            key="metrics.error.export_format",
            where_key="error.where.field",
            where_params={"field": "format"},
        )
    query = _read_query(request)
    locale = locale_of(request)
    choices = filter_choices(db, viewer)
    dashboard, people = _build(db, viewer, query)
    if format is not None:
        details = {"format": format, "by": dashboard.by, **_page_params(query)}
        note_action(db, request, viewer, AuditAction.EXPORTED, "KPI dashboard", details)
        return _export(dashboard, locale, format)
    heatmap = None
    if kpi_reach(viewer) != "own":
        heatmap = build_heatmap(db, viewer, query.filters, dashboard.current, dict(people))
    context = {
        "can_see_targets": allowed(viewer, Action.VIEW_TARGETS),
        "dashboard": dashboard,
        "heatmap": heatmap,
        "heat_link": partial(_heat_link, dashboard.current),
        "can_coach": allowed(viewer, Action.VIEW_COACHING),
        "query": query,
        "choices": choices,
        "people": people,
        "channels": [item.value for item in Channel],
        "periods": [item.value for item in Period],
        "dimensions": DIMENSIONS,
        "fmt": partial(format_value, locale=locale),
        "fmt_change": partial(format_change, locale=locale),
        **_dashboard_links(query, dashboard),
        "chart_json": _chart_data(dashboard, locale, dict(people)),
        "partial_note": partial_period(dashboard, locale),
        "reach": kpi_reach(viewer),
        # Reporting discipline (reports prepared by people, docs/reports.md) as a tile.
        "discipline": (discipline_of(db, viewer) if allowed(viewer, Action.VIEW_REPORTS) else None),
    }
    return page.render("metrics/dashboard.html", context)
