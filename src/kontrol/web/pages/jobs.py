"""The job queue page of admins: runs by status, the dead-letter list, retrying a run.

Thin: load the viewer, check the rule in accounts/policy.py, call ``kontrol.jobs``, render.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, require
from kontrol.ingest.effects_backlog import backlog_state
from kontrol.jobs import retry
from kontrol.jobs import runs as job_runs
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State
from kontrol.web.params import Id
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/admin/jobs")
def jobs_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    status: Annotated[str | None, Query()] = None,
) -> Response:
    """Job runs of the workspace: counts, the newest runs, the dead-letter list, and
    how many pushed records still wait for their effects."""
    require(viewer, Action.MANAGE_INTEGRATIONS)
    chosen = status if status in job_runs.STATUSES else None
    workspace_id = viewer.workspace.id
    context = {
        "counts": job_runs.count_by_status(db, workspace_id=workspace_id),
        "runs": job_runs.list_runs(db, status=chosen, workspace_id=workspace_id, limit=100),
        "status": chosen,
        "statuses": job_runs.STATUSES,
        "backlog": backlog_state(db, workspace_id),
    }
    return page.render("jobs/jobs.html", context)


@router.post("/admin/jobs/{run_id}/retry")
def retry_job_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    run_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a dead or failed run again (the queue commits it on its own connection)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    retry(state.engine, run_id, workspace_id=viewer.workspace.id)
    return RedirectResponse("/admin/jobs", status_code=303)
