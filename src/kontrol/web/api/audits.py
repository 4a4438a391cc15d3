"""The JSON API of service audits under ``/api/v1``: templates (YAML in and out), audits,
answers, completion and results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kontrol.accounts.policy import Action, require
from kontrol.audits.conduct import (
    answers_of,
    complete_audit,
    create_audit,
    delete_audit,
    get_audit,
    list_audits,
    save_answer,
)
from kontrol.audits.results import audit_results
from kontrol.audits.templates import (
    ensure_shipped_templates,
    list_templates,
    save_template,
    template_versions,
)
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1", tags=["audits"])


class TemplateBody(BaseModel):
    """An audit template as YAML (docs/audits.md); saving a known name adds a version."""

    yaml: str
    file: str = Field(default="template.yaml", description="the file name errors are told in")


class AuditBody(BaseModel):
    """A new audit."""

    template: str = Field(description="the template's name; its newest version is used")
    title: str = ""
    scope_kind: str = Field(default="company", description="company, team, place or channel")
    scope_value: str = ""
    period_from: str = Field(description="YYYY-MM-DD: the period the figures are measured over")
    period_to: str
    held_on: str = ""
    auditors: list[int] = Field(default_factory=list, description="user ids; the caller if none")
    competitors: list[str] = Field(default_factory=list)


class AnswerBody(BaseModel):
    """One item's answer: yes/partly/no, 1-5, a number, or na."""

    answer: str
    subject: str = Field(default="", description="a competitor's name; empty for our service")
    comment: str = ""
    interactions: list[int] | None = Field(
        default=None, description="ids of interactions that support the answer"
    )


class AuditVersionBody(BaseModel):
    """The version of the audit as the caller last saw it."""

    version: int


@router.get("/audit-templates")
def api_templates(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The newest version of every audit template, with areas and items."""
    require(viewer, Action.VIEW_AUDITS)
    return {"items": [s.as_json() for s in list_templates(db, viewer.workspace.id)]}


@router.get("/audit-templates/{name}")
def api_template(db: Db, viewer: CurrentViewer, name: str) -> dict[str, Any]:
    """One template's newest version with its YAML, and the list of its versions."""
    require(viewer, Action.VIEW_AUDITS)
    versions = template_versions(db, viewer.workspace.id, name[:60])
    return {
        **versions[0].as_json(),
        "yaml": versions[0].yaml,
        "versions": [
            {"version": v.version, "created_at": v.created_at.isoformat()} for v in versions
        ],
    }


@router.post("/audit-templates", status_code=201)
def api_save_template(db: Db, viewer: CurrentViewer, body: TemplateBody) -> dict[str, Any]:
    """Save a template from YAML (a known name: a new version); 422 names file, line, field."""
    require(viewer, Action.RUN_AUDITS)
    stored = save_template(
        db, viewer.workspace.id, body.yaml, user_id=viewer.account.id, file=body.file[:100]
    )
    return stored.as_json()


@router.get("/audits")
def api_audits(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's audits, newest first."""
    return {"items": [a.as_json() for a in list_audits(db, viewer)]}


@router.post("/audits", status_code=201)
def api_create_audit(db: Db, viewer: CurrentViewer, body: AuditBody) -> dict[str, Any]:
    """Create a draft audit; measurable items are pre-filled from Kontrol's figures."""
    require(viewer, Action.RUN_AUDITS)
    ensure_shipped_templates(db, viewer.workspace.id)
    values = body.model_dump(exclude={"auditors", "competitors"})
    values["competitors"] = "\n".join(body.competitors)
    audit = create_audit(
        db, viewer, {k: str(v) for k, v in values.items()}, auditors=[str(a) for a in body.auditors]
    )
    return audit.as_json()


@router.get("/audits/{audit_id}")
def api_audit(db: Db, viewer: CurrentViewer, audit_id: Id) -> dict[str, Any]:
    """An audit's results (areas, items, previous audit, competitors, findings) and answers."""
    audit = get_audit(db, viewer, audit_id)
    results = audit_results(db, audit)
    return {
        **results.as_json(),
        "answers": [a.as_json() for a in answers_of(db, audit.id).values()],
    }


@router.put("/audits/{audit_id}/answers/{item_key}")
def api_answer(
    db: Db, viewer: CurrentViewer, audit_id: Id, item_key: str, body: AnswerBody
) -> dict[str, Any]:
    """Answer one item of a draft audit (for a competitor: name it in ``subject``)."""
    links = None if body.interactions is None else " ".join(str(i) for i in body.interactions)
    answer = save_answer(
        db,
        viewer,
        audit_id,
        item_key=item_key[:60],
        subject=body.subject[:100],
        answer=body.answer,
        comment=body.comment,
        interaction_links=links,
    )
    return answer.as_json()


@router.post("/audits/{audit_id}/complete")
def api_complete(
    db: Db, viewer: CurrentViewer, audit_id: Id, body: AuditVersionBody
) -> dict[str, Any]:
    """Complete the audit; 422 names the first item still unanswered or without evidence."""
    return complete_audit(db, viewer, audit_id, version=body.version).as_json()


@router.delete("/audits/{audit_id}", status_code=204)
def api_delete_audit(db: Db, viewer: CurrentViewer, audit_id: Id) -> None:
    """Delete an audit with its answers and evidence files."""
    delete_audit(db, viewer, audit_id)
