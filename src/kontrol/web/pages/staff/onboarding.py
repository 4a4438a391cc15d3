"""Onboarding pages: new agents' first 90 days, mentors and feedback sessions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import AGENT, Action, allowed, require
from kontrol.feedback.coaching import coaching_agents
from kontrol.staff.onboarding import (
    ONBOARDING_DAYS,
    kpi_comparison,
    list_onboardings,
    mentor_choices,
    onboarding_view,
    record_session,
    set_mentor,
    start_onboarding,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.pages.staff.training import message
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _segment(agent: str) -> str:
    return quote(agent, safe="")


def _day(value: str, *, default: date | None = None) -> date | None:
    text = value.strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StaffInputError("staff.error.date") from None


def _list(page: Page, *, error: str | None = None, status: int = 200) -> Response:
    db, viewer = page.connection, page.viewer
    onboardings = list_onboardings(db, viewer)
    taken = {o.agent.external_id for o in onboardings}
    # the QA score beside the team's, per new agent (the KPI dashboard's own figures)
    qa = {
        o.agent.external_id: next(
            k for k in kpi_comparison(db, viewer, o) if k.metric == "qa_score"
        )
        for o in onboardings
    }
    context: dict[str, Any] = {
        "onboardings": onboardings,
        "qa": qa,
        "agents": [a for a in coaching_agents(db, viewer) if a.external_id not in taken],
        "mentors": mentor_choices(db, viewer),
        "can_manage": allowed(viewer, Action.MANAGE_ONBOARDING),
        "days": ONBOARDING_DAYS,
        "error": error,
    }
    return page.render("staff/staff_onboardings.html", context, status=status)


@router.get("/staff/onboarding")
def onboardings_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Leads: the agents in onboarding; agents: their own onboarding (or that there is none)."""
    require(viewer, Action.VIEW_ONBOARDING)
    if viewer.role is AGENT and list_onboardings(db, viewer):
        agent = viewer.membership.agent_external_id or ""
        return RedirectResponse(f"/staff/onboarding/{_segment(agent)}", status_code=303)
    return _list(page)


@router.post("/staff/onboarding")
def begin_onboarding(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    agent: Annotated[str, Form()] = "",
    started_on: Annotated[str, Form()] = "",
    mentor: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Start an agent's onboarding with a mentor."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ONBOARDING)
    try:
        with attempt(db):
            found = start_onboarding(
                db, viewer, agent=agent, started_on=_day(started_on), mentor=mentor
            )
    except REFUSALS as error:
        return _list(page, error=message(request, error), status=status_of(error))
    return RedirectResponse(
        f"/staff/onboarding/{_segment(found.agent.external_id)}", status_code=303
    )


def _detail(
    page: Page, agent: str, *, error: str | None = None, form: str = "", status: int = 200
) -> Response:
    db, viewer = page.connection, page.viewer
    view = onboarding_view(db, viewer, agent)
    can_manage = allowed(viewer, Action.MANAGE_ONBOARDING)
    context: dict[str, Any] = {
        "view": view,
        "onboarding": view.onboarding,
        "mentors": mentor_choices(db, viewer, view.onboarding.agent.external_id)
        if can_manage
        else [],
        "can_manage": can_manage,
        "days": ONBOARDING_DAYS,
        "today": view.onboarding.today.isoformat(),
        "error": error,
        "error_form": form,
    }
    return page.render("staff/staff_onboarding.html", context, status=status)


@router.get("/staff/onboarding/{agent_external_id}")
def onboarding_page(viewer: CurrentViewer, page: CurrentPage, agent_external_id: str) -> Response:
    """One new agent: figures against the team, mentor, training, tests, sessions."""
    require(viewer, Action.VIEW_ONBOARDING)
    return _detail(page, agent_external_id)


@router.post("/staff/onboarding/{agent_external_id}/mentor")
def change_mentor(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    agent_external_id: str,
    mentor: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Name or change the mentor."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ONBOARDING)
    try:
        with attempt(db):
            set_mentor(db, viewer, agent_external_id, mentor)
    except REFUSALS as error:
        return _detail(
            page,
            agent_external_id,
            error=message(request, error),
            form="mentor",
            status=status_of(error),
        )
    return RedirectResponse(f"/staff/onboarding/{_segment(agent_external_id)}", status_code=303)


@router.post("/staff/onboarding/{agent_external_id}/sessions")
def add_session(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    agent_external_id: str,
    held_on: Annotated[str, Form()] = "",
    led_by: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    next_steps: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Record a feedback session with the new agent."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_ONBOARDING)
    try:
        with attempt(db):
            day = _day(held_on)
            if day is None:
                raise StaffInputError("staff.error.date")
            record_session(
                db,
                viewer,
                agent_external_id,
                held_on=day,
                led_by=led_by or viewer.account.username,
                notes=notes,
                next_steps=next_steps,
            )
    except REFUSALS as error:
        return _detail(
            page,
            agent_external_id,
            error=message(request, error),
            form="session",
            status=status_of(error),
        )
    return RedirectResponse(
        f"/staff/onboarding/{_segment(agent_external_id)}#sessions", status_code=303
    )
