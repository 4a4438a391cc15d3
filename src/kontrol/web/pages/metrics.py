"""The KPI dashboard, its exports, the targets page and ``/api/v1/kpi``.

Thin like the other pages: read the parameters, call ``services.dashboard`` /
``services.targets`` (which apply the access rules), render.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import KPI_FILTER_NAMES, Action, allowed, kpi_reach, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.periods import Period
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import translate
from kontrol.interactions.listing import filter_choices
from kontrol.metrics import Metric, catalogue, get_metric
from kontrol.metrics.dashboard import (
    DIMENSIONS,
    Dashboard,
    DashboardQuery,
    build_dashboard,
    kpi_rows,
    period_of,
    visible_agents,
)
from kontrol.metrics.exports import ExportTable, to_csv, to_xlsx
from kontrol.metrics.targets import (
    Target,
    delete_target,
    list_targets,
    save_target,
    update_target,
)
from kontrol.web.filters import read_date
from kontrol.web.security import CurrentViewer, State, check_csrf, locale_of

router = APIRouter()
SCOPES = ("company", "team", "agent", "channel")
DIRECTIONS = ("higher", "lower")
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def format_value(value: float | None, unit: str) -> str:
    """A KPI value as people read it: 82.4 %, 1:05 (m:ss), +35, 1 204."""
    if value is None:
        return "—"
    if unit == "s":
        seconds = int(round(value))
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "points":
        return f"{value:+.0f}"
    if unit == "count":
        return f"{int(round(value)):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f")


def format_change(change: float | None, unit: str) -> str:
    """A difference with its sign: +2.1 pp, -0:12."""
    if change is None:
        return ""
    sign = "+" if change >= 0 else "−"
    size = abs(change)
    if unit == "s":
        return sign + format_value(size, "s")
    if unit == "%":
        return f"{sign}{size:.1f}"
    if unit in ("points", "count"):
        return f"{sign}{size:.0f}"
    return f"{sign}{size:.2f}"


def _link(params: Mapping[str, str] | None) -> str | None:
    return "/interactions?" + urlencode(dict(params)) if params is not None else None


def _period(value: str | None) -> Period:
    if not value:
        return Period.MONTH
    try:
        return Period(value)
    except ValueError:
        raise InvalidInput("period: day, week, month or quarter") from None


def _read_query(request: Request) -> DashboardQuery:
    params = request.query_params
    by = params.get("by") or "agent"
    if by not in DIMENSIONS:
        raise InvalidInput(f"by: one of {', '.join(DIMENSIONS)}")
    channel = params.get("channel")
    if channel and channel not in {item.value for item in Channel}:
        raise InvalidInput(f"channel: unknown channel {channel[:30]!r}")
    order = params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise InvalidInput("order: asc or desc")
    return DashboardQuery(
        period=_period(params.get("period")),
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


def export_table(dashboard: Dashboard, locale: str) -> ExportTable:
    """The breakdown as a table for CSV / XLSX: raw numbers, seconds, percent 0-100."""
    dimension = translate(locale, f"dashboard.by.{dashboard.by}")
    headings = [dimension]
    if dashboard.by == "agent":
        headings.append(translate(locale, "dashboard.export.name"))
    headings += [f"{_label(locale, metric)} ({metric.unit})" for metric in dashboard.columns]
    rows: list[list[Any]] = []
    for row in [*dashboard.rows, dashboard.total]:
        is_total = row is dashboard.total
        cells: list[Any] = [translate(locale, "dashboard.total") if is_total else (row.key or "")]
        if dashboard.by == "agent":
            cells.append("" if is_total else row.label)
        cells += [figure.value for figure in row.figures]
        rows.append(cells)
    title = (
        f"{dimension} {dashboard.current.first.isoformat()} – {dashboard.current.last.isoformat()}"
    )
    return ExportTable(title=title, headings=headings, rows=rows)


def _export(dashboard: Dashboard, locale: str, kind: str) -> Response:
    table = export_table(dashboard, locale)
    body = to_csv(table) if kind == "csv" else to_xlsx(table)
    name = (
        f"kontrol-kpi-by-{dashboard.by}-{dashboard.current.first.isoformat()}"
        f"-{dashboard.current.last.isoformat()}.{kind}"
    )
    return Response(
        body,
        media_type=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _chart_data(dashboard: Dashboard, locale: str) -> dict[str, Any]:
    return {
        "labels": dashboard.period_keys,
        "own": translate(locale, "dashboard.you"),
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


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    format: str | None = None,
) -> Response:
    """KPI tiles, charts over time, a sortable breakdown; ``?format=csv|xlsx`` exports it."""
    require(viewer, Action.VIEW_KPIS)
    if format is not None and format not in EXPORT_TYPES:
        raise InvalidInput("format: csv or xlsx")
    query = _read_query(request)
    locale = locale_of(request)
    with state.engine.connect() as connection:
        choices = filter_choices(connection, viewer)
        people = visible_agents(connection, viewer)
        dashboard = build_dashboard(
            connection, viewer, query, now=utcnow(), agent_names=dict(people)
        )
        workspaces = memberships_of(connection, viewer.account)
    if format is not None:
        return _export(dashboard, locale, format)
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

    return state.templates.TemplateResponse(
        request,
        "metrics/dashboard.html",
        {
            "viewer": viewer,
            "memberships": workspaces,
            "can_see_rejects": can_see_rejects(viewer),
            "can_see_targets": allowed(viewer, Action.VIEW_TARGETS),
            "dashboard": dashboard,
            "query": query,
            "choices": choices,
            "people": people,
            "channels": [item.value for item in Channel],
            "periods": [item.value for item in Period],
            "dimensions": DIMENSIONS,
            "fmt": format_value,
            "fmt_change": format_change,
            "link": _link,
            "sort_url": sort_url,
            "previous_url": move_url(before.first, before.last),
            "next_url": move_url(after.first, after.last),
            "export_url": lambda kind: (
                "/dashboard?" + urlencode({**_page_params(shown), "format": kind})
            ),
            "chart_json": _chart_data(dashboard, locale),
            "reach": kpi_reach(viewer),
        },
    )


# -- targets -------------------------------------------------------------------


def _targets_context(request: Request, state: State, viewer: CurrentViewer) -> dict[str, Any]:
    with state.engine.connect() as connection:
        workspaces = memberships_of(connection, viewer.account)
        choices = filter_choices(connection, viewer)
    return {
        "viewer": viewer,
        "memberships": workspaces,
        "can_see_rejects": can_see_rejects(viewer),
        "can_see_targets": True,
        "can_edit": allowed(viewer, Action.EDIT_TARGETS),
        "metrics": catalogue(),
        "scopes": SCOPES,
        "directions": DIRECTIONS,
        "periods": [item.value for item in Period],
        "choices": choices,
        "channels": [item.value for item in Channel],
    }


@router.get("/targets", include_in_schema=False)
def targets_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Every KPI target of the workspace (admins and QA leads edit, team leads read)."""
    require(viewer, Action.VIEW_TARGETS)
    with state.engine.connect() as connection:
        targets = list_targets(connection, viewer.workspace)
    context = _targets_context(request, state, viewer)
    known = {metric.id: metric for metric in catalogue()}
    context.update(targets=targets, known=known, fmt=format_value)
    return state.templates.TemplateResponse(request, "metrics/targets.html", context)


def _target_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    target: Target | None,
    *,
    values: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> Response:
    context = _targets_context(request, state, viewer)
    context.update(target=target, values=values or {}, error=error)
    return state.templates.TemplateResponse(
        request, "metrics/target_form.html", context, status_code=422 if error else 200
    )


def _find(state: State, viewer: CurrentViewer, target_id: int) -> Target:
    with state.engine.connect() as connection:
        for target in list_targets(connection, viewer.workspace):
            if target.id == target_id:
                return target
    raise NotFound(f"no target {target_id}")


@router.get("/targets/new", include_in_schema=False)
def new_target_form(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """An empty target form."""
    require(viewer, Action.EDIT_TARGETS)
    return _target_form(request, state, viewer, None)


@router.get("/targets/{target_id}/edit", include_in_schema=False)
def edit_target_form(
    request: Request, state: State, viewer: CurrentViewer, target_id: int
) -> Response:
    """The form with one target's values."""
    require(viewer, Action.EDIT_TARGETS)
    return _target_form(request, state, viewer, _find(state, viewer, target_id))


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        raise InvalidInput(f"{name}: not a number: {raw[:20]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(f"{name}: not a number: {raw[:20]!r}")
    return value


def read_target(
    *,
    metric: str,
    scope: str,
    scope_value: str,
    target: str,
    warning: str,
    direction: str,
    owner: str,
    period: str,
) -> dict[str, Any]:
    """Validate the form into the arguments of ``save_target``; errors name the field."""
    get_metric(metric)
    if scope not in SCOPES:
        raise InvalidInput(f"scope: one of {', '.join(SCOPES)}")
    scope_value = scope_value.strip()
    if scope == "company":
        scope_value = ""
    elif not scope_value:
        raise InvalidInput(f"scope_value: which {scope}?")
    if scope == "channel" and scope_value not in {item.value for item in Channel}:
        raise InvalidInput(f"scope_value: unknown channel {scope_value[:30]!r}")
    if direction not in DIRECTIONS:
        raise InvalidInput("direction: higher or lower")
    _period(period)
    goal, threshold = _number("target", target), _number("warning", warning)
    if direction == "higher" and threshold > goal:
        raise InvalidInput(
            "warning: when higher is better, the warning threshold is below the target"
        )
    if direction == "lower" and threshold < goal:
        raise InvalidInput(
            "warning: when lower is better, the warning threshold is above the target"
        )
    owner = owner.strip()
    if not owner:
        raise InvalidInput("owner: who answers for this target?")
    return {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value[:200],
        "target": goal,
        "warning": threshold,
        "direction": direction,
        "owner": owner[:200],
        "period": period,
    }


TargetField = Annotated[str, Form()]


def _save(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    existing: Target | None,
    fields: dict[str, str],
) -> Response:
    try:
        values = read_target(**fields)
        with state.engine.begin() as connection:
            if existing is None:
                save_target(connection, viewer.workspace, **values)
            else:
                update_target(connection, viewer.workspace, existing.id, **values)
    except (InvalidInput, Conflict) as problem:
        return _target_form(request, state, viewer, existing, values=fields, error=str(problem))
    return RedirectResponse("/targets", status_code=303)


@router.post("/targets", include_in_schema=False)
def create_target(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    metric: TargetField,
    scope: TargetField,
    target: TargetField,
    warning: TargetField,
    direction: TargetField,
    owner: TargetField,
    period: TargetField,
    scope_value: TargetField = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a target (or replace the one with the same metric, scope and period)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    fields = {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value,
        "target": target,
        "warning": warning,
        "direction": direction,
        "owner": owner,
        "period": period,
    }
    return _save(request, state, viewer, None, fields)


@router.post("/targets/{target_id}", include_in_schema=False)
def change_target(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    target_id: int,
    metric: TargetField,
    scope: TargetField,
    target: TargetField,
    warning: TargetField,
    direction: TargetField,
    owner: TargetField,
    period: TargetField,
    scope_value: TargetField = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Change a target."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    existing = _find(state, viewer, target_id)
    fields = {
        "metric": metric,
        "scope": scope,
        "scope_value": scope_value,
        "target": target,
        "warning": warning,
        "direction": direction,
        "owner": owner,
        "period": period,
    }
    return _save(request, state, viewer, existing, fields)


@router.post("/targets/{target_id}/delete", include_in_schema=False)
def remove_target(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    target_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a target."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_TARGETS)
    existing = _find(state, viewer, target_id)
    with state.engine.begin() as connection:
        delete_target(connection, viewer.workspace, existing.id)
    return RedirectResponse("/targets", status_code=303)


# -- JSON API ------------------------------------------------------------------


@router.get("/api/v1/kpi", tags=["v1"])
def kpi_api(
    state: State,
    viewer: CurrentViewer,
    by: Annotated[
        str | None, Query(description="comma-separated: agent, team, channel, topic, language")
    ] = None,
    period: Annotated[str | None, Query(description="day, week, month or quarter")] = None,
    metrics: Annotated[
        str | None, Query(description="comma-separated metric ids (default: all)")
    ] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, workspace time zone")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    agent: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    topic: str | None = None,
) -> dict[str, Any]:
    """KPI rows as in spec/METRICS.md: group keys, then one key per metric.

    Time metrics give the median under their id and ``<id>_mean``, ``<id>_p90``;
    ratios give ``<id>_num`` and ``<id>_den``; a metric without data is ``null``.
    Agents get their own numbers only, team leads their team's; asking for
    someone else's answers 403.
    """
    require(viewer, Action.VIEW_KPIS)
    groups = [name.strip() for name in (by or "").split(",") if name.strip()]
    wanted = [name.strip() for name in (metrics or "").split(",") if name.strip()]
    filters = {
        name: value
        for name, value in {
            "agent": agent,
            "team": team,
            "channel": channel,
            "topic": topic,
        }.items()
        if value
    }
    with state.engine.connect() as connection:
        rows = kpi_rows(
            connection,
            viewer,
            metrics=wanted or None,
            by=groups,
            period=_period(period) if period else None,
            date_from=read_date("date_from", date_from),
            date_to=read_date("date_to", date_to),
            filters=filters,
        )
    return {"rows": rows}
