"""The JSON API of the improvement plan under ``/api/v1``: list, create, read, change actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kontrol.improvement.actions import (
    create_action,
    delete_action,
    get_action,
    list_actions,
    today_of,
    update_action,
)
from kontrol.improvement.effects import baseline_of, effect_of
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1", tags=["improvement"])


class ActionBody(BaseModel):
    """A new improvement action."""

    title: str
    details: str = ""
    source: str = Field(
        default="",
        description="where it came from: audit:<id>:item:<key>, mystery:<id>, "
        "dashboard:<metric>, analysis:<finding>...",
    )
    metric: str = Field(default="", description="the KPI (metric id) it should move")
    audit_template: str = Field(default="", description="the audit template of the item")
    audit_item: str = Field(default="", description="the audit item key it should move")
    target: float | None = None
    direction: str = Field(default="", description="higher or lower (is higher better?)")
    interaction_id: int | None = None
    agent: str = ""
    team: str = ""
    owner_id: int | None = None
    due: str = Field(default="", description="YYYY-MM-DD, the workspace's day")
    status: str = Field(default="open", description="open, in_progress, done, cancelled")
    note: str = ""


class ActionChanges(BaseModel):
    """Changes to an action; fields left out stay as they are."""

    version: int
    title: str | None = None
    details: str | None = None
    source: str | None = None
    metric: str | None = None
    audit_template: str | None = None
    audit_item: str | None = None
    target: float | None = None
    direction: str | None = None
    interaction_id: int | None = None
    agent: str | None = None
    team: str | None = None
    owner_id: int | None = None
    due: str | None = None
    status: str | None = None
    note: str | None = None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@router.get("/actions")
def api_actions(
    db: Db,
    viewer: CurrentViewer,
    status: Annotated[str, Query(description="open, in_progress, done or cancelled")] = "",
    overdue: Annotated[bool, Query(description="only actions past their due date")] = False,
    source: Annotated[str, Query(description="actions whose source starts with this")] = "",
) -> dict[str, Any]:
    """The improvement plan the caller may see: overdue first, then by due date."""
    today = today_of(viewer)
    items = list_actions(
        db, viewer, status=status, overdue_only=overdue, source_prefix=source[:200]
    )
    return {"items": [item.as_json(today) for item in items]}


@router.post("/actions", status_code=201)
def api_create_action(db: Db, viewer: CurrentViewer, body: ActionBody) -> dict[str, Any]:
    """Create an action (admins, QA leads, team leads); its baseline: the KPI's last 4 weeks."""
    values = {name: _text(value) for name, value in body.model_dump().items()}
    today = today_of(viewer)
    baseline = (
        baseline_of(
            db, viewer.workspace, body.metric, body.team or None, today, agent=body.agent or None
        )
        if body.metric
        else None
    )
    item = create_action(db, viewer, values, baseline=baseline)
    return item.as_json(today)


@router.get("/actions/{action_id}")
def api_action(db: Db, viewer: CurrentViewer, action_id: Id) -> dict[str, Any]:
    """One action with its effect (after the due date: confirmed, not confirmed or waiting)."""
    item = get_action(db, viewer, action_id)
    today = today_of(viewer)
    effect = effect_of(db, viewer.workspace, item, today)
    return {**item.as_json(today), "effect": effect.as_json() if effect else None}


@router.patch("/actions/{action_id}")
def api_update_action(
    db: Db, viewer: CurrentViewer, action_id: Id, body: ActionChanges
) -> dict[str, Any]:
    """Change an action (its owner: status and note only); 409 when ``version`` is stale."""
    changes = {
        name: _text(value)
        for name, value in body.model_dump(exclude_unset=True).items()
        if name != "version"
    }
    item = update_action(db, viewer, action_id, version=body.version, changes=changes)
    return item.as_json(today_of(viewer))


@router.delete("/actions/{action_id}", status_code=204)
def api_delete_action(db: Db, viewer: CurrentViewer, action_id: Id) -> None:
    """Remove an action from the plan."""
    delete_action(db, viewer, action_id)
