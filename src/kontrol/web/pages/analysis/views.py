"""The analysis pages. Thin: read the scope, authorize, call ``kontrol.analysis``, render."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.analysis.assignment import model_info, reassign_guesses, train
from kontrol.analysis.bottlenecks import WEEKDAYS, Bottleneck, bottlenecks
from kontrol.analysis.business import (
    BUSINESS,
    LOWER_IS_BETTER,
    QUALITY,
    business_view,
    holm_threshold,
)
from kontrol.analysis.costs import (
    CURRENCIES,
    CostSettings,
    load_costs,
    read_cost,
    read_currency,
    save_costs,
    workspace_currency,
)
from kontrol.analysis.reasons import (
    NONE,
    reason_interactions,
    reason_label,
    reason_rows,
    unfinished_period,
)
from kontrol.analysis.scope import FILTERS, AnalysisScope, make_scope
from kontrol.analysis.taxonomy import (
    Taxonomy,
    dump_taxonomy,
    load_taxonomy,
    parse_taxonomy,
    read_entry,
    remove_entry,
    replace_entry,
    save_taxonomy,
)
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period
from kontrol.i18n import translate
from kontrol.i18n.formats import money
from kontrol.interactions.listing import filter_choices
from kontrol.metrics import get_metric
from kontrol.metrics.dashboard import visible_agents
from kontrol.metrics.figures import MIN_SAMPLE
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.filters import read_date
from kontrol.web.pages.analysis import charts
from kontrol.web.pages.metrics.dashboard import format_value
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
KINDS = ("reason", "complaint")
ACTION_PAGE = "/actions/new"


def read_scope(
    db: Connection,
    viewer: Viewer,
    request: Request,
    *,
    default_period: str = "week",
    whole_history: bool = False,
) -> AnalysisScope:
    """The scope from the query string (dates, period, agent/team/channel/language)."""
    params = request.query_params
    return make_scope(
        db,
        viewer.workspace.id,
        period=params.get("period") or default_period,
        date_from=read_date("date_from", params.get("date_from") or None),
        date_to=read_date("date_to", params.get("date_to") or None),
        filters={name: params.get(name, "")[:200] for name in FILTERS if params.get(name)},
        whole_history=whole_history,
    )


def format_amount(value: float | None, unit: str, locale: str, currency: str | None) -> str:
    """``format_value``, money with the workspace's currency (``1 234,50 ₽``)."""
    if unit == "currency" and value is not None:
        return money(value, currency, locale)
    return format_value(value, unit, locale)


def _context(page: Page, scope: AnalysisScope, path: str) -> dict[str, Any]:
    currency = workspace_currency(page.connection, page.viewer.workspace.id)
    return {
        "scope": scope,
        "path": path,
        "periods": [p.value for p in Period],
        "choices": filter_choices(page.connection, page.viewer),
        "fmt": partial(format_amount, locale=locale_of(page.request), currency=currency),
        "currency": currency,
        "can_edit": allowed(page.viewer, Action.EDIT_REASONS),
        "query": lambda **extra: urlencode({**scope.query(), **extra}),
        "finding_action_link": finding_action_link,
        "interactions_link": interactions_link,
    }


def interactions_link(filters: dict[str, Any]) -> str:
    """The interaction list filtered to the contacts behind a finding."""
    return "/interactions?" + urlencode({k: v for k, v in filters.items() if v not in (None, "")})


def finding_action_link(title: str, finding: str) -> str:
    """The link that makes an improvement action of a finding."""
    return ACTION_PAGE + "?" + urlencode({"title": title, "source": f"analysis:{finding}"})


@router.get("/analysis")
def analysis_home(viewer: CurrentViewer) -> Response:
    """The analysis starts at the contact reasons."""
    require(viewer, Action.VIEW_ANALYSIS)
    return RedirectResponse("/analysis/reasons", status_code=303)


@router.get("/analysis/reasons")
def reasons_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, kind: str = "reason"
) -> Response:
    """Contact reasons (or complaint types): share, trend, FCR, repeats, CSAT, time, cost."""
    require(viewer, Action.VIEW_ANALYSIS)
    if kind not in KINDS:
        raise InvalidInput(
            "kind: reason or complaint",
            key="analysis.error.reason_or_complaint",
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    scope = read_scope(db, viewer, request)
    taxonomy = load_taxonomy(db, viewer.workspace.id)
    costs = load_costs(db, viewer.workspace.id)
    rows = reason_rows(db, scope, kind=kind, costs=costs)
    locale = _locale(request)
    context = _context(page, scope, "/analysis/reasons")
    context.update(
        kind=kind,
        rows=rows,
        taxonomy=taxonomy,
        label=lambda code: reason_label(taxonomy, kind, code, locale),
        spark=charts.sparkline,
        none_code=NONE,
        costs=costs,
        partial=unfinished_period(scope),
        min_sample=MIN_SAMPLE,
    )
    return page.render("analysis/reasons.html", context)


def _locale(request: Request) -> str:
    return locale_of(request)


@router.get("/analysis/reasons/{code}")
def reason_detail(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    code: str,
    kind: str = "reason",
    repeat: str | None = None,
) -> Response:
    """The conversations behind one reason (newest first)."""
    require(viewer, Action.VIEW_ANALYSIS)
    if kind not in KINDS:
        raise InvalidInput(
            "kind: reason or complaint",
            key="analysis.error.reason_or_complaint",
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    scope = read_scope(db, viewer, request)
    taxonomy = load_taxonomy(db, viewer.workspace.id)
    rows = reason_interactions(db, scope, kind=kind, code=code[:60], only_repeat=repeat == "yes")
    context = _context(page, scope, f"/analysis/reasons/{code}")
    context.update(
        kind=kind,
        code=code,
        name=reason_label(taxonomy, kind, code, _locale(request)),
        rows=rows,
        none_code=NONE,
        only_repeat=repeat == "yes",
    )
    return page.render("analysis/reason_detail.html", context)


def finding_sentence(
    locale: str,
    finding: Bottleneck,
    taxonomy: Taxonomy,
    scope: AnalysisScope,
    people: Mapping[str, str] | None = None,
    currency: str | None = None,
) -> tuple[str, str, str]:
    """(the finding in words, the link to its interactions, the "create an action" link).

    ``people``: agents' names by id; an agent behind a finding is named, not numbered.
    """
    values = dict(finding.values)
    who = values.get("who")
    if values.get("dimension", "agent") == "agent" and people and who in people:
        who = people[str(who)]
    unit = get_metric(values["metric"]).unit if values.get("metric") else "%"
    words = {
        "channel": translate(locale, f"channel.{values.get('channel')}"),
        "weekday": translate(locale, f"analysis.weekday.{values.get('weekday')}"),
        "hour": values.get("hour"),
        "seconds": format_value(values.get("seconds"), "s", locale),
        "percent": format_value(values.get("percent"), "%", locale),
        "count": format_value(values.get("count"), "count", locale),
        "reason": reason_label(taxonomy, "reason", str(values["reason"]), locale)
        if values.get("reason")
        else values.get("reason"),
        "who": who,
        "dimension": translate(locale, f"filters.{values.get('dimension', 'agent')}"),
        "metric": translate(locale, f"kpi.metric.{values.get('metric')}")
        if values.get("metric")
        else "",
        "actual": format_value(values.get("actual"), unit, locale),
        "target": format_value(values.get("target"), unit, locale),
        "cost": format_amount(values.get("cost"), "currency", locale, currency),
        "share": format_value(values.get("share"), "%", locale),
    }
    text = translate(locale, f"analysis.finding.{finding.key}")
    for name, value in words.items():
        text = text.replace("{" + name + "}", str(value))
    if finding.key in ("repeat", "complaints") and values.get("reason"):
        extra = {"repeat": "yes"} if finding.key == "repeat" else {}
        link = f"/analysis/reasons/{quote(str(values['reason']))}?" + urlencode(
            {**scope.query(), **extra}
        )
    else:
        link = interactions_link(finding.filters)
    return text, link, finding_action_link(text, f"{finding.key}")


@router.get("/analysis/bottlenecks")
def bottlenecks_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Where the service loses customers and time."""
    require(viewer, Action.VIEW_ANALYSIS)
    scope = read_scope(db, viewer, request)
    costs = load_costs(db, viewer.workspace.id)
    taxonomy = load_taxonomy(db, viewer.workspace.id)
    reasons = reason_rows(db, scope, costs=costs)
    types = reason_rows(db, scope, kind="complaint", costs=costs)
    found = bottlenecks(
        db, viewer.workspace, scope, reasons=reasons, complaint_types=types, costs=costs
    )
    locale = _locale(request)
    people = dict(visible_agents(db, viewer))
    sentences = [
        finding_sentence(locale, finding, taxonomy, scope, people, costs.currency)
        for finding in found.findings
    ]
    channel = request.query_params.get("channel_map") or (
        found.profile.channels[0] if found.profile.channels else ""
    )
    context = _context(page, scope, "/analysis/bottlenecks")
    context.update(
        found=found,
        sentences=sentences,
        channel=channel,
        heat={key: cell.mean_wait for key, cell in found.profile.grid.get(channel, {}).items()},
        day_names=[translate(locale, f"analysis.weekday_short.{d}") for d in WEEKDAYS],
        hours=[str(h) for h in range(24)],
        abandonment=[
            cell.abandonment if (cell := found.profile.hours.get(h)) else None for h in range(24)
        ],
        sla_miss=[
            cell.sla_miss if (cell := found.profile.hours.get(h)) else None for h in range(24)
        ],
        weekdays=list(WEEKDAYS),
        charts=charts,
        label=lambda kind, code: reason_label(taxonomy, kind, code, locale),
        people=people,
    )
    return page.render("analysis/bottlenecks.html", context)


@router.get("/analysis/business")
def business_page(request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Quality beside the commercial results, with lags; customers after a bad contact."""
    require(viewer, Action.VIEW_ANALYSIS)
    scope = read_scope(db, viewer, request, whole_history=True)
    view = business_view(db, viewer.workspace, scope)
    locale = _locale(request)
    quality = request.query_params.get("quality", "csat")
    business = request.query_params.get("business", "repeat_order")
    if quality not in QUALITY:
        quality = "csat"
    if business not in BUSINESS:
        business = "repeat_order"
    chosen = next(p for p in view.pairs if p.quality == quality and p.business == business)
    named = {s.id: s.values for s in view.series}
    context = _context(page, scope, "/analysis/business")
    context.update(
        view=view,
        quality=quality,
        business=business,
        quality_ids=QUALITY,
        business_ids=BUSINESS,
        chosen=chosen,
        named=named,
        charts=charts,
        holm=holm_threshold(view.pairs),
        lower_is_better=LOWER_IS_BETTER,
        pairs_by={(p.quality, p.business): p for p in view.pairs},
        lag_points=[(lag.lag, lag.r, lag.low, lag.high) for lag in chosen.lags],
        month_names=[translate(locale, f"analysis.month.{m}") for m in range(1, 13)],
        month_counts=[
            float(view.seasonality.by_month[m][0]) if m in view.seasonality.by_month else None
            for m in range(1, 13)
        ],
        day_names=[translate(locale, f"analysis.weekday_short.{d}") for d in WEEKDAYS],
        weekday_counts=[
            float(view.seasonality.by_weekday[d][0]) if d in view.seasonality.by_weekday else None
            for d in WEEKDAYS
        ],
    )
    return page.render("analysis/business.html", context)


def _taxonomy_page(
    page: Page,
    *,
    yaml_text: str | None = None,
    error: str | None = None,
    saved: str | None = None,
    status: int = 200,
) -> Response:
    db, workspace_id = page.connection, page.viewer.workspace.id
    taxonomy = load_taxonomy(db, workspace_id)
    return page.render(
        "analysis/taxonomy.html",
        {
            "taxonomy": taxonomy,
            "yaml_text": yaml_text if yaml_text is not None else dump_taxonomy(taxonomy),
            "error": error,
            "saved": saved,
            "models": model_info(db, workspace_id),
            "costs": load_costs(db, workspace_id),
            "currencies": CURRENCIES,
            "can_edit": allowed(page.viewer, Action.EDIT_REASONS),
        },
        status=status,
    )


@router.get("/analysis/taxonomy")
def taxonomy_page(viewer: CurrentViewer, page: CurrentPage, saved: str | None = None) -> Response:
    """The reasons and complaint types with their phrases; the form to change them."""
    require(viewer, Action.VIEW_ANALYSIS)
    return _taxonomy_page(page, saved=saved)


@router.post("/analysis/taxonomy")
def save_taxonomy_form(
    request: Request,
    viewer: CurrentViewer,
    page: CurrentPage,
    taxonomy_yaml: Annotated[str, Form()],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Save the taxonomy YAML, then assign again every reason that was a guess."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_REASONS)
    db = page.connection
    try:
        if len(taxonomy_yaml) > 200_000:
            raise InvalidInput(
                "taxonomy.yaml:1: longer than 200,000 characters",
                key="analysis.error.taxonomy_too_long",
            )
        taxonomy = parse_taxonomy(taxonomy_yaml)
        with attempt(db):
            save_taxonomy(db, viewer.workspace.id, taxonomy)
            reassign_guesses(db, viewer.workspace.id)
    except REFUSALS as problem:
        return _taxonomy_page(
            page, yaml_text=taxonomy_yaml, error=page.says(problem), status=status_of(problem)
        )
    return RedirectResponse("/analysis/taxonomy?saved=taxonomy", status_code=303)


@router.post("/analysis/taxonomy/entry")
def save_entry_form(
    request: Request,
    viewer: CurrentViewer,
    page: CurrentPage,
    kind: Annotated[str, Form()],
    code: Annotated[str, Form()],
    label_ru: Annotated[str, Form()],
    label_en: Annotated[str, Form()],
    phrases_ru: Annotated[str, Form()] = "",
    phrases_en: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add or change one reason or complaint type (phrases one a line), or remove it."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_REASONS)
    db = page.connection
    try:
        current = load_taxonomy(db, viewer.workspace.id)
        if remove:
            changed = remove_entry(current, kind, code.strip())
        else:
            entry = read_entry(
                kind=kind,
                code=code,
                label_ru=label_ru,
                label_en=label_en,
                phrases_ru=phrases_ru[:20_000],
                phrases_en=phrases_en[:20_000],
            )
            changed = replace_entry(current, entry, old_code=entry.code)
        with attempt(db):
            save_taxonomy(db, viewer.workspace.id, changed)
            reassign_guesses(db, viewer.workspace.id)
    except REFUSALS as problem:
        return _taxonomy_page(page, error=page.says(problem), status=status_of(problem))
    return RedirectResponse("/analysis/taxonomy?saved=taxonomy", status_code=303)


@router.post("/analysis/costs")
def save_costs_form(
    request: Request,
    viewer: CurrentViewer,
    page: CurrentPage,
    cost_per_minute: Annotated[str, Form()] = "",
    cost_per_contact: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Set what a contact costs where the interaction has no cost of its own, and the
    currency of the amounts."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_REASONS)
    db = page.connection
    try:
        costs = CostSettings(
            read_cost("cost_per_minute", cost_per_minute),
            read_cost("cost_per_contact", cost_per_contact),
            read_currency(currency),
        )
        with attempt(db):
            save_costs(db, viewer.workspace.id, costs)
    except REFUSALS as problem:
        return _taxonomy_page(page, error=page.says(problem), status=status_of(problem))
    return RedirectResponse("/analysis/taxonomy?saved=costs", status_code=303)


@router.post("/analysis/train")
def train_form(
    request: Request,
    viewer: CurrentViewer,
    db: Db,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Learn the models now from the interactions with a reason, then assign again."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_REASONS)
    train(db, viewer.workspace.id)
    reassign_guesses(db, viewer.workspace.id)
    return RedirectResponse("/analysis/taxonomy?saved=model", status_code=303)
