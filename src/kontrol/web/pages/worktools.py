"""Work-tool quality pages: hygiene scores, the drill-down to items, one item, the rules.

``/work`` shows the scores of the viewer's scope (the QA team: the workspace; a
team lead: the team; an agent: their own items) by team, owner, week and rule;
``/work/items`` the items behind a figure with the rules they break;
``/work/items/<id>`` one item; ``/work/rules`` the hygiene rules as YAML (admins
and QA leads).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import InvalidInput
from kontrol.i18n.formats import moment_label
from kontrol.metrics.dashboard import visible_agents
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State
from kontrol.web.errors import status_of
from kontrol.web.params import Id, Offset, read_optional_int
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of
from kontrol.worktools.evaluation import check_work_items
from kontrol.worktools.kinds import WORK_RULE_KINDS
from kontrol.worktools.rules import delete_rule, export_rules, import_rules_text, list_rules
from kontrol.worktools.views import group_trend, item_for, items_for, open_counts, overview

router = APIRouter(include_in_schema=False)


def _local(page: Page) -> Callable[[datetime | str | None], str]:
    """Stored (naive UTC) times, or their ISO text, shown in the workspace's time zone."""
    local = zone(page.viewer.workspace.timezone)
    locale = locale_of(page.request)

    def show(moment: datetime | str | None) -> str:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return "—" if moment is None else moment_label(from_utc(moment, local), locale)

    return show


MAX_RULES_TEXT = 256 * 1024
CHART_HEIGHT = 120


def _bars(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The weekly trend as bars of an inline SVG chart (no script needed)."""
    bars = []
    for index, point in enumerate(points):
        score = point["score"]
        height = 0 if score is None else max(2, round(score * CHART_HEIGHT / 100))
        bars.append(
            {
                "x": index * 48 + 8,
                "y": CHART_HEIGHT - height + 16,
                "height": height,
                "score": score,
                "week": point["week"],
                "items": point["items"],
                "band": "none"
                if score is None
                else ("ok" if score >= 90 else "warning" if score >= 80 else "bad"),
            }
        )
    return bars


@router.get("/work")
def work_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Hygiene of the viewer's items: now, by team, by owner, by week, by rule."""
    found = overview(db, viewer)
    return page.render(
        "worktools/overview.html",
        {
            "overview": found,
            "bars": _bars(found.trend),
            "chart_width": len(found.trend) * 48 + 16,
            "chart_height": CHART_HEIGHT + 40,
        },
    )


@router.get("/work/items")
def work_items_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    owner: str | None = None,
    team: str | None = None,
    rule: str | None = None,
    violations: str | None = None,
    everything: str | None = None,
    offset: Offset = 0,
) -> Response:
    """The items behind a figure: of an owner, a team or a rule, with what they break."""
    rule_id = read_optional_int(rule, "rule")
    only = violations == "1"
    found = items_for(
        db,
        viewer,
        owner=owner or None,
        team=team or None,
        rule_id=rule_id,
        only_violations=only,
        everything=everything == "1",
        offset=offset,
    )
    points = (
        group_trend(db, viewer, owner=owner or None, team=team or None) if owner or team else []
    )
    owner_label = None
    if owner:
        first = next((item for item in found.items if item.owner == owner), None)
        # The owner's name: from their items, else from the agents' roster, else their id.
        roster = dict(visible_agents(db, viewer))
        owner_label = (first.owner_name if first else None) or roster.get(owner) or owner
    return page.render(
        "worktools/items.html",
        {
            "found": found,
            "owner": owner or "",
            "owner_label": owner_label,
            "team": team or "",
            "rule_id": rule_id,
            "only": only,
            "everything": everything == "1",
            "local": _local(page),
            "bars": _bars(points),
            "chart_width": len(points) * 48 + 16,
            "chart_height": CHART_HEIGHT + 40,
        },
    )


@router.get("/work/items/{item_id}")
def work_item_page(db: Db, viewer: CurrentViewer, page: CurrentPage, item_id: Id) -> Response:
    """One work item: its facts, the rules it breaks or broke, its status history."""
    item = item_for(db, viewer, item_id)
    return page.render("worktools/item.html", {"item": item, "local": _local(page)})


def _rules_page(
    page: Page,
    *,
    text: str | None = None,
    report: Any = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    workspace_id = page.viewer.workspace.id
    context = {
        "rules": list_rules(page.connection, workspace_id),
        "counts": open_counts(page.connection, workspace_id),
        "kinds": list(WORK_RULE_KINDS.all()),
        "text": export_rules(page.connection, workspace_id) if text is None else text,
        "report": report,
        "error": error,
        "checked": None,
    }
    return page.render("worktools/rules.html", context, status=status)


@router.get("/work/rules")
def work_rules_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The hygiene rules with their open violations, and their YAML to edit."""
    require(viewer, Action.MANAGE_WORK_RULES)
    return _rules_page(page)


@router.post("/work/rules")
def work_rules_save(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    page: CurrentPage,
    csrf_token: Annotated[str | None, Form()] = None,
    rules: Annotated[str, Form()] = "",
) -> Response:
    """Create or update (by name) the rules of the YAML typed in; a bad rule is reported
    with its line and field, the others are saved."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_WORK_RULES)
    try:
        if len(rules.encode("utf-8")) > MAX_RULES_TEXT:
            raise InvalidInput(
                f"rules: larger than {MAX_RULES_TEXT // 1024} KiB",
                key="worktools.error.rules_too_big",
                params={"kib": MAX_RULES_TEXT // 1024},
                where_key="error.where.field",
                where_params={"field": "rules"},
            )
        # The import commits on its own connection, rule by rule (its report says which).
        report = import_rules_text(state.engine, viewer.workspace.id, rules, label="rules")
    except InvalidInput as error:
        return _rules_page(page, text=rules, error=page.says(error), status=status_of(error))
    if report.errors:
        return _rules_page(page, text=rules, report=report, status=422)
    return _rules_page(page, report=report)


@router.post("/work/rules/{rule_id}/delete")
def work_rule_delete(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    rule_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a rule and its violations."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_WORK_RULES)
    delete_rule(db, viewer.workspace.id, rule_id)
    return RedirectResponse("/work/rules", status_code=303)


@router.post("/work/check")
def work_check(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Check every item against the rules now, then show the scores."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_WORK_RULES)
    check_work_items(db, viewer.workspace.id)
    return RedirectResponse("/work", status_code=303)
