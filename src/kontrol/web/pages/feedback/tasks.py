"""Feedback pages of corrective tasks: the lists (mine, overdue, all), the form of a new
task and of one task with its history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.errors import KontrolError
from kontrol.feedback.history import read_version
from kontrol.feedback.task_changes import TaskInput, create_task, task_problems, update_task
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
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import status_of
from kontrol.web.form_errors import field_labels, field_texts
from kontrol.web.pages.feedback.evaluations import REFUSED
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def tasks_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    view: str = "",
    agent: str = "",
    team: str = "",
    status: str = "",
) -> Response:
    """Corrective tasks: mine, overdue, or all (by agent, team, status)."""
    chosen = view or "all"
    items = list_tasks(db, viewer, view=chosen, agent=agent, team=team, status=status)
    return page.render(
        "feedback/feedback_tasks.html",
        {
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
    page: Page,
    *,
    task: Task | None,
    values: dict[str, str],
    error: str | None = None,
    problems: dict[str, KontrolError] | None = None,
    status: int = 200,
) -> Response:
    db, viewer = page.connection, page.viewer
    people = owners(db, viewer)
    events = task_history(db, viewer, task.id) if task else []
    return page.render(
        "feedback/feedback_task.html",
        {
            "task": task,
            "values": values,
            "kinds": KINDS,
            "statuses": STATUSES,
            "people": people,
            "history": events,
            "editable": task is None or can_edit(viewer, task),
            "progress": task is None or can_progress(viewer, task),
            "error": error,
            "errors": field_texts(page, problems or {}),
            "labels": field_labels(page, {name: f"field.{name}" for name in LABELLED}),
        },
        status=status,
    )


# The fields of the form a person fills in, labelled ``field.<name>`` in the catalogue.
LABELLED = ("kind", "title", "details", "agent", "owner_id", "due")

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
def new_task_page(request: Request, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form of a new task, filled in from the evaluation, interaction or dispute it is for."""
    require(viewer, Action.MANAGE_TASKS)
    values = {name: request.query_params.get(name, "") for name in TASK_FIELDS}
    values["kind"] = values["kind"] or "coaching"
    return _task_form(page, task=None, values=values)


@router.post("/tasks")
async def create_task_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Create a task from the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_TASKS)
    values = {name: str(form.get(name) or "") for name in TASK_FIELDS}
    problems = task_problems(db, viewer, TaskInput(**values))
    if problems:
        # Every wrong field at once, each next to its field (not only the first).
        return _task_form(page, task=None, values=values, problems=problems, status=422)
    try:
        with attempt(db):
            task = create_task(db, viewer, TaskInput(**values))
    except REFUSED as error:
        return _task_form(
            page,
            task=None,
            values=values,
            error=page.says(error),
            status=status_of(error),
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
def task_page(db: Db, viewer: CurrentViewer, page: CurrentPage, task_id: Id) -> Response:
    """One task: edit form (or progress form for its owner) and history."""
    task = get_task(db, viewer, task_id)
    return _task_form(page, task=task, values=_task_values(task))


@router.post("/tasks/{task_id}")
async def update_task_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, task_id: Id
) -> Response:
    """Save a task's changes (only what the viewer may change is in the form)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    task = get_task(db, viewer, task_id)
    names = ("kind", "title", "details", "agent", "owner_id", "due", "status", "outcome")
    changes = {name: str(form.get(name) or "") for name in names if name in form}
    try:
        with attempt(db):
            update_task(
                db,
                viewer,
                task_id,
                version=read_version(form.get("version")),
                changes=changes,
            )
    except REFUSED as error:
        values = {**_task_values(task), **changes}
        return _task_form(
            page,
            task=task,
            values=values,
            error=page.says(error),
            status=status_of(error),
        )
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)
