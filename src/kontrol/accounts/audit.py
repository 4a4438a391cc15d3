"""The audit log: who did what security-relevant thing, where, from which address.

One function writes it, :func:`record_audit`, called with the connection of the
action itself: the entry is committed with the action or not at all (a refused
change leaves no entry, a done one always has one). Any feature may call it
(accounts is the first feature). Entries are never changed nor deleted by the
app; they go with their workspace.

What is logged (:class:`AuditAction`): logins, failed logins and logouts,
password changes, invitations and membership and role changes, API keys and
personal tokens (made, revoked, first used), changes of scorecards, checks,
alert and routing rules, exports, and deletions (retention, forgetting a
customer). ``details`` is a small JSON object; never a secret or a password.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, select

from kontrol.domain.clock import utcnow
from kontrol.store.tables import audit_log, memberships, users

# How many entries one page of the log shows.
AUDIT_PAGE_SIZE = 50
# The most an export writes (a year of a busy workspace fits).
AUDIT_EXPORT_LIMIT = 100_000


class AuditAction(StrEnum):
    """A kind of entry of the audit log."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    MEMBER_INVITED = "member_invited"
    INVITATION_WITHDRAWN = "invitation_withdrawn"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_DECLINED = "invitation_declined"
    MEMBER_CHANGED = "member_changed"
    MEMBER_REMOVED = "member_removed"
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    API_KEY_FIRST_USE = "api_key_first_use"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_FIRST_USE = "token_first_use"
    SCORECARD_CHANGED = "scorecard_changed"
    CHECKS_CHANGED = "checks_changed"
    ALERT_RULE_CHANGED = "alert_rule_changed"
    ROUTING_CHANGED = "routing_changed"
    EXPORTED = "exported"
    RETENTION_CHANGED = "retention_changed"
    BRAND_CHANGED = "brand_changed"
    CUSTOMER_FORGOTTEN = "customer_forgotten"
    INTERACTIONS_DELETED = "interactions_deleted"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the log."""

    id: int
    workspace_id: int | None
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    address: str | None
    created_at: datetime


@dataclass(frozen=True)
class AuditFilter:
    """What the log page narrows to (each part optional)."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def record_audit(
    connection: Connection,
    *,
    workspace_id: int | None,
    actor: str,
    action: AuditAction,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Write one entry, in ``connection``'s transaction (the action's own)."""
    connection.execute(
        insert(audit_log).values(
            workspace_id=workspace_id,
            actor=(actor or "-")[:100],
            action=action.value,
            target=target[:300],
            details=json.dumps(dict(details or {}), ensure_ascii=False, default=str),
            address=address[:64] if address else None,
            created_at=utcnow(),
        )
    )


def record_account_audit(
    connection: Connection,
    *,
    user_id: int,
    actor: str,
    action: AuditAction,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """An entry about an account (a login, a password change) in each of its workspaces.

    An account that belongs nowhere gets one entry without a workspace.
    """
    ids = connection.execute(
        select(memberships.c.workspace_id).where(memberships.c.user_id == user_id)
    ).scalars()
    workspace_ids: list[int | None] = [int(i) for i in ids] or [None]
    for workspace_id in workspace_ids:
        record_audit(
            connection,
            workspace_id=workspace_id,
            actor=actor,
            action=action,
            target=target,
            details=details,
            address=address,
        )


def record_failed_login(
    connection: Connection, username: str, address: str | None, *, refused: bool = False
) -> None:
    """A failed login, in each workspace of the account named (an unknown name: no workspace).

    ``refused``: the login limits turned it away before the password was checked
    (kept for known accounts only).
    """
    name = username.strip()[:100]
    details = {"refused_by_limit": True} if refused else {}
    found = connection.execute(select(users.c.id).where(users.c.username == name)).first()
    if found is None:
        if refused:
            # A flood against unknown names, already turned away by the limits: the
            # log line (kontrol.logins) has it; rows here would only grow the table.
            return
        record_audit(
            connection,
            workspace_id=None,
            actor=name,
            action=AuditAction.LOGIN_FAILED,
            target=name,
            details=details,
            address=address,
        )
        return
    record_account_audit(
        connection,
        user_id=int(found.id),
        actor=name,
        action=AuditAction.LOGIN_FAILED,
        target=name,
        details=details,
        address=address,
    )


def record_operator_password_reset(connection: Connection, username: str) -> None:
    """``kontrol user password``: an operator reset an account's password."""
    found = connection.execute(select(users.c.id).where(users.c.username == username)).first()
    if found is not None:
        record_account_audit(
            connection,
            user_id=int(found.id),
            actor="command line",
            action=AuditAction.PASSWORD_CHANGED,
            target=username,
            details={"operator_reset": True},
        )


def _conditions(workspace_id: int, wanted: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [audit_log.c.workspace_id == workspace_id]
    if wanted.action:
        conditions.append(audit_log.c.action == wanted.action)
    if wanted.actor:
        conditions.append(audit_log.c.actor == wanted.actor)
    if wanted.since is not None:
        conditions.append(audit_log.c.created_at >= datetime.combine(wanted.since, time.min))
    if wanted.until is not None:
        end = datetime.combine(wanted.until + timedelta(days=1), time.min)
        conditions.append(audit_log.c.created_at < end)
    return conditions


def _entry(row: Any) -> AuditEntry:
    try:
        details = json.loads(row.details)
    except ValueError:
        details = {}
    return AuditEntry(
        id=int(row.id),
        workspace_id=row.workspace_id,
        actor=row.actor,
        action=row.action,
        target=row.target,
        details=details if isinstance(details, dict) else {},
        address=row.address,
        created_at=row.created_at,
    )


def list_audit_entries(
    connection: Connection,
    workspace_id: int,
    wanted: AuditFilter,
    *,
    offset: int = 0,
    limit: int = AUDIT_PAGE_SIZE,
) -> list[AuditEntry]:
    """The workspace's entries matching ``wanted``, newest first."""
    rows = connection.execute(
        select(audit_log)
        .where(*_conditions(workspace_id, wanted))
        .order_by(audit_log.c.created_at.desc(), audit_log.c.id.desc())
        .offset(max(offset, 0))
        .limit(limit)
    )
    return [_entry(row) for row in rows]


def count_audit_entries(connection: Connection, workspace_id: int, wanted: AuditFilter) -> int:
    """How many entries match ``wanted``."""
    query = select(func.count()).select_from(audit_log).where(*_conditions(workspace_id, wanted))
    return int(connection.execute(query).scalar_one())


def audit_actors(connection: Connection, workspace_id: int) -> list[str]:
    """Everyone who appears in the workspace's log, for the filter."""
    rows = connection.execute(
        select(audit_log.c.actor)
        .where(audit_log.c.workspace_id == workspace_id)
        .distinct()
        .order_by(audit_log.c.actor)
    )
    return [str(actor) for actor in rows.scalars()]
