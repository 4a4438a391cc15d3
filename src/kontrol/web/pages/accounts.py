"""People and roles of a workspace (admins): ``/admin/people``.

Thin: load the viewer, ``require(viewer, Action.MANAGE_USERS)``, call
``services.people``, render. A refused change (bad input, the last admin)
shows the page again with the message and the person's input kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.logins import MIN_PASSWORD, memberships_of
from kontrol.accounts.members import (
    add_member,
    change_member,
    known_links,
    list_members,
    read_member_input,
    remove_member,
)
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.domain.roles import WorkspaceRole
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]


def _page(
    request: Request,
    state: State,
    viewer: Viewer,
    *,
    error: str | None = None,
    status: int = 200,
    new: dict[str, str] | None = None,
    edited: dict[str, Any] | None = None,
) -> Response:
    with state.engine.connect() as connection:
        members = list_members(connection, viewer.workspace)
        teams, agent_ids = known_links(connection, viewer.workspace)
        workspaces = memberships_of(connection, viewer.account)
    context = {
        "viewer": viewer,
        "memberships": workspaces,
        "can_see_rejects": can_see_rejects(viewer),
        "members": members,
        "roles": [role.value for role in WorkspaceRole],
        "teams": teams,
        "agent_ids": agent_ids,
        "min_password": MIN_PASSWORD,
        "error": error,
        "new": new or {},
        "edited": edited or {},
    }
    response = state.templates.TemplateResponse(
        request, "accounts/people.html", context, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(error: InvalidInput | Conflict) -> int:
    return 409 if isinstance(error, Conflict) else 422


@router.get("/admin/people")
def people_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Members of the workspace with role, team and agent id; forms to change them."""
    require(viewer, Action.MANAGE_USERS)
    return _page(request, state, viewer)


@router.post("/admin/people")
def people_add(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    username: FormText = "",
    display_name: FormText = "",
    password: FormText = "",
    role: FormText = "",
    team: FormText = "",
    agent_id: FormText = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add an existing account, or a new one with a password, to the workspace."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        details = read_member_input(role=role, team=team, agent_id=agent_id)
        with state.engine.begin() as connection:
            add_member(
                connection,
                viewer.workspace,
                username=username,
                details=details,
                display_name=display_name,
                password=password,
            )
    except (InvalidInput, Conflict) as error:
        # The password is never sent back into the page.
        kept = {
            "username": username,
            "display_name": display_name,
            "role": role,
            "team": team,
            "agent_id": agent_id,
        }
        return _page(request, state, viewer, error=str(error), status=_refused(error), new=kept)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/admin/people/{user_id}")
def people_change(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    user_id: int,
    role: FormText = "",
    team: FormText = "",
    agent_id: FormText = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Change one member's role, team and agent id."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        details = read_member_input(role=role, team=team, agent_id=agent_id)
        with state.engine.begin() as connection:
            change_member(connection, viewer.workspace, user_id, details)
    except (InvalidInput, Conflict) as error:
        kept = {"user_id": user_id, "role": role, "team": team, "agent_id": agent_id}
        return _page(request, state, viewer, error=str(error), status=_refused(error), edited=kept)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/admin/people/{user_id}/remove")
def people_remove(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    user_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Take a member out of the workspace (the account itself stays)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_USERS)
    try:
        with state.engine.begin() as connection:
            remove_member(connection, viewer.workspace, user_id)
    except Conflict as error:
        return _page(request, state, viewer, error=str(error), status=409)
    return RedirectResponse("/admin/people", status_code=303)
