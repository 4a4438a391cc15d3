"""The improvement plan pages: the plan (overdue first), a new action (filled in from where it
came from), and one action with its effect after the due date."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.audits.results import finding_defaults
from kontrol.audits.template_yaml import AuditTemplate
from kontrol.audits.templates import latest_template
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.i18n.messages import error_text
from kontrol.improvement.actions import (
    DIRECTIONS,
    FIELDS,
    STATUSES,
    ImprovementAction,
    action_owners,
    can_edit_action,
    can_progress_action,
    create_action,
    delete_action,
    form_values,
    get_action,
    list_actions,
    today_of,
    update_action,
)
from kontrol.improvement.effects import baseline_of, effect_of
from kontrol.metrics.kpis import metric_catalogue
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
REFUSED = (InvalidInput, Conflict)
VIEWS = ("active", "overdue", "mine", "all")


def _item_titles(db: Db, viewer: CurrentViewer, items: list[ImprovementAction]) -> dict[int, str]:
    """Action id -> the title of its audit item ("Приём обращения"), for actions tied to one."""
    titles: dict[int, str] = {}
    templates: dict[str, object] = {}
    for item in items:
        if not item.audit_template or not item.audit_item:
            continue
        if item.audit_template not in templates:
            try:
                templates[item.audit_template] = latest_template(
                    db, viewer.workspace.id, item.audit_template
                ).template
            except (IndexError, NotFound):
                templates[item.audit_template] = None
        template = templates[item.audit_template]
        found = template.item(item.audit_item) if isinstance(template, AuditTemplate) else None
        if found is not None:
            titles[item.id] = found.title
    return titles


@router.get("/actions")
def plan_page(db: Db, viewer: CurrentViewer, page: CurrentPage, view: str = "active") -> Response:
    """The improvement plan: overdue first, then by due date; finished ones in "all"."""
    chosen = view if view in VIEWS else "active"
    items = list_actions(
        db,
        viewer,
        overdue_only=chosen == "overdue",
        owner_id=viewer.account.id if chosen == "mine" else None,
    )
    if chosen == "active":
        items = [item for item in items if item.active]
    today = today_of(viewer)
    effects = {item.id: effect_of(db, viewer.workspace, item, today) for item in items}
    overdue = sum(1 for item in items if item.overdue(today))
    return page.render(
        "improvement/plan.html",
        {
            "items": items,
            "effects": effects,
            "today": today,
            "view": chosen,
            "views": VIEWS,
            "overdue_count": overdue,
            "item_titles": _item_titles(db, viewer, items),
            "can_manage": allowed(viewer, Action.MANAGE_ACTIONS),
        },
    )


def _form(
    page: Page,
    *,
    item: ImprovementAction | None,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    db, viewer = page.connection, page.viewer
    today = today_of(viewer)
    return page.render(
        "improvement/action.html",
        {
            "item": item,
            "values": values,
            "statuses": STATUSES,
            "directions": DIRECTIONS,
            "people": action_owners(db, viewer),
            "metrics": metric_catalogue(),
            "editable": item is None or can_edit_action(viewer, item),
            "progress": item is None or can_progress_action(viewer, item),
            "effect": effect_of(db, viewer.workspace, item, today) if item else None,
            "item_titles": _item_titles(db, viewer, [item]) if item else {},
            "today": today,
            "error": error,
        },
        status=status,
    )


@router.get("/actions/new")
def new_action_page(request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form of a new action, filled in from ``title``, ``source``, ``metric``,
    ``interaction`` (and the other fields by name) of the query string."""
    require(viewer, Action.MANAGE_ACTIONS)
    params = request.query_params
    values = {name: (params.get(name) or "")[:500] for name in FIELDS}
    values["interaction_id"] = values["interaction_id"] or (params.get("interaction") or "")[:20]
    for name, value in finding_defaults(db, viewer, values["source"]).items():
        values[name] = values[name] or value
    if values["metric"] and not values["target"]:
        values["target"] = _company_target(db, viewer, values["metric"])
    values["status"] = values["status"] or "open"
    return _form(page, item=None, values=values)


def _company_target(db: Db, viewer: CurrentViewer, metric: str) -> str:
    from kontrol.metrics.targets import list_targets

    for target in list_targets(db, viewer.workspace):
        if target.metric == metric and target.scope == "company":
            return f"{target.target:g}"
    return ""


@router.post("/actions")
async def create_action_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create an action from the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    values = {name: str(form.get(name) or "") for name in FIELDS}
    try:
        with attempt(db):
            baseline = (
                baseline_of(
                    db,
                    viewer.workspace,
                    values["metric"] or None,
                    values["team"] or None,
                    today_of(viewer),
                    agent=values["agent"] or None,
                )
                if values["metric"]
                else None
            )
            item = create_action(db, viewer, values, baseline=baseline)
    except REFUSED as error:
        return _form(
            page,
            item=None,
            values=values,
            error=error_text(error, locale_of(request)),
            status=status_of(error),
        )
    return RedirectResponse(f"/actions/{item.id}", status_code=303)


@router.get("/actions/{action_id}")
def action_page(db: Db, viewer: CurrentViewer, page: CurrentPage, action_id: Id) -> Response:
    """One action: its form (or the owner's progress form) and its effect."""
    item = get_action(db, viewer, action_id)
    return _form(page, item=item, values=form_values(item))


@router.post("/actions/{action_id}")
async def update_action_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, action_id: Id
) -> Response:
    """Save an action's changes (only what the viewer may change is in the form)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    item = get_action(db, viewer, action_id)
    changes = {name: str(form.get(name) or "") for name in FIELDS if name in form}
    raw_version = str(form.get("version") or "")
    version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else 0
    try:
        with attempt(db):
            update_action(db, viewer, action_id, version=version, changes=changes)
    except REFUSED as error:
        return _form(
            page,
            item=item,
            values={**form_values(item), **changes},
            error=error_text(error, locale_of(request)),
            status=status_of(error),
        )
    return RedirectResponse(f"/actions/{action_id}", status_code=303)


@router.post("/actions/{action_id}/delete")
async def delete_action_form(
    request: Request, db: Db, viewer: CurrentViewer, action_id: Id
) -> Response:
    """Remove an action from the plan."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    delete_action(db, viewer, action_id)
    return RedirectResponse("/actions", status_code=303)
