"""The ingest API: ``POST /api/v1/interactions``, ``/api/v1/surveys`` and
``/api/v1/work-items`` with an API key, and ``GET /api/v1/rejects``, the records
imports rejected (for people, with a session).

Machines authenticate with ``Authorization: Bearer <key>``; the key decides
the workspace. See docs/api.md for the shapes and examples.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from kontrol.accounts.access import require_rejects
from kontrol.accounts.apikeys import authenticate_key_cached
from kontrol.domain.errors import InvalidInput, KontrolError
from kontrol.ingest.pushes import MAX_BODY_BYTES, ingest
from kontrol.ingest.rejects import list_rejects
from kontrol.store.database import database_unavailable
from kontrol.web.deps import CurrentViewer, Db
from kontrol.web.errors import status_of
from kontrol.web.headers import with_security_headers
from kontrol.web.params import Offset
from kontrol.web.security import LoginRequired
from kontrol.web.state import app_state

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["ingest"])
# Reading the rejects is for people (a session), documented with the rest of v1.
rejects_router = APIRouter(prefix="/api/v1", tags=["v1"])

_RECORDS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "one FORMAT.md record"},
                        {
                            "type": "array",
                            "items": {"type": "object"},
                            "maxItems": 1000,
                            "description": "a batch of FORMAT.md records",
                        },
                    ]
                }
            }
        },
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "a repeated request with the same key gets the first answer",
        }
    ],
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "every record stored (imported, updated or unchanged)"},
    401: {"description": "no API key, or an unknown or revoked one"},
    409: {"description": "the Idempotency-Key was used for another request"},
    422: {"description": "some records rejected: `rejects` names index and field; the rest stored"},
}


# Documents the scheme in the OpenAPI schema; the check itself is in _secret.
_BEARER = HTTPBearer(auto_error=False, description="the workspace's API key (kon_…)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]

ENDPOINTS = {
    "/api/v1/interactions": "interactions",
    "/api/v1/surveys": "surveys",
    "/api/v1/work-items": "work-items",
}
_FLAGS = {"true": True, "1": True, "yes": True, "on": True}
_FLAGS |= {"false": False, "0": False, "no": False, "off": False}


def _secret(authorization: str | None) -> str:
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise LoginRequired(
            "send the workspace's API key as 'Authorization: Bearer <key>'", key="api.error.no_key"
        )
    return secret.strip()


def _flag(text: str | None) -> bool:
    if text is None:
        return False
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise InvalidInput(
            "wait: true or false",
            key="error.true_false",
            where_key="error.where.field",
            where_params={"field": "wait"},
        ) from None


def answer(
    engine: Engine,
    endpoint: str,
    *,
    authorization: str | None,
    idempotency_key: str | None,
    wait: str | None,
    body: bytes,
) -> tuple[int, dict[str, Any], bool]:
    """One ingest request, start to end: ``(status, JSON body, replayed)``.

    Runs in a worker thread. Domain errors become their status with
    ``{"detail": ...}``, as everywhere under /api.
    """
    try:
        secret = _secret(authorization)
        waits = _flag(wait)
        key = authenticate_key_cached(engine, secret)
        if key is None:
            raise LoginRequired("unknown or revoked API key", key="api.error.bad_key")
        result = ingest(
            engine=engine,
            key=key,
            endpoint=endpoint,
            body=body,
            idempotency_key=idempotency_key,
            wait=waits,
        )
    except KontrolError as error:
        return status_of(error), {"detail": str(error)}, False
    return result.status, result.body, result.replayed


class IngestLane:
    """Serves the ingest endpoints straight from ASGI, ahead of the app's stack.

    A helpdesk or telephony system may push hundreds of records a second, and
    the session middleware, routing and dependency injection cost more than
    storing a record. The lane answers exactly what the routes below answer
    (they document the endpoints in the OpenAPI schema and call the same
    function), with the security headers and ``{"detail": ...}`` errors.
    Other methods on these paths go on to the app, which answers 405.
    """

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = ENDPOINTS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if endpoint is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        body = await _read_body(receive)
        try:
            status, content, replayed = await anyio.to_thread.run_sync(
                lambda: answer(
                    self.engine,
                    endpoint,
                    authorization=_text(headers.get(b"authorization")),
                    idempotency_key=_text(headers.get(b"idempotency-key")),
                    wait=query["wait"][-1] if "wait" in query else None,
                    body=body,
                )
            )
        except Exception as error:
            if not database_unavailable(error):
                log.exception("ingest request failed")
                status, content, replayed = 500, {"detail": "internal error"}, False
            else:
                # The sender retries; with an Idempotency-Key a batch that did land is not doubled.
                log.warning("ingest request refused, the database is unavailable: %s", error)
                detail = {"detail": "the database is unavailable, retry later", "status": 503}
                status, content, replayed = 503, detail, False
        payload = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        reply = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        if replayed:
            reply.append((b"idempotent-replayed", b"true"))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": with_security_headers(reply),
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


async def _read_body(receive: Receive) -> bytes:
    # One byte over the limit is enough for parse_body to refuse the request.
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _handle(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    endpoint: str,
    wait: bool,
) -> JSONResponse:
    status, content, replayed = await run_in_threadpool(
        answer,
        app_state(request).engine,
        endpoint,
        authorization=request.headers.get("authorization"),
        idempotency_key=request.headers.get("idempotency-key"),
        wait="true" if wait else None,
        body=await request.body(),
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(content, status_code=status, headers=headers)


Wait = Annotated[
    bool,
    Query(
        description="answer only after the records are scored, counted in the KPIs, "
        "alerted on and routed (effects: done); by default the answer comes once they "
        "are stored and those effects follow a moment later (effects: queued)"
    ),
]


@router.post("/interactions", openapi_extra=_RECORDS_BODY, responses=_RESPONSES)
async def post_interactions(
    request: Request, credentials: Credentials, wait: Wait = False
) -> JSONResponse:
    """Store interactions (one record or a batch) in the API key's workspace."""
    return await _handle(request, credentials, "interactions", wait)


@router.post("/surveys", openapi_extra=_RECORDS_BODY, responses=_RESPONSES)
async def post_surveys(
    request: Request, credentials: Credentials, wait: Wait = False
) -> JSONResponse:
    """Store survey answers (one record or a batch); ``kind`` may be left out."""
    return await _handle(request, credentials, "surveys", wait)


@router.post("/work-items", openapi_extra=_RECORDS_BODY, responses=_RESPONSES)
async def post_work_items(
    request: Request, credentials: Credentials, wait: Wait = False
) -> JSONResponse:
    """Store work items, CRM deals, tickets or tasks (one record or a batch; ``kind`` may be
    left out: it is ``work_item``)."""
    return await _handle(request, credentials, "work-items", wait)


@rejects_router.get("/rejects")
def rejects(
    db: Db,
    viewer: CurrentViewer,
    include_resolved: bool = False,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Records an import rejected (admins and QA leads)."""
    require_rejects(viewer)
    items = list_rejects(
        db, viewer.workspace, include_resolved=include_resolved, limit=limit, offset=offset
    )
    return {"items": [item.as_json() for item in items]}
