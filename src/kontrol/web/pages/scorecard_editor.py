"""The scorecard form editor: create and change scorecards without writing YAML.

Thin: the form is read into a draft (``kontrol.checks.scorecard_form``), checked
and saved as a new version (``save_scorecard``); the preview scores a checked
conversation with the unsaved draft (``kontrol.checks.scorecard_preview``).
YAML stays available: export any version, import a file into the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kontrol.accounts.audit import AuditAction
from kontrol.accounts.policy import Action, interaction_scope, require
from kontrol.checks.check_settings import check_settings
from kontrol.checks.registry import check_sources, registered_checks
from kontrol.checks.scorecard_form import (
    LANGUAGES,
    ScorecardDraft,
    check_draft,
    draft_from_form,
    draft_of,
    starter_draft,
)
from kontrol.checks.scorecard_preview import Preview, preview_samples, preview_score
from kontrol.checks.scorecards import (
    ensure_default_scorecards,
    known_check_ids,
    list_scorecards,
    pick_version,
    save_scorecard,
    scorecard_versions,
)
from kontrol.domain.errors import InvalidInput, KontrolError, NotFound
from kontrol.domain.scorecard import (
    CHANNELS,
    NA_RULES,
    SCALES,
    Path,
    ScorecardInvalid,
    load_scorecard,
)
from kontrol.i18n import translate
from kontrol.i18n.formats import decimal
from kontrol.i18n.messages import error_text
from kontrol.web.audit_trail import note_action
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.params import OptionalId
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, locale_of

router = APIRouter(include_in_schema=False)
MAX_FIELDS = 4000
MAX_YAML = 512 * 1024


@dataclass(frozen=True, slots=True)
class ShownError:
    """A refusal as the editor shows it: the translated text and the field it points at."""

    text: str
    field_id: str | None = None


def field_id(path: Path) -> str:
    """The id of the form element for the field at ``path`` (``f-sections-0-criteria-1-weight``)."""
    return "f-" + "-".join(str(step) for step in path) if path else "f-title"


def field_label(path: Path, draft: ScorecardDraft | None, locale: str) -> str:
    """The field at ``path`` named as the form shows it: «Раздел 2 «…» · критерий 3 «…» · Вес»."""
    quote = ("«", "»") if locale == "ru" else ("“", "”")
    parts: list[str] = []
    rest = path
    section = None
    if len(rest) >= 2 and rest[0] == "sections" and isinstance(rest[1], int):
        index = rest[1]
        section = draft.sections[index] if draft and index < len(draft.sections) else None
        name = translate(locale, "scorecards.field.section").format(n=index + 1)
        parts.append(
            f"{name} {quote[0]}{section.title}{quote[1]}" if section and section.title else name
        )
        rest = rest[2:]
    if len(rest) >= 2 and rest[0] == "criteria" and isinstance(rest[1], int):
        index = rest[1]
        found = section.criteria[index] if section and index < len(section.criteria) else None
        name = translate(locale, "scorecards.field.criterion").format(n=index + 1)
        parts.append(f"{name} {quote[0]}{found.title}{quote[1]}" if found and found.title else name)
        rest = rest[2:]
    if rest:
        key = f"scorecards.field.{rest[0]}"
        label = translate(locale, key)
        parts.append(str(rest[0]) if label == key else label)
    return " · ".join(parts) or translate(locale, "scorecards.field.title")


def shown_error(
    error: KontrolError, draft: ScorecardDraft | None, locale: str, *, in_form: bool = True
) -> ShownError:
    """The error in the reader's language, its field named as in the form (and its YAML line)."""
    if not isinstance(error, ScorecardInvalid):
        return ShownError(error_text(error, locale))
    label = field_label(error.path, draft, locale)
    if error.line is not None:
        line = translate(locale, "scorecards.field.line").format(line=error.line)
        label = f"{line} · {label}"
    keyed = KontrolError(str(error), key=error.key, params={**error.params, "field": label})
    return ShownError(error_text(keyed, locale), field_id(error.path) if in_form else None)


def shown_errors(error: KontrolError, draft: ScorecardDraft, locale: str) -> list[ShownError]:
    """Every mistake of the form (:class:`DraftInvalid` carries several) as the editor shows it."""
    problems: list[KontrolError] = list(getattr(error, "problems", None) or [error])
    return [shown_error(problem, draft, locale) for problem in problems]


def check_choices(page: Page, draft: ScorecardDraft) -> list[dict[str, Any]]:
    """The checks a criterion may be bound to, grouped and named in the reader's language."""

    def named(check_id: str) -> str:
        label = page.t(f"checks.check.{check_id}")
        return check_id if label == f"checks.check.{check_id}" else label

    builtin = [*registered_checks()]
    for _name, source in check_sources.items():
        builtin.extend(source.check_ids)
    settings = check_settings(page.connection, page.viewer.workspace.id)
    custom = [(c.id, c.title) for c in settings.custom_checks]
    known = set(builtin) | {c for c, _ in custom}
    # A criterion bound to a check that is gone keeps its binding visible (and refused).
    missing = sorted({c.check for s in draft.sections for c in s.criteria if c.check} - known)
    groups = [
        {
            "label": page.t("scorecards.editor.builtin_checks"),
            "options": sorted(((c, named(c)) for c in builtin), key=lambda o: o[1].lower()),
        }
    ]
    if custom:
        groups.append({"label": page.t("scorecards.editor.custom_checks"), "options": custom})
    if missing:
        groups.append({"label": "?", "options": [(c, c) for c in missing]})
    return groups


def render_editor(
    page: Page,
    draft: ScorecardDraft,
    *,
    original: str = "",
    version: int | None = None,
    errors: list[ShownError] | None = None,
    import_error: ShownError | None = None,
    yaml_text: str = "",
    preview: Preview | None = None,
    sample_id: int | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    """The editor page for ``draft`` (a new scorecard when ``original`` is empty).

    ``errors``: each shown in the summary at the top and next to its own field.
    """
    viewer = page.viewer
    errors = errors or []
    samples = preview_samples(page.connection, viewer.workspace.id, interaction_scope(viewer))
    context = {
        "draft": draft,
        "original": original,
        "version": version,
        "errors": errors,
        "field_errors": {e.field_id: e.text for e in errors if e.field_id},
        "import_error": import_error,
        "yaml_text": yaml_text,
        "preview": preview,
        "score_text": _score_text(preview, locale_of(page.request)),
        "samples": samples,
        "sample_id": sample_id if sample_id is not None else (samples[0].id if samples else None),
        "notice": notice,
        "checks": check_choices(page, draft),
        "channels": CHANNELS,
        "languages": LANGUAGES,
        "scales": SCALES,
        "na_rules": NA_RULES,
        "field_id": field_id,
    }
    return page.render("checks/scorecard_editor.html", context, status=status)


def _score_text(preview: Preview | None, locale: str) -> str:
    if preview is None or preview.score.score is None:
        return ""
    return decimal(preview.score.score, 1, locale)


@router.get("/scorecards/new")
def scorecard_new(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The editor for a new scorecard: one section with one criterion to fill in."""
    require(viewer, Action.MANAGE_CHECKS)
    return render_editor(page, starter_draft())


@router.get("/scorecards/{name}/edit")
def scorecard_edit(db: Db, viewer: CurrentViewer, page: CurrentPage, name: str) -> Response:
    """The editor on the newest version of a scorecard."""
    require(viewer, Action.MANAGE_CHECKS)
    newest = scorecard_versions(db, viewer.workspace.id, name)[0]
    return render_editor(
        page,
        draft_of(newest.scorecard),
        original=newest.name,
        version=newest.version,
        yaml_text=newest.yaml,
    )


@router.get("/scorecards/{name}/yaml")
def scorecard_export(
    db: Db, viewer: CurrentViewer, name: str, version: OptionalId = None
) -> Response:
    """One version of a scorecard (the newest by default) as its YAML file."""
    require(viewer, Action.VIEW_SCORECARDS)
    versions = scorecard_versions(db, viewer.workspace.id, name)
    card = pick_version(versions, version)
    return Response(
        card.yaml,
        media_type="application/x-yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{card.name}-v{card.version}.yaml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _existing(page: Page, original: str) -> tuple[str, int | None]:
    """The scorecard being edited (its name and newest version), or a new one."""
    if not original:
        return "", None
    newest = scorecard_versions(page.connection, page.viewer.workspace.id, original)[0]
    return newest.name, newest.version


def _sample_id(raw: object) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 19 else None


@router.post("/scorecards/form")
async def scorecard_form_post(request: Request, page: CurrentPage) -> Response:
    """The editor's form: ``do=save`` stores a new version, ``do=preview`` scores a sample."""
    viewer = page.viewer
    require(viewer, Action.MANAGE_CHECKS)
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    check_csrf(request, str(form.get("csrf_token") or ""))
    locale = locale_of(request)
    original, version = _existing(page, str(form.get("original") or ""))
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    sample_id = _sample_id(form.get("sample"))
    draft = ScorecardDraft()
    try:
        draft = draft_from_form(fields)
        if original:
            draft.name = original  # the id is fixed once created
        settings = check_settings(page.connection, viewer.workspace.id)
        card, text = check_draft(draft, known_checks=known_check_ids(settings))
        if form.get("do") == "preview":
            preview = None
            if sample_id is not None:
                scope = interaction_scope(viewer)
                preview = preview_score(
                    page.connection, viewer.workspace.id, scope, sample_id, card
                )
            return render_editor(
                page,
                draft,
                original=original,
                version=version,
                preview=preview,
                sample_id=sample_id,
                yaml_text=text,
            )
        if not original and card.name in _names(page):
            raise ScorecardInvalid.at(
                ("name",), "name_taken", f"a scorecard {card.name!r} already exists", name=card.name
            )
        with attempt(page.connection):
            stored = save_scorecard(
                page.connection,
                viewer.workspace.id,
                text,
                user_id=viewer.account.id,
                settings=settings,
            )
            note_action(
                page.connection,
                request,
                viewer,
                AuditAction.SCORECARD_CHANGED,
                stored.name,
                {"version": stored.version},
            )
    except (InvalidInput, NotFound) as error:
        return render_editor(
            page,
            draft,
            original=original,
            version=version,
            sample_id=sample_id,
            errors=shown_errors(error, draft, locale),
            status=422,
        )
    return RedirectResponse(f"/scorecards/{stored.name}", status_code=303)


def _names(page: Page) -> set[str]:
    ensure_default_scorecards(page.connection, page.viewer.workspace.id)
    return {c.name for c in list_scorecards(page.connection, page.viewer.workspace.id)}


async def _uploaded_text(form: Any) -> str:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_YAML + 1)
        if len(raw) > MAX_YAML:
            raise InvalidInput(
                "file: larger than 512 KB",
                key="scorecard.error.too_long",
                params={"field": upload.filename[-100:], "limit": MAX_YAML},
            )
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{upload.filename[-100:]}: not UTF-8 text",
                key="scorecard.error.yaml",
                params={"line": 1, "problem": "UTF-8"},
            ) from None
    return str(form.get("yaml") or "")


@router.post("/scorecards/import")
async def scorecard_import_into_form(request: Request, page: CurrentPage) -> Response:
    """A YAML file or text loaded into the form (not saved yet); errors give line and field."""
    viewer = page.viewer
    require(viewer, Action.MANAGE_CHECKS)
    form = await request.form(max_files=1, max_fields=10)
    check_csrf(request, str(form.get("csrf_token") or ""))
    locale = locale_of(request)
    original, version = _existing(page, str(form.get("original") or ""))
    text = ""
    try:
        text = await _uploaded_text(form)
        if not text.strip():
            raise InvalidInput("nothing to import", key="scorecard.error.empty_file")
        settings = check_settings(page.connection, viewer.workspace.id)
        card = load_scorecard(text, known_checks=known_check_ids(settings))
    except InvalidInput as error:
        draft = starter_draft()
        if original:
            draft = draft_of(
                scorecard_versions(page.connection, viewer.workspace.id, original)[0].scorecard
            )
        return render_editor(
            page,
            draft,
            original=original,
            version=version,
            yaml_text=text,
            import_error=shown_error(error, None, locale, in_form=False),
            status=422,
        )
    draft = draft_of(card)
    if original:
        draft.name = original
    elif card.name in _names(page):
        # A scorecard exported, changed and brought back: it becomes its next version.
        original, version = _existing(page, card.name)
    return render_editor(
        page,
        draft,
        original=original,
        version=version,
        yaml_text=text,
        notice=page.t("scorecards.editor.imported"),
    )


@router.post("/scorecards")
def scorecard_save(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    yaml_text: Annotated[str, Form(alias="yaml")],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Save a scorecard straight from YAML: a new version; errors shown with the YAML kept."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_CHECKS)
    try:
        with attempt(db):
            ensure_default_scorecards(db, viewer.workspace.id)
            stored = save_scorecard(db, viewer.workspace.id, yaml_text, user_id=viewer.account.id)
            note_action(
                db,
                request,
                viewer,
                AuditAction.SCORECARD_CHANGED,
                stored.name,
                {"version": stored.version},
            )
    except InvalidInput as error:
        shown = shown_error(error, None, locale_of(request), in_form=False)
        return render_editor(
            page, starter_draft(), yaml_text=yaml_text, import_error=shown, status=422
        )
    return RedirectResponse(f"/scorecards/{stored.name}", status_code=303)
