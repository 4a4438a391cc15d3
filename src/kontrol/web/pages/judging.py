"""The language-model criteria page (docs/judging.md): the workspace's endpoint
(admins), the criteria with their agreement with reviewers, shadow mode, and the
YAML editor, import and export (QA leads). Thin: load, authorize, call
``kontrol.judging``, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kontrol.accounts.policy import Action, allowed, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.jobs import enqueue
from kontrol.judging.agreement import model_agreement
from kontrol.judging.answering import requests_on
from kontrol.judging.criteria import (
    criteria_yaml,
    import_criteria_yaml,
    list_criteria,
    set_shadow,
)
from kontrol.judging.endpoint import (
    DEFAULT_DAILY_BUDGET,
    DEFAULT_TIMEOUT_SECONDS,
    endpoint_of,
    save_endpoint,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)

EXAMPLE = """criteria:
  - name: solved
    title: Решил вопрос клиента
    question: Did the agent solve the customer's problem or give a clear next step?
    scorecard: default-ru
    criterion: solution_correct
    shadow: true
"""
DONE = ("endpoint", "criteria", "shadow", "live")


def _judging_page(
    page: Page,
    *,
    error: str | None = None,
    yaml_text: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    workspace_id = page.viewer.workspace.id
    connection = page.connection
    criteria = list_criteria(connection, workspace_id)
    endpoint = endpoint_of(connection, workspace_id)
    context: dict[str, Any] = {
        "endpoint": endpoint,
        "defaults": {
            "daily_budget": DEFAULT_DAILY_BUDGET,
            "timeout_seconds": DEFAULT_TIMEOUT_SECONDS,
        },
        "used_today": requests_on(connection, workspace_id, utcnow().date()),
        "criteria": [(c, model_agreement(connection, workspace_id, c)) for c in criteria],
        "yaml": yaml_text
        if yaml_text is not None
        else (criteria_yaml(criteria) if criteria else EXAMPLE),
        "can_set_endpoint": allowed(page.viewer, Action.MANAGE_INTEGRATIONS),
        "error": error,
        "done": done if done in DONE else None,
    }
    return page.render("judging/judging.html", context, status=status)


@router.get("/judging")
def judging_page(viewer: CurrentViewer, page: CurrentPage, done: str | None = None) -> Response:
    """The endpoint, the criteria, their agreement with reviewers and the YAML editor."""
    require(viewer, Action.MANAGE_CHECKS)
    return _judging_page(page, done=done)


def _number(name: str, value: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(value.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(
            f"{name}: expected a number",
            key="judging.error.number",
            where_key="error.where.field",
            where_params={"field": name},
        ) from None


@router.post("/judging/endpoint")
def endpoint_save(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    base_url: Annotated[str, Form()] = "",
    model: Annotated[str, Form()] = "",
    api_key: Annotated[str, Form()] = "",
    daily_budget: Annotated[str, Form()] = str(DEFAULT_DAILY_BUDGET),
    timeout_seconds: Annotated[str, Form()] = str(DEFAULT_TIMEOUT_SECONDS),
    mask_personal_data: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Set the workspace's endpoint (admins); an empty key field keeps the stored key."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_INTEGRATIONS)
    try:
        with attempt(db):
            save_endpoint(
                db,
                viewer.workspace.id,
                base_url=base_url,
                model=model,
                api_key=api_key or None,
                mask_personal_data=bool(mask_personal_data),
                daily_budget=_number("daily_budget", daily_budget, int),
                timeout_seconds=_number("timeout_seconds", timeout_seconds, float),
                enabled=bool(enabled),
                user_id=viewer.account.id,
            )
    except REFUSALS as error:
        return _judging_page(page, error=page.says(error), status=status_of(error))
    return RedirectResponse("/judging?done=endpoint", status_code=303)


@router.post("/judging/criteria")
async def criteria_save(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Save criteria from the editor or an uploaded YAML file (by name: new or updated)."""
    require(viewer, Action.MANAGE_CHECKS)
    form = await request.form(max_files=1, max_fields=10)
    check_csrf(request, str(form.get("csrf_token") or ""))
    upload = form.get("file")
    source = "criteria.yaml"
    text = str(form.get("yaml") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        source = upload.filename.replace("/", "_")[-100:]
        raw = await upload.read(1024 * 1024 + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _judging_page(page, error=f"{source}: not UTF-8 text", status=422)
    try:
        with attempt(db):
            import_criteria_yaml(
                db, viewer.workspace.id, text, user_id=viewer.account.id, source=source
            )
    except REFUSALS as error:
        return _judging_page(page, error=page.says(error), yaml_text=text, status=status_of(error))
    enqueue(db.engine, "judging.apply", connection=db, workspace_id=viewer.workspace.id)
    return RedirectResponse("/judging?done=criteria", status_code=303)


@router.get("/judging/criteria.yaml")
def criteria_export(db: Db, viewer: CurrentViewer) -> Response:
    """Every criterion as YAML, to keep in version control or move to another workspace."""
    require(viewer, Action.MANAGE_CHECKS)
    text = criteria_yaml(list_criteria(db, viewer.workspace.id))
    return Response(
        text,
        media_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="criteria.yaml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/judging/criteria/{criterion_id}/shadow")
def criterion_shadow(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    criterion_id: Id,
    shadow: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Shadow mode on (answers shown, not counted) or off (answers count in scores)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    on = shadow == "1"
    set_shadow(db, viewer.workspace.id, criterion_id, on, viewer.account.id)
    enqueue(db.engine, "judging.apply", connection=db, workspace_id=viewer.workspace.id)
    return RedirectResponse(f"/judging?done={'shadow' if on else 'live'}", status_code=303)
