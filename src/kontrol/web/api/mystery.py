"""The JSON API of mystery shopping under ``/api/v1/mystery``: programmes (YAML in and
out), shoppers, the plan, assignments, submissions and results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.mystery.assignments import Assignment, generate_assignments, list_assignments
from kontrol.mystery.programmes import (
    Programme,
    get_programme,
    list_programmes,
    list_shoppers,
    save_programme,
    set_shoppers,
)
from kontrol.mystery.results import programme_results
from kontrol.mystery.submissions import (
    SubmissionInput,
    get_submission,
    list_submissions,
    submission_json,
    submit_shop,
)
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id, OptionalId

router = APIRouter(prefix="/api/v1/mystery", tags=["v1"])


def _programme(programme: Programme, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": programme.id,
        "name": programme.name,
        "title": programme.title,
        "language": programme.language,
        "active": programme.is_active,
        "pass_mark": programme.spec.pass_mark,
        "targets": [
            {
                "id": t.key,
                "title": t.title,
                "kind": t.kind,
                "competitor": t.competitor,
                "channel": t.channel,
                "team": t.team,
                "visits_per_month": t.visits_per_month,
            }
            for t in programme.spec.targets
        ],
        "scenarios": [
            {"id": s.key, "title": s.title, "channel": s.channel} for s in programme.spec.scenarios
        ],
    }
    if full:
        data["yaml"] = programme.yaml
    return data


def _assignment(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "programme_id": a.programme_id,
        "month": a.month,
        "target": a.target.key,
        "target_title": a.target.title,
        "scenario": a.scenario.key,
        "scenario_title": a.scenario.title,
        "channel": a.scenario.channel,
        "ask": a.scenario.ask,
        "visit_no": a.visit_no,
        "shopper": a.shopper_name,
        "status": a.status,
    }


def _view_or_shop(viewer: Viewer) -> None:
    if not allowed(viewer, Action.SHOP):
        require(viewer, Action.VIEW_MYSTERY)


@router.get("/programmes")
def api_programmes(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's programmes."""
    require(viewer, Action.VIEW_MYSTERY)
    return {"items": [_programme(p) for p in list_programmes(db, viewer.workspace)]}


@router.post("/programmes", status_code=201)
def api_programme_save(
    db: Db,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
) -> dict[str, Any]:
    """Add a programme from its YAML, or replace the YAML of the one with its name."""
    require(viewer, Action.MANAGE_MYSTERY)
    programme, created = save_programme(
        db, viewer.workspace, yaml_text, created_by=viewer.account.username
    )
    return {**_programme(programme), "created": created}


@router.get("/programmes/{programme_id}")
def api_programme(db: Db, viewer: CurrentViewer, programme_id: Id) -> dict[str, Any]:
    """One programme with its YAML and shoppers."""
    require(viewer, Action.VIEW_MYSTERY)
    programme = get_programme(db, viewer.workspace, programme_id)
    shoppers = [s.username for s in list_shoppers(db, programme.id)]
    return {**_programme(programme, full=True), "shoppers": shoppers}


@router.put("/programmes/{programme_id}/shoppers")
def api_programme_shoppers(
    db: Db,
    viewer: CurrentViewer,
    programme_id: Id,
    usernames: Annotated[list[str], Body(embed=True)],
) -> dict[str, Any]:
    """Make exactly these shoppers (usernames) the programme's shoppers."""
    require(viewer, Action.MANAGE_MYSTERY)
    chosen = set_shoppers(db, viewer.workspace, programme_id, usernames)
    return {"shoppers": [s.username for s in chosen]}


@router.post("/programmes/{programme_id}/assignments", status_code=201)
def api_generate(
    db: Db,
    viewer: CurrentViewer,
    programme_id: Id,
    month: Annotated[str, Body(embed=True)],
) -> dict[str, Any]:
    """Generate a month's visits (YYYY-MM); a second call adds only the missing ones."""
    require(viewer, Action.MANAGE_MYSTERY)
    added = generate_assignments(db, viewer.workspace, programme_id, month)
    return {"month": month, "added": added}


@router.get("/programmes/{programme_id}/results")
def api_mystery_results(
    db: Db,
    viewer: CurrentViewer,
    programme_id: Id,
    month_from: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    month_to: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> dict[str, Any]:
    """Scores by target, scenario and criterion, own against competitors, months, the plan."""
    require(viewer, Action.VIEW_MYSTERY)
    programme = get_programme(db, viewer.workspace, programme_id)
    results = programme_results(db, programme, month_from=month_from, month_to=month_to)
    return {"programme": programme.name, **results.as_json()}


@router.get("/assignments")
def api_assignments(
    db: Db,
    viewer: CurrentViewer,
    programme_id: OptionalId = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    status: Annotated[str | None, Query(pattern="^(open|done)$")] = None,
) -> dict[str, Any]:
    """Visits: a shopper gets their own, the QA team every one."""
    _view_or_shop(viewer)
    items = list_assignments(
        db,
        viewer,
        programme_id=programme_id,
        month=month,
        status=status,
        mine=not allowed(viewer, Action.VIEW_MYSTERY),
    )
    return {"items": [_assignment(a) for a in items]}


@router.post("/assignments/{assignment_id}/submission", status_code=201)
def api_mystery_submit(
    db: Db,
    viewer: CurrentViewer,
    assignment_id: Id,
    happened_at: Annotated[datetime, Body(description="Local time of the workspace.")],
    channel: Annotated[str, Body()],
    answers: Annotated[dict[str, str], Body(description="criterion id: pass, fail, na or 1-5")],
    transcript: Annotated[str, Body()] = "",
    contact: Annotated[str, Body()] = "",
    agent_name: Annotated[str, Body()] = "",
    comment: Annotated[str, Body()] = "",
) -> dict[str, Any]:
    """Submit the shop of one's own visit (files are uploaded on the shop page)."""
    require(viewer, Action.SHOP)
    submission_id = submit_shop(
        db,
        viewer,
        assignment_id,
        SubmissionInput(
            happened_at=happened_at,
            channel=channel,
            contact=contact,
            agent_name=agent_name,
            transcript=transcript,
            comment=comment,
            answers=answers,
        ),
    )
    return submission_json(get_submission(db, viewer, submission_id))


@router.get("/submissions")
def api_submissions(
    db: Db,
    viewer: CurrentViewer,
    programme_id: OptionalId = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> dict[str, Any]:
    """Shops, newest first: a shopper gets their own."""
    _view_or_shop(viewer)
    rows = list_submissions(db, viewer, programme_id=programme_id, month=month)
    return {
        "items": [
            {
                "id": r.id,
                "programme_id": r.programme_id,
                "target": r.target_key,
                "target_kind": r.target_kind,
                "scenario": r.scenario_key,
                "shopper": r.shopper_name,
                "happened_at": r.happened_at.isoformat() + "Z",
                "channel": r.channel,
                "score": r.score,
                "passed": r.passed,
                "interaction_id": r.interaction_id,
            }
            for r in rows
        ]
    }


@router.get("/submissions/{submission_id}")
def api_submission(db: Db, viewer: CurrentViewer, submission_id: Id) -> dict[str, Any]:
    """One shop with its checklist answers and files."""
    _view_or_shop(viewer)
    return submission_json(get_submission(db, viewer, submission_id))
