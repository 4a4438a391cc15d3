"""The JSON API of reviewing: my queue, a queue item with its form, creating and saving
manual evaluations, agreement with the checks; under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kontrol.domain.errors import InvalidInput
from kontrol.review.assigned_items import get_assigned_item, my_queue
from kontrol.review.evaluations import get_evaluation
from kontrol.review.machine_agreement import review_agreement
from kontrol.review.saving import AnswerInput, create_evaluation, save_evaluation
from kontrol.review.scoring_form import review_form
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.params import Id, OptionalId, read_day

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/review/queue")
def api_queue(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """Open review items assigned to the caller, by priority and due time."""
    entries = my_queue(db, viewer)
    return {
        "items": [
            {
                **entry.item.as_json(),
                "channel": entry.channel,
                "started_at": entry.started_at.isoformat(),
                "agent": entry.agent,
                "customer": entry.customer,
                "topic": entry.topic,
                # False: no scorecard fits it (pass it on to a QA lead; "next" skips it).
                "scorable": entry.scorable,
            }
            for entry in entries
        ]
    }


@router.get("/review/items/{item_id}")
def api_item(db: Db, viewer: CurrentViewer, item_id: Id) -> dict[str, Any]:
    """A queue item with the scorecard to fill, pre-filled from the checks' verdicts."""
    item = get_assigned_item(db, viewer, item_id)
    form = review_form(db, viewer, item.interaction_id, item_id=item.id)
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
                raise InvalidInput(
                    f"items[{position}].criterion: expected a criterion id",
                    key="api.error.criterion_id",
                    params={"position": position},
                )
            entries[entry["criterion"]] = entry
        raw = entries
    if not isinstance(raw, dict):
        raise InvalidInput(
            "items: expected an object of criterion: {result, comment}", key="api.error.items"
        )
    answers = {}
    for criterion, entry in raw.items():
        if not isinstance(entry, dict):
            raise InvalidInput(
                f"items.{criterion}: expected an object with result and comment",
                key="api.error.item",
                params={"criterion": criterion},
            )
        result = entry.get("result")
        if result is not None and not isinstance(result, str | int):
            raise InvalidInput(
                f"items.{criterion}.result: expected text or a number",
                key="api.error.item_result",
                params={"criterion": criterion},
            )
        note = entry.get("comment")
        if note is not None and not isinstance(note, str):
            raise InvalidInput(
                f"items.{criterion}.comment: expected text",
                key="api.error.item_comment",
                params={"criterion": criterion},
            )
        answers[str(criterion)] = AnswerInput(result, note)
    return answers


def _body_comment(body: dict[str, Any]) -> str | None:
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput(
            "comment: expected text",
            key="error.expected_text",
            where_key="error.where.field",
            where_params={"field": "comment"},
        )
    return comment


def _body_submit(body: dict[str, Any]) -> bool:
    submit = body.get("submit", False)
    if not isinstance(submit, bool):
        raise InvalidInput(
            "submit: expected true or false",
            key="error.true_false",
            where_key="error.where.field",
            where_params={"field": "submit"},
        )
    return submit


@router.post("/interactions/{interaction_id}/evaluations", status_code=201)
def api_create(
    db: Db,
    viewer: CurrentViewer,
    interaction_id: Id,
    body: Annotated[dict[str, Any], Body()],
) -> JSONResponse:
    """Start a manual evaluation: a draft, or submitted at once (``"submit": true``).

    Criteria not in ``items`` keep the checks' answer (criteria only a person
    answers stay empty); ``item_id`` names the queue item it comes from.
    """
    item_id = body.get("item_id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
        raise InvalidInput(
            "item_id: expected a review item id",
            key="api.error.item_id",
            where_key="error.where.field",
            where_params={"field": "item_id"},
        )
    saved = create_evaluation(
        db,
        viewer,
        interaction_id,
        answers=_body_answers(body),
        comment=_body_comment(body),
        submit=_body_submit(body),
        item_id=item_id,
    )
    return JSONResponse(saved.as_json(), status_code=201)


@router.put("/evaluations/{evaluation_id}")
def api_save(
    db: Db,
    viewer: CurrentViewer,
    evaluation_id: Id,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Save a manual evaluation: ``version`` is the one you edited (409 if it changed since).

    Each criterion in ``items`` is replaced whole (result and comment); the others
    stay. ``comment`` (the overall one) stays when absent.
    """
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput(
            "version: expected the version you edited (a number)",
            key="api.error.version",
            where_key="error.where.field",
            where_params={"field": "version"},
        )
    current = get_evaluation(db, viewer, evaluation_id)
    comment = _body_comment(body) if "comment" in body else current.comment
    saved = save_evaluation(
        db,
        viewer,
        evaluation_id,
        version=version,
        answers=_body_answers(body),
        comment=comment,
        submit=_body_submit(body),
    )
    return saved.as_json()


@router.get("/review/agreement")
def api_agreement(
    db: Db,
    viewer: CurrentViewer,
    date_from: str | None = None,
    date_to: str | None = None,
    reviewer: OptionalId = None,
    scorecard: str | None = None,
) -> dict[str, Any]:
    """Per criterion: manual answers compared with the checks' (kept, overturned, kappa)."""
    report = review_agreement(
        db,
        viewer,
        date_from=read_day(date_from, "date_from"),
        date_to=read_day(date_to, "date_to"),
        reviewer_id=reviewer,
        scorecard=scorecard or None,
    )
    return report.as_json()
