"""Mystery-shopping pages: programmes and their results (QA), the shopper's phone pages.

``/mystery`` lists programmes and imports one from YAML; a programme's page
shows its results, plan, shoppers and shops; a shop's page compares the
shopper's checklist with the automatic checks of the interaction it became.
``/shop`` is the shopper's own list and the form they submit on a phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.quality import interaction_quality
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import InvalidInput, KontrolError, NotFound
from kontrol.mystery.assignments import (
    check_month,
    current_month,
    generate_assignments,
    get_assignment,
    list_assignments,
)
from kontrol.mystery.programmes import (
    get_programme,
    list_programmes,
    list_shoppers,
    save_programme,
    set_programme_active,
    set_shoppers,
    workspace_shoppers,
)
from kontrol.mystery.results import programme_results
from kontrol.mystery.submissions import (
    SubmissionInput,
    delete_programme,
    file_of,
    get_submission,
    list_submissions,
    shop_problems,
    submission_of,
    submit_shop,
)
from kontrol.mystery.uploads import MAX_FILES, Upload, max_bytes, read_stored
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.form_errors import field_labels, field_texts
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _require_view(viewer: Viewer) -> None:
    require(viewer, Action.VIEW_MYSTERY)


def _local(viewer: Viewer, moment: datetime) -> datetime:
    return from_utc(moment, zone(viewer.workspace.timezone))


def _programmes_page(
    page: Page, *, error: str | None = None, yaml_text: str = "", status: int = 200
) -> Response:
    viewer = page.viewer
    programmes = list_programmes(page.connection, viewer.workspace)
    month = current_month(viewer.workspace)
    summaries = []
    for programme in programmes:
        results = programme_results(page.connection, programme, month_from=month, month_to=month)
        plan = results.fulfilment[0] if results.fulfilment else None
        summaries.append((programme, results.overall, plan))
    return page.render(
        "mystery/programmes.html",
        {
            "summaries": summaries,
            "month": month,
            "error": error,
            "yaml_text": yaml_text,
            "can_manage": allowed(viewer, Action.MANAGE_MYSTERY),
        },
        status=status,
    )


@router.get("/mystery")
def programmes_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The workspace's mystery-shopping programmes with this month's figures."""
    _require_view(viewer)
    return _programmes_page(page)


@router.post("/mystery/programmes")
async def import_programme(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    yaml_text: Annotated[str, Form(alias="yaml")] = "",
    file: UploadFile | None = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a programme (or a new text of one) from YAML typed in or uploaded."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_MYSTERY)
    text = yaml_text
    if file is not None and file.filename:
        raw = await file.read(300_001)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _programmes_page(
                page, error=f"{file.filename[:100]}: {page.t('error.not_utf8')}", status=422
            )
    try:
        with attempt(db):
            programme, _new = save_programme(
                db, viewer.workspace, text, created_by=viewer.account.username
            )
    except REFUSALS as error:
        return _programmes_page(
            page, error=page.says(error), yaml_text=text[:200_000], status=status_of(error)
        )
    return RedirectResponse(f"/mystery/programmes/{programme.id}", status_code=303)


def _programme_page(
    page: Page,
    programme_id: int,
    month: str | None,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    viewer = page.viewer
    db = page.connection
    programme = get_programme(db, viewer.workspace, programme_id)
    chosen = check_month(month) if month else current_month(viewer.workspace)
    results = programme_results(db, programme)
    can_manage = allowed(viewer, Action.MANAGE_MYSTERY)
    context: dict[str, Any] = {
        "programme": programme,
        "spec": programme.spec,
        "results": results,
        "month": chosen,
        "assignments": list_assignments(db, viewer, programme_id=programme.id, month=chosen),
        "submissions": list_submissions(db, viewer, programme_id=programme.id, limit=30),
        "shoppers": list_shoppers(db, programme.id),
        "all_shoppers": workspace_shoppers(db, viewer.workspace) if can_manage else [],
        "can_manage": can_manage,
        "targets": {t.key: t for t in programme.spec.targets},
        "scenarios": {s.key: s for s in programme.spec.scenarios},
        "local": lambda moment: _local(viewer, moment),
        "error": error,
        "notice": notice,
    }
    return page.render("mystery/programme.html", context, status=status)


@router.get("/mystery/programmes/{programme_id}")
def programme_page(
    viewer: CurrentViewer, page: CurrentPage, programme_id: Id, month: str | None = None
) -> Response:
    """A programme: results, plan fulfilment, this month's visits, shops, scenarios."""
    _require_view(viewer)
    return _programme_page(page, programme_id, month)


@router.get("/mystery/programmes/{programme_id}/programme.yaml")
def export_programme(db: Db, viewer: CurrentViewer, programme_id: Id) -> Response:
    """The programme's YAML, as a download."""
    require(viewer, Action.MANAGE_MYSTERY)
    programme = get_programme(db, viewer.workspace, programme_id)
    return Response(
        programme.yaml,
        media_type="application/yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{programme.name}.yaml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/mystery/programmes/{programme_id}/shoppers")
async def programme_shoppers(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, programme_id: Id
) -> Response:
    """Choose the programme's shoppers (a checkbox per shopper of the workspace)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.MANAGE_MYSTERY)
    usernames = [str(value) for value in form.getlist("shopper")]
    try:
        with attempt(db):
            set_shoppers(db, viewer.workspace, programme_id, usernames)
    except REFUSALS as error:
        return _programme_page(
            page, programme_id, None, error=page.says(error), status=status_of(error)
        )
    return RedirectResponse(f"/mystery/programmes/{programme_id}#shoppers", status_code=303)


@router.post("/mystery/programmes/{programme_id}/plan")
def programme_plan(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    programme_id: Id,
    month: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Generate the visits of a month (again: only the missing ones are added)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_MYSTERY)
    try:
        with attempt(db):
            added = generate_assignments(db, viewer.workspace, programme_id, month)
    except REFUSALS as error:
        return _programme_page(
            page, programme_id, None, error=page.says(error), status=status_of(error)
        )
    return RedirectResponse(
        f"/mystery/programmes/{programme_id}?month={month}&added={added}#plan", status_code=303
    )


@router.post("/mystery/programmes/{programme_id}/active")
def programme_active(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    programme_id: Id,
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Pause a programme or run it again."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_MYSTERY)
    set_programme_active(db, viewer.workspace, programme_id, active=active == "1")
    return RedirectResponse(f"/mystery/programmes/{programme_id}", status_code=303)


@router.post("/mystery/programmes/{programme_id}/delete")
def programme_delete(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    programme_id: Id,
    confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Delete a programme with its visits, shops and uploaded files (typed name confirms)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_MYSTERY)
    programme = get_programme(db, viewer.workspace, programme_id)
    if confirm.strip() != programme.name:
        raise InvalidInput(
            f"confirm: type the programme's name {programme.name!r} to delete it",
            key="mystery.error.confirm_delete",
            params={"name": programme.name},
            where_key="error.where.field",
            where_params={"field": "confirm"},
        )
    delete_programme(db, viewer.workspace, programme_id)
    return RedirectResponse("/mystery", status_code=303)


@router.get("/mystery/submissions/{submission_id}")
def submission_page(
    db: Db, viewer: CurrentViewer, page: CurrentPage, submission_id: Id
) -> Response:
    """One shop: the shopper's checklist beside the automatic checks of its interaction."""
    if not (allowed(viewer, Action.VIEW_MYSTERY) or allowed(viewer, Action.SHOP)):
        _require_view(viewer)
    submission = get_submission(db, viewer, submission_id)
    quality = None
    if submission.interaction_id is not None and allowed(viewer, Action.VIEW_INTERACTIONS):
        quality = interaction_quality(db, submission.interaction_id, [])
    action_link = None
    if submission.low and allowed(viewer, Action.MANAGE_MYSTERY):
        title = f"{submission.target.title}: {submission.scenario.title} ({submission.score})"
        action_link = (
            f"/actions/new?title={quote(title)}&source={quote(f'mystery:{submission.id}')}"
        )
    return page.render(
        "mystery/submission.html",
        {
            "s": submission,
            "quality": quality,
            "action_link": action_link,
            "local": lambda moment: _local(viewer, moment),
            "is_staff": allowed(viewer, Action.VIEW_MYSTERY),
        },
    )


@router.get("/mystery/files/{file_id}")
def submission_file(db: Db, viewer: CurrentViewer, file_id: Id) -> Response:
    """An uploaded file: images shown sandboxed, everything else downloaded; never as HTML."""
    if not (allowed(viewer, Action.VIEW_MYSTERY) or allowed(viewer, Action.SHOP)):
        _require_view(viewer)
    stored, path = file_of(db, viewer, file_id)
    disposition = "inline" if stored.image else "attachment"
    return Response(
        read_stored(path),
        media_type=stored.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )


# -- the shopper's pages ------------------------------------------------------------------


@router.get("/shop")
def my_assignments(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
    """The shopper's visits: open ones first, then those submitted."""
    require(viewer, Action.SHOP)
    items = list_assignments(db, viewer, mine=True, limit=200)
    done = {a.id: submission_of(db, viewer, a) for a in items if a.done}
    return page.render("mystery/my_assignments.html", {"items": items, "done": done})


# The fields of a shop's form, named as its errors name them (and each criterion of the
# checklist by its title).
SHOP_LABELS = {
    name: f"field.{name}"
    for name in ("happened_at", "channel", "files", "transcript", "conversation", "answers")
}


def _shop_form(
    page: Page,
    assignment_id: int,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    problems: dict[str, KontrolError] | None = None,
    status: int = 200,
) -> Response:
    viewer = page.viewer
    assignment = get_assignment(page.connection, viewer, assignment_id)
    labels = field_labels(page, SHOP_LABELS)
    for criterion in assignment.scenario.checklist.criteria:
        labels[f"answers.{criterion.id}"] = criterion.title
    if assignment.shopper_id != viewer.account.id:
        raise NotFound(
            f"no assignment {assignment_id}",
            key="mystery.error.no_assignment",
            params={"assignment_id": assignment_id},
        )
    now = _local(viewer, utcnow())
    defaults = {
        "happened_at": now.strftime("%Y-%m-%dT%H:%M"),
        "channel": assignment.scenario.channel,
        "answers": {},
    }
    return page.render(
        "mystery/shop_form.html",
        {
            "a": assignment,
            "form": form or defaults,
            "error": error,
            "errors": field_texts(page, problems or {}),
            "labels": labels,
            "submission_id": submission_of(page.connection, viewer, assignment)
            if assignment.done
            else None,
            "max_mb": max_bytes() // (1024 * 1024),
            "max_files": MAX_FILES,
        },
        status=status,
    )


@router.get("/shop/{assignment_id}")
def shop_form(viewer: CurrentViewer, page: CurrentPage, assignment_id: Id) -> Response:
    """One visit: what to ask and check, and the form to report it."""
    require(viewer, Action.SHOP)
    return _shop_form(page, assignment_id)


def _read_moment(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "happened_at: expected a date and time",
            key="mystery.error.moment",
            where_key="error.where.field",
            where_params={"field": "happened_at"},
        ) from None


@router.post("/shop/{assignment_id}")
async def shop_submit(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, assignment_id: Id
) -> Response:
    """Submit a shop: the checklist, the conversation (text and files) and a comment."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FILES * max_bytes() + 1_000_000:
        raise InvalidInput(
            f"files: at most {MAX_FILES} files of {max_bytes() // 2**20} MB each",
            key="mystery.error.upload_too_large",
            params={"max_files": MAX_FILES, "limit": max_bytes() // 2**20},
            where_key="error.where.field",
            where_params={"field": "files"},
        )
    form = await request.form(max_files=MAX_FILES + 1, max_fields=200)
    check_csrf(request, str(form.get("csrf_token") or ""))
    require(viewer, Action.SHOP)
    answers = {
        key[len("answer_") :]: str(value)
        for key, value in form.multi_items()
        if key.startswith("answer_")
    }
    uploads: list[Upload] = []
    for item in form.getlist("files"):
        if isinstance(item, str) or not item.filename:
            continue
        content = await item.read(max_bytes() + 1)
        uploads.append(Upload(item.filename, content))
    fields = {
        name: str(form.get(name) or "")
        for name in ("happened_at", "channel", "contact", "agent_name", "transcript", "comment")
    }
    problems: dict[str, KontrolError] = {}
    try:
        moment = _read_moment(fields["happened_at"])
    except InvalidInput as error:
        problems["happened_at"] = error
        moment = utcnow()
    data = SubmissionInput(
        happened_at=moment,
        channel=fields["channel"],
        contact=fields["contact"],
        agent_name=fields["agent_name"],
        transcript=fields["transcript"],
        comment=fields["comment"],
        answers=answers,
    )
    assignment = get_assignment(db, viewer, assignment_id)
    if assignment.shopper_id == viewer.account.id and not assignment.done:
        # Every wrong field at once, each next to its field (not only the first).
        problems.update(shop_problems(viewer, assignment, data, uploads, moment_typed=not problems))
    if problems:
        return _shop_form(
            page,
            assignment_id,
            form={**fields, "answers": answers},
            problems=problems,
            status=422,
        )
    try:
        with attempt(db):
            submission_id = submit_shop(db, viewer, assignment_id, data, uploads)
    except REFUSALS as error:
        return _shop_form(
            page,
            assignment_id,
            error=page.says(error),
            form={**fields, "answers": answers},
            status=status_of(error),
        )
    return RedirectResponse(f"/mystery/submissions/{submission_id}?sent=1", status_code=303)
