"""ScriptSpec pages: the library, one script to walk through, its editor, adherence, the widget.

The widget (``/w/scripts/<token>``) is the one public part: a read-only page for a
helpdesk's side panel, found by a token whose SHA-256 only is stored. It alone
may be framed by another site (its own Content-Security-Policy); every other
page keeps ``frame-ancestors 'none'``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.policy import Action, allowed, interaction_scope, require
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.i18n import LOCALES, translate
from kontrol.i18n.messages import error_text
from kontrol.scripts.editing import new_script, rows_of_form, script_from_form, step_rows
from kontrol.scripts.library import (
    EXAMPLES,
    StoredScript,
    add_feedback,
    create_widget_token,
    get_script,
    install_examples,
    list_scripts,
    revoke_widget_token,
    save_script,
    script_versions,
    step_feedback,
    widget_tokens,
    widget_workspace,
)
from kontrol.scripts.model import KINDS, dump_script
from kontrol.scripts.results import OUTCOMES, observations, script_results
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page, render
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)

# The widget may sit in any helpdesk's side panel; it reads nothing but scripts.
WIDGET_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors *"
)
MAX_YAML = 200_000


def _language(request: Request, chosen: str | None) -> str:
    return chosen if chosen in LOCALES else locale_of(request)


def _script_context(stored: StoredScript, lang: str) -> dict[str, Any]:
    return {"stored": stored, "script": stored.script, "lang": lang, "languages": LOCALES}


# -- the library -----------------------------------------------------------------------


@router.get("/scripts")
def scripts_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, q: str = "", topic: str = ""
) -> Response:
    """The script library: search, topics, one card per script."""
    require(viewer, Action.VIEW_SCRIPTS)
    everything = list_scripts(db, viewer.workspace.id)
    found = list_scripts(db, viewer.workspace.id, search=q[:200], topic=topic[:200])
    topics = sorted({s.script.topic for s in everything})
    return page.render(
        "scripts/library.html",
        {
            "found": found,
            "q": q[:200],
            "topic": topic,
            "topics": topics,
            "lang": locale_of(request),
            "can_edit": allowed(viewer, Action.EDIT_SCRIPTS),
            "examples": EXAMPLES,
            "error": None,
        },
    )


@router.post("/scripts/examples")
def add_examples(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add the shipped example scripts the workspace does not have."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_SCRIPTS)
    install_examples(db, viewer.workspace.id, author=viewer.account.username)
    return RedirectResponse("/scripts", status_code=303)


def _import_page(page: Page, *, error: str | None, text: str, status: int) -> Response:
    return page.render("scripts/import.html", {"error": error, "text": text}, status=status)


@router.get("/scripts/import")
def import_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Paste or upload a script's YAML."""
    require(viewer, Action.EDIT_SCRIPTS)
    return _import_page(page, error=None, text="", status=200)


@router.post("/scripts/import")
async def import_script(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """Store a script from YAML: a new script or a new version of one."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.EDIT_SCRIPTS)
    upload = form.get("file")
    source = "form"
    text = str(form.get("yaml") or "")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        raw = await upload.read(MAX_YAML + 1)
        source = upload.filename[:200]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
            error = translate(locale_of(request), "scripts.error.not_text").format(source=source)
            return _import_page(page, error=error, text="", status=422)
    if len(text) > MAX_YAML:
        error = translate(locale_of(request), "scripts.error.too_big")
        return _import_page(page, error=error, text="", status=422)
    try:
        with attempt(db):
            stored = save_script(
                db,
                viewer.workspace.id,
                text,
                source=source,
                note=str(form.get("note") or ""),
                author=viewer.account.username,
            )
    except REFUSALS as error:
        return _import_page(
            page, error=error_text(error, locale_of(request)), text=text, status=status_of(error)
        )
    return RedirectResponse(f"/scripts/{stored.name}", status_code=303)


@router.get("/scripts/new")
def new_script_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The form of a new script: name, titles, topic."""
    require(viewer, Action.EDIT_SCRIPTS)
    return page.render("scripts/new.html", {"error": None, "form": {}})


@router.post("/scripts/new")
def create_script(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: Annotated[str, Form()] = "",
    title_ru: Annotated[str, Form()] = "",
    title_en: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Create a script with a greeting step; the editor adds the rest."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_SCRIPTS)
    try:
        with attempt(db):
            script = new_script(name, title_ru, title_en, topic)
            try:
                get_script(db, viewer.workspace.id, script.name)
            except NotFound:
                pass
            else:
                raise InvalidInput(
                    f'A script with the code "{script.name}" exists already.',
                    key="scripts.error.exists",
                    params={"name": script.name},
                )
            save_script(
                db,
                viewer.workspace.id,
                dump_script(script),
                source="form",
                note=translate(locale_of(request), "scripts.note.created"),
                author=viewer.account.username,
            )
    except REFUSALS as error:
        form = {"name": name, "title_ru": title_ru, "title_en": title_en, "topic": topic}
        return page.render(
            "scripts/new.html",
            {"error": error_text(error, locale_of(request)), "form": form},
            status=status_of(error),
        )
    return RedirectResponse(f"/scripts/{script.name}/edit", status_code=303)


# -- widget tokens -----------------------------------------------------------------------


def _tokens_page(page: Page, *, secret: str | None = None, error: str | None = None) -> Response:
    return page.render(
        "scripts/widget_tokens.html",
        {
            "tokens": widget_tokens(page.connection, page.viewer.workspace.id),
            "secret": secret,
            "base": str(page.request.base_url).rstrip("/"),
            "error": error,
        },
        status=422 if error else 200,
    )


@router.get("/scripts/widget")
def widget_tokens_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Widget tokens: make one for a helpdesk's side panel, revoke one."""
    require(viewer, Action.EDIT_SCRIPTS)
    return _tokens_page(page)


@router.post("/scripts/widget")
def make_widget_token(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    label: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A new read-only widget token; its secret is shown this once."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_SCRIPTS)
    try:
        with attempt(db):
            _, secret = create_widget_token(
                db, viewer.workspace.id, label, author=viewer.account.username
            )
    except REFUSALS:
        return _tokens_page(page, error=translate(locale_of(request), "scripts.widget.label_error"))
    return _tokens_page(page, secret=secret)


@router.post("/scripts/widget/{token_id}/revoke")
def revoke_token(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    token_id: Id,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Stop a widget token from working."""
    check_csrf(request, csrf_token)
    require(viewer, Action.EDIT_SCRIPTS)
    revoke_widget_token(db, viewer.workspace.id, token_id)
    return RedirectResponse("/scripts/widget", status_code=303)


# -- one script ----------------------------------------------------------------------------


@router.get("/scripts/{name}")
def script_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: str,
    lang: str | None = None,
    version: int | None = None,
) -> Response:
    """A script to walk through: steps, answers leading on, wordings to copy."""
    require(viewer, Action.VIEW_SCRIPTS)
    stored = get_script(db, viewer.workspace.id, name[:80], version)
    context = _script_context(stored, _language(request, lang))
    context.update(
        {
            "versions": script_versions(db, viewer.workspace.id, stored.name),
            "can_edit": allowed(viewer, Action.EDIT_SCRIPTS),
            "can_see_adherence": allowed(viewer, Action.VIEW_SCRIPT_ADHERENCE),
            "sent": request.query_params.get("sent") == "1",
        }
    )
    return page.render("scripts/script.html", context)


@router.get("/scripts/{name}/export.yaml")
def export_script(db: Db, viewer: CurrentViewer, name: str, version: int | None = None) -> Response:
    """The script's YAML, as stored."""
    require(viewer, Action.VIEW_SCRIPTS)
    stored = get_script(db, viewer.workspace.id, name[:80], version)
    return Response(
        stored.yaml,
        media_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{stored.name}-v{stored.version}.yaml"'
        },
    )


@router.post("/scripts/{name}/steps/{step_id}/feedback")
def step_comment(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    name: str,
    step_id: str,
    text: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "agent",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A comment or suggestion on one step ("this step doesn't work")."""
    check_csrf(request, csrf_token)
    require(viewer, Action.VIEW_SCRIPTS)
    if source == "customer" and not allowed(viewer, Action.EDIT_SCRIPTS):
        source = "agent"
    add_feedback(
        db,
        viewer.workspace.id,
        name[:80],
        step_id[:60],
        text,
        source=source,
        author=viewer.account.display_name or viewer.account.username,
    )
    return RedirectResponse(f"/scripts/{name}?sent=1#step-{step_id}", status_code=303)


def _edit_page(
    page: Page,
    stored: StoredScript,
    *,
    rows: list[dict[str, str]],
    error: str | None = None,
    note: str = "",
    status: int = 200,
) -> Response:
    blank = {"id": "", "kind": "question", "position": str(len(rows) + 1)}
    return page.render(
        "scripts/edit.html",
        {
            "stored": stored,
            "script": stored.script,
            "rows": [*rows, blank],
            "kinds": KINDS,
            "error": error,
            "note": note,
            "step_ids": [r.get("id", "") for r in rows if r.get("id")],
        },
        status=status,
    )


@router.get("/scripts/{name}/edit")
def edit_script_page(db: Db, viewer: CurrentViewer, page: CurrentPage, name: str) -> Response:
    """The editor: add, link (answers and next steps) and reorder steps."""
    require(viewer, Action.EDIT_SCRIPTS)
    stored = get_script(db, viewer.workspace.id, name[:80])
    return _edit_page(page, stored, rows=step_rows(stored.script))


@router.post("/scripts/{name}/edit")
async def save_script_form(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, name: str
) -> Response:
    """Save the editor's steps as the script's next version."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.EDIT_SCRIPTS)
    stored = get_script(db, viewer.workspace.id, name[:80])
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    note = fields.get("note", "")
    try:
        with attempt(db):
            if int(fields.get("version") or 0) != stored.version:
                raise InvalidInput(
                    "The script changed in the meantime: open the editor again.",
                    key="scripts.error.stale",
                )
            changed = script_from_form(stored.script, fields)
            saved = save_script(
                db,
                viewer.workspace.id,
                dump_script(changed),
                source="form",
                note=note or translate(locale_of(request), "scripts.note.edited"),
                author=viewer.account.username,
            )
    except REFUSALS as error:
        return _edit_page(
            page,
            stored,
            rows=[r for r in rows_of_form(fields) if r.get("id")],
            error=error_text(error, locale_of(request)),
            note=note,
            status=status_of(error),
        )
    return RedirectResponse(f"/scripts/{saved.name}?saved=1", status_code=303)


@router.get("/scripts/{name}/adherence")
def adherence_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: str,
    version: int | None = None,
) -> Response:
    """Adherence per step, agent, team and version, with outcomes and step feedback."""
    require(viewer, Action.VIEW_SCRIPT_ADHERENCE)
    stored = get_script(db, viewer.workspace.id, name[:80], version)
    versions = script_versions(db, viewer.workspace.id, stored.name)
    items = observations(db, viewer.workspace.id, stored.name, scope=interaction_scope(viewer))
    results = script_results(stored, versions, items)
    feedback = step_feedback(db, viewer.workspace.id, stored.name)
    by_step: dict[str, list[Any]] = {}
    for item in feedback:
        by_step.setdefault(item.step_id, []).append(item)
    return page.render(
        "scripts/adherence.html",
        {
            **_script_context(stored, locale_of(request)),
            "results": results,
            "outcomes": OUTCOMES,
            "feedback": by_step,
            "versions": versions,
        },
    )


# -- the widget (public, by token) -------------------------------------------------------


def _widget(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    lang = context.get("lang") or "ru"

    def tr(key: str) -> str:
        return translate(str(lang), key)

    response = render(request, name, {"tr": tr, **context}, status=status)
    response.headers["Content-Security-Policy"] = WIDGET_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _widget_workspace(db: Connection, token: str) -> int:
    return widget_workspace(db, token[:100])


@router.get("/w/scripts/{token}")
def widget_library(
    request: Request, db: Db, token: str, q: str = "", lang: str | None = None
) -> Response:
    """The widget's list: search scripts by topic or words."""
    chosen = lang if lang in LOCALES else "ru"
    try:
        workspace_id = _widget_workspace(db, token)
    except NotFound:
        return _widget(request, "scripts/widget_gone.html", {"lang": chosen}, status=404)
    found = list_scripts(db, workspace_id, search=q[:200])
    return _widget(
        request,
        "scripts/widget.html",
        {"found": found, "q": q[:200], "token": token, "lang": chosen, "languages": LOCALES},
    )


@router.get("/w/scripts/{token}/{name}")
def widget_script(
    request: Request, db: Db, token: str, name: str, lang: str | None = None
) -> Response:
    """One script in the widget: steps and wordings to copy."""
    chosen = lang if lang in LOCALES else "ru"
    try:
        workspace_id = _widget_workspace(db, token)
        stored = get_script(db, workspace_id, name[:80])
    except NotFound:
        return _widget(request, "scripts/widget_gone.html", {"lang": chosen}, status=404)
    return _widget(
        request,
        "scripts/widget_script.html",
        {**_script_context(stored, chosen), "token": token},
    )
