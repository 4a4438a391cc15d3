"""Review queues and routing rules: the pages /queues and /review-rules.

Thin: load, authorize (accounts/policy.py), call review/routing/, render;
the JSON API is in ``web/api/review/routing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.audit import AuditAction
from kontrol.accounts.members import known_links
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.errors import Conflict, InvalidInput, KontrolError
from kontrol.domain.vocabulary import Channel
from kontrol.review.routing.assignment import assign_item, skip_item
from kontrol.review.routing.items import ItemFilters, list_items, skip_notes
from kontrol.review.routing.kinds import FILTERS, ROUTING_KINDS
from kontrol.review.routing.queues import (
    assignable_people,
    get_queue,
    list_queues,
    queue_names,
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
    routing_rules_as_yaml,
    rule_problems,
    save_routing_rule,
    set_rule_active,
)
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id, Offset
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
PAGE = 100
MAX_UPLOAD = 256 * 1024


def _render(page: Page, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """Routing pages show links by the viewer's rights (times: the ``moment`` filter)."""
    viewer = page.viewer
    shared = {
        "can_assign": allowed(viewer, Action.ASSIGN_REVIEWS),
        "can_manage_routing": allowed(viewer, Action.MANAGE_ROUTING),
    }
    return page.render(name, {**context, **shared}, status=status)


# -- queues ------------------------------------------------------------------------------


@router.get("/queues")
def queues_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Queues with their counts; QA leads also see each reviewer's load."""
    require(viewer, Action.VIEW_QUEUES)
    queues = list_queues(db, viewer)
    loads = reviewer_loads(db, viewer) if allowed(viewer, Action.ASSIGN_REVIEWS) else []
    return _render(page, "review/routing_queues.html", {"queues": queues, "loads": loads})


def _queue_context(
    db: Connection, viewer: Viewer, queue_id: int, filters: ItemFilters, offset: int
) -> dict[str, Any]:
    queue = get_queue(db, viewer, queue_id)
    items = list_items(db, viewer, queue_id, filters, limit=PAGE + 1, offset=offset)
    people = (
        assignable_people(db, viewer.workspace.id) if allowed(viewer, Action.ASSIGN_REVIEWS) else []
    )
    skips = skip_notes(db, viewer.workspace.id, [item.id for item in items[:PAGE]])
    query = {
        "status": filters.status,
        "assignee": filters.assignee,
        "channel": filters.channel,
        "overdue": "1" if filters.overdue else "",
    }
    return {
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
def routing_queue_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    queue_id: Id,
    status: str = "open",
    assignee: str = "",
    channel: str = "",
    overdue: str = "",
    offset: Offset = 0,
) -> Response:
    """The items of one queue (a reviewer: their own), filtered."""
    require(viewer, Action.VIEW_QUEUES)
    filters = ItemFilters(status=status, assignee=assignee, channel=channel, overdue=overdue == "1")
    context = _queue_context(db, viewer, queue_id, filters, offset)
    return _render(page, "review/routing_queue.html", context)


def _queue_error(
    page: Page, queue_id: int, error: KontrolError, failed: dict[str, Any]
) -> Response:
    """The queue page again with the error and what the person chose kept in its form."""
    context = _queue_context(page.connection, page.viewer, queue_id, ItemFilters(status="all"), 0)
    context["error"] = page.says(error)
    context["failed_item"] = failed
    return _render(page, "review/routing_queue.html", context, status=status_of(error))


def _back(form_next: str | None, queue_id: int) -> str:
    """Back to the queue page the form was on (only that queue's local URL)."""
    prefix = f"/queues/{queue_id}"
    if form_next and (form_next == prefix or form_next.startswith(prefix + "?")):
        return form_next
    return prefix


@router.post("/queues/items/{item_id}/assign")
def assign_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    item_id: Id,
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
        raise InvalidInput(
            "assignee_id: a user id",
            key="review.error.user_id",
            where_key="error.where.field",
            where_params={"field": "assignee_id"},
        )
    try:
        with attempt(db):
            assign_item(
                db,
                viewer,
                item_id,
                assignee_id=int(assignee_id) if assignee_id else None,
                version=version,
            )
    except REFUSALS as error:
        failed = {"id": item_id, "assignee_id": assignee_id}
        return _queue_error(page, queue_id, error, failed)
    return RedirectResponse(_back(next_url, queue_id), status_code=303)


@router.post("/queues/items/{item_id}/skip")
def skip_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    item_id: Id,
    queue_id: Annotated[int, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    next_url: Annotated[str | None, Form(alias="next")] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The assigned reviewer passes an item on, with a reason (back to "my queue" when
    passed on from there)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.REVIEW)
    try:
        with attempt(db):
            skip_item(db, viewer, item_id, reason=reason, version=version)
    except REFUSALS as error:
        failed = {"id": item_id, "reason": reason}
        return _queue_error(page, queue_id, error, failed)
    back = "/review" if next_url == "/review" else f"/queues/{queue_id}"
    return RedirectResponse(back, status_code=303)


# -- rules -------------------------------------------------------------------------------


@router.get("/review-rules")
def routing_rules_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The workspace's routing rules, YAML upload and download."""
    require(viewer, Action.MANAGE_ROUTING)
    return _rules_page(page)


def _rules_page(
    page: Page, *, report: Any = None, error: str | None = None, status: int = 200
) -> Response:
    rules = list_routing_rules(page.connection, page.viewer.workspace.id)
    context = {
        "rules": rules,
        "kinds": list(ROUTING_KINDS.all()),
        "report": report,
        "error": error,
    }
    return _render(page, "review/routing_rules.html", context, status=status)


@router.get("/review-rules/export.yaml")
def rules_download(db: Db, viewer: CurrentViewer) -> Response:
    """The rules as a YAML file."""
    require(viewer, Action.MANAGE_ROUTING)
    text = routing_rules_as_yaml(db, viewer.workspace.id)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="review-rules.yaml"'},
    )


@router.post("/review-rules/import")
async def rules_upload(
    request: Request, state: State, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create or update rules from an uploaded YAML file."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_ROUTING)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _rules_page(page, error="file: choose a YAML file", status=422)
    raw = await upload.read(MAX_UPLOAD + 1)
    label = upload.filename or "upload.yaml"
    try:
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput(
                f"{label}: larger than {MAX_UPLOAD // 1024} KiB",
                key="review.error.file_too_big",
                params={"kib": MAX_UPLOAD // 1024},
                where_key="error.where.source",
                where_params={"source": label},
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{label}: not UTF-8 text",
                key="review.error.not_utf8",
                where_key="error.where.field",
                where_params={"field": label},
            ) from None
        # The import commits on its own connection, rule by rule (its report says which).
        report = import_routing_rules(
            state.engine, viewer.workspace.id, text, label=label, actor_id=viewer.account.id
        )
        # The import committed on its own connection; so does its entry.
        with state.engine.begin() as connection:
            note_action(
                connection,
                request,
                viewer,
                AuditAction.ROUTING_CHANGED,
                f"import {label[:100]}",
                {"errors": len(report.errors)},
            )
    except InvalidInput as error:
        return _rules_page(page, error=page.says(error), status=status_of(error))
    return _rules_page(page, report=report, status=422 if report.errors else 200)


@router.post("/review-rules/defaults")
def rules_defaults(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add the default queues and rules that are missing."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ROUTING)
    create_default_rules(
        db, viewer.workspace.id, actor_id=viewer.account.id, locale=locale_of(request)
    )
    note_action(db, request, viewer, AuditAction.ROUTING_CHANGED, "default rules")
    return RedirectResponse("/review-rules", status_code=303)


LANGUAGES = ("ru", "en")


def _choices(known: list[str], chosen: list[str]) -> list[str]:
    """The values offered as checkboxes: the known ones, then any stored value not among them."""
    return [*known, *(value for value in chosen if value not in known)]


# The parameter errors of a rule kind, told without the parameter's path (the form shows
# each next to its field, named as labelled).
PARAM_ERRORS = {
    "rules.error.number": "routing.form.error.number",
    "rules.error.number_not": "routing.form.error.number_not",
    "rules.error.range": "routing.form.error.range",
    "rules.error.whole": "routing.form.error.whole",
}
FIELD_LABELS = {
    "name": "routing.rule.name",
    "kind": "routing.form.field.kind",
    "queue": "routing.queue",
    "priority": "routing.priority",
    "due_hours": "routing.rule.due_hours",
    "params": "routing.form.field.params",
    "filters": "routing.form.field.filters",
    "assign_qa_leads": "routing.rule.assign_qa_leads",
    "active": "routing.rule.active",
}
NEW_QUEUE = "new"


def _scale_note(page: Page, kind: str, field: str) -> str | None:
    """The scale of the metric a threshold is set on (CSAT 1-5, NPS 0-10, CES 1-7)."""
    key = f"routing.scale.{kind}"
    note = page.t(key)
    return note if field == "params.max" and note != key else None


def _field_label(page: Page, field: str) -> str:
    """A field named as the form labels it."""
    if field.startswith("params."):
        return page.t("routing.param." + field.split(".", 1)[1])
    return page.t(FIELD_LABELS.get(field, "routing.form.field.params"))


def _field_text(page: Page, kind: str, field: str, error: KontrolError) -> str:
    """What is wrong with one field, without its name (shown next to it)."""
    key = error.key or ""
    if field.startswith("params.") and key in PARAM_ERRORS:
        text = page.t(PARAM_ERRORS[key]).format(**error.params)
        note = _scale_note(page, kind, field)
        return f"{text}. {note}" if note else text
    if key and error.where_key:
        return page.says(InvalidInput(str(error), key=key, params=dict(error.params)))
    return page.says(error)


@dataclass(frozen=True)
class QueueChoice:
    """The queue a rule form chose: an existing queue's id, or ``new`` with a name."""

    choice: str = ""
    new_name: str = ""


def _chosen_queue(
    queues: list[tuple[int, str]], chosen: QueueChoice
) -> tuple[str, InvalidInput | None]:
    """The queue's name, or why the choice is refused (none chosen, a new one unnamed)."""
    if chosen.choice == NEW_QUEUE:
        name = chosen.new_name.strip()
        if not name or len(name) > 100:
            return name, InvalidInput(
                "new_queue: name the new queue, 1 to 100 characters",
                key="routing.form.error.new_queue_name",
            )
        return name, None
    found = next((name for key, name in queues if str(key) == chosen.choice), None)
    if found is None:
        return "", InvalidInput(
            "queue: choose a queue or a new one", key="routing.form.error.choose_queue"
        )
    return found, None


def _form_context(
    page: Page,
    data: RoutingRuleInput,
    rule_id: int | None,
    version: int | None,
    *,
    queue: QueueChoice | None = None,
    problems: dict[str, KontrolError] | None = None,
) -> dict[str, Any]:
    kind = ROUTING_KINDS.get(data.kind)
    chosen = {name: _chosen(data.filters.get(name)) for name in FILTERS}
    teams, _agents = known_links(page.connection, page.viewer.workspace)
    queues = queue_names(page.connection, page.viewer.workspace.id)
    if queue is None:
        # A stored rule's queue chosen; a new rule starts with a new queue when there is none.
        found = next((str(key) for key, name in queues if name == data.queue), "")
        queue = QueueChoice(found or ("" if queues else NEW_QUEUE))
    errors = {
        field: _field_text(page, data.kind, field, error)
        for field, error in (problems or {}).items()
    }
    return {
        "data": data,
        "chosen": chosen,
        "filter_choices": {
            "channel": _choices([item.value for item in Channel], chosen["channel"]),
            "team": _choices(teams, chosen["team"]),
            "language": _choices(list(LANGUAGES), chosen["language"]),
        },
        "params": kind.params,
        "scales": {
            p.name: note
            for p in kind.params
            if (note := _scale_note(page, data.kind, f"params.{p.name}"))
        },
        "queues": queues,
        "queue_choice": queue,
        "new_queue": NEW_QUEUE,
        "rule_id": rule_id,
        "version": version,
        "priorities": PRIORITIES,
        "errors": errors,
        "summary": [(field, _field_label(page, field), text) for field, text in errors.items()],
        "error": None,
    }


def _chosen(values: Any) -> list[str]:
    """A filter's values as a list: the ticked boxes as they are, a text split at commas."""
    items = values if isinstance(values, list) else str(values or "").split(",")
    return [text for text in (str(item).strip() for item in items) if text]


@router.get("/review-rules/new")
def new_rule_form(viewer: CurrentViewer, page: CurrentPage, kind: str) -> Response:
    """The form of a new rule of one kind."""
    require(viewer, Action.MANAGE_ROUTING)
    found = ROUTING_KINDS.get(kind)
    data = RoutingRuleInput(
        name="",
        kind=found.name,
        queue="",
        params={p.name: p.default for p in found.params},
    )
    context = _form_context(page, data, None, None)
    return _render(page, "review/routing_rule_form.html", context)


@router.get("/review-rules/{rule_id}")
def edit_rule_form(db: Db, viewer: CurrentViewer, page: CurrentPage, rule_id: Id) -> Response:
    """The form of an existing rule."""
    require(viewer, Action.MANAGE_ROUTING)
    stored = get_routing_rule(db, viewer.workspace.id, rule_id)
    context = _form_context(page, input_of(stored), rule_id, stored.version)
    return _render(page, "review/routing_rule_form.html", context)


@router.post("/review-rules")
async def save_rule_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create or update a rule from the form; every error at once, each next to its field,
    and what was typed kept."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_ROUTING)
    kind = ROUTING_KINDS.get(str(form.get("kind") or ""))
    raw_id = str(form.get("rule_id") or "")
    raw_version = str(form.get("version") or "")
    rule_id = int(raw_id) if raw_id.isdigit() else None
    version = int(raw_version) if raw_version.isdigit() else None
    queue = QueueChoice(str(form.get("queue") or ""), str(form.get("new_queue") or ""))
    queue_name, queue_problem = _chosen_queue(queue_names(db, viewer.workspace.id), queue)
    data = RoutingRuleInput(
        name=str(form.get("name") or ""),
        kind=kind.name,
        queue=queue_name,
        priority=str(form.get("priority") or "normal"),
        due_hours=str(form.get("due_hours") or ""),
        params=kind.form_params(form),
        filters={name: _chosen(form.getlist(f"filter_{name}")) for name in FILTERS},
        assign_qa_leads=form.get("assign_qa_leads") == "1",
        active=form.get("active") == "1",
    )
    if rule_id is not None:
        get_routing_rule(db, viewer.workspace.id, rule_id)
    problems: dict[str, KontrolError] = dict(rule_problems(data))
    if queue_problem is not None:
        problems["queue"] = queue_problem
    if not problems:
        try:
            with attempt(db):
                save_routing_rule(
                    db,
                    viewer.workspace.id,
                    data,
                    rule_id=rule_id,
                    version=version,
                    actor_id=viewer.account.id,
                )
                details = {"rule_id": rule_id, "kind": data.kind, "active": data.active}
                note_action(db, request, viewer, AuditAction.ROUTING_CHANGED, data.name, details)
        except REFUSALS as error:
            if error.key == "review.error.rule_exists":
                problems["name"] = InvalidInput(
                    "name: a rule with this name exists already",
                    key="routing.form.error.name_taken",
                )
            else:
                context = _form_context(page, data, rule_id, version, queue=queue)
                context["error"] = page.says(error)
                return _render(
                    page, "review/routing_rule_form.html", context, status=status_of(error)
                )
    if problems:
        context = _form_context(page, data, rule_id, version, queue=queue, problems=problems)
        return _render(page, "review/routing_rule_form.html", context, status=422)
    return RedirectResponse("/review-rules", status_code=303)


@router.post("/review-rules/{rule_id}/active")
def toggle_rule(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    rule_id: Id,
    version: Annotated[int, Form()],
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch a rule on or off."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ROUTING)
    try:
        with attempt(db):
            set_rule_active(
                db,
                viewer.workspace.id,
                rule_id,
                active=active == "1",
                version=version,
                actor_id=viewer.account.id,
            )
            details = {"rule_id": rule_id, "active": active == "1"}
            note_action(
                db, request, viewer, AuditAction.ROUTING_CHANGED, f"rule {rule_id}", details
            )
    except Conflict as error:
        return _rules_page(page, error=page.says(error), status=status_of(error))
    return RedirectResponse("/review-rules", status_code=303)
