"""Pages of the automatic checks: scorecards, phrase lists, custom checks.

Thin: load, authorize, call ``kontrol.checks``, render; the JSON API is in
``web/api/checks.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.audit import AuditAction
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.check_settings import (
    delete_custom_check,
    save_custom_check,
    save_phrase_override,
)
from kontrol.checks.phrases import builtin_list_text, builtin_lists
from kontrol.checks.scorecards import (
    ensure_default_scorecards,
    list_scorecards,
    pick_version,
    scorecard_versions,
)
from kontrol.checks.workspace_settings import phrase_list_overrides, stored_custom_checks
from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import CHANNELS
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import status_of
from kontrol.web.params import OptionalId
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)
LANGUAGES = ("ru", "en")
CsrfToken = Annotated[str | None, Form()]


def _render(page: Page, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    """Every checks page shows the editing links to those who may manage the checks."""
    can_manage = allowed(page.viewer, Action.MANAGE_CHECKS)
    return page.render(name, {"can_manage": can_manage, **context}, status=status)


# --- scorecards ---------------------------------------------------------------------


@router.get("/scorecards")
def scorecards_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Every scorecard of the workspace (newest versions)."""
    require(viewer, Action.VIEW_SCORECARDS)
    ensure_default_scorecards(db, viewer.workspace.id)
    cards = list_scorecards(db, viewer.workspace.id)
    context = {"cards": cards, "channel_order": CHANNELS, "channel_count": len(CHANNELS)}
    return _render(page, "checks/scorecards.html", context)


@router.get("/scorecards/{name}")
def scorecard_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: str,
    version: OptionalId = None,
) -> Response:
    """One scorecard: sections, criteria, versions; the way to its editor for QA leads."""
    require(viewer, Action.VIEW_SCORECARDS)
    versions = scorecard_versions(db, viewer.workspace.id, name)
    card = pick_version(versions, version)
    context = {
        "card": card,
        "versions": versions,
        "yaml": card.yaml,
    }
    return _render(page, "checks/scorecard.html", context)


# --- phrase lists and custom checks -------------------------------------------------


CUSTOM_EXAMPLE = """id: refund_terms
title: Назвал срок возврата денег
channels: [chat, call, email]
rule:
  all:
    - phrases: [оформил возврат, оформила возврат, вернём деньги]
      who: agent
    - regex: '\\d+\\s*(дн|рабоч)'
na_unless:
  phrases: [вернуть деньги, возврат]
  who: customer
"""


@router.get("/phrases")
def phrases_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    lang: str = "ru",
    error: str | None = None,
) -> Response:
    """The phrase lists of the checks (built-in and the workspace's) and custom checks."""
    require(viewer, Action.MANAGE_CHECKS)
    language = lang if lang in LANGUAGES else "ru"
    overrides = phrase_list_overrides(db, viewer.workspace.id)
    lists = [
        {
            "name": name,
            "file": builtin_list_text(language, name),
            "count": len(phrases),
            "override": overrides.get((language, name)),
        }
        for name, phrases in builtin_lists(language).items()
    ]
    context = {
        "language": language,
        "lists": lists,
        "customs": stored_custom_checks(db, viewer.workspace.id),
        "custom_yaml": CUSTOM_EXAMPLE,
        "error": None,
    }
    return _render(page, "checks/phrases.html", context)


@router.post("/phrases")
def phrases_save(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    language: Annotated[str, Form()],
    list_name: Annotated[str, Form()],
    mode: Annotated[str, Form()],
    phrases: Annotated[str, Form()] = "",
    csrf_token: CsrfToken = None,
) -> Response:
    """Extend or replace one list for the workspace (applies to interactions scored next)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    if list_name not in builtin_lists(language if language in LANGUAGES else "ru"):
        raise InvalidInput(
            f"list: unknown list {list_name[:60]!r}",
            key="checks.error.unknown_list",
            params={"list_name": list_name[:60]},
            where_key="error.where.field",
            where_params={"field": "list"},
        )
    save_phrase_override(
        db, viewer.workspace.id, language=language, list_name=list_name, mode=mode, phrases=phrases
    )
    note_action(
        db,
        request,
        viewer,
        AuditAction.CHECKS_CHANGED,
        f"phrase list {language}/{list_name}",
        {"mode": mode},
    )
    return RedirectResponse(f"/phrases?lang={language}#list-{list_name}", status_code=303)


@router.post("/custom-checks")
def custom_check_save(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    yaml_text: Annotated[str, Form(alias="yaml")],
    csrf_token: CsrfToken = None,
) -> Response:
    """Add or change a custom check; a wrong definition is shown with its error."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    try:
        with attempt(db):
            check = save_custom_check(db, viewer.workspace.id, yaml_text)
            note_action(db, request, viewer, AuditAction.CHECKS_CHANGED, f"custom check {check.id}")
    except InvalidInput as error:
        context = {
            "language": "ru",
            "lists": [],
            "customs": stored_custom_checks(db, viewer.workspace.id),
            "custom_yaml": yaml_text,
            "error": page.says(error),
        }
        return _render(page, "checks/phrases.html", context, status=status_of(error))
    return RedirectResponse("/phrases#custom", status_code=303)


@router.post("/custom-checks/{check_id}/delete")
def custom_check_delete(
    request: Request, db: Db, viewer: CurrentViewer, check_id: str, csrf_token: CsrfToken = None
) -> Response:
    """Remove a custom check."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    delete_custom_check(db, viewer.workspace.id, check_id)
    note_action(
        db,
        request,
        viewer,
        AuditAction.CHECKS_CHANGED,
        f"custom check {check_id[:100]}",
        {"deleted": True},
    )
    return RedirectResponse("/phrases#custom", status_code=303)
