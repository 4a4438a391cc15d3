"""Review queues and routing rules: pages (/queues, /review-rules) and their JSON API.

Thin: load, authorize (accounts/policy.py), call review/routing/, render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.domain.vocabulary import Channel
from kontrol.review.routing.assignment import assign_item, skip_item
from kontrol.review.routing.items import ItemFilters, list_items, skip_notes
from kontrol.review.routing.kinds import FILTERS, ROUTING_KINDS
from kontrol.review.routing.queues import (
    assignable_people,
    get_queue,
    list_queues,
    reviewer_loads,
)
from kontrol.review.routing.rules import (
    PRIORITIES,
    RoutingRuleInput,
    create_default_rules,
    get_routing_rule,
    import_routing_rules,
    input_of,
    list_routing_rules,
    priority_name,
    routing_rules_as_yaml,
    save_routing_rule,
    set_rule_active,
)
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
PAGE = 100
MAX_UPLOAD = 256 * 1024


def _clock(viewer: Viewer) -> Callable[[datetime | None], str]:
    local = zone(viewer.workspace.timezone)

    def when(moment: datetime | None) -> str:
        return "" if moment is None else from_utc(moment, local).strftime("%Y-%m-%d %H:%M")

    return when


def _render(
    state: State, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    viewer: Viewer = context["viewer"]
    with state.engine.connect() as connection:
        context["memberships"] = memberships_of(connection, viewer.account)
    context["can_see_rejects"] = can_see_rejects(viewer)
    context["can_assign"] = allowed(viewer, Action.ASSIGN_REVIEWS)
    context["can_manage_routing"] = allowed(viewer, Action.MANAGE_ROUTING)
    context["when"] = _clock(viewer)
    context["priority_name"] = priority_name
    return state.templates.TemplateResponse(request, name, context, status_code=status)


# -- queues ------------------------------------------------------------------------------


@router.get("/queues")
def queues_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Queues with their counts; QA leads also see each reviewer's load."""
    require(viewer, Action.VIEW_QUEUES)
    with state.engine.connect() as connection:
        queues = list_queues(connection, viewer)
        loads = reviewer_loads(connection, viewer) if allowed(viewer, Action.ASSIGN_REVIEWS) else []
    return _render(
        state,
        request,
        "review/routing_queues.html",
        {"viewer": viewer, "queues": queues, "loads": loads},
    )


def _queue_context(
    state: State,
    viewer: Viewer,
    queue_id: int,
    filters: ItemFilters,
    offset: int,
) -> dict[str, Any]:
    with state.engine.connect() as connection:
        queue = get_queue(connection, viewer, queue_id)
        items = list_items(connection, viewer, queue_id, filters, limit=PAGE + 1, offset=offset)
        people = (
            assignable_people(connection, viewer.workspace.id)
            if allowed(viewer, Action.ASSIGN_REVIEWS)
            else []
        )
        skips = skip_notes(connection, viewer.workspace.id, [item.id for item in items[:PAGE]])
    query = {
        "status": filters.status,
        "assignee": filters.assignee,
        "channel": filters.channel,
        "overdue": "1" if filters.overdue else "",
    }
    return {
        "viewer": viewer,
        "queue": queue,
        "items": items[:PAGE],
        "people": people,
        "skips": skips,
        "filters": filters,
        "channels": [item.value for item in Channel],
        "query": urlencode({k: v for k, v in query.items() if v}),
        "next_offset": offset + PAGE if len(items) > PAGE else None,
        "error": None,
        "failed_item": None,
    }


@router.get("/queues/{queue_id}")
def queue_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    queue_id: int,
    status: str = "open",
    assignee: str = "",
    channel: str = "",
    overdue: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The items of one queue (a reviewer: their own), filtered."""
    require(viewer, Action.VIEW_QUEUES)
    filters = ItemFilters(status=status, assignee=assignee, channel=channel, overdue=overdue == "1")
    context = _queue_context(state, viewer, queue_id, filters, offset)
    return _render(state, request, "review/routing_queue.html", context)


def _queue_error(
    state: State,
    request: Request,
    viewer: Viewer,
    queue_id: int,
    error: Conflict | InvalidInput,
    failed: dict[str, Any],
) -> Response:
    """The queue page again with the error and what the person chose kept in its form."""
    context = _queue_context(state, viewer, queue_id, ItemFilters(status="all"), 0)
    context["error"] = str(error)
    context["failed_item"] = failed
    status = 409 if isinstance(error, Conflict) else 422
    return _render(state, request, "review/routing_queue.html", context, status=status)


def _back(form_next: str | None, queue_id: int) -> str:
    """Back to the queue page the form was on (only that queue's local URL)."""
    prefix = f"/queues/{queue_id}"
    if form_next and (form_next == prefix or form_next.startswith(prefix + "?")):
        return form_next
    return prefix


@router.post("/queues/items/{item_id}/assign")
def assign_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    item_id: int,
    queue_id: Annotated[int, Form()],
    version: Annotated[int, Form()],
    assignee_id: Annotated[str, Form()] = "",
    next_url: Annotated[str | None, Form(alias="next")] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Give an item to someone, or take it back (empty assignee)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.ASSIGN_REVIEWS)
    if assignee_id and not assignee_id.isdigit():
        raise InvalidInput("assignee_id: a user id")
    try:
        with state.engine.begin() as connection:
            assign_item(
                connection,
                viewer,
                item_id,
                assignee_id=int(assignee_id) if assignee_id else None,
                version=version,
            )
    except (Conflict, InvalidInput) as error:
        failed = {"id": item_id, "assignee_id": assignee_id}
        return _queue_error(state, request, viewer, queue_id, error, failed)
    return RedirectResponse(_back(next_url, queue_id), status_code=303)


@router.post("/queues/items/{item_id}/skip")
def skip_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    item_id: int,
    queue_id: Annotated[int, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The assigned reviewer passes an item on, with a reason."""
    check_csrf(request, csrf_token)
    require(viewer, Action.REVIEW)
    try:
        with state.engine.begin() as connection:
            skip_item(connection, viewer, item_id, reason=reason, version=version)
    except (Conflict, InvalidInput) as error:
        failed = {"id": item_id, "reason": reason}
        return _queue_error(state, request, viewer, queue_id, error, failed)
    return RedirectResponse(f"/queues/{queue_id}", status_code=303)


# -- rules -------------------------------------------------------------------------------


@router.get("/review-rules")
def routing_rules_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The workspace's routing rules, YAML upload and download."""
    require(viewer, Action.MANAGE_ROUTING)
    return _rules_page(state, request, viewer)


def _rules_page(
    state: State,
    request: Request,
    viewer: Viewer,
    *,
    report: Any = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        rules = list_routing_rules(connection, viewer.workspace.id)
    context = {
        "viewer": viewer,
        "rules": rules,
        "kinds": list(ROUTING_KINDS.all()),
        "report": report,
        "error": error,
    }
    return _render(state, request, "review/routing_rules.html", context, status=status)


@router.get("/review-rules/export.yaml")
def rules_download(state: State, viewer: CurrentViewer) -> Response:
    """The rules as a YAML file."""
    require(viewer, Action.MANAGE_ROUTING)
    with state.engine.connect() as connection:
        text = routing_rules_as_yaml(connection, viewer.workspace.id)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="review-rules.yaml"'},
    )


@router.post("/review-rules/import")
async def rules_upload(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Create or update rules from an uploaded YAML file."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_ROUTING)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _rules_page(state, request, viewer, error="file: choose a YAML file", status=422)
    raw = await upload.read(MAX_UPLOAD + 1)
    label = upload.filename or "upload.yaml"
    try:
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput(f"{label}: larger than {MAX_UPLOAD // 1024} KiB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{label}: not UTF-8 text") from None
        report = import_routing_rules(
            state.engine, viewer.workspace.id, text, label=label, actor_id=viewer.account.id
        )
    except InvalidInput as error:
        return _rules_page(state, request, viewer, error=str(error), status=422)
    return _rules_page(state, request, viewer, report=report, status=422 if report.errors else 200)


@router.post("/review-rules/defaults")
def rules_defaults(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add the default queues and rules that are missing."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ROUTING)
    with state.engine.begin() as connection:
        create_default_rules(connection, viewer.workspace.id, actor_id=viewer.account.id)
    return RedirectResponse("/review-rules", status_code=303)


def _form_context(
    viewer: Viewer, data: RoutingRuleInput, rule_id: int | None, version: int | None
) -> dict[str, Any]:
    kind = ROUTING_KINDS.get(data.kind)
    filters = {name: data.filters.get(name) or [] for name in FILTERS}
    return {
        "viewer": viewer,
        "data": data,
        "filter_text": {
            name: ", ".join(values) if isinstance(values, list) else str(values)
            for name, values in filters.items()
        },
        "params": kind.params,
        "rule_id": rule_id,
        "version": version,
        "priorities": PRIORITIES,
        "channels": [item.value for item in Channel],
        "error": None,
    }


@router.get("/review-rules/new")
def new_routing_rule_form(
    request: Request, state: State, viewer: CurrentViewer, kind: str
) -> Response:
    """The form of a new rule of one kind."""
    require(viewer, Action.MANAGE_ROUTING)
    found = ROUTING_KINDS.get(kind)
    data = RoutingRuleInput(name="", kind=found.name, queue="", params=found.default_params())
    return _render(
        state, request, "review/routing_rule_form.html", _form_context(viewer, data, None, None)
    )


@router.get("/review-rules/{rule_id}")
def edit_routing_rule_form(
    request: Request, state: State, viewer: CurrentViewer, rule_id: int
) -> Response:
    """The form of an existing rule."""
    require(viewer, Action.MANAGE_ROUTING)
    with state.engine.connect() as connection:
        stored = get_routing_rule(connection, viewer.workspace.id, rule_id)
    context = _form_context(viewer, input_of(stored), rule_id, stored.version)
    return _render(state, request, "review/routing_rule_form.html", context)


@router.post("/review-rules")
async def save_routing_rule_form(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Create or update a rule from the form; errors keep what was typed."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_ROUTING)
    kind = ROUTING_KINDS.get(str(form.get("kind") or ""))
    raw_id = str(form.get("rule_id") or "")
    raw_version = str(form.get("version") or "")
    rule_id = int(raw_id) if raw_id.isdigit() else None
    version = int(raw_version) if raw_version.isdigit() else None
    data = RoutingRuleInput(
        name=str(form.get("name") or ""),
        kind=kind.name,
        queue=str(form.get("queue") or ""),
        priority=str(form.get("priority") or "normal"),
        due_hours=str(form.get("due_hours") or ""),
        params=kind.form_params(form),
        filters={name: str(form.get(f"filter_{name}") or "") for name in FILTERS},
        assign_qa_leads=form.get("assign_qa_leads") == "1",
        active=form.get("active") == "1",
    )
    try:
        with state.engine.begin() as connection:
            if rule_id is not None:
                get_routing_rule(connection, viewer.workspace.id, rule_id)
            save_routing_rule(
                connection,
                viewer.workspace.id,
                data,
                rule_id=rule_id,
                version=version,
                actor_id=viewer.account.id,
            )
    except (InvalidInput, Conflict) as error:
        context = _form_context(viewer, data, rule_id, version)
        context["error"] = str(error)
        status = 409 if isinstance(error, Conflict) and rule_id is not None else 422
        return _render(state, request, "review/routing_rule_form.html", context, status=status)
    return RedirectResponse("/review-rules", status_code=303)


@router.post("/review-rules/{rule_id}/active")
def toggle_rule(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    rule_id: int,
    version: Annotated[int, Form()],
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch a rule on or off."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ROUTING)
    try:
        with state.engine.begin() as connection:
            set_rule_active(
                connection,
                viewer.workspace.id,
                rule_id,
                active=active == "1",
                version=version,
                actor_id=viewer.account.id,
            )
    except Conflict as error:
        return _rules_page(state, request, viewer, error=str(error), status=409)
    return RedirectResponse("/review-rules", status_code=303)


# -- JSON API ------------------------------------------------------------------------------


@api_router.get("/queues")
def api_queues(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Review queues with counts of open, overdue, unassigned, skipped and done items.

    A reviewer's counts are of their own items.
    """
    require(viewer, Action.VIEW_QUEUES)
    with state.engine.connect() as connection:
        queues = list_queues(connection, viewer)
        loads = reviewer_loads(connection, viewer) if allowed(viewer, Action.ASSIGN_REVIEWS) else []
    return {
        "queues": [queue.__dict__ for queue in queues],
        "reviewers": [
            {
                "id": load.user_id,
                "name": load.display_name,
                "role": load.role,
                "open": load.open,
                "overdue": load.overdue,
                "done": load.done,
            }
            for load in loads
        ],
    }


@api_router.get("/queues/{queue_id}/items")
def api_queue_items(
    state: State,
    viewer: CurrentViewer,
    queue_id: int,
    status: Annotated[str, Query(description="open, done, skipped or all")] = "open",
    assignee: Annotated[str, Query(description="a user id, or none")] = "",
    channel: str = "",
    overdue: Annotated[bool, Query(description="only items past their due time")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """A queue's items (a reviewer: their own), highest priority and earliest due first."""
    require(viewer, Action.VIEW_QUEUES)
    filters = ItemFilters(status=status, assignee=assignee, channel=channel, overdue=overdue)
    with state.engine.connect() as connection:
        items = list_items(connection, viewer, queue_id, filters, limit=limit, offset=offset)
        skips = skip_notes(connection, viewer.workspace.id, [item.id for item in items])
    return {
        "items": [
            item.as_json()
            | {
                "skips": [
                    {"by": note.by, "reason": note.reason, "at": note.at.isoformat() + "Z"}
                    for note in skips.get(item.id, [])
                ]
            }
            for item in items
        ]
    }


class AssignRequest(BaseModel):
    """Who gets the item (``null``: nobody), as of the item's ``version``."""

    assignee_id: int | None
    version: int


@api_router.post("/queues/items/{item_id}/assign")
def api_assign(
    state: State, viewer: CurrentViewer, item_id: int, body: AssignRequest
) -> dict[str, Any]:
    """Reassign or unassign an item (QA leads and admins); 409 when ``version`` is stale."""
    require(viewer, Action.ASSIGN_REVIEWS)
    with state.engine.begin() as connection:
        item = assign_item(
            connection, viewer, item_id, assignee_id=body.assignee_id, version=body.version
        )
    return item.as_json()
