"""The JSON API of scripts under ``/api/v1``: the library, one script, saving a version,
adherence with outcomes, and feedback on a step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kontrol.accounts.policy import Action, allowed, interaction_scope, require
from kontrol.scripts.library import (
    add_feedback,
    get_script,
    list_scripts,
    save_script,
    script_versions,
    step_feedback,
)
from kontrol.scripts.model import ScriptInvalid, script_data
from kontrol.scripts.results import observations, script_results
from kontrol.web.deps import CurrentViewer, Db

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/scripts")
def api_scripts(db: Db, viewer: CurrentViewer, q: str = "", topic: str = "") -> dict[str, Any]:
    """The scripts in force (``q`` searches titles, topics and wordings)."""
    require(viewer, Action.VIEW_SCRIPTS)
    return {
        "items": [
            {
                "name": s.name,
                "version": s.version,
                "title": dict(s.script.title),
                "topic": s.script.topic,
                "channels": sorted(s.script.channels),
                "languages": list(s.script.languages),
                "steps": len(s.script.steps),
            }
            for s in list_scripts(db, viewer.workspace.id, search=q[:200], topic=topic[:200])
        ]
    }


@router.get("/scripts/{name}")
def api_script(
    db: Db, viewer: CurrentViewer, name: str, version: int | None = None
) -> dict[str, Any]:
    """One script (the version in force, or ``version``): its data, YAML and versions."""
    require(viewer, Action.VIEW_SCRIPTS)
    stored = get_script(db, viewer.workspace.id, name[:80], version)
    return {
        "name": stored.name,
        "version": stored.version,
        "active": stored.is_active,
        "script": script_data(stored.script),
        "yaml": stored.yaml,
        "versions": [
            {
                "version": v.version,
                "note": v.note,
                "created_at": v.created_at.isoformat(),
                "created_by": v.created_by,
            }
            for v in script_versions(db, viewer.workspace.id, stored.name)
        ],
    }


@router.post("/scripts", status_code=201, response_model=None)
def api_script_save(
    db: Db,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
    note: Annotated[str, Body(embed=True)] = "",
) -> dict[str, Any] | JSONResponse:
    """Add a script or a new version of one (admins and QA leads); faults name line and field."""
    require(viewer, Action.EDIT_SCRIPTS)
    try:
        stored = save_script(
            db,
            viewer.workspace.id,
            yaml_text,
            source="yaml",
            note=note,
            author=viewer.account.username,
        )
    except ScriptInvalid as error:
        return JSONResponse(
            {
                "detail": str(error),
                "key": error.key,
                "line": error.line,
                "field": error.field_name,
            },
            status_code=422,
        )
    return {"name": stored.name, "version": stored.version}


@router.get("/scripts/{name}/adherence")
def api_script_adherence(
    db: Db, viewer: CurrentViewer, name: str, version: int | None = None
) -> dict[str, Any]:
    """Adherence per step, agent, team and version, with outcomes and the n behind each."""
    require(viewer, Action.VIEW_SCRIPT_ADHERENCE)
    stored = get_script(db, viewer.workspace.id, name[:80], version)
    versions = script_versions(db, viewer.workspace.id, stored.name)
    items = observations(db, viewer.workspace.id, stored.name, scope=interaction_scope(viewer))
    body = script_results(stored, versions, items).as_json()
    body["feedback"] = [
        {
            "step": f.step_id,
            "version": f.version,
            "source": f.source,
            "text": f.text,
            "author": f.author,
            "created_at": f.created_at.isoformat(),
        }
        for f in step_feedback(db, viewer.workspace.id, stored.name)
    ]
    return {"name": stored.name, "version": stored.version, **body}


@router.post("/scripts/{name}/steps/{step_id}/feedback", status_code=201)
def api_step_feedback(
    db: Db,
    viewer: CurrentViewer,
    name: str,
    step_id: str,
    text: Annotated[str, Body(embed=True)],
    source: Annotated[str, Body(embed=True)] = "agent",
) -> dict[str, Any]:
    """A comment on a step: ``agent`` (a suggestion) or, for QA, ``customer`` (their words)."""
    require(viewer, Action.VIEW_SCRIPTS)
    if source == "customer" and not allowed(viewer, Action.EDIT_SCRIPTS):
        source = "agent"
    item = add_feedback(
        db,
        viewer.workspace.id,
        name[:80],
        step_id[:60],
        text,
        source=source,
        author=viewer.account.display_name or viewer.account.username,
    )
    return {"id": item.id, "step": item.step_id, "version": item.version, "source": item.source}
