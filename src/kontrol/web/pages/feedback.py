"""Feedback pages and their JSON API: evaluations, disputes, corrective tasks, coaching.

Thin: load, authorize (the services ask ``kontrol.accounts.policy``), call a
service, render. A refused save (a stale version, a closed dispute window, a
missing field) re-renders the page with the message and what the person typed.

The JSON endpoints take JSON bodies only (FastAPI refuses other content types),
and the session cookie is SameSite=Lax, so a cross-site form cannot post them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, KontrolError
from kontrol.feedback.agent_view import LIST_STATES, acknowledge_evaluation, list_evaluations
from kontrol.feedback.coaching import coaching_agents, coaching_view
from kontrol.feedback.dispute_resolution import resolve_dispute
from kontrol.feedback.dispute_window import dispute_deadline_days, set_dispute_deadline_days
from kontrol.feedback.disputes import (
    DISPUTE_STATES,
    get_dispute,
    list_disputes,
    raise_dispute,
    withdraw_dispute,
)
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.feedback.history import read_version
from kontrol.feedback.task_changes import TaskInput, create_task, update_task
from kontrol.feedback.tasks import (
    KINDS,
    STATUSES,
    VIEWS,
    Task,
    can_edit,
    can_progress,
    get_task,
    list_tasks,
    owners,
    task_history,
    tasks_of,
)
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["feedback"])
PAGE = 50
REFUSED = (InvalidInput, Conflict, Forbidden)
STATUS = {InvalidInput: 422, Conflict: 409, Forbidden: 403}


def _status(error: KontrolError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def _render(
    state: State, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    viewer = context["viewer"]
    with state.engine.connect() as connection:
        context["memberships"] = memberships_of(connection, viewer.account)
    context["can_see_rejects"] = can_see_rejects(viewer)
    return state.templates.TemplateResponse(request, name, context, status_code=status)


# -- evaluations --------------------------------------------------------------------------


@router.get("/evaluations")
def evaluations_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    show: str = "all",
    kind: str = "",
    agent: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The evaluations the viewer may see, manual ones first."""
    with state.engine.connect() as connection:
        items = list_evaluations(
            connection, viewer, state=show, kind=kind, agent=agent, limit=PAGE + 1, offset=offset
        )
    return _render(
        state,
        request,
        "feedback/feedback_evaluations.html",
        {
            "viewer": viewer,
            "evaluations": items[:PAGE],
            "show": show,
            "states": LIST_STATES,
            "kind": kind,
            "agent": agent,
            "next_offset": offset + PAGE if len(items) > PAGE else None,
        },
    )


def _evaluation_page(
    state: State,
    request: Request,
    viewer: Viewer,
    evaluation_id: int,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        detail = evaluation_detail(connection, viewer, evaluation_id)
        tasks = tasks_of(connection, viewer, evaluation_id=evaluation_id)
    return _render(
        state,
        request,
        "feedback/feedback_evaluation.html",
        {
            "viewer": viewer,
            "e": detail,
            "s": detail.summary,
            "tasks": tasks,
            "can_manage_tasks": allowed(viewer, Action.MANAGE_TASKS),
            "error": error,
            "typed": typed or {},
        },
        status,
    )


@router.get("/evaluations/{evaluation_id}")
def evaluation_page(
    request: Request, state: State, viewer: CurrentViewer, evaluation_id: int
) -> Response:
    """One evaluation: criteria, answers, comments, evidence, disputes, history."""
    return _evaluation_page(state, request, viewer, evaluation_id)


@router.post("/evaluations/{evaluation_id}/acknowledge")
def acknowledge_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    evaluation_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
    version: Annotated[str, Form()] = "",
) -> Response:
    """The agent acknowledges the evaluation."""
    check_csrf(request, csrf_token)
    try:
        with state.engine.begin() as connection:
            acknowledge_evaluation(connection, viewer, evaluation_id, version=read_version(version))
    except REFUSED as error:
        return _evaluation_page(
            state, request, viewer, evaluation_id, error=str(error), status=_status(error)
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}", status_code=303)


@router.post("/evaluations/{evaluation_id}/disputes")
def dispute_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    evaluation_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
    criterion: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The agent disputes the whole evaluation or one criterion."""
    check_csrf(request, csrf_token)
    try:
        with state.engine.begin() as connection:
            raise_dispute(connection, viewer, evaluation_id, criterion=criterion, reason=reason)
    except REFUSED as error:
        typed = {"criterion": criterion, "reason": reason}
        return _evaluation_page(
            state,
            request,
            viewer,
            evaluation_id,
            error=str(error),
            typed=typed,
            status=_status(error),
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}#disputes", status_code=303)


# -- disputes ---------------------------------------------------------------------------


@router.get("/disputes")
def disputes_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    show: str = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Disputes: the lead's work list (open ones, who waited longest first)."""
    with state.engine.connect() as connection:
        items = list_disputes(connection, viewer, state=show, limit=PAGE + 1, offset=offset)
        days = dispute_deadline_days(connection, viewer.workspace.id)
    return _render(
        state,
        request,
        "feedback/feedback_disputes.html",
        {
            "viewer": viewer,
            "items": items[:PAGE],
            "show": show,
            "states": DISPUTE_STATES,
            "days": days,
            "can_resolve": allowed(viewer, Action.RESOLVE_DISPUTES),
            "next_offset": offset + PAGE if len(items) > PAGE else None,
            "error": None,
        },
    )


@router.post("/disputes/settings")
def dispute_settings_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
    days: Annotated[str, Form()] = "",
) -> Response:
    """Change the workspace's dispute window (admins and QA leads)."""
    check_csrf(request, csrf_token)
    try:
        with state.engine.begin() as connection:
            set_dispute_deadline_days(connection, viewer, days)
    except InvalidInput as error:
        with state.engine.connect() as connection:
            items = list_disputes(connection, viewer, limit=PAGE)
        return _render(
            state,
            request,
            "feedback/feedback_disputes.html",
            {
                "viewer": viewer,
                "items": items,
                "show": "open",
                "states": DISPUTE_STATES,
                "days": days,
                "can_resolve": True,
                "next_offset": None,
                "error": str(error),
            },
            422,
        )
    return RedirectResponse("/disputes", status_code=303)


def _dispute_page(
    state: State,
    request: Request,
    viewer: Viewer,
    dispute_id: int,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    require(viewer, Action.RESOLVE_DISPUTES)
    with state.engine.connect() as connection:
        dispute = get_dispute(connection, viewer, dispute_id)
        detail = evaluation_detail(connection, viewer, dispute.evaluation_id)
    answers = [
        a
        for a in detail.answers
        if dispute.criterion is None or a.criterion.id == dispute.criterion
    ]
    return _render(
        state,
        request,
        "feedback/feedback_dispute.html",
        {
            "viewer": viewer,
            "d": dispute,
            "e": detail,
            "s": detail.summary,
            "answers": answers,
            "error": error,
            "typed": typed or {},
        },
        status,
    )


@router.get("/disputes/{dispute_id}")
def dispute_page(
    request: Request, state: State, viewer: CurrentViewer, dispute_id: int
) -> Response:
    """The resolve form of one dispute, beside the disputed answers."""
    return _dispute_page(state, request, viewer, dispute_id)


@router.post("/disputes/{dispute_id}/resolve")
async def resolve_form(
    request: Request, state: State, viewer: CurrentViewer, dispute_id: int
) -> Response:
    """The lead's decision: upheld, or changed with the new answers."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    typed = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    outcome = typed.get("outcome", "")
    answers = {
        key.removeprefix("answer_"): value
        for key, value in typed.items()
        if key.startswith("answer_") and value
    }
    try:
        with state.engine.begin() as connection:
            evaluation_version = typed.get("evaluation_version", "")
            done = resolve_dispute(
                connection,
                viewer,
                dispute_id,
                version=read_version(typed.get("version")),
                outcome=outcome,
                comment=typed.get("comment", ""),
                answers=answers if outcome == "changed" else None,
                evaluation_version=read_version(evaluation_version, "evaluation_version")
                if evaluation_version
                else None,
            )
    except REFUSED as error:
        return _dispute_page(
            state, request, viewer, dispute_id, error=str(error), typed=typed, status=_status(error)
        )
    return RedirectResponse(f"/evaluations/{done.evaluation_id}#history", status_code=303)


@router.post("/disputes/{dispute_id}/withdraw")
def withdraw_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    dispute_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
    version: Annotated[str, Form()] = "",
) -> Response:
    """The agent takes back an open dispute."""
    check_csrf(request, csrf_token)
    with state.engine.connect() as connection:
        evaluation_id = get_dispute(connection, viewer, dispute_id).evaluation_id
    try:
        with state.engine.begin() as connection:
            withdraw_dispute(connection, viewer, dispute_id, version=read_version(version))
    except REFUSED as error:
        return _evaluation_page(
            state, request, viewer, evaluation_id, error=str(error), status=_status(error)
        )
    return RedirectResponse(f"/evaluations/{evaluation_id}#disputes", status_code=303)


# -- tasks ----------------------------------------------------------------------------------


@router.get("/tasks")
def tasks_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    view: str = "",
    agent: str = "",
    team: str = "",
    status: str = "",
) -> Response:
    """Corrective tasks: mine, overdue, or all (by agent, team, status)."""
    chosen = view or "all"
    with state.engine.connect() as connection:
        items = list_tasks(connection, viewer, view=chosen, agent=agent, team=team, status=status)
    return _render(
        state,
        request,
        "feedback/feedback_tasks.html",
        {
            "viewer": viewer,
            "tasks": items,
            "view": chosen,
            "views": VIEWS,
            "agent": agent,
            "team": team,
            "status": status,
            "statuses": STATUSES,
            "can_manage_tasks": allowed(viewer, Action.MANAGE_TASKS),
        },
    )


def _task_form(
    state: State,
    request: Request,
    viewer: Viewer,
    *,
    task: Task | None,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        people = owners(connection, viewer)
        events = task_history(connection, viewer, task.id) if task else []
    return _render(
        state,
        request,
        "feedback/feedback_task.html",
        {
            "viewer": viewer,
            "task": task,
            "values": values,
            "kinds": KINDS,
            "statuses": STATUSES,
            "people": people,
            "history": events,
            "editable": task is None or can_edit(viewer, task),
            "progress": task is None or can_progress(viewer, task),
            "error": error,
        },
        status,
    )


TASK_FIELDS = (
    "kind",
    "title",
    "details",
    "agent",
    "owner_id",
    "due",
    "evaluation_id",
    "interaction_id",
    "dispute_id",
)


@router.get("/tasks/new")
def new_task_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The form of a new task, filled in from the evaluation, interaction or dispute it is for."""
    require(viewer, Action.MANAGE_TASKS)
    values = {name: request.query_params.get(name, "") for name in TASK_FIELDS}
    values["kind"] = values["kind"] or "coaching"
    return _task_form(state, request, viewer, task=None, values=values)


@router.post("/tasks")
async def create_task_form(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Create a task from the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    values = {name: str(form.get(name) or "") for name in TASK_FIELDS}
    try:
        with state.engine.begin() as connection:
            task = create_task(connection, viewer, TaskInput(**values))
    except REFUSED as error:
        return _task_form(
            state,
            request,
            viewer,
            task=None,
            values=values,
            error=str(error),
            status=_status(error),
        )
    return RedirectResponse(f"/tasks/{task.id}", status_code=303)


def _task_values(task: Task) -> dict[str, str]:
    return {
        "kind": task.kind,
        "title": task.title,
        "details": task.details or "",
        "agent": task.agent_external_id or "",
        "owner_id": str(task.owner_id or ""),
        "due": task.due_local.strftime("%Y-%m-%dT%H:%M") if task.due_local else "",
        "status": task.status,
        "outcome": task.outcome or "",
        "version": str(task.version),
    }


@router.get("/tasks/{task_id}")
def task_page(request: Request, state: State, viewer: CurrentViewer, task_id: int) -> Response:
    """One task: edit form (or progress form for its owner) and history."""
    with state.engine.connect() as connection:
        task = get_task(connection, viewer, task_id)
    return _task_form(state, request, viewer, task=task, values=_task_values(task))


@router.post("/tasks/{task_id}")
async def update_task_form(
    request: Request, state: State, viewer: CurrentViewer, task_id: int
) -> Response:
    """Save a task's changes (only what the viewer may change is in the form)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    with state.engine.connect() as connection:
        task = get_task(connection, viewer, task_id)
    names = ("kind", "title", "details", "agent", "owner_id", "due", "status", "outcome")
    changes = {name: str(form.get(name) or "") for name in names if name in form}
    try:
        with state.engine.begin() as connection:
            update_task(
                connection,
                viewer,
                task_id,
                version=read_version(form.get("version")),
                changes=changes,
            )
    except REFUSED as error:
        values = {**_task_values(task), **changes}
        return _task_form(
            state,
            request,
            viewer,
            task=task,
            values=values,
            error=str(error),
            status=_status(error),
        )
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)


# -- coaching ---------------------------------------------------------------------------------


@router.get("/coaching")
def coaching_index(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Choose an agent (an agent goes straight to their own view)."""
    require(viewer, Action.VIEW_COACHING)
    agent = viewer.membership.agent_external_id
    if agent and not allowed(viewer, Action.MANAGE_TASKS):
        return RedirectResponse(f"/coaching/{agent}", status_code=303)
    with state.engine.connect() as connection:
        found = coaching_agents(connection, viewer)
    return _render(
        state, request, "feedback/feedback_coaching_index.html", {"viewer": viewer, "agents": found}
    )


@router.get("/coaching/{agent_external_id}")
def coaching_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    agent_external_id: str,
    period: str = "week",
) -> Response:
    """One agent's weakest criteria over time, open tasks and evaluations to discuss."""
    with state.engine.connect() as connection:
        view = coaching_view(connection, viewer, agent_external_id, period=period)
    return _render(
        state,
        request,
        "feedback/feedback_coaching.html",
        {
            "viewer": viewer,
            "v": view,
            "can_manage_tasks": allowed(viewer, Action.MANAGE_TASKS),
        },
    )


# -- the JSON API -------------------------------------------------------------------------------


class VersionBody(BaseModel):
    """The version of the thing as the caller last saw it."""

    version: int


class DisputeBody(BaseModel):
    """A dispute: of one criterion (its id) or, without one, of the whole evaluation."""

    criterion: str | None = None
    reason: str


class ResolveBody(BaseModel):
    """A lead's decision on a dispute."""

    version: int
    outcome: str = Field(description="upheld or changed")
    comment: str
    answers: dict[str, str] | None = Field(
        default=None, description="criterion id -> pass, fail, na or 1-5 (for 'changed')"
    )
    evaluation_version: int | None = Field(
        default=None, description="the manual evaluation's version (for 'changed')"
    )


class TaskBody(BaseModel):
    """A new corrective task."""

    kind: str
    title: str
    details: str = ""
    agent: str = ""
    owner_id: int | None = None
    due: str = Field(default="", description="YYYY-MM-DD or YYYY-MM-DDTHH:MM, workspace time")
    evaluation_id: int | None = None
    interaction_id: int | None = None
    dispute_id: int | None = None


class TaskChanges(BaseModel):
    """Changes to a task; fields left out stay as they are."""

    version: int
    kind: str | None = None
    title: str | None = None
    details: str | None = None
    agent: str | None = None
    owner_id: int | None = None
    due: str | None = None
    status: str | None = None
    outcome: str | None = None


def _text_or_empty(value: int | None) -> str:
    return "" if value is None else str(value)


@api.get("/evaluations")
def api_evaluations(
    state: State,
    viewer: CurrentViewer,
    state_filter: Annotated[
        str, Query(alias="state", description="all, to_acknowledge, disputed, failed")
    ] = "all",
    kind: Annotated[str, Query(description="manual or auto")] = "",
    agent: str = "",
    team: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Evaluations the caller may see (an agent: their own), manual ones first."""
    with state.engine.connect() as connection:
        items = list_evaluations(
            connection,
            viewer,
            state=state_filter,
            kind=kind,
            agent=agent,
            team=team,
            limit=limit,
            offset=offset,
        )
    return {"items": [item.as_json() for item in items]}


@api.get("/evaluations/{evaluation_id}")
def api_evaluation(state: State, viewer: CurrentViewer, evaluation_id: int) -> dict[str, Any]:
    """One evaluation with criteria, answers, comments, evidence, disputes and history."""
    with state.engine.connect() as connection:
        return evaluation_detail(connection, viewer, evaluation_id).as_json()


@api.post("/evaluations/{evaluation_id}/acknowledge")
def api_acknowledge(
    state: State, viewer: CurrentViewer, evaluation_id: int, body: VersionBody
) -> dict[str, Any]:
    """The evaluated agent acknowledges the evaluation (409 when ``version`` is stale)."""
    with state.engine.begin() as connection:
        return acknowledge_evaluation(
            connection, viewer, evaluation_id, version=body.version
        ).as_json()


@api.post("/evaluations/{evaluation_id}/disputes", status_code=201)
def api_raise_dispute(
    state: State, viewer: CurrentViewer, evaluation_id: int, body: DisputeBody
) -> dict[str, Any]:
    """Dispute the evaluation (or one criterion) within the dispute window (403 after it)."""
    with state.engine.begin() as connection:
        dispute = raise_dispute(
            connection, viewer, evaluation_id, criterion=body.criterion, reason=body.reason
        )
    return dispute.as_json()


@api.get("/disputes")
def api_disputes(
    state: State,
    viewer: CurrentViewer,
    state_filter: Annotated[str, Query(alias="state", description="open, resolved, all")] = "open",
    agent: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Disputes of the evaluations the caller may see."""
    with state.engine.connect() as connection:
        items = list_disputes(
            connection, viewer, state=state_filter, agent=agent, limit=limit, offset=offset
        )
    return {"items": [item.as_json() for item in items]}


@api.post("/disputes/{dispute_id}/resolve")
def api_resolve(
    state: State, viewer: CurrentViewer, dispute_id: int, body: ResolveBody
) -> dict[str, Any]:
    """Resolve a dispute (QA leads and admins); 409 when another lead was first."""
    with state.engine.begin() as connection:
        done = resolve_dispute(
            connection,
            viewer,
            dispute_id,
            version=body.version,
            outcome=body.outcome,
            comment=body.comment,
            answers=body.answers,
            evaluation_version=body.evaluation_version,
        )
    return done.as_json()


@api.post("/disputes/{dispute_id}/withdraw")
def api_withdraw(
    state: State, viewer: CurrentViewer, dispute_id: int, body: VersionBody
) -> dict[str, Any]:
    """The agent who raised an open dispute withdraws it."""
    with state.engine.begin() as connection:
        return withdraw_dispute(connection, viewer, dispute_id, version=body.version).as_json()


@api.get("/tasks")
def api_tasks(
    state: State,
    viewer: CurrentViewer,
    view: Annotated[str, Query(description="mine, overdue or all")] = "all",
    agent: str = "",
    team: str = "",
    status: str = "",
) -> dict[str, Any]:
    """Corrective tasks the caller may see."""
    with state.engine.connect() as connection:
        items = list_tasks(connection, viewer, view=view, agent=agent, team=team, status=status)
    return {"items": [item.as_json() for item in items]}


@api.post("/tasks", status_code=201)
def api_create_task(state: State, viewer: CurrentViewer, body: TaskBody) -> dict[str, Any]:
    """Create a corrective task."""
    data = TaskInput(
        kind=body.kind,
        title=body.title,
        details=body.details,
        agent=body.agent,
        owner_id=_text_or_empty(body.owner_id),
        due=body.due,
        evaluation_id=_text_or_empty(body.evaluation_id),
        interaction_id=_text_or_empty(body.interaction_id),
        dispute_id=_text_or_empty(body.dispute_id),
    )
    with state.engine.begin() as connection:
        return create_task(connection, viewer, data).as_json()


@api.get("/tasks/{task_id}")
def api_task(state: State, viewer: CurrentViewer, task_id: int) -> dict[str, Any]:
    """One task with its history."""
    with state.engine.connect() as connection:
        task = get_task(connection, viewer, task_id)
        events = task_history(connection, viewer, task_id)
    return {**task.as_json(), "history": [event.as_json() for event in events]}


@api.patch("/tasks/{task_id}")
def api_update_task(
    state: State, viewer: CurrentViewer, task_id: int, body: TaskChanges
) -> dict[str, Any]:
    """Change a task (409 when ``version`` is stale)."""
    given = body.model_dump(exclude_unset=True, exclude={"version"})
    changes = {name: "" if value is None else str(value) for name, value in given.items()}
    with state.engine.begin() as connection:
        task = update_task(connection, viewer, task_id, version=body.version, changes=changes)
    return task.as_json()


@api.get("/coaching/{agent_external_id}")
def api_coaching(
    state: State,
    viewer: CurrentViewer,
    agent_external_id: str,
    period: Annotated[str, Query(description="week (8 weeks) or month (6 months)")] = "week",
) -> dict[str, Any]:
    """One agent's coaching view."""
    with state.engine.connect() as connection:
        return coaching_view(connection, viewer, agent_external_id, period=period).as_json()
