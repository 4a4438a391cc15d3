"""The reviewer workspace: my queue, scoring an interaction, agreement with the checks.

Pages under ``/review`` and ``/interactions/{id}/evaluate``; the JSON API under
``/api/v1/review``, ``/api/v1/evaluations/{id}`` (PUT) and
``/api/v1/interactions/{id}/evaluations`` (POST). Thin: load, authorize (the
service asks the policy), call ``review/evaluations.py``, render.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer, can_see_rejects
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.policy import Action, require
from kontrol.checks.audio import local_recording
from kontrol.checks.quality import interaction_quality
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.interactions.listing import InteractionDetail, get_interaction
from kontrol.review.assigned_items import get_assigned_item, my_queue, next_in_queue
from kontrol.review.evaluations import get_evaluation, my_evaluations
from kontrol.review.machine_agreement import review_agreement
from kontrol.review.saving import AnswerInput, create_evaluation, save_evaluation
from kontrol.review.scoring_form import CriterionAnswer, ReviewForm, review_form
from kontrol.settings import current_settings
from kontrol.web.security import CurrentViewer, State, check_csrf

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["v1"])

AUDIO_TYPES = {".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".flac", ".webm"}
ACTIONS = ("draft", "submit", "submit_next")


def _render(
    state: State, request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    return state.templates.TemplateResponse(request, name, context, status_code=status)


def _base(connection: Connection, viewer: Viewer) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "memberships": memberships_of(connection, viewer.account),
        "can_see_rejects": can_see_rejects(viewer),
    }


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
def recording_file(state: State, viewer: CurrentViewer, interaction_id: int) -> Response:
    """The audio file of a call, from the recordings folder (never outside it)."""
    require(viewer, Action.REVIEW)
    with state.engine.connect() as connection:
        detail = get_interaction(connection, viewer, interaction_id)
    path = _local_recording(detail.recording or "") if detail.recording else None
    if path is None:
        raise NotFound(f"no recording of interaction {interaction_id}")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not kind.startswith("audio/") and path.suffix.lower() != ".webm":
        raise NotFound(f"no recording of interaction {interaction_id}")
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
    state: State,
    request: Request,
    viewer: Viewer,
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
    with state.engine.connect() as connection:
        form = review_form(
            connection, viewer, interaction_id, item_id=item_id, evaluation_id=evaluation_id
        )
        detail = get_interaction(connection, viewer, interaction_id)
        quality = interaction_quality(connection, interaction_id, [m.text for m in detail.messages])
        following = next_in_queue(connection, viewer, after=form.item.id if form.item else None)
        context = _base(connection, viewer)
    shown_version = form.version
    if kept is not None:
        form = _keep_input(form, *kept)
    recording = _recording(detail)
    response = _render(
        state,
        request,
        "review/review_workspace.html",
        {
            **context,
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
        },
        status,
    )
    if recording is not None and recording.origin:
        from kontrol.web.headers import CONTENT_SECURITY_POLICY

        # The page may play audio from that one site, and nothing else from it.
        response.headers["Content-Security-Policy"] = (
            f"{CONTENT_SECURITY_POLICY}; media-src 'self' {recording.origin}"
        )
    return response


@router.get("/review")
def queue_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """My queue: items assigned to me, by priority and due time; my drafts and recent work."""
    with state.engine.connect() as connection:
        entries = my_queue(connection, viewer)
        drafts = my_evaluations(connection, viewer, status="draft")
        recent = my_evaluations(connection, viewer, status="submitted", limit=10)
        context = _base(connection, viewer)
    return _render(
        state,
        request,
        "review/review_queue.html",
        {
            **context,
            "entries": entries,
            "drafts": drafts,
            "recent": recent,
            "now": utcnow(),
            "empty_queue": request.query_params.get("empty") == "1",
        },
    )


@router.get("/review/next")
def next_page(state: State, viewer: CurrentViewer, after: int | None = None) -> Response:
    """The next item of my queue (after the one just done), or the queue when it is empty."""
    with state.engine.connect() as connection:
        item = next_in_queue(connection, viewer, after=after)
    if item is None:
        return RedirectResponse("/review?empty=1", status_code=303)
    return RedirectResponse(f"/review/items/{item.id}", status_code=303)


@router.get("/review/items/{item_id}")
def item_page(request: Request, state: State, viewer: CurrentViewer, item_id: int) -> Response:
    """Score the interaction of a queue item."""
    with state.engine.connect() as connection:
        item = get_assigned_item(connection, viewer, item_id)
    return _workspace(
        state,
        request,
        viewer,
        item.interaction_id,
        item_id=item.id,
        saved=request.query_params.get("saved"),
    )


@router.get("/interactions/{interaction_id}/evaluate")
def evaluate_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    interaction_id: int,
    evaluation: int | None = None,
) -> Response:
    """Score any interaction (ad hoc), or change an evaluation (``?evaluation=id``)."""
    return _workspace(
        state,
        request,
        viewer,
        interaction_id,
        evaluation_id=evaluation,
        saved=request.query_params.get("saved"),
    )


def _optional_int(value: Any, name: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{name}: expected a number")
    return int(text)


@router.post("/interactions/{interaction_id}/evaluate")
async def evaluate_save(
    request: Request, state: State, viewer: CurrentViewer, interaction_id: int
) -> Response:
    """Save a draft, submit, or change an evaluation from the workspace form."""
    data = await request.form()
    check_csrf(request, str(data.get("csrf_token") or ""))
    action = str(data.get("action") or "draft")
    item_id = _optional_int(data.get("item_id"), "item_id")
    evaluation_id = _optional_int(data.get("evaluation_id"), "evaluation_id")
    comment = str(data.get("comment") or "")
    with state.engine.connect() as connection:
        form = review_form(
            connection, viewer, interaction_id, item_id=item_id, evaluation_id=evaluation_id
        )
    answers = _posted_answers(form, data)
    try:
        if action not in ACTIONS:
            raise InvalidInput(f"action: expected one of {', '.join(ACTIONS)}")
        version = _optional_int(data.get("version"), "version")
        with state.engine.begin() as connection:
            if evaluation_id is None:
                saved = create_evaluation(
                    connection,
                    viewer,
                    interaction_id,
                    answers=answers,
                    comment=comment,
                    submit=action != "draft",
                    item_id=item_id,
                )
            else:
                if version is None:
                    raise InvalidInput("version: missing; reload the page")
                saved = save_evaluation(
                    connection,
                    viewer,
                    evaluation_id,
                    version=version,
                    answers=answers,
                    comment=comment,
                    submit=action != "draft",
                )
    except (Conflict, InvalidInput) as refused:
        # The workspace again with the person's input and the reason it was not saved.
        return _workspace(
            state,
            request,
            viewer,
            interaction_id,
            item_id=item_id,
            evaluation_id=evaluation_id,
            kept=(answers, comment),
            kept_version=_optional_int(data.get("version"), "version"),
            error=str(refused),
            status=409 if isinstance(refused, Conflict) else 422,
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


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: expected a date YYYY-MM-DD") from None


@router.get("/review/agreement")
def agreement_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    date_from: str | None = None,
    date_to: str | None = None,
    reviewer: str | None = None,
    scorecard: str | None = None,
) -> Response:
    """How often reviewers kept or overturned the checks' answers, per criterion."""
    with state.engine.connect() as connection:
        report = review_agreement(
            connection,
            viewer,
            date_from=_date(date_from, "date_from"),
            date_to=_date(date_to, "date_to"),
            reviewer_id=_optional_int(reviewer, "reviewer"),
            scorecard=scorecard or None,
        )
        context = _base(connection, viewer)
    return _render(state, request, "review/review_agreement.html", {**context, "report": report})


# --- the JSON API -------------------------------------------------------------------------


@api.get("/review/queue")
def api_queue(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Open review items assigned to the caller, by priority and due time."""
    with state.engine.connect() as connection:
        entries = my_queue(connection, viewer)
    return {
        "items": [
            {
                **entry.item.as_json(),
                "channel": entry.channel,
                "started_at": entry.started_at.isoformat(),
                "agent": entry.agent,
                "customer": entry.customer,
                "topic": entry.topic,
            }
            for entry in entries
        ]
    }


@api.get("/review/items/{item_id}")
def api_item(state: State, viewer: CurrentViewer, item_id: int) -> dict[str, Any]:
    """A queue item with the scorecard to fill, pre-filled from the checks' verdicts."""
    with state.engine.connect() as connection:
        item = get_assigned_item(connection, viewer, item_id)
        form = review_form(connection, viewer, item.interaction_id, item_id=item.id)
    return {"item": item.as_json(), "form": form.as_json()}


def _body_answers(body: dict[str, Any]) -> dict[str, AnswerInput] | None:
    """``items`` as ``{criterion: {result, comment}}`` or ``[{criterion, result, comment}]``."""
    raw = body.get("items")
    if raw is None:
        return None
    if isinstance(raw, list):
        entries: dict[str, Any] = {}
        for position, entry in enumerate(raw):
            if not isinstance(entry, dict) or not isinstance(entry.get("criterion"), str):
                raise InvalidInput(f"items[{position}].criterion: expected a criterion id")
            entries[entry["criterion"]] = entry
        raw = entries
    if not isinstance(raw, dict):
        raise InvalidInput("items: expected an object of criterion: {result, comment}")
    answers = {}
    for criterion, entry in raw.items():
        if not isinstance(entry, dict):
            raise InvalidInput(f"items.{criterion}: expected an object with result and comment")
        result = entry.get("result")
        if result is not None and not isinstance(result, str | int):
            raise InvalidInput(f"items.{criterion}.result: expected text or a number")
        note = entry.get("comment")
        if note is not None and not isinstance(note, str):
            raise InvalidInput(f"items.{criterion}.comment: expected text")
        answers[str(criterion)] = AnswerInput(result, note)
    return answers


def _body_comment(body: dict[str, Any]) -> str | None:
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput("comment: expected text")
    return comment


def _body_submit(body: dict[str, Any]) -> bool:
    submit = body.get("submit", False)
    if not isinstance(submit, bool):
        raise InvalidInput("submit: expected true or false")
    return submit


@api.post("/interactions/{interaction_id}/evaluations", status_code=201)
def api_create(
    state: State,
    viewer: CurrentViewer,
    interaction_id: int,
    body: Annotated[dict[str, Any], Body()],
) -> JSONResponse:
    """Start a manual evaluation: a draft, or submitted at once (``"submit": true``).

    Criteria not in ``items`` keep the checks' answer (criteria only a person
    answers stay empty); ``item_id`` names the queue item it comes from.
    """
    item_id = body.get("item_id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
        raise InvalidInput("item_id: expected a review item id")
    with state.engine.begin() as connection:
        saved = create_evaluation(
            connection,
            viewer,
            interaction_id,
            answers=_body_answers(body),
            comment=_body_comment(body),
            submit=_body_submit(body),
            item_id=item_id,
        )
    return JSONResponse(saved.as_json(), status_code=201)


@api.put("/evaluations/{evaluation_id}")
def api_save(
    state: State,
    viewer: CurrentViewer,
    evaluation_id: int,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Save a manual evaluation: ``version`` is the one you edited (409 if it changed since).

    Each criterion in ``items`` is replaced whole (result and comment); the others
    stay. ``comment`` (the overall one) stays when absent.
    """
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput("version: expected the version you edited (a number)")
    with state.engine.begin() as connection:
        current = get_evaluation(connection, viewer, evaluation_id)
        comment = _body_comment(body) if "comment" in body else current.comment
        saved = save_evaluation(
            connection,
            viewer,
            evaluation_id,
            version=version,
            answers=_body_answers(body),
            comment=comment,
            submit=_body_submit(body),
        )
    return saved.as_json()


@api.get("/review/agreement")
def api_agreement(
    state: State,
    viewer: CurrentViewer,
    date_from: str | None = None,
    date_to: str | None = None,
    reviewer: int | None = None,
    scorecard: str | None = None,
) -> dict[str, Any]:
    """Per criterion: manual answers compared with the checks' (kept, overturned, kappa)."""
    with state.engine.connect() as connection:
        report = review_agreement(
            connection,
            viewer,
            date_from=_date(date_from, "date_from"),
            date_to=_date(date_to, "date_to"),
            reviewer_id=reviewer,
            scorecard=scorecard or None,
        )
    return report.as_json()
