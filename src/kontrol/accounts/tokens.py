"""Personal API tokens: a person reads ``/api/v1`` from a script or a BI tool.

A token is made by its person on **My account**, for the workspace they are in,
with a name and an expiry (:data:`TOKEN_DAYS`). Like an API key it is 256
random bits shown once, of which only the sha256 is kept
(:func:`kontrol.accounts.apikeys.hash_key`). A request carrying it acts as
that person in that workspace with the role and scope the membership has *at
that request*: changing the role changes what the token sees at once, and
taking the person out of the workspace makes it refused (there is no cache).

Tokens only read: the web layer refuses them on every method but GET/HEAD
(``kontrol.web.security``). Their person and the workspace's admins revoke them.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, select, update

from kontrol.accounts.apikeys import USE_RESOLUTION, hash_key
from kontrol.accounts.audit import AuditAction, record_audit
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.store.tables import personal_tokens, users

TOKEN_PREFIX = "kpt_"
# The lifetimes a person chooses from, in days.
TOKEN_DAYS = (30, 90, 365)
# How many leading characters are kept to tell tokens apart ("kpt_" and 8 more).
TOKEN_SHOWN_CHARS = 12


@dataclass(frozen=True)
class PersonalToken:
    """A token as lists show it (never the token itself)."""

    id: int
    user_id: int
    username: str
    workspace_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if (now or utcnow()) >= self.expires_at:
            return "expired"
        return "active"


@dataclass(frozen=True)
class NewPersonalToken:
    """A token just made: ``secret`` is shown this once and never again."""

    token: PersonalToken
    secret: str


def _select() -> Select[Any]:
    return select(personal_tokens, users.c.username).join(
        users, users.c.id == personal_tokens.c.user_id
    )


def _to_token(row: Any) -> PersonalToken:
    r = row._mapping
    return PersonalToken(
        id=int(r["id"]),
        user_id=int(r["user_id"]),
        username=r["username"],
        workspace_id=int(r["workspace_id"]),
        name=r["name"],
        prefix=r["prefix"],
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        last_used_at=r["last_used_at"],
        revoked_at=r["revoked_at"],
        revoked_by=r["revoked_by"],
    )


def _expiry_refused() -> InvalidInput:
    days = ", ".join(str(d) for d in TOKEN_DAYS)
    return InvalidInput(
        f"expires: {days} days",
        key="accounts.error.token_days",
        params={"days": days},
        where_key="error.where.field",
        where_params={"field": "expires"},
    )


def read_token_days(text: str) -> int:
    """The lifetime chosen on a form or the command line (one of :data:`TOKEN_DAYS`)."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days not in TOKEN_DAYS:
        raise _expiry_refused()
    return days


def create_personal_token(
    connection: Connection,
    *,
    user_id: int,
    workspace: Workspace,
    name: str,
    days: int,
    actor: str,
    address: str | None = None,
) -> NewPersonalToken:
    """A new token of ``user_id`` in ``workspace``, valid ``days`` days (logged)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "name: 1 to 100 characters",
            key="accounts.error.length_100",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    if days not in TOKEN_DAYS:
        raise _expiry_refused()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    inserted = connection.execute(
        personal_tokens.insert().values(
            user_id=user_id,
            workspace_id=workspace.id,
            name=name,
            prefix=secret[:TOKEN_SHOWN_CHARS],
            token_hash=hash_key(secret),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    ).inserted_primary_key
    assert inserted is not None
    token = get_personal_token(connection, workspace.id, int(inserted[0]))
    record_audit(
        connection,
        workspace_id=workspace.id,
        actor=actor,
        action=AuditAction.TOKEN_CREATED,
        target=f"{token.username}: {name}",
        details={"prefix": token.prefix, "days": days},
        address=address,
    )
    return NewPersonalToken(token=token, secret=secret)


def list_personal_tokens(
    connection: Connection, workspace_id: int, *, user_id: int | None = None
) -> list[PersonalToken]:
    """The workspace's tokens (of one person if ``user_id``), newest first."""
    query = (
        _select()
        .where(personal_tokens.c.workspace_id == workspace_id)
        .order_by(personal_tokens.c.id.desc())
    )
    if user_id is not None:
        query = query.where(personal_tokens.c.user_id == user_id)
    return [_to_token(row) for row in connection.execute(query)]


def get_personal_token(connection: Connection, workspace_id: int, token_id: int) -> PersonalToken:
    """Token ``token_id`` of the workspace (another workspace's is not found)."""
    row = connection.execute(
        _select().where(
            personal_tokens.c.id == token_id, personal_tokens.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no personal token {token_id} in this workspace",
            key="accounts.error.no_token",
            params={"token_id": token_id},
        )
    return _to_token(row)


def revoke_personal_token(
    connection: Connection, token: PersonalToken, *, actor: str, address: str | None = None
) -> None:
    """Refuse ``token`` from the next request on (revoking twice changes nothing)."""
    done = connection.execute(
        update(personal_tokens)
        .where(personal_tokens.c.id == token.id, personal_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by=actor[:100])
    ).rowcount
    if done:
        record_audit(
            connection,
            workspace_id=token.workspace_id,
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            target=f"{token.username}: {token.name}",
            details={"prefix": token.prefix},
            address=address,
        )


def authenticate_personal_token(
    connection: Connection, secret: str, *, address: str | None = None
) -> PersonalToken | None:
    """The live token ``secret`` is (not revoked, not expired), or None.

    Notes its last use (at most once a minute); its first use is logged.
    Whether its person is still a member is the caller's question.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_key(secret)
    row = connection.execute(_select().where(personal_tokens.c.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    token = _to_token(row)
    now = utcnow()
    if token.state(now) != "active":
        return None
    if token.last_used_at is None:
        record_audit(
            connection,
            workspace_id=token.workspace_id,
            actor=token.username,
            action=AuditAction.TOKEN_FIRST_USE,
            target=f"{token.username}: {token.name}",
            details={"prefix": token.prefix},
            address=address,
        )
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        connection.execute(
            update(personal_tokens).where(personal_tokens.c.id == token.id).values(last_used_at=now)
        )
    return token


def revoke_tokens_of(connection: Connection, workspace_id: int, user_id: int, *, actor: str) -> int:
    """Revoke every live token of ``user_id`` in the workspace (they left it); how many."""
    return (
        connection.execute(
            update(personal_tokens)
            .where(
                personal_tokens.c.workspace_id == workspace_id,
                personal_tokens.c.user_id == user_id,
                personal_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow(), revoked_by=actor[:100])
        ).rowcount
        or 0
    )
