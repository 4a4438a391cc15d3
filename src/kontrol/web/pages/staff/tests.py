"""Knowledge test pages: the bank and tests (leads), taking a test (agents), results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import AGENT, Action, allowed, require
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import Conflict
from kontrol.staff.certification import (
    certificates,
    create_certification,
    grade,
    hand_in,
    list_certifications,
)
from kontrol.staff.knowledge import (
    IN_PROGRESS,
    KINDS,
    TO_GRADE,
    attempts_of,
    create_question,
    create_test,
    get_attempt,
    list_questions,
    list_tests,
    results_of_test,
    start_attempt,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import list_scenarios
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.pages.staff.training import message
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _number(value: str, default: int) -> int:
    text = value.strip()
    if not text:
        return default
    if not text.isdigit():
        raise StaffInputError("staff.error.number")
    return int(text)


def _tests_page(
    page: Page, *, error: str | None = None, form: str = "", status: int = 200
) -> Response:
    db, viewer = page.connection, page.viewer
    workspace_id = viewer.workspace.id
    attempts = attempts_of(db, viewer)
    context: dict[str, Any] = {
        "tests": list_tests(db, workspace_id),
        "attempts": attempts,
        "certificates": certificates(db, viewer),
        "certifications": list_certifications(db, workspace_id),
        "scenarios": {s.id: s for s in list_scenarios(db, workspace_id)},
        "is_agent": viewer.role is AGENT,
        "can_manage": allowed(viewer, Action.MANAGE_TESTS),
        "can_grade": allowed(viewer, Action.GRADE_TESTS),
        "error": error,
        "error_form": form,
        "kinds": KINDS,
    }
    if viewer.role is AGENT:
        used: dict[int, int] = {}
        for item in attempts:
            used[item.test.id] = used.get(item.test.id, 0) + 1
        context["used"] = used
    if context["can_manage"]:
        context["questions"] = list_questions(db, workspace_id)
    context["to_grade"] = [a for a in attempts if a.status == TO_GRADE]
    return page.render("staff/staff_tests.html", context, status=status)


@router.get("/staff/tests")
def tests_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Agents: the tests to take and their results; leads: the bank, tests and results."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return _tests_page(page)


@router.post("/staff/questions")
def add_question(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    topic: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "single",
    text: Annotated[str, Form()] = "",
    options: Annotated[str, Form()] = "",
    correct: Annotated[list[str] | None, Form()] = None,
    points: Annotated[str, Form()] = "1",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a question: choices one per line, the right ones ticked by their number."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TESTS)
    try:
        with attempt(db):
            create_question(
                db,
                viewer,
                topic=topic,
                kind=kind,
                text=text,
                options=options.splitlines(),
                correct=[int(c) - 1 for c in correct or [] if c.isdigit()],
                points=_number(points, 1),
            )
    except REFUSALS as error:
        return _tests_page(
            page, error=message(request, error), form="question", status=status_of(error)
        )
    return RedirectResponse("/staff/tests", status_code=303)


@router.post("/staff/tests")
def add_test(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    title: Annotated[str, Form()] = "",
    question_ids: Annotated[list[str] | None, Form()] = None,
    pass_mark: Annotated[str, Form()] = "80",
    time_limit: Annotated[str, Form()] = "15",
    max_attempts: Annotated[str, Form()] = "2",
    shuffle: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Make a test of questions of the bank."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TESTS)
    try:
        with attempt(db):
            create_test(
                db,
                viewer,
                title=title,
                question_ids=[int(q) for q in question_ids or [] if q.isdigit()],
                pass_mark=pass_mark,
                time_limit_minutes=_number(time_limit, 15),
                max_attempts=_number(max_attempts, 2),
                shuffle=shuffle == "1",
            )
    except REFUSALS as error:
        return _tests_page(
            page, error=message(request, error), form="test", status=status_of(error)
        )
    return RedirectResponse("/staff/tests", status_code=303)


@router.post("/staff/certifications")
def add_certification(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: Annotated[str, Form()] = "",
    test_ids: Annotated[list[str] | None, Form()] = None,
    valid_days: Annotated[str, Form()] = "365",
    remind_days: Annotated[str, Form()] = "30",
    channel: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    scenario_id: Annotated[str, Form()] = "",
    roleplay_pass_mark: Annotated[str, Form()] = "80",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Define a certification: tests, a role play with its pass mark, validity, reminders."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TESTS)
    try:
        with attempt(db):
            roleplays = (
                {int(scenario_id): float(_number(roleplay_pass_mark, 80))}
                if scenario_id.isdigit()
                else {}
            )
            create_certification(
                db,
                viewer,
                name=name,
                test_ids=[int(t) for t in test_ids or [] if t.isdigit()],
                valid_days=_number(valid_days, 365),
                remind_days=_number(remind_days, 30),
                channel=channel,
                target=target,
                roleplays=roleplays,
            )
    except REFUSALS as error:
        return _tests_page(
            page, error=message(request, error), form="certification", status=status_of(error)
        )
    return RedirectResponse("/staff/tests", status_code=303)


@router.post("/staff/tests/{test_id}/start")
def start(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    test_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Start (or resume) an attempt; the time limit runs from now."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            started = start_attempt(db, viewer, test_id)
    except Conflict as error:
        return _tests_page(page, error=page.says(error), status=409)
    return RedirectResponse(f"/staff/attempts/{started.id}", status_code=303)


def _attempt_page(
    page: Page, attempt_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    found = get_attempt(page.connection, page.viewer, attempt_id)
    mine = found.agent == page.viewer.membership.agent_external_id
    context = {
        "a": found,
        "taking": found.status == IN_PROGRESS and mine and page.viewer.role is AGENT,
        "can_grade": allowed(page.viewer, Action.GRADE_TESTS) and found.status == TO_GRADE,
        # Agents do not see the key: they may have attempts left.
        "show_key": page.viewer.role is not AGENT,
        "error": error,
        "deadline": from_utc(found.deadline_at, zone(page.viewer.workspace.timezone)),
    }
    return page.render("staff/staff_attempt.html", context, status=status)


@router.get("/staff/attempts/{attempt_id}")
def attempt_page(viewer: CurrentViewer, page: CurrentPage, attempt_id: Id) -> Response:
    """The test to answer (while it runs) or its result."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return _attempt_page(page, attempt_id)


@router.post("/staff/attempts/{attempt_id}")
async def submit(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, attempt_id: Id
) -> Response:
    """Hand in the answers (checked against the server's deadline)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    raw: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if key.startswith("q") and key[1:].isdigit() and isinstance(value, str):
            raw.setdefault(key[1:], []).append(value)
    try:
        with attempt(db):
            hand_in(db, viewer, attempt_id, raw)
    except REFUSALS as error:
        return _attempt_page(
            page, attempt_id, error=message(request, error), status=status_of(error)
        )
    return RedirectResponse(f"/staff/attempts/{attempt_id}", status_code=303)


@router.post("/staff/attempts/{attempt_id}/grade")
async def grade_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, attempt_id: Id
) -> Response:
    """A lead awards points to the free-text answers."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.GRADE_TESTS)
    points = {
        key[1:]: str(value)
        for key, value in form.multi_items()
        if key.startswith("p") and key[1:].isdigit()
    }
    try:
        with attempt(db):
            grade(db, viewer, attempt_id, points)
    except REFUSALS as error:
        return _attempt_page(
            page, attempt_id, error=message(request, error), status=status_of(error)
        )
    return RedirectResponse(f"/staff/attempts/{attempt_id}", status_code=303)


@router.get("/staff/tests/{test_id}/results")
def knowledge_results_page(
    db: Db, viewer: CurrentViewer, page: CurrentPage, test_id: Id
) -> Response:
    """A test's results per agent, per team and per question (most often wrong first)."""
    results = results_of_test(db, viewer, test_id)
    return page.render("staff/staff_results.html", {"r": results})
