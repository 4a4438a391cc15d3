"""The JSON API of feedback under ``/api/v1``: evaluations, disputes, corrective tasks,
coaching.

The endpoints take JSON bodies only (FastAPI refuses other content types),
and the session cookie is SameSite=Lax, so a cross-site form cannot post them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kontrol.feedback.agent_view import acknowledge_evaluation, list_evaluations
from kontrol.feedback.coaching import coaching_view
from kontrol.feedback.dispute_resolution import resolve_dispute
from kontrol.feedback.disputes import list_disputes, raise_dispute, withdraw_dispute
from kontrol.feedback.evaluation_detail import evaluation_detail
from kontrol.feedback.task_changes import TaskInput, create_task, update_task
from kontrol.feedback.tasks import get_task, list_tasks, task_history
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id, Offset

router = APIRouter(prefix="/api/v1", tags=["feedback"])


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


@router.get("/evaluations")
def api_evaluations(
    db: Db,
    viewer: CurrentViewer,
    state_filter: Annotated[
        str, Query(alias="state", description="all, to_acknowledge, disputed, failed")
    ] = "all",
    kind: Annotated[str, Query(description="manual or auto")] = "",
    agent: str = "",
    team: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Evaluations the caller may see (an agent: their own), manual ones first."""
    items = list_evaluations(
        db,
        viewer,
        state=state_filter,
        kind=kind,
        agent=agent,
        team=team,
        limit=limit,
        offset=offset,
    )
    return {"items": [item.as_json() for item in items]}


@router.get("/evaluations/{evaluation_id}")
def api_evaluation(db: Db, viewer: CurrentViewer, evaluation_id: Id) -> dict[str, Any]:
    """One evaluation with criteria, answers, comments, evidence, disputes and history."""
    return evaluation_detail(db, viewer, evaluation_id).as_json()


@router.post("/evaluations/{evaluation_id}/acknowledge")
def api_acknowledge(
    db: Db, viewer: CurrentViewer, evaluation_id: Id, body: VersionBody
) -> dict[str, Any]:
    """The evaluated agent acknowledges the evaluation (409 when ``version`` is stale)."""
    return acknowledge_evaluation(db, viewer, evaluation_id, version=body.version).as_json()


@router.post("/evaluations/{evaluation_id}/disputes", status_code=201)
def api_raise_dispute(
    db: Db, viewer: CurrentViewer, evaluation_id: Id, body: DisputeBody
) -> dict[str, Any]:
    """Dispute the evaluation (or one criterion) within the dispute window (403 after it)."""
    dispute = raise_dispute(db, viewer, evaluation_id, criterion=body.criterion, reason=body.reason)
    return dispute.as_json()


@router.get("/disputes")
def api_disputes(
    db: Db,
    viewer: CurrentViewer,
    state_filter: Annotated[str, Query(alias="state", description="open, resolved, all")] = "open",
    agent: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Disputes of the evaluations the caller may see."""
    items = list_disputes(db, viewer, state=state_filter, agent=agent, limit=limit, offset=offset)
    return {"items": [item.as_json() for item in items]}


@router.post("/disputes/{dispute_id}/resolve")
def api_resolve(db: Db, viewer: CurrentViewer, dispute_id: Id, body: ResolveBody) -> dict[str, Any]:
    """Resolve a dispute (QA leads and admins); 409 when another lead was first."""
    done = resolve_dispute(
        db,
        viewer,
        dispute_id,
        version=body.version,
        outcome=body.outcome,
        comment=body.comment,
        answers=body.answers,
        evaluation_version=body.evaluation_version,
    )
    return done.as_json()


@router.post("/disputes/{dispute_id}/withdraw")
def api_withdraw(
    db: Db, viewer: CurrentViewer, dispute_id: Id, body: VersionBody
) -> dict[str, Any]:
    """The agent who raised an open dispute withdraws it."""
    return withdraw_dispute(db, viewer, dispute_id, version=body.version).as_json()


@router.get("/tasks")
def api_tasks(
    db: Db,
    viewer: CurrentViewer,
    view: Annotated[str, Query(description="mine, overdue or all")] = "all",
    agent: str = "",
    team: str = "",
    status: str = "",
) -> dict[str, Any]:
    """Corrective tasks the caller may see."""
    items = list_tasks(db, viewer, view=view, agent=agent, team=team, status=status)
    return {"items": [item.as_json() for item in items]}


@router.post("/tasks", status_code=201)
def api_create_task(db: Db, viewer: CurrentViewer, body: TaskBody) -> dict[str, Any]:
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
    return create_task(db, viewer, data).as_json()


@router.get("/tasks/{task_id}")
def api_task(db: Db, viewer: CurrentViewer, task_id: Id) -> dict[str, Any]:
    """One task with its history."""
    task = get_task(db, viewer, task_id)
    events = task_history(db, viewer, task_id)
    return {**task.as_json(), "history": [event.as_json() for event in events]}


@router.patch("/tasks/{task_id}")
def api_update_task(
    db: Db, viewer: CurrentViewer, task_id: Id, body: TaskChanges
) -> dict[str, Any]:
    """Change a task (409 when ``version`` is stale)."""
    given = body.model_dump(exclude_unset=True, exclude={"version"})
    changes = {name: "" if value is None else str(value) for name, value in given.items()}
    task = update_task(db, viewer, task_id, version=body.version, changes=changes)
    return task.as_json()


@router.get("/coaching/{agent_external_id}")
def api_coaching(
    db: Db,
    viewer: CurrentViewer,
    agent_external_id: str,
    period: Annotated[str, Query(description="week (8 weeks) or month (6 months)")] = "week",
) -> dict[str, Any]:
    """One agent's coaching view."""
    return coaching_view(db, viewer, agent_external_id, period=period).as_json()
