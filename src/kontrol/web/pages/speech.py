"""The privacy page (workspace admins): retention policy, "forget this customer" and
the log of deletions; a call's kept originals of masked personal data (admins
only, docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.interactions.detail import get_interaction
from kontrol.settings import current_settings
from kontrol.speech.originals import audio_type, original_recording_file, personal_originals
from kontrol.speech.retention import (
    RetentionPolicy,
    deletion_history,
    forget_customer,
    get_policy,
    set_policy,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, client_address

router = APIRouter(include_in_schema=False)

FIELDS = ("recordings_days", "transcripts_days", "customers_days", "interactions_days")


def _privacy_page(
    page: Page,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    workspace_id = page.viewer.workspace.id
    policy = get_policy(page.connection, workspace_id)
    context = {
        "policy": form or {name: getattr(policy, name) for name in FIELDS},
        "keep_originals": policy.keep_originals,
        "log": deletion_history(page.connection, workspace_id, limit=100),
        "error": error,
        "done": done,
    }
    return page.render("speech/privacy.html", context, status=status)


@router.get("/privacy")
def privacy_page(viewer: CurrentViewer, page: CurrentPage, done: str | None = None) -> Response:
    """Retention settings, forgetting a customer and the deletion log."""
    require(viewer, Action.MANAGE_PRIVACY)
    return _privacy_page(page, done=done if done in ("saved", "forgotten") else None)


def _days(name: str, value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(
            f"{name}: a whole number of days, or empty to keep for ever",
            key="speech.error.days",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(value)


@router.post("/privacy/retention")
def save_retention(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    recordings_days: Annotated[str, Form()] = "",
    transcripts_days: Annotated[str, Form()] = "",
    customers_days: Annotated[str, Form()] = "",
    interactions_days: Annotated[str, Form()] = "",
    keep_originals: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Save the workspace's retention policy (admins)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_PRIVACY)
    posted = {
        "recordings_days": recordings_days,
        "transcripts_days": transcripts_days,
        "customers_days": customers_days,
        "interactions_days": interactions_days,
    }
    try:
        with attempt(db):
            days = {name: _days(name, value) for name, value in posted.items()}
            set_policy(
                db,
                viewer.workspace.id,
                RetentionPolicy(
                    recordings_days=days["recordings_days"],
                    transcripts_days=days["transcripts_days"],
                    interactions_days=days["interactions_days"],
                    customers_days=days["customers_days"],
                    keep_originals=keep_originals == "1",
                ),
                by=viewer.account.username,
                recordings_dir=Path(current_settings().recordings_dir),
                address=client_address(request),
            )
    except REFUSALS as error:
        return _privacy_page(page, error=page.says(error), form=posted, status=status_of(error))
    return RedirectResponse("/privacy?done=saved", status_code=303)


@router.post("/privacy/forget")
def forget_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    customer_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Forget one customer (admins); the form asks to type the id twice."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_PRIVACY)
    try:
        with attempt(db):
            if customer_id.strip() != confirm.strip():
                raise InvalidInput(
                    "confirm: type the same customer_id twice",
                    key="speech.error.confirm_customer",
                    where_key="error.where.field",
                    where_params={"field": "confirm"},
                )
            forget_customer(
                db,
                viewer.workspace.id,
                customer_id,
                recordings_dir=Path(current_settings().recordings_dir),
                by=viewer.account.username,
                address=client_address(request),
            )
    except REFUSALS as error:
        return _privacy_page(page, error=page.says(error), status=status_of(error))
    return RedirectResponse("/privacy?done=forgotten", status_code=303)


@router.get("/privacy/originals/{interaction_id}")
def originals_page(viewer: CurrentViewer, page: CurrentPage, interaction_id: Id) -> Response:
    """A call's masked lines beside their originals, and the recording before the tone
    (admins, when the workspace keeps originals)."""
    require(viewer, Action.VIEW_PERSONAL_ORIGINALS)
    detail = get_interaction(page.connection, viewer, interaction_id)
    found = personal_originals(page.connection, viewer.workspace.id, interaction_id)
    return page.render(
        "speech/originals.html",
        {"s": detail.summary, "originals": found, "kept": found.kept},
    )


@router.get("/privacy/originals/{interaction_id}/recording")
def original_recording_page(db: Db, viewer: CurrentViewer, interaction_id: Id) -> Response:
    """The recording before the tone covered its personal data (admins)."""
    require(viewer, Action.VIEW_PERSONAL_ORIGINALS)
    get_interaction(db, viewer, interaction_id)
    path = original_recording_file(
        db, viewer.workspace.id, interaction_id, Path(current_settings().recordings_dir)
    )
    if path is None:
        raise NotFound(
            f"no original recording of interaction {interaction_id}",
            key="speech.error.no_original",
            params={"interaction_id": interaction_id},
        )
    return FileResponse(path, media_type=audio_type(path))
