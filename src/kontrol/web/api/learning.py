"""The JSON API of the checks that learn from reviewers (docs/learning.md): the machine
against the reviewers per criterion, the learned models, the switch, training now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from kontrol.accounts.policy import Action, require
from kontrol.jobs import enqueue
from kontrol.learning.jobs import APPLY_JOB, TRAIN_JOB
from kontrol.learning.report import machine_report
from kontrol.learning.training import learned_models_of, switch_model
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1/learning", tags=["v1"])


@router.get("/machine-vs-human")
def machine_vs_human_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Per scorecard criterion: the rule (every review), the learned model (held-back
    reviews only) and the attached language-model criteria, each with how many answers
    were compared, how often reviewers overturned them, Cohen's kappa and the
    disagreeing conversations; with the terms the switch requires."""
    return machine_report(db, viewer).as_json()


@router.get("/models")
def models_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The learned models with their agreement on held-back reviews beside the rule's."""
    require(viewer, Action.MANAGE_CHECKS)
    return {"models": [m.as_json() for m in learned_models_of(db, viewer.workspace.id)]}


class Switch(BaseModel):
    """Whether the model's verdict counts for its criterion."""

    enabled: bool


@router.put("/models/{model_id}/enabled")
def switch_api(db: Db, viewer: CurrentViewer, model_id: Id, body: Switch) -> dict[str, Any]:
    """Turn the model on (422 unless it beats the rule on enough held-back reviews) or off;
    the evaluations follow in a job."""
    require(viewer, Action.MANAGE_CHECKS)
    found = switch_model(db, viewer.workspace.id, model_id, body.enabled, viewer.account.id)
    enqueue(db.engine, APPLY_JOB, connection=db, workspace_id=viewer.workspace.id)
    return found.as_json()


@router.post("/train", status_code=202)
def train_api(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Queue the training of the workspace's models now (it also runs every night)."""
    require(viewer, Action.MANAGE_CHECKS)
    run = enqueue(db.engine, TRAIN_JOB, connection=db, workspace_id=viewer.workspace.id)
    return {"queued": run}
