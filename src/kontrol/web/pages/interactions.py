"""The HTML pages. Thin: load, authorize, call a service, render."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import can_see_rejects, require_rejects
from kontrol.accounts.logins import authenticate, count_accounts, memberships_of, set_locale
from kontrol.accounts.policy import Action, require
from kontrol.checks.quality import interaction_quality
from kontrol.demo.seeding import DEMO_LOGINS
from kontrol.domain.vocabulary import Channel
from kontrol.i18n import LOCALES
from kontrol.ingest.rejects import list_rejects
from kontrol.interactions.evaluation_filters import SIGNAL_FILTERS, check_ids
from kontrol.interactions.listing import filter_choices, get_interaction, list_interactions
from kontrol.web.filters import InteractionQuery
from kontrol.web.security import CurrentViewer, State, check_csrf, load_viewer

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _render(state: State, request: Request, name: str, context: dict[str, Any]) -> Response:
    return state.templates.TemplateResponse(request, name, context)


@router.get("/")
def home() -> Response:
    """The interaction list is the start page."""
    return RedirectResponse("/interactions", status_code=303)


@router.get("/login")
def login_form(request: Request, state: State) -> Response:
    """The login form."""
    with state.engine.connect() as connection:
        nobody = count_accounts(connection) == 0
    return _render(
        state,
        request,
        "accounts/login.html",
        {"failed": False, "nobody": nobody, "demo_logins": DEMO_LOGINS if state.demo else ()},
    )


@router.post("/login")
def login(
    request: Request,
    state: State,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the password and start a session."""
    check_csrf(request, csrf_token)
    with state.engine.begin() as connection:
        account = authenticate(connection, username=username, password=password)
        memberships = memberships_of(connection, account) if account else []
    if account is None or not memberships:
        response = _render(
            state,
            request,
            "accounts/login.html",
            {
                "failed": True,
                "nobody": False,
                "demo_logins": DEMO_LOGINS if state.demo else (),
            },
        )
        response.status_code = 401
        return response
    locale = request.session.get("locale")
    request.session.clear()
    request.session["user_id"] = account.id
    request.session["workspace_id"] = memberships[0].workspace.id
    request.session["locale"] = locale if locale in LOCALES else account.locale
    return RedirectResponse("/interactions", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """End the session."""
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/locale")
def choose_locale(
    request: Request,
    state: State,
    locale: Annotated[str, Form()],
    csrf_token: Annotated[str | None, Form()] = None,
    next_path: Annotated[str | None, Form(alias="next")] = None,
) -> Response:
    """Switch the interface language (remembered for the account)."""
    check_csrf(request, csrf_token)
    if locale in LOCALES:
        request.session["locale"] = locale
        if isinstance(request.session.get("user_id"), int):
            with state.engine.begin() as connection:
                viewer = load_viewer(connection, request)
                set_locale(connection, account=viewer.account, locale=locale)
    return RedirectResponse(_safe_next(next_path), status_code=303)


@router.post("/workspace")
def choose_workspace(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    workspace_id: Annotated[int, Form()],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch to another workspace the person belongs to."""
    check_csrf(request, csrf_token)
    with state.engine.connect() as connection:
        allowed = {m.workspace.id for m in memberships_of(connection, viewer.account)}
    if workspace_id in allowed:
        request.session["workspace_id"] = workspace_id
    return RedirectResponse("/interactions", status_code=303)


@router.get("/interactions")
def interactions_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    chosen: InteractionQuery,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The list of interactions with filters; HTMX asks for the table alone."""
    require(viewer, Action.VIEW_INTERACTIONS)
    raw = chosen.raw()
    filters = chosen.read()
    with state.engine.connect() as connection:
        page = list_interactions(connection, viewer, filters, cursor=cursor, limit=limit)
        choices = filter_choices(connection, viewer)
        workspaces = memberships_of(connection, viewer.account)
    query = chosen.in_force()
    next_url = (
        "/interactions?" + urlencode({**query, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    first_url = "/interactions?" + urlencode(query) if cursor else None
    context = {
        "viewer": viewer,
        "page": page,
        "filters": raw,
        "choices": choices,
        "channels": [item.value for item in Channel],
        "next_url": next_url,
        "first_url": first_url,
        "memberships": workspaces,
        "can_see_rejects": can_see_rejects(viewer),
        "drill_down": [
            (
                name,
                value,
                "/interactions?" + urlencode({k: v for k, v in query.items() if k != name}),
            )
            for name, value in filters.drill_down().items()
        ],
        "check_ids": check_ids(),
        "signal_filters": SIGNAL_FILTERS,
    }
    partial = request.headers.get("hx-request") and not request.headers.get(
        "hx-history-restore-request"
    )
    template = (
        "interactions/_interaction_rows.html" if partial else "interactions/interactions.html"
    )
    return _render(state, request, template, context)


@router.get("/interactions/{interaction_id}")
def interaction_page(
    request: Request, state: State, viewer: CurrentViewer, interaction_id: int
) -> Response:
    """One interaction: transcript, facts, survey, the customer's other contacts."""
    require(viewer, Action.VIEW_INTERACTIONS)
    with state.engine.connect() as connection:
        detail = get_interaction(connection, viewer, interaction_id)
        workspaces = memberships_of(connection, viewer.account)
        quality = interaction_quality(connection, interaction_id, [m.text for m in detail.messages])
    return _render(
        state,
        request,
        "interactions/interaction.html",
        {
            "viewer": viewer,
            "item": detail,
            "quality": quality,
            "memberships": workspaces,
            "can_see_rejects": can_see_rejects(viewer),
        },
    )


@router.get("/rejects")
def rejects_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    show_all: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Records an import rejected, with file, line, field and reason."""
    require_rejects(viewer)
    with state.engine.connect() as connection:
        rejects = list(
            list_rejects(
                connection,
                viewer.workspace,
                include_resolved=show_all,
                limit=101,
                offset=offset,
            )
        )
        workspaces = memberships_of(connection, viewer.account)
    more = len(rejects) > 100
    return _render(
        state,
        request,
        "ingest/rejects.html",
        {
            "viewer": viewer,
            "rejects": rejects[:100],
            "show_all": show_all,
            "next_offset": offset + 100 if more else None,
            "memberships": workspaces,
            "can_see_rejects": True,
        },
    )
