"""A workspace's language-model endpoint: where to ask, with what model, how often."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.store.tables import judging_endpoints

# A key written as ``env:NAME`` is read from the environment variable NAME when a
# request is sent, so the secret itself need not be stored in the database.
ENV_PREFIX = "env:"
DEFAULT_DAILY_BUDGET = 1000
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class JudgingEndpoint:
    """Where a workspace's language-model criteria are asked."""

    base_url: str
    model: str
    api_key: str
    mask_personal_data: bool
    daily_budget: int
    timeout_seconds: float
    enabled: bool

    @property
    def key_hint(self) -> str:
        """The key as shown back: its last four characters at most (``env:NAME`` in full)."""
        if not self.api_key:
            return ""
        if self.api_key.startswith(ENV_PREFIX):
            return self.api_key
        return "…" + self.api_key[-4:] if len(self.api_key) > 8 else "…"

    @property
    def bearer(self) -> str:
        """The key to send: as stored, or read from the environment for ``env:NAME``."""
        if self.api_key.startswith(ENV_PREFIX):
            return os.environ.get(self.api_key[len(ENV_PREFIX) :].strip(), "")
        return self.api_key


def endpoint_of(connection: Connection, workspace_id: int) -> JudgingEndpoint | None:
    """The workspace's endpoint, or None when the admin has not set one."""
    row = connection.execute(
        select(judging_endpoints).where(judging_endpoints.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        return None
    return JudgingEndpoint(
        base_url=row.base_url,
        model=row.model,
        api_key=row.api_key,
        mask_personal_data=bool(row.mask_personal_data),
        daily_budget=int(row.daily_budget),
        timeout_seconds=float(row.timeout_seconds),
        enabled=bool(row.enabled),
    )


def _base_url(value: str) -> str:
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            "base_url: expected an http:// or https:// address",
            key="judging.error.base_url",
            where_key="error.where.field",
            where_params={"field": "base_url"},
        )
    if len(text) > 500:
        raise InvalidInput(
            "base_url: at most 500 characters",
            key="judging.error.base_url_long",
            where_key="error.where.field",
            where_params={"field": "base_url"},
        )
    return text


def save_endpoint(
    connection: Connection,
    workspace_id: int,
    *,
    base_url: str,
    model: str,
    api_key: str | None,
    mask_personal_data: bool,
    daily_budget: int,
    timeout_seconds: float,
    enabled: bool,
    user_id: int | None,
) -> JudgingEndpoint:
    """Set the workspace's endpoint; ``api_key`` None (an empty field) keeps the stored key."""
    model = model.strip()
    if not model or len(model) > 200:
        raise InvalidInput(
            "model: expected a model name of at most 200 characters",
            key="judging.error.model",
            where_key="error.where.field",
            where_params={"field": "model"},
        )
    if daily_budget < 0 or daily_budget > 10_000_000:
        raise InvalidInput(
            "daily_budget: expected 0 to 10000000 requests",
            key="judging.error.daily_budget",
            where_key="error.where.field",
            where_params={"field": "daily_budget"},
        )
    if not 0 < timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise InvalidInput(
            f"timeout_seconds: expected more than 0 and at most {MAX_TIMEOUT_SECONDS:g}",
            key="judging.error.timeout",
            params={"limit": MAX_TIMEOUT_SECONDS},
            where_key="error.where.field",
            where_params={"field": "timeout_seconds"},
        )
    previous = endpoint_of(connection, workspace_id)
    key = api_key.strip() if api_key is not None else (previous.api_key if previous else "")
    values = {
        "base_url": _base_url(base_url),
        "model": model,
        "api_key": key,
        "mask_personal_data": mask_personal_data,
        "daily_budget": daily_budget,
        "timeout_seconds": timeout_seconds,
        "enabled": enabled,
        "updated_at": utcnow(),
        "updated_by": user_id,
    }
    if previous is None:
        connection.execute(judging_endpoints.insert().values(workspace_id=workspace_id, **values))
    else:
        connection.execute(
            judging_endpoints.update()
            .where(judging_endpoints.c.workspace_id == workspace_id)
            .values(**values)
        )
    found = endpoint_of(connection, workspace_id)
    assert found is not None
    return found
