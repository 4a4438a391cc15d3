"""Role-play pages: scenarios (leads), practice chats (agents), candidates' public links.

The public page ``/r/<token>`` needs no login: the token is the key. It is
rate-limited per address and per token like the survey pages, its form
carries a token bound to the link (no session), and it shows the candidate
nothing but the scenario's chat.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.installation import session_secret
from kontrol.accounts.policy import AGENT, Action, allowed, require
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.i18n import translate
from kontrol.i18n.messages import error_text
from kontrol.ratelimit import RateLimiter, make_rate_limiter
from kontrol.settings import Settings
from kontrol.staff.certification import answer_roleplay
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import (
    LANGUAGES,
    RolePlay,
    answer_public,
    create_scenario,
    get_roleplay,
    list_scenarios,
    public_roleplay,
    roleplays_of,
    send_to_candidate,
    start_practice,
)
from kontrol.surveys.links import check_form_token, form_token
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.pages.staff.training import message
from kontrol.web.params import Id
from kontrol.web.render import Page, render
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)

# Requests per window (seconds): per client address, and per link.
IP_LIMIT = (120, 600)
LINK_LIMIT = (60, 600)
_limiters: dict[str, RateLimiter] = {}


def _limiter() -> RateLimiter:
    url = Settings().redis_url
    key = url or ""
    if key not in _limiters:
        _limiters[key] = make_rate_limiter(url)
    return _limiters[key]


def _roleplays_page(page: Page, *, error: str | None = None, status: int = 200) -> Response:
    db, viewer = page.connection, page.viewer
    context: dict[str, Any] = {
        "scenarios": list_scenarios(db, viewer.workspace.id),
        "chats": roleplays_of(db, viewer),
        "is_agent": viewer.role is AGENT,
        "can_manage": allowed(viewer, Action.MANAGE_TRAINING),
        "languages": LANGUAGES,
        "error": error,
    }
    return page.render("staff/staff_roleplays.html", context, status=status)


@router.get("/staff/roleplays")
def roleplays_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Scenarios, and the practice chats with their scores."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    return _roleplays_page(page)


@router.post("/staff/scenarios")
def add_scenario(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    title: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "ru",
    script: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Write a scenario (steps separated by blank lines, ``words => N`` branches)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_TRAINING)
    try:
        with attempt(db):
            create_scenario(db, viewer, title=title, language=language, script=script)
    except REFUSALS as error:
        return _roleplays_page(page, error=message(request, error), status=status_of(error))
    return RedirectResponse("/staff/roleplays", status_code=303)


@router.post("/staff/scenarios/{scenario_id}/practice")
def practice(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    scenario_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """An agent starts a practice chat."""
    check_csrf(request, csrf_token)
    chat = start_practice(db, viewer, scenario_id)
    return RedirectResponse(f"/staff/roleplays/{chat.id}", status_code=303)


def _chat_page(
    page: Page, chat: RolePlay, *, error: str | None = None, status: int = 200
) -> Response:
    mine = chat.agent == page.viewer.membership.agent_external_id and page.viewer.role is AGENT
    context = {
        "chat": chat,
        "action": f"/staff/roleplays/{chat.id}",
        "can_answer": mine,
        "error": error,
    }
    return page.render("staff/staff_roleplay.html", context, status=status)


@router.get("/staff/roleplays/{roleplay_id}")
def chat_page(db: Db, viewer: CurrentViewer, page: CurrentPage, roleplay_id: Id) -> Response:
    """A practice chat: answer the customer, or read the scored transcript."""
    return _chat_page(page, get_roleplay(db, viewer, roleplay_id))


@router.post("/staff/roleplays/{roleplay_id}")
def chat_answer(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    roleplay_id: Id,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The agent's answer; the customer replies (or the chat ends and is scored)."""
    check_csrf(request, csrf_token)
    try:
        with attempt(db):
            answer_roleplay(db, viewer, roleplay_id, text)
    except REFUSALS as error:
        chat = get_roleplay(db, viewer, roleplay_id)
        return _chat_page(page, chat, error=message(request, error), status=status_of(error))
    return RedirectResponse(f"/staff/roleplays/{roleplay_id}", status_code=303)


@router.post("/staff/hiring/candidates/{candidate_id}/roleplay")
def send_roleplay(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    candidate_id: Id,
    scenario_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Make a single-use, expiring role-play link for a candidate and show it once."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_HIRING)
    if not scenario_id.isdigit():
        raise NotFound("no scenario", key="staff.error.no_scenario")
    path = send_to_candidate(db, viewer, candidate_id, int(scenario_id))
    url = str(request.base_url).rstrip("/") + path
    return page.render("staff/staff_roleplay_link.html", {"url": url, "candidate_id": candidate_id})


# -- the candidate's public page -------------------------------------------------------


def _public(
    request: Request,
    chat: RolePlay | None,
    token: str,
    state: State,
    *,
    reason: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    lang = chat.scenario.language if chat else "ru"

    def tr(key: str) -> str:
        return translate(lang, key)

    context = {
        "tr": tr,
        "lang": lang,
        "chat": chat,
        "reason": reason,
        "error": error,
        "action": f"/r/{token}",
        "form_token": form_token(session_secret(state.engine), token) if chat else "",
    }
    response = render(request, "staff/staff_roleplay_public.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _allowed(request: Request, token: str) -> bool:
    client = request.client.host if request.client else "unknown"
    limiter = _limiter()
    return limiter.hit(f"rp-ip:{client}", *IP_LIMIT) and limiter.hit(
        f"rp-token:{token[:16]}", *LINK_LIMIT
    )


@router.get("/r/{token}")
def public_page(request: Request, state: State, db: Db, token: str) -> Response:
    """The candidate's role play (no login)."""
    if len(token) > 100 or not _allowed(request, token):
        response = _public(request, None, token, state, reason="busy", status=429)
        response.headers["Retry-After"] = "60"
        return response
    try:
        chat = public_roleplay(db, token)
    except NotFound:
        return _public(request, None, token, state, reason="unknown", status=404)
    return _public(request, chat, token, state)


@router.post("/r/{token}")
def public_answer(
    request: Request,
    state: State,
    db: Db,
    token: str,
    text: Annotated[str, Form()] = "",
    form: Annotated[str | None, Form()] = None,
) -> Response:
    """The candidate's answer; the chat is finished once and then closed."""
    if len(token) > 100 or not _allowed(request, token):
        response = _public(request, None, token, state, reason="busy", status=429)
        response.headers["Retry-After"] = "60"
        return response
    try:
        chat = public_roleplay(db, token)
    except NotFound:
        return _public(request, None, token, state, reason="unknown", status=404)
    try:
        check_form_token(session_secret(state.engine), token, form)
        with attempt(db):
            answer_public(db, token, text)
    except Conflict:
        return _public(request, chat, token, state, status=409)
    except (InvalidInput, StaffInputError) as error:
        text_of = (
            error_text(error, chat.scenario.language)
            if isinstance(error, StaffInputError)
            else None
        )
        return _public(
            request,
            chat,
            token,
            state,
            error=text_of or translate(chat.scenario.language, "staff.roleplay.expired_form"),
            status=422,
        )
    return RedirectResponse(f"/r/{token}", status_code=303)
