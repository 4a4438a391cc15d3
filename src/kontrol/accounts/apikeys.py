"""API keys: how machines (a helpdesk, a telephony system) write into one workspace.

A key is 256 random bits shown once when it is made; only its sha256 is kept
(a slow password hash buys nothing for a key nobody can guess). The key names
its workspace: whatever a request says, it writes there and nowhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, select, update

from kontrol.accounts.audit import AuditAction, record_audit
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.settings import current_settings
from kontrol.store.tables import api_keys, workspaces

KEY_PREFIX = "kon_"
# How many leading characters are kept to tell keys apart ("kon_" and 8 more).
SHOWN_CHARS = 12
# last_used_at is written at most this often per key (not on every request).
USE_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class ApiKey:
    """A key as lists show it (never the key itself)."""

    id: int
    workspace: Workspace
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None

    @property
    def label(self) -> str:
        """Where its rejects are filed: ``api:<name>``."""
        return f"api:{self.name}"


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: ``secret`` is shown this once and never again."""

    key: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    """What is stored for ``secret``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _select() -> Select[Any]:
    return select(
        api_keys, workspaces.c.name.label("ws_name"), workspaces.c.timezone.label("ws_tz")
    ).join(workspaces, workspaces.c.id == api_keys.c.workspace_id)


def _to_key(row: Row[Any]) -> ApiKey:
    r = row._mapping
    return ApiKey(
        id=r["id"],
        workspace=Workspace(id=r["workspace_id"], name=r["ws_name"], timezone=r["ws_tz"]),
        name=r["name"],
        prefix=r["prefix"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        last_used_at=r["last_used_at"],
        revoked_at=r["revoked_at"],
    )


def create_api_key(
    connection: Connection,
    *,
    workspace: Workspace,
    name: str,
    created_by: str,
    address: str | None = None,
) -> NewApiKey:
    """A new key for ``workspace``; its name must be unused among the workspace's active keys."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "name: 1 to 100 characters",
            key="accounts.error.length_100",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    taken = connection.execute(
        select(api_keys.c.id).where(
            api_keys.c.workspace_id == workspace.id,
            api_keys.c.name == name,
            api_keys.c.revoked_at.is_(None),
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"an active API key named {name!r} exists already in {workspace.name!r}",
            key="accounts.error.api_key_exists",
            params={"name": name, "name2": workspace.name},
        )
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    new_id = connection.execute(
        api_keys.insert().values(
            workspace_id=workspace.id,
            name=name,
            prefix=secret[:SHOWN_CHARS],
            key_hash=hash_key(secret),
            created_by=created_by[:100],
            created_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    record_audit(
        connection,
        workspace_id=workspace.id,
        actor=created_by,
        action=AuditAction.API_KEY_CREATED,
        target=name,
        details={"prefix": secret[:SHOWN_CHARS]},
        address=address,
    )
    key = ApiKey(
        id=int(new_id[0]),
        workspace=workspace,
        name=name,
        prefix=secret[:SHOWN_CHARS],
        created_by=created_by[:100],
        created_at=now,
        last_used_at=None,
        revoked_at=None,
    )
    return NewApiKey(key=key, secret=secret)


def list_api_keys(
    connection: Connection, workspace: Workspace, *, include_revoked: bool = True
) -> list[ApiKey]:
    """The workspace's keys, active first, newest first."""
    query = (
        _select()
        .where(api_keys.c.workspace_id == workspace.id)
        .order_by(api_keys.c.revoked_at.is_not(None), api_keys.c.id.desc())
    )
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [_to_key(row) for row in connection.execute(query)]


def get_api_key(connection: Connection, workspace: Workspace, key_id: int) -> ApiKey:
    """Key ``key_id`` of ``workspace`` (a key of another workspace is not found)."""
    row = connection.execute(
        _select().where(api_keys.c.id == key_id, api_keys.c.workspace_id == workspace.id)
    ).first()
    if row is None:
        raise NotFound(
            f"no API key {key_id} in workspace {workspace.name!r}",
            key="accounts.error.no_api_key",
            params={"key_id": key_id, "name": workspace.name},
        )
    return _to_key(row)


def find_api_key(connection: Connection, workspace: Workspace, name_or_prefix: str) -> ApiKey:
    """The active key of ``workspace`` with this name or shown prefix."""
    for key in list_api_keys(connection, workspace, include_revoked=False):
        if name_or_prefix in (key.name, key.prefix):
            return key
    raise NotFound(
        f"no active API key {name_or_prefix!r} in workspace {workspace.name!r}",
        key="accounts.error.no_active_api_key",
        params={"name_or_prefix": name_or_prefix, "name": workspace.name},
    )


def revoke_api_key(
    connection: Connection, key: ApiKey, *, actor: str = "cli", address: str | None = None
) -> ApiKey:
    """Revoke ``key``: from now on it is refused (revoking twice changes nothing)."""
    forget_recent_keys()
    if key.revoked_at is None:
        done = connection.execute(
            update(api_keys)
            .where(api_keys.c.id == key.id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
        if done:
            record_audit(
                connection,
                workspace_id=key.workspace.id,
                actor=actor,
                action=AuditAction.API_KEY_REVOKED,
                target=key.name,
                details={"prefix": key.prefix},
                address=address,
            )
    return get_api_key(connection, key.workspace, key.id)


# Keys recently found valid, by hash: a machine pushing hundreds of requests a
# second costs one look-up per key every few seconds, not one per request.
_recent: dict[str, tuple[float, ApiKey]] = {}
_recent_lock = threading.Lock()


def forget_recent_keys() -> None:
    """Empty this process's cache of valid keys (revoking does it)."""
    with _recent_lock:
        _recent.clear()


def authenticate_key_cached(engine: Engine, secret: str) -> ApiKey | None:
    """:func:`authenticate_key`, remembered for ``KONTROL_API_KEY_CACHE_SECONDS``.

    A key revoked in this process is refused at once; one revoked elsewhere
    (another web process, the command line) within that many seconds.
    """
    seconds = current_settings().api_key_cache_seconds
    digest = hash_key(secret)
    now = time.monotonic()
    if seconds > 0:
        with _recent_lock:
            found = _recent.get(digest)
        if found is not None and now - found[0] < seconds:
            return found[1]
    with engine.begin() as connection:
        key = authenticate_key(connection, secret)
    if key is not None and seconds > 0:
        with _recent_lock:
            if len(_recent) > 10_000:
                _recent.clear()
            _recent[digest] = (now, key)
    return key


def authenticate_key(connection: Connection, secret: str) -> ApiKey | None:
    """The active key ``secret`` is, or None. Notes when it was last used."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    digest = hash_key(secret)
    row = connection.execute(_select().where(api_keys.c.key_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    key = _to_key(row)
    if key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None:
        record_audit(
            connection,
            workspace_id=key.workspace.id,
            actor=key.label,
            action=AuditAction.API_KEY_FIRST_USE,
            target=key.name,
            details={"prefix": key.prefix},
        )
    if key.last_used_at is None or now - key.last_used_at > USE_RESOLUTION:
        connection.execute(update(api_keys).where(api_keys.c.id == key.id).values(last_used_at=now))
    return key
