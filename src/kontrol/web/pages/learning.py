"""The "machine vs human" page (docs/learning.md): per scorecard criterion, the rule,
the learned model and the language-model criteria against the reviewers, the
disagreeing conversations, and the QA lead's switch for each learned model. Thin:
load, authorize, call ``kontrol.learning``, render."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.policy import Action, require
from kontrol.i18n.formats import decimal
from kontrol.i18n.messages import error_text
from kontrol.jobs import enqueue
from kontrol.learning.jobs import APPLY_JOB, TRAIN_JOB
from kontrol.learning.report import machine_report
from kontrol.learning.training import switch_model
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)

DONE = ("on", "off", "training")


def _page(
    page: Page, *, done: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    report = machine_report(page.connection, page.viewer)
    context = {
        "report": report,
        "done": done if done in DONE else None,
        "error": error,
        "number": partial(_number, locale_of(page.request)),
    }
    return page.render("learning/machine.html", context, status=status)


def _number(locale: str, value: float | None, places: int = 1) -> str:
    return "—" if value is None else decimal(value, places, locale)


@router.get("/learning")
def machine_page(viewer: CurrentViewer, page: CurrentPage, done: str | None = None) -> Response:
    """Rules, learned models and language models against the reviewers, per criterion."""
    require(viewer, Action.MANAGE_CHECKS, reason="refusal.page.learning")
    return _page(page, done=done)


@router.post("/learning/train")
def train_now(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue the training of the workspace's models now (it also runs every night)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    enqueue(db.engine, TRAIN_JOB, connection=db, workspace_id=viewer.workspace.id)
    return RedirectResponse("/learning?done=training", status_code=303)


@router.post("/learning/models/{model_id}/switch")
def model_switch(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    model_id: Id,
    on: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Use the learned model's verdict for its criterion (only where it beats the rule), or not."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    wanted = on == "1"
    try:
        with attempt(db):
            switch_model(db, viewer.workspace.id, model_id, wanted, viewer.account.id)
    except REFUSALS as error:
        return _page(page, error=error_text(error, locale_of(request)), status=status_of(error))
    enqueue(db.engine, APPLY_JOB, connection=db, workspace_id=viewer.workspace.id)
    return RedirectResponse(f"/learning?done={'on' if wanted else 'off'}", status_code=303)
