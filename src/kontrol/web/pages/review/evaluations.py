"""The reviewer workspace: my queue, scoring an interaction, agreement with the checks.

Pages under ``/review`` and ``/interactions/{id}/evaluate``; their JSON API is in
``web/api/review/evaluations.py``. Thin: load, authorize (the feature asks the
policy), call ``review/evaluations.py``, render.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.audio import local_recording
from kontrol.checks.quality import interaction_quality
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.interactions.detail import InteractionDetail, get_interaction
from kontrol.review.assigned_items import (
    get_assigned_item,
    my_open_item,
    my_queue,
    next_in_queue,
)
from kontrol.review.evaluations import ManualEvaluation, my_evaluations
from kontrol.review.machine_agreement import review_agreement
from kontrol.review.saving import AnswerInput, create_evaluation, save_evaluation
from kontrol.review.scoring_form import CriterionAnswer, ReviewForm, Unscorable, review_form
from kontrol.settings import current_settings
from kontrol.speech.originals import has_personal_originals
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.headers import CONTENT_SECURITY_POLICY
from kontrol.web.params import Id, OptionalId, read_day, read_optional_int
from kontrol.web.render import Page
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)

AUDIO_TYPES = {".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".flac", ".webm"}
ACTIONS = ("draft", "submit", "submit_next")


# --- recordings ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recording:
    """How the page plays an interaction's recording (``src`` is none when it cannot)."""

    label: str
    src: str | None
    origin: str | None = None
    problem: str | None = None


def _local_recording(recording: str) -> Path | None:
    """The audio file of a local recording, only inside the recordings folder."""
    if Path(recording).suffix.lower() not in AUDIO_TYPES:
        return None
    return local_recording(recording, Path(current_settings().recordings_dir))


def _recording(detail: InteractionDetail) -> Recording | None:
    raw = (detail.recording or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        # The origin goes into the page's media-src: letters, digits, dots and dashes only.
        if not host or not all(c.isalnum() or c in ".-" for c in host) or not host.isascii():
            return Recording(raw, None, problem="review.recording.bad_url")
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return Recording(raw, None, problem="review.recording.bad_url")
        return Recording(raw, raw, origin=f"{parts.scheme}://{host}{port}")
    if parts.scheme:
        return Recording(raw, None, problem="review.recording.bad_url")
    if _local_recording(raw) is None:
        return Recording(raw, None, problem="review.recording.missing")
    return Recording(raw, f"/review/recordings/{detail.summary.id}")


@router.get("/review/recordings/{interaction_id}")
def recording_file(db: Db, viewer: CurrentViewer, interaction_id: Id) -> Response:
    """The audio file of a call, from the recordings folder (never outside it)."""
    require(viewer, Action.REVIEW)
    detail = get_interaction(db, viewer, interaction_id)
    path = _local_recording(detail.recording or "") if detail.recording else None
    if path is None:
        raise NotFound(
            f"no recording of interaction {interaction_id}",
            key="review.error.no_recording",
            params={"interaction_id": interaction_id},
        )
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not kind.startswith("audio/") and path.suffix.lower() != ".webm":
        raise NotFound(
            f"no recording of interaction {interaction_id}",
            key="review.error.no_recording",
            params={"interaction_id": interaction_id},
        )
    return FileResponse(path, media_type=kind if kind.startswith("audio/") else "audio/webm")


# --- the workspace ------------------------------------------------------------------------


def _posted_answers(form: ReviewForm, data: Any) -> dict[str, AnswerInput]:
    """The answers in a submitted form: ``result.<criterion>`` and ``comment.<criterion>``."""
    return {
        a.criterion.id: AnswerInput(
            str(data.get(f"result.{a.criterion.id}") or "") or None,
            str(data.get(f"comment.{a.criterion.id}") or ""),
        )
        for a in form.answers
    }


def _keep_input(form: ReviewForm, answers: dict[str, AnswerInput], comment: str) -> ReviewForm:
    """The form as the person filled it (shown again after a refusal, nothing lost)."""
    kept: list[CriterionAnswer] = []
    for answer in form.answers:
        given = answers.get(answer.criterion.id)
        if given is None:
            kept.append(answer)
            continue
        result = str(given.result) if given.result is not None else None
        kept.append(replace(answer, result=result, comment=given.comment or None))
    return replace(form, answers=kept, comment=comment or None)


def _workspace(
    page: Page,
    interaction_id: int,
    *,
    item_id: int | None = None,
    evaluation_id: int | None = None,
    kept: tuple[dict[str, AnswerInput], str] | None = None,
    kept_version: int | None = None,
    error: str | None = None,
    status: int = 200,
    saved: str | None = None,
) -> Response:
    db, viewer = page.connection, page.viewer
    try:
        form = review_form(db, viewer, interaction_id, item_id=item_id, evaluation_id=evaluation_id)
    except Unscorable as unscorable:
        return _unscorable(page, interaction_id, unscorable, item_id=item_id)
    detail = get_interaction(db, viewer, interaction_id)
    quality = interaction_quality(db, interaction_id, [m.text for m in detail.messages])
    following = next_in_queue(db, viewer, after=form.item.id if form.item else None)
    shown_version = form.version
    if kept is not None:
        form = _keep_input(form, *kept)
    recording = _recording(detail)
    response = page.render(
        "review/review_workspace.html",
        {
            "form": form,
            "item": detail,
            "s": detail.summary,
            "quality": quality,
            "recording": recording,
            "error": error,
            "saved": saved,
            # After a refusal the form keeps the version it was editing: saving it again
            # is refused again until the person reloads and sees the other change.
            "version": shown_version if kept is None else kept_version,
            "next_item": following,
            "now": utcnow(),
            "originals": allowed(viewer, Action.VIEW_PERSONAL_ORIGINALS)
            and has_personal_originals(db, viewer.workspace.id, interaction_id),
        },
        status=status,
    )
    if recording is not None and recording.origin:
        # The page may play audio from that one site, and nothing else from it.
        response.headers["Content-Security-Policy"] = (
            f"{CONTENT_SECURITY_POLICY}; media-src 'self' {recording.origin}"
        )
    return response


def _unscorable(
    page: Page, interaction_id: int, unscorable: Unscorable, *, item_id: int | None
) -> Response:
    """The scoring page of an interaction no scorecard fits: what it is and what to do."""
    db, viewer = page.connection, page.viewer
    detail = get_interaction(db, viewer, interaction_id)
    item = (
        get_assigned_item(db, viewer, item_id)
        if item_id is not None
        else my_open_item(db, viewer, interaction_id)
    )
    mine = item is not None and item.status == "open" and item.assignee_id == viewer.account.id
    language = unscorable.language
    language_key = f"language.{language}" if language else None
    return page.render(
        "review/review_unscorable.html",
        {
            "item": detail,
            "s": detail.summary,
            "queue_item": item if mine else None,
            "channel": unscorable.channel,
            "language": language,
            "language_named": language_key is not None and page.t(language_key) != language_key,
            "can_edit_scorecards": allowed(viewer, Action.MANAGE_CHECKS),
            "can_view_scorecards": allowed(viewer, Action.VIEW_SCORECARDS),
            "next_item": next_in_queue(db, viewer, after=item.id if item else None),
        },
    )


@router.get("/review")
def review_queue_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage
) -> Response:
    """My queue: items assigned to me, by priority and due time; my drafts and recent work."""
    return page.render(
        "review/review_queue.html",
        {
            "entries": my_queue(db, viewer),
            "drafts": my_evaluations(db, viewer, status="draft"),
            "recent": my_evaluations(db, viewer, status="submitted", limit=10),
            "now": utcnow(),
            "empty_queue": request.query_params.get("empty") == "1",
        },
    )


@router.get("/review/next")
def next_page(db: Db, viewer: CurrentViewer, after: OptionalId = None) -> Response:
    """The next item of my queue (after the one just done), or the queue when it is empty."""
    item = next_in_queue(db, viewer, after=after)
    if item is None:
        return RedirectResponse("/review?empty=1", status_code=303)
    return RedirectResponse(f"/review/items/{item.id}", status_code=303)


@router.get("/review/items/{item_id}")
def item_page(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, item_id: Id
) -> Response:
    """Score the interaction of a queue item."""
    item = get_assigned_item(db, viewer, item_id)
    saved = request.query_params.get("saved")
    return _workspace(page, item.interaction_id, item_id=item.id, saved=saved)


@router.get("/interactions/{interaction_id}/evaluate")
def evaluate_page(
    request: Request,
    page: CurrentPage,
    interaction_id: Id,
    evaluation: OptionalId = None,
) -> Response:
    """Score any interaction (ad hoc), or change an evaluation (``?evaluation=id``)."""
    saved = request.query_params.get("saved")
    return _workspace(page, interaction_id, evaluation_id=evaluation, saved=saved)


def _save(
    db: Connection,
    viewer: Viewer,
    interaction_id: int,
    *,
    action: str,
    item_id: int | None,
    evaluation_id: int | None,
    version: int | None,
    answers: dict[str, AnswerInput],
    comment: str,
) -> ManualEvaluation:
    """Create or change the evaluation as the workspace form asks (``action``)."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"action: expected one of {', '.join(ACTIONS)}",
            key="review.error.one_of",
            params={"join": ", ".join(ACTIONS)},
            where_key="error.where.field",
            where_params={"field": "action"},
        )
    if evaluation_id is None:
        return create_evaluation(
            db,
            viewer,
            interaction_id,
            answers=answers,
            comment=comment,
            submit=action != "draft",
            item_id=item_id,
        )
    if version is None:
        raise InvalidInput(
            "version: missing; reload the page",
            key="review.error.version_missing",
            where_key="error.where.field",
            where_params={"field": "version"},
        )
    return save_evaluation(
        db,
        viewer,
        evaluation_id,
        version=version,
        answers=answers,
        comment=comment,
        submit=action != "draft",
    )


@router.post("/interactions/{interaction_id}/evaluate")
async def evaluate_save(
    request: Request, db: Db, viewer: CurrentViewer, page: CurrentPage, interaction_id: Id
) -> Response:
    """Save a draft, submit, or change an evaluation from the workspace form."""
    data = await request.form()
    check_csrf(request, str(data.get("csrf_token") or ""))
    action = str(data.get("action") or "draft")
    item_id = read_optional_int(data.get("item_id"), "item_id")
    evaluation_id = read_optional_int(data.get("evaluation_id"), "evaluation_id")
    comment = str(data.get("comment") or "")
    form = review_form(db, viewer, interaction_id, item_id=item_id, evaluation_id=evaluation_id)
    answers = _posted_answers(form, data)
    try:
        version = read_optional_int(data.get("version"), "version")
        with attempt(db):
            saved = _save(
                db,
                viewer,
                interaction_id,
                action=action,
                item_id=item_id,
                evaluation_id=evaluation_id,
                version=version,
                answers=answers,
                comment=comment,
            )
    except REFUSALS as refused:
        # The workspace again with the person's input and the reason it was not saved.
        return _workspace(
            page,
            interaction_id,
            item_id=item_id,
            evaluation_id=evaluation_id,
            kept=(answers, comment),
            kept_version=read_optional_int(data.get("version"), "version"),
            error=page.says(refused),
            status=status_of(refused),
        )
    if action == "submit_next":
        return RedirectResponse(f"/review/next?after={item_id or ''}", status_code=303)
    what = "submitted" if saved.status == "submitted" else "draft"
    if item_id is not None:
        return RedirectResponse(f"/review/items/{item_id}?saved={what}", status_code=303)
    return RedirectResponse(
        f"/interactions/{interaction_id}/evaluate?evaluation={saved.id}&saved={what}",
        status_code=303,
    )


# --- agreement ------------------------------------------------------------------------


@router.get("/review/agreement")
def agreement_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    date_from: str | None = None,
    date_to: str | None = None,
    reviewer: str | None = None,
    scorecard: str | None = None,
) -> Response:
    """How often reviewers kept or overturned the checks' answers, per criterion."""
    report = review_agreement(
        db,
        viewer,
        date_from=read_day(date_from, "date_from"),
        date_to=read_day(date_to, "date_to"),
        reviewer_id=read_optional_int(reviewer, "reviewer"),
        scorecard=scorecard or None,
    )
    return page.render("review/review_agreement.html", {"report": report})
