"""Training pages: the overview (proposals, assignments, effect), set-up, modules, profiles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import AGENT, Action, allowed, require
from kontrol.domain.errors import KontrolError
from kontrol.feedback.coaching import coaching_agents
from kontrol.i18n.messages import error_text
from kontrol.staff.competencies import (
    competency_profile,
    known_criteria,
    list_competencies,
    save_competency,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.training import (
    KINDS,
    assign_module,
    complete_assignment,
    create_module,
    create_rule,
    delete_training_rule,
    get_module,
    list_modules,
    list_training_assignments,
    list_training_rules,
    module_effects,
    proposals,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)


def message(request: Request, error: KontrolError) -> str:
    """A refusal in the reader's language when it has a catalogue key, else its text."""
    return error_text(error, locale_of(request))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@router.get("/staff")
def training_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Leads: proposals, assignments and what they changed; agents: their own training."""
    if not allowed(viewer, Action.VIEW_TRAINING) and allowed(viewer, Action.INTERVIEW):
        # Recruiters work on hiring only.
        return RedirectResponse("/staff/hiring", status_code=303)
    require(viewer, Action.VIEW_TRAINING)
    if viewer.role is AGENT:
        agent = viewer.membership.agent_external_id or ""
        profile = competency_profile(db, viewer, agent) if agent else None
        mine: dict[str, Any] = {
            "assignments": list_training_assignments(db, viewer),
            "profile": profile,
            "criteria": known_criteria(db, viewer.workspace.id, locale_of(page.request)),
        }
        return page.render("staff/staff_mine.html", mine)
    can_assign = allowed(viewer, Action.ASSIGN_TRAINING)
    context: dict[str, Any] = {
        "proposals": proposals(db, viewer) if can_assign else [],
        "assignments": list_training_assignments(db, viewer),
        "effects": module_effects(db, viewer) if can_assign else [],
        "modules": list_modules(db, viewer.workspace.id),
        "agents": coaching_agents(db, viewer),
        "can_assign": can_assign,
        "can_manage": allowed(viewer, Action.MANAGE_TRAINING),
        "criteria": known_criteria(db, viewer.workspace.id, locale_of(page.request)),
    }
    return page.render("staff/staff_training.html", context)


def _setup(page: Page, *, error: str | None = None, form: str = "", status: int = 200) -> Response:
    workspace_id = page.viewer.workspace.id
    context = {
        "competencies": list_competencies(page.connection, workspace_id),
        "criteria": known_criteria(page.connection, workspace_id, locale_of(page.request)),
        "modules": list_modules(page.connection, workspace_id),
        "rules": list_training_rules(page.connection, workspace_id),
        "kinds": KINDS,
        "error": error,
        "error_form": form,
    }
    return page.render("staff/staff_setup.html", context, status=status)


@router.get("/staff/setup")
def setup_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Competencies, the module catalogue and training rules (admins, QA leads)."""
    require(viewer, Action.MANAGE_TRAINING)
    return _setup(page)


@router.post("/staff/competencies")
def add_competency(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    key: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    criteria: Annotated[list[str] | None, Form()] = None,
    topics: Annotated[str, Form()] = "",
    questions: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Create or change a competency and what measures it."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TRAINING)
    try:
        with attempt(db):
            save_competency(
                db,
                viewer,
                key=key,
                name=name,
                description=description,
                criteria=criteria or [],
                topics=_lines(topics),
                questions=_lines(questions),
            )
    except REFUSALS as error:
        return _setup(
            page, error=message(request, error), form="competency", status=status_of(error)
        )
    return RedirectResponse("/staff/setup", status_code=303)


@router.post("/staff/modules")
def add_module(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    title: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "text",
    body: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    criterion: Annotated[str, Form()] = "",
    competency_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a module to the catalogue."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TRAINING)
    try:
        with attempt(db):
            create_module(
                db,
                viewer,
                title=title,
                kind=kind,
                body=body,
                url=url,
                criterion=criterion,
                competency_id=int(competency_id) if competency_id.isdigit() else None,
            )
    except REFUSALS as error:
        return _setup(page, error=message(request, error), form="module", status=status_of(error))
    return RedirectResponse("/staff/setup", status_code=303)


@router.post("/staff/rules")
def add_rule(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    criterion: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "70",
    window: Annotated[str, Form()] = "20",
    module_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A rule that proposes a module when a criterion keeps failing."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TRAINING)
    try:
        with attempt(db):
            if not module_id.isdigit():
                raise StaffInputError("staff.error.module_missing")
            create_rule(
                db,
                viewer,
                criterion=criterion,
                threshold=threshold,
                window=window,
                module_id=int(module_id),
            )
    except REFUSALS as error:
        return _setup(page, error=message(request, error), form="rule", status=status_of(error))
    return RedirectResponse("/staff/setup", status_code=303)


@router.post("/staff/rules/{rule_id}/delete")
def remove_rule(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    rule_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Remove a training rule."""
    check_csrf(request, csrf_token)
    delete_training_rule(db, viewer, rule_id)
    return RedirectResponse("/staff/setup", status_code=303)


@router.post("/staff/assignments")
def assign(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    module_id: Annotated[str, Form()] = "",
    agent: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    rule_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Assign a module (from a proposal or by hand) with a due date."""
    check_csrf(request, csrf_token)
    require(viewer, Action.ASSIGN_TRAINING)
    try:
        with attempt(db):
            if not module_id.isdigit():
                raise StaffInputError("staff.error.module_missing")
            rule = next(
                (r for r in list_training_rules(db, viewer.workspace.id) if str(r.id) == rule_id),
                None,
            )
            assign_module(
                db,
                viewer,
                module_id=int(module_id),
                agent=agent,
                due=due,
                criterion=rule.criterion if rule else None,
                rule_id=rule.id if rule else None,
            )
    except REFUSALS as error:
        context = {
            "proposals": proposals(db, viewer),
            "assignments": list_training_assignments(db, viewer),
            "effects": module_effects(db, viewer),
            "modules": list_modules(db, viewer.workspace.id),
            "agents": coaching_agents(db, viewer),
            "can_assign": True,
            "can_manage": allowed(viewer, Action.MANAGE_TRAINING),
            "criteria": known_criteria(db, viewer.workspace.id, locale_of(page.request)),
            "error": message(request, error),
        }
        return page.render("staff/staff_training.html", context, status=status_of(error))
    return RedirectResponse("/staff", status_code=303)


@router.post("/staff/assignments/{assignment_id}/complete")
def complete(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    assignment_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The agent marks a module done."""
    check_csrf(request, csrf_token)
    complete_assignment(db, viewer, assignment_id)
    return RedirectResponse("/staff", status_code=303)


@router.get("/staff/modules/{module_id}")
def module_page(db: Db, viewer: CurrentViewer, page: CurrentPage, module_id: Id) -> Response:
    """A module's content; for leads also who has it and what it changed."""
    require(viewer, Action.VIEW_TRAINING)
    module = get_module(db, viewer.workspace.id, module_id)
    mine = list_training_assignments(db, viewer, module_id=module.id)
    effect = None
    if allowed(viewer, Action.ASSIGN_TRAINING):
        effect = next((e for e in module_effects(db, viewer) if e.module.id == module.id), None)
    context = {
        "module": module,
        "assignments": mine,
        "effect": effect,
        "criteria": known_criteria(db, viewer.workspace.id, locale_of(page.request)),
    }
    return page.render("staff/staff_module.html", context)


@router.get("/staff/profile/{agent_external_id}")
def profile_page(
    db: Db, viewer: CurrentViewer, page: CurrentPage, agent_external_id: str
) -> Response:
    """An agent's competency profile over the last months and their training."""
    profile = competency_profile(db, viewer, agent_external_id)
    context = {
        "profile": profile,
        "assignments": list_training_assignments(db, viewer, agent=profile.agent.external_id),
    }
    return page.render("staff/staff_profile.html", context)
