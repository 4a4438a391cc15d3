"""The JSON API of the automatic checks: verdicts of an interaction, scorecards,
phrase lists and custom checks, under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from kontrol.accounts.audit import AuditAction
from kontrol.accounts.policy import Action, require
from kontrol.checks.check_settings import check_settings, save_custom_check, save_phrase_override
from kontrol.checks.phrases import parse_list
from kontrol.checks.quality import interaction_quality
from kontrol.checks.scorecards import ensure_default_scorecards, list_scorecards, save_scorecard
from kontrol.checks.workspace_settings import stored_custom_checks
from kontrol.interactions.detail import get_interaction
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/interactions/{interaction_id}/checks")
def interaction_checks(db: Db, viewer: CurrentViewer, interaction_id: Id) -> dict[str, Any]:
    """Verdicts with evidence, signals and automatic evaluations of one interaction."""
    require(viewer, Action.VIEW_INTERACTIONS)
    detail = get_interaction(db, viewer, interaction_id)
    quality = interaction_quality(db, interaction_id, [m.text for m in detail.messages])
    return quality.as_json()


@router.get("/scorecards")
def api_scorecards(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The scorecards of the workspace (newest versions, with their YAML)."""
    require(viewer, Action.VIEW_SCORECARDS)
    ensure_default_scorecards(db, viewer.workspace.id)
    cards = list_scorecards(db, viewer.workspace.id)
    return {
        "items": [
            {
                "name": c.name,
                "version": c.version,
                "title": c.scorecard.title,
                "active": c.is_active,
                "language": c.scorecard.language,
                "pass_mark": c.scorecard.pass_mark,
                "yaml": c.yaml,
            }
            for c in cards
        ]
    }


@router.post("/scorecards", status_code=201)
def api_scorecard_save(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
) -> dict[str, Any]:
    """Add a scorecard or a new version of one (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    ensure_default_scorecards(db, viewer.workspace.id)
    stored = save_scorecard(db, viewer.workspace.id, yaml_text, user_id=viewer.account.id)
    details = {"version": stored.version}
    note_action(db, request, viewer, AuditAction.SCORECARD_CHANGED, stored.name, details)
    return {"name": stored.name, "version": stored.version}


@router.get("/check-settings")
def api_check_settings(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's phrase-list overrides and custom checks (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    settings = check_settings(db, viewer.workspace.id)
    customs = stored_custom_checks(db, viewer.workspace.id)
    return {
        "phrase_overrides": [
            {
                "language": o.language,
                "list": o.list_name,
                "mode": o.mode,
                "phrases": list(o.phrases),
            }
            for o in settings.overrides
        ],
        "custom_checks": [{"id": check.check_id, "yaml": check.yaml} for check in customs],
    }


@router.put("/phrase-lists/{language}/{list_name}")
def api_phrase_list(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    language: str,
    list_name: str,
    phrases: Annotated[list[str], Body(embed=True)],
    mode: Annotated[str, Body(embed=True)] = "extend",
) -> dict[str, Any]:
    """Extend or replace one phrase list for the workspace (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    text = "\n".join(phrases)
    save_phrase_override(
        db, viewer.workspace.id, language=language, list_name=list_name, mode=mode, phrases=text
    )
    target = f"phrase list {language[:10]}/{list_name[:60]}"
    note_action(db, request, viewer, AuditAction.CHECKS_CHANGED, target, {"mode": mode[:20]})
    return {"language": language, "list": list_name, "mode": mode, "count": len(parse_list(text))}


@router.post("/custom-checks", status_code=201)
def api_custom_check(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
) -> dict[str, Any]:
    """Add or change a custom check from its YAML (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    check = save_custom_check(db, viewer.workspace.id, yaml_text)
    note_action(db, request, viewer, AuditAction.CHECKS_CHANGED, f"custom check {check.id}")
    return {"id": check.id, "title": check.title}
