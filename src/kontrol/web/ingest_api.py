"""The ingest API: ``POST /api/v1/interactions`` and ``/api/v1/surveys`` with an API key.

Machines authenticate with ``Authorization: Bearer <key>``; the key decides
the workspace. See docs/api.md for the shapes and examples.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kontrol.services.apikeys import ApiKey, authenticate_key_cached
from kontrol.services.ingest_api import IngestAnswer, ingest
from kontrol.web.security import LoginRequired, app_state

router = APIRouter(prefix="/api/v1", tags=["ingest"])

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


# Documents the scheme in the OpenAPI schema; the check itself is in _key.
_BEARER = HTTPBearer(auto_error=False, description="the workspace's API key (kon_…)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]


def _bearer(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials.strip():
        raise LoginRequired("send the workspace's API key as 'Authorization: Bearer <key>'")
    return credentials.credentials.strip()


def _key(request: Request, secret: str) -> ApiKey:
    key = authenticate_key_cached(app_state(request).engine, secret)
    if key is None:
        raise LoginRequired("unknown or revoked API key")
    return key


def _store(request: Request, endpoint: str, secret: str, body: bytes) -> IngestAnswer:
    key = _key(request, secret)
    return ingest(
        engine=app_state(request).engine,
        key=key,
        endpoint=endpoint,
        body=body,
        idempotency_key=request.headers.get("idempotency-key"),
    )


async def _handle(
    request: Request, credentials: HTTPAuthorizationCredentials | None, endpoint: str
) -> JSONResponse:
    secret = _bearer(credentials)
    body = await request.body()
    answer = await run_in_threadpool(_store, request, endpoint, secret, body)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.post("/interactions", openapi_extra=_RECORDS_BODY, responses=_RESPONSES)
async def post_interactions(request: Request, credentials: Credentials) -> JSONResponse:
    """Store interactions (one record or a batch) in the API key's workspace."""
    return await _handle(request, credentials, "interactions")


@router.post("/surveys", openapi_extra=_RECORDS_BODY, responses=_RESPONSES)
async def post_surveys(request: Request, credentials: Credentials) -> JSONResponse:
    """Store survey answers (one record or a batch); ``kind`` may be left out."""
    return await _handle(request, credentials, "surveys")
