"""The JSON API of speech under /api/v1/speech: a call's audio figures (the player
draws them), recognition on request, retention and "forget this customer"."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from kontrol.accounts.apikeys import authenticate_key_cached
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import KontrolError, NotFound
from kontrol.interactions.detail import get_interaction
from kontrol.settings import current_settings
from kontrol.speech.originals import audio_type, original_recording_file, personal_originals
from kontrol.speech.recognisers import recognition_error_text
from kontrol.speech.recordings import (
    MAX_UPLOAD_BYTES,
    attach_upload,
    measure,
    queue_recognition,
    recording_of,
)
from kontrol.speech.retention import (
    RetentionPolicy,
    deletion_history,
    forget_customer,
    get_policy,
    set_policy,
)
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.errors import status_of
from kontrol.web.params import Id
from kontrol.web.security import LoginRequired, client_address, locale_of
from kontrol.web.state import app_state

router = APIRouter(prefix="/api/v1/speech", tags=["v1"])


class RetentionBody(BaseModel):
    """Days to keep each kind of data; null keeps it for ever."""

    recordings_days: int | None = Field(default=None, ge=1, le=36500)
    transcripts_days: int | None = Field(default=None, ge=1, le=36500)
    interactions_days: int | None = Field(default=None, ge=1, le=36500)
    customers_days: int | None = Field(default=None, ge=1, le=36500)
    keep_originals: bool = False


class ForgetBody(BaseModel):
    customer_id: str = Field(min_length=1, max_length=200)


def _policy_json(policy: RetentionPolicy) -> dict[str, Any]:
    return {
        "recordings_days": policy.recordings_days,
        "transcripts_days": policy.transcripts_days,
        "interactions_days": policy.interactions_days,
        "customers_days": policy.customers_days,
        "keep_originals": policy.keep_originals,
    }


@router.get("/interactions/{interaction_id}")
def call_figures(
    request: Request, db: Db, viewer: CurrentViewer, interaction_id: Id
) -> dict[str, Any]:
    """What the audio says about a call: turns, silences, overlaps, loudness, pitch.

    ``figures`` is null when the call has no measured recording; ``error`` is why
    the last recognition attempt failed (in the request's language), else null.
    """
    require(viewer, Action.VIEW_INTERACTIONS)
    get_interaction(db, viewer, interaction_id)  # in the viewer's scope, else 404
    row = recording_of(db, viewer.workspace.id, interaction_id)
    return {
        "interaction_id": interaction_id,
        "recognition": row.recognition if row else "none",
        "error": (
            recognition_error_text(row.error, locale_of(request))
            if row and row.recognition != "done"
            else None
        ),
        # null when the call has no recording Kontrol has measured
        "figures": row.figures if row else None,
    }


@router.get("/interactions/{interaction_id}/originals")
def originals(db: Db, viewer: CurrentViewer, interaction_id: Id) -> dict[str, Any]:
    """The call's messages beside the originals of their masked personal data (admins).

    ``original`` is null on a line where nothing was masked or the workspace did
    not keep it; ``recording`` is the address of the recording before the tone,
    null when none is kept.
    """
    require(viewer, Action.VIEW_PERSONAL_ORIGINALS)
    get_interaction(db, viewer, interaction_id)
    found = personal_originals(db, viewer.workspace.id, interaction_id)
    return {
        "interaction_id": interaction_id,
        "messages": [
            {
                "seq": line.seq,
                "role": line.role,
                "start": line.start,
                "end": line.end,
                "text": line.masked,
                "original": line.original,
            }
            for line in found.lines
        ],
        "recording": (
            f"/api/v1/speech/interactions/{interaction_id}/original-recording"
            if found.recording
            else None
        ),
    }


@router.get(
    "/interactions/{interaction_id}/original-recording",
    response_class=FileResponse,
    responses={404: {"description": "no original recording is kept for this call"}},
)
def original_recording(db: Db, viewer: CurrentViewer, interaction_id: Id) -> FileResponse:
    """The call's recording before the tone covered its personal data (admins)."""
    require(viewer, Action.VIEW_PERSONAL_ORIGINALS)
    get_interaction(db, viewer, interaction_id)
    path = original_recording_file(
        db, viewer.workspace.id, interaction_id, Path(current_settings().recordings_dir)
    )
    if path is None:
        raise NotFound(
            f"no original recording of interaction {interaction_id}",
            key="api.error.no_recording",
            params={"interaction_id": interaction_id},
        )
    return FileResponse(path, media_type=audio_type(path))


@router.post("/interactions/{interaction_id}/recognition", status_code=202)
def request_recognition(db: Db, viewer: CurrentViewer, interaction_id: Id) -> dict[str, Any]:
    """Measure the call's recording if needed and queue it for recognition (once)."""
    require(viewer, Action.RECOGNISE_SPEECH)
    get_interaction(db, viewer, interaction_id)
    row = recording_of(db, viewer.workspace.id, interaction_id) or measure(
        db, viewer.workspace.id, interaction_id
    )
    queued = bool(current_settings().speech_recogniser) and queue_recognition(
        db, viewer.workspace.id, row.id
    )
    after = recording_of(db, viewer.workspace.id, interaction_id)
    return {"queued": queued, "recognition": after.recognition if after else row.recognition}


@router.get("/retention")
def read_retention(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The workspace's retention policy."""
    require(viewer, Action.MANAGE_PRIVACY)
    return _policy_json(get_policy(db, viewer.workspace.id))


@router.put("/retention")
def write_retention(
    request: Request, db: Db, viewer: CurrentViewer, body: RetentionBody
) -> dict[str, Any]:
    """Replace the workspace's retention policy; the daily job applies it."""
    require(viewer, Action.MANAGE_PRIVACY)
    policy = RetentionPolicy(
        body.recordings_days,
        body.transcripts_days,
        body.interactions_days,
        body.customers_days,
        body.keep_originals,
    )
    set_policy(
        db,
        viewer.workspace.id,
        policy,
        by=viewer.account.username,
        recordings_dir=Path(current_settings().recordings_dir),
        address=client_address(request),
    )
    return _policy_json(get_policy(db, viewer.workspace.id))


@router.post("/forget")
def forget_api(request: Request, db: Db, viewer: CurrentViewer, body: ForgetBody) -> dict[str, Any]:
    """Remove or anonymise everything about one customer, with a record that it was done."""
    require(viewer, Action.MANAGE_PRIVACY)
    done = forget_customer(
        db,
        viewer.workspace.id,
        body.customer_id,
        recordings_dir=Path(current_settings().recordings_dir),
        by=viewer.account.username,
        address=client_address(request),
    )
    return {
        "interactions": done.interactions,
        "recordings": done.recordings,
        "transcript_lines": done.transcripts,
    }


@router.get("/deletions")
def deletions(db: Db, viewer: CurrentViewer) -> dict[str, Any]:
    """The log of what retention and "forget this customer" deleted, newest first."""
    require(viewer, Action.MANAGE_PRIVACY)
    return {
        "items": [
            {
                "at": row.at.isoformat(),
                "reason": row.reason,
                "what": row.what,
                "count": row.count,
                "customer": row.customer_hash,
                "by": row.requested_by,
            }
            for row in deletion_history(db, viewer.workspace.id)
        ]
    }


# Documents the scheme in the OpenAPI schema; the check itself is in _upload.
_BEARER = HTTPBearer(auto_error=False, description="the workspace's API key (kon_…)")
_AUDIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("audio/wav", "audio/mpeg", "audio/ogg", "audio/flac")
        },
    }
}


def _upload(
    state_engine: Any, authorization: str | None, source: str, external_id: str, data: bytes
) -> tuple[int, dict[str, Any]]:
    scheme, _, secret = (authorization or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not secret.strip():
            raise LoginRequired(
                "send the workspace's API key as 'Authorization: Bearer <key>'",
                key="api.error.no_key",
            )
        key = authenticate_key_cached(state_engine, secret.strip())
        if key is None:
            raise LoginRequired("unknown or revoked API key", key="api.error.bad_key")
        with state_engine.begin() as connection:
            row = attach_upload(
                connection,
                key.workspace.id,
                source=source,
                external_id=external_id,
                data=data,
            )
    except KontrolError as error:
        return status_of(error), {"detail": str(error)}
    figures = row.figures or {}
    return 200, {
        "interaction_id": row.interaction_id,
        "duration": row.duration_s,
        "channels": row.channels,
        "talk_ratio": figures.get("talk_ratio"),
        "silence_ratio": figures.get("silence_ratio"),
        "recognition": row.recognition,
    }


@router.put(
    "/recordings/{source}/{external_id}",
    openapi_extra=_AUDIO_BODY,
    responses={
        401: {"description": "no API key, or an unknown or revoked one"},
        404: {"description": "no interaction with that source and id: push it first"},
        422: {"description": "the body is not a readable recording"},
    },
)
async def upload_recording(
    request: Request,
    source: str,
    external_id: str,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> JSONResponse:
    """Upload a call's recording (WAV, MP3, OGG/Opus, FLAC) with the workspace's API key.

    The interaction is pushed first (``POST /api/v1/interactions``); the recording
    is then measured and, when a recogniser is configured, queued for recognition.
    """
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        return JSONResponse({"detail": "body: the recording is too large"}, status_code=413)
    status, content = await run_in_threadpool(
        _upload,
        app_state(request).engine,
        request.headers.get("authorization"),
        source,
        external_id,
        data,
    )
    return JSONResponse(content, status_code=status)
