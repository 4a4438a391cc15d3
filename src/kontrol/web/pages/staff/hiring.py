"""Hiring pages: profiles and guides, candidates, blind scoring, agreement, comparison."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, allowed, require
from kontrol.staff.competencies import list_competencies
from kontrol.staff.hiring import (
    add_candidate,
    add_guide_question,
    candidate_scores,
    compare_candidates,
    create_profile,
    decide,
    get_candidate,
    get_profile,
    hand_in_ratings,
    list_candidates,
    list_profiles,
    may_see_scores,
    possible_interviewers,
    retention_days,
    set_retention_days,
)
from kontrol.staff.roleplay import candidate_roleplays, list_scenarios
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.pages.staff.training import message
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _hiring_page(
    page: Page, *, error: str | None = None, form: str = "", status: int = 200
) -> Response:
    db, viewer = page.connection, page.viewer
    manager = allowed(viewer, Action.MANAGE_HIRING)
    context: dict[str, Any] = {
        "profiles": list_profiles(db, viewer),
        "candidates": list_candidates(db, viewer),
        "manager": manager,
        "error": error,
        "error_form": form,
    }
    if manager:
        context["interviewers"] = possible_interviewers(db, viewer)
        context["competencies"] = list_competencies(db, viewer.workspace.id)
        context["retention"] = retention_days(db, viewer.workspace.id)
    return page.render("staff/staff_hiring.html", context, status=status)


@router.get("/staff/hiring")
def hiring_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Job profiles, their guides and candidates (interviewers: the ones they interview)."""
    require(viewer, Action.INTERVIEW)
    return _hiring_page(page)


@router.post("/staff/hiring/profiles")
def add_profile(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    title: Annotated[str, Form()] = "",
    requirements: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A new job profile."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_HIRING)
    try:
        with attempt(db):
            create_profile(db, viewer, title=title, requirements=requirements)
    except REFUSALS as error:
        return _hiring_page(
            page, error=message(request, error), form="profile", status=status_of(error)
        )
    return RedirectResponse("/staff/hiring", status_code=303)


@router.post("/staff/hiring/profiles/{profile_id}/questions")
def add_guide_question_form(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    profile_id: Id,
    text: Annotated[str, Form()] = "",
    anchor_1: Annotated[str, Form()] = "",
    anchor_3: Annotated[str, Form()] = "",
    anchor_5: Annotated[str, Form()] = "",
    competency_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a question with its 1/3/5 anchors to a profile's interview guide."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_HIRING)
    try:
        with attempt(db):
            add_guide_question(
                db,
                viewer,
                profile_id,
                text=text,
                anchors=(anchor_1, anchor_3, anchor_5),
                competency_id=int(competency_id) if competency_id.isdigit() else None,
            )
    except REFUSALS as error:
        return _hiring_page(
            page, error=message(request, error), form=f"guide-{profile_id}", status=status_of(error)
        )
    return RedirectResponse("/staff/hiring", status_code=303)


@router.post("/staff/hiring/candidates")
def new_candidate(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    profile_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    interviewer_ids: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a candidate with their interviewers."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_HIRING)
    try:
        with attempt(db):
            added = add_candidate(
                db,
                viewer,
                profile_id=int(profile_id) if profile_id.isdigit() else 0,
                name=name,
                contact=contact,
                notes=notes,
                interviewer_ids=[int(i) for i in interviewer_ids or [] if i.isdigit()],
            )
    except REFUSALS as error:
        return _hiring_page(
            page, error=message(request, error), form="candidate", status=status_of(error)
        )
    return RedirectResponse(f"/staff/hiring/candidates/{added.id}", status_code=303)


@router.post("/staff/hiring/retention")
def retention_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    days: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """How long candidates' personal data is kept."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            set_retention_days(db, viewer, days)
    except REFUSALS as error:
        return _hiring_page(
            page, error=message(request, error), form="retention", status=status_of(error)
        )
    return RedirectResponse("/staff/hiring", status_code=303)


def _candidate_page(
    page: Page, candidate_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    db, viewer = page.connection, page.viewer
    candidate = get_candidate(db, viewer, candidate_id)
    mine = next((i for i in candidate.interviewers if i.user_id == viewer.account.id), None)
    context = {
        "c": candidate,
        "profile": get_profile(db, viewer, candidate.profile_id),
        "scoring": mine is not None and mine.submitted_at is None,
        "scores": candidate_scores(db, viewer, candidate.id)
        if may_see_scores(viewer, candidate)
        else None,
        "manager": allowed(viewer, Action.MANAGE_HIRING),
        "roleplays": candidate_roleplays(db, viewer, candidate.id),
        "scenarios": list_scenarios(db, viewer.workspace.id),
        "error": error,
    }
    return page.render("staff/staff_candidate.html", context, status=status)


@router.get("/staff/hiring/candidates/{candidate_id}")
def candidate_page(viewer: CurrentViewer, page: CurrentPage, candidate_id: Id) -> Response:
    """Score the candidate (blind), or see the spread, the agreement and the decision."""
    require(viewer, Action.INTERVIEW)
    return _candidate_page(page, candidate_id)


@router.post("/staff/hiring/candidates/{candidate_id}/scores")
async def hand_in_scores(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, candidate_id: Id
) -> Response:
    """An interviewer hands in their ratings (1-5 per question, a note each)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    ratings = {
        k[1:]: str(v) for k, v in form.multi_items() if k.startswith("r") and k[1:].isdigit()
    }
    notes = {k[1:]: str(v) for k, v in form.multi_items() if k.startswith("n") and k[1:].isdigit()}
    try:
        with attempt(db):
            hand_in_ratings(db, viewer, candidate_id, ratings, notes)
    except REFUSALS as error:
        return _candidate_page(
            page, candidate_id, error=message(request, error), status=status_of(error)
        )
    return RedirectResponse(f"/staff/hiring/candidates/{candidate_id}", status_code=303)


@router.post("/staff/hiring/candidates/{candidate_id}/decision")
def record_decision(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    candidate_id: Id,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    agent: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Hire or reject, with the reason (and the agent id a hired candidate got)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_HIRING)
    try:
        with attempt(db):
            decide(db, viewer, candidate_id, decision=decision, reason=reason, agent=agent)
    except REFUSALS as error:
        return _candidate_page(
            page, candidate_id, error=message(request, error), status=status_of(error)
        )
    return RedirectResponse(f"/staff/hiring/candidates/{candidate_id}", status_code=303)


@router.get("/staff/hiring/profiles/{profile_id}/compare")
def compare_page(db: Db, viewer: CurrentViewer, page: CurrentPage, profile_id: Id) -> Response:
    """The candidates of a profile side by side, per competency."""
    profile = get_profile(db, viewer, profile_id)
    rows = compare_candidates(db, viewer, profile.id)
    keys = sorted({k for r in rows for k in r.by_competency})
    return page.render("staff/staff_compare.html", {"profile": profile, "rows": rows, "keys": keys})
