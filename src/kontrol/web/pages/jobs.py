"""Admin pages of the live loop: API keys (made once, revoked) and the job queue.

Thin: load the viewer, check the rule in accounts/policy.py, call a service, render.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.apikeys import create_api_key, get_api_key, list_api_keys, revoke_api_key
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.ingest.effects_backlog import backlog_state
from kontrol.jobs import retry
from kontrol.jobs import runs as job_runs
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)


def _context(state: State, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    with state.engine.connect() as connection:
        workspaces = memberships_of(connection, viewer.account)
    return {
        "viewer": viewer,
        "memberships": workspaces,
        "can_see_rejects": can_see_rejects(viewer),
        **extra,
    }


def _keys_page(
    request: Request,
    state: State,
    viewer: Viewer,
    *,
    secret: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with state.engine.connect() as connection:
        keys = list_api_keys(connection, viewer.workspace)
    context = _context(state, viewer, keys=keys, secret=secret, error=error)
    return state.templates.TemplateResponse(
        request, "accounts/api_keys.html", context, status_code=status
    )


@router.get("/admin/api-keys")
def api_keys_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The workspace's API keys and a form to make one."""
    require(viewer, Action.MANAGE_INTEGRATIONS)
    return _keys_page(request, state, viewer)


@router.post("/admin/api-keys")
def api_keys_create(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    name: Annotated[str, Form()],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Make a key; the page shows it this once."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    try:
        with state.engine.begin() as connection:
            made = create_api_key(
                connection,
                workspace=viewer.workspace,
                name=name,
                created_by=viewer.account.username,
            )
    except (Conflict, InvalidInput) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return _keys_page(request, state, viewer, error=str(error), status=status)
    response = _keys_page(request, state, viewer, secret=made.secret)
    # The key is in this page only: never cached, never kept by the browser.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/api-keys/{key_id}/revoke")
def api_keys_revoke(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    key_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Revoke a key of the workspace."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    with state.engine.begin() as connection:
        revoke_api_key(connection, get_api_key(connection, viewer.workspace, key_id))
    return RedirectResponse("/admin/api-keys", status_code=303)


@router.get("/admin/jobs")
def jobs_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    status: Annotated[str | None, Query()] = None,
) -> Response:
    """Job runs of the workspace: counts, the newest runs, the dead-letter list, and
    how many pushed records still wait for their effects."""
    require(viewer, Action.MANAGE_INTEGRATIONS)
    chosen = status if status in job_runs.STATUSES else None
    with state.engine.connect() as connection:
        counts = job_runs.count_by_status(connection, workspace_id=viewer.workspace.id)
        items = job_runs.list_runs(
            connection, status=chosen, workspace_id=viewer.workspace.id, limit=100
        )
        backlog = backlog_state(connection, viewer.workspace.id)
    context = _context(
        state,
        viewer,
        counts=counts,
        runs=items,
        status=chosen,
        statuses=job_runs.STATUSES,
        backlog=backlog,
    )
    return state.templates.TemplateResponse(request, "jobs/jobs.html", context)


@router.post("/admin/jobs/{run_id}/retry")
def jobs_retry(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    run_id: int,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a dead or failed run again."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    retry(state.engine, run_id, workspace_id=viewer.workspace.id)
    return RedirectResponse("/admin/jobs", status_code=303)
