"""Pages and API of the automatic checks: scorecards, phrase lists, custom checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from kontrol.accounts.access import can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.phrases import builtin_list_text, builtin_lists, parse_list
from kontrol.checks.quality import interaction_quality
from kontrol.checks.scoring import (
    check_settings,
    delete_custom_check,
    ensure_default_scorecards,
    list_scorecards,
    save_custom_check,
    save_phrase_override,
    save_scorecard,
    scorecard_versions,
)
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.interactions.listing import get_interaction
from kontrol.store.tables import custom_checks, phrase_overrides
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["v1"])
LANGUAGES = ("ru", "en")


def _render(state: State, request: Request, name: str, context: dict[str, Any]) -> Response:
    return state.templates.TemplateResponse(request, name, context)


def _base(connection: Any, viewer: Any) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "memberships": memberships_of(connection, viewer.account),
        "can_see_rejects": can_see_rejects(viewer),
        "can_manage": allowed(viewer, Action.MANAGE_CHECKS),
    }


# --- scorecards ---------------------------------------------------------------------


@router.get("/scorecards")
def scorecards_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Every scorecard of the workspace (newest versions)."""
    require(viewer, Action.VIEW_SCORECARDS)
    with state.engine.begin() as connection:
        ensure_default_scorecards(connection, viewer.workspace.id)
        cards = list_scorecards(connection, viewer.workspace.id)
        context = _base(connection, viewer)
    return _render(state, request, "checks/scorecards.html", {**context, "cards": cards})


@router.get("/scorecards/new")
def scorecard_new(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """An empty editor, prefilled with the default scorecard to adapt."""
    require(viewer, Action.MANAGE_CHECKS)
    from kontrol.checks.scoring import default_scorecard_text

    with state.engine.connect() as connection:
        context = _base(connection, viewer)
    text = default_scorecard_text("default-ru").replace("name: default-ru", "name: my-scorecard")
    return _render(
        state,
        request,
        "checks/scorecard.html",
        {**context, "card": None, "versions": [], "yaml": text, "error": None, "editing": True},
    )


@router.get("/scorecards/{name}")
def scorecard_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    name: str,
    version: int | None = None,
    edit: bool = False,
) -> Response:
    """One scorecard: sections, criteria, versions; the YAML editor for QA leads."""
    require(viewer, Action.VIEW_SCORECARDS)
    with state.engine.connect() as connection:
        versions = scorecard_versions(connection, viewer.workspace.id, name)
        context = _base(connection, viewer)
    card = next((v for v in versions if v.version == version), versions[0])
    if version is not None and card.version != version:
        raise NotFound(f"scorecard {name!r} has no version {version}")
    editing = edit and context["can_manage"]
    return _render(
        state,
        request,
        "checks/scorecard.html",
        {
            **context,
            "card": card,
            "versions": versions,
            "yaml": card.yaml,
            "error": None,
            "editing": editing,
        },
    )


@router.post("/scorecards")
def scorecard_save(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Form(alias="yaml")],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Save a scorecard from the editor: a new version; errors are shown with the YAML kept."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    try:
        with state.engine.begin() as connection:
            ensure_default_scorecards(connection, viewer.workspace.id)
            stored = save_scorecard(
                connection, viewer.workspace.id, yaml_text, user_id=viewer.account.id
            )
    except InvalidInput as error:
        with state.engine.connect() as connection:
            context = _base(connection, viewer)
        response = _render(
            state,
            request,
            "checks/scorecard.html",
            {
                **context,
                "card": None,
                "versions": [],
                "yaml": yaml_text,
                "error": str(error),
                "editing": True,
            },
        )
        response.status_code = 422
        return response
    return RedirectResponse(f"/scorecards/{stored.name}", status_code=303)


# --- phrase lists and custom checks -------------------------------------------------


def _overrides(connection: Any, workspace_id: int) -> dict[tuple[str, str], Any]:
    rows = connection.execute(
        select(phrase_overrides).where(phrase_overrides.c.workspace_id == workspace_id)
    )
    return {(row.language, row.list_name): row for row in rows}


def _customs(connection: Any, workspace_id: int) -> list[Any]:
    return list(
        connection.execute(
            select(custom_checks)
            .where(custom_checks.c.workspace_id == workspace_id)
            .order_by(custom_checks.c.check_id)
        )
    )


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
    request: Request,
    state: State,
    viewer: CurrentViewer,
    lang: str = "ru",
    error: str | None = None,
) -> Response:
    """The phrase lists of the checks (built-in and the workspace's) and custom checks."""
    require(viewer, Action.MANAGE_CHECKS)
    language = lang if lang in LANGUAGES else "ru"
    with state.engine.connect() as connection:
        overrides = _overrides(connection, viewer.workspace.id)
        customs = _customs(connection, viewer.workspace.id)
        context = _base(connection, viewer)
    lists = [
        {
            "name": name,
            "file": builtin_list_text(language, name),
            "count": len(phrases),
            "override": overrides.get((language, name)),
        }
        for name, phrases in builtin_lists(language).items()
    ]
    return _render(
        state,
        request,
        "checks/phrases.html",
        {
            **context,
            "language": language,
            "lists": lists,
            "customs": customs,
            "custom_yaml": CUSTOM_EXAMPLE,
            "error": None,
        },
    )


@router.post("/phrases")
def phrases_save(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    language: Annotated[str, Form()],
    list_name: Annotated[str, Form()],
    mode: Annotated[str, Form()],
    phrases: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Extend or replace one list for the workspace (applies to interactions scored next)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    if list_name not in builtin_lists(language if language in LANGUAGES else "ru"):
        raise InvalidInput(f"list: unknown list {list_name[:60]!r}")
    with state.engine.begin() as connection:
        save_phrase_override(
            connection,
            viewer.workspace.id,
            language=language,
            list_name=list_name,
            mode=mode,
            phrases=phrases,
        )
    return RedirectResponse(f"/phrases?lang={language}#list-{list_name}", status_code=303)


@router.post("/custom-checks")
def custom_check_save(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Form(alias="yaml")],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add or change a custom check; a wrong definition is shown with its error."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    try:
        with state.engine.begin() as connection:
            save_custom_check(connection, viewer.workspace.id, yaml_text)
    except InvalidInput as error:
        with state.engine.connect() as connection:
            customs = _customs(connection, viewer.workspace.id)
            context = _base(connection, viewer)
        response = _render(
            state,
            request,
            "checks/phrases.html",
            {
                **context,
                "language": "ru",
                "lists": [],
                "customs": customs,
                "custom_yaml": yaml_text,
                "error": str(error),
            },
        )
        response.status_code = 422
        return response
    return RedirectResponse("/phrases#custom", status_code=303)


@router.post("/custom-checks/{check_id}/delete")
def custom_check_delete(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    check_id: str,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Remove a custom check."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    with state.engine.begin() as connection:
        delete_custom_check(connection, viewer.workspace.id, check_id)
    return RedirectResponse("/phrases#custom", status_code=303)


# --- JSON API -----------------------------------------------------------------------


@api.get("/interactions/{interaction_id}/checks")
def interaction_checks(state: State, viewer: CurrentViewer, interaction_id: int) -> dict[str, Any]:
    """Verdicts with evidence, signals and automatic evaluations of one interaction."""
    require(viewer, Action.VIEW_INTERACTIONS)
    with state.engine.connect() as connection:
        detail = get_interaction(connection, viewer, interaction_id)
        quality = interaction_quality(connection, interaction_id, [m.text for m in detail.messages])
    return quality.as_json()


@api.get("/scorecards")
def api_scorecards(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The scorecards of the workspace (newest versions, with their YAML)."""
    require(viewer, Action.VIEW_SCORECARDS)
    with state.engine.begin() as connection:
        ensure_default_scorecards(connection, viewer.workspace.id)
        cards = list_scorecards(connection, viewer.workspace.id)
    return {
        "items": [
            {
                "name": c.name,
                "version": c.version,
                "title": c.scorecard.title,
                "active": c.is_active,
                "language": c.scorecard.language,
                "pass_mark": c.scorecard.pass_mark,
                "yaml": c.yaml,
            }
            for c in cards
        ]
    }


@api.post("/scorecards", status_code=201)
def api_scorecard_save(
    state: State,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
) -> dict[str, Any]:
    """Add a scorecard or a new version of one (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    with state.engine.begin() as connection:
        ensure_default_scorecards(connection, viewer.workspace.id)
        stored = save_scorecard(
            connection, viewer.workspace.id, yaml_text, user_id=viewer.account.id
        )
    return {"name": stored.name, "version": stored.version}


@api.get("/check-settings")
def api_check_settings(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's phrase-list overrides and custom checks (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    with state.engine.connect() as connection:
        settings = check_settings(connection, viewer.workspace.id)
        customs = _customs(connection, viewer.workspace.id)
    return {
        "phrase_overrides": [
            {
                "language": o.language,
                "list": o.list_name,
                "mode": o.mode,
                "phrases": list(o.phrases),
            }
            for o in settings.overrides
        ],
        "custom_checks": [{"id": row.check_id, "yaml": row.yaml} for row in customs],
    }


@api.put("/phrase-lists/{language}/{list_name}")
def api_phrase_list(
    state: State,
    viewer: CurrentViewer,
    language: str,
    list_name: str,
    phrases: Annotated[list[str], Body(embed=True)],
    mode: Annotated[str, Body(embed=True)] = "extend",
) -> dict[str, Any]:
    """Extend or replace one phrase list for the workspace (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    with state.engine.begin() as connection:
        save_phrase_override(
            connection,
            viewer.workspace.id,
            language=language,
            list_name=list_name,
            mode=mode,
            phrases="\n".join(phrases),
        )
    return {
        "language": language,
        "list": list_name,
        "mode": mode,
        "count": len(parse_list("\n".join(phrases))),
    }


@api.post("/custom-checks", status_code=201)
def api_custom_check(
    state: State,
    viewer: CurrentViewer,
    yaml_text: Annotated[str, Body(embed=True, alias="yaml")],
) -> dict[str, Any]:
    """Add or change a custom check from its YAML (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    with state.engine.begin() as connection:
        check = save_custom_check(connection, viewer.workspace.id, yaml_text)
    return {"id": check.id, "title": check.title}


# The API routes go in with the pages: one router for web/app.py to include.
router.include_router(api)
