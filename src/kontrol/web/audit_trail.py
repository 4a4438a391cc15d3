"""Handlers note a security-relevant action in the audit log in one line.

:func:`note_action` is :func:`kontrol.accounts.audit.record_audit` with who
(the viewer), where (their workspace) and from which address (the request)
filled in. It writes in the request's transaction: the entry is committed with
the action, and a refused action (rolled back) leaves none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.audit import AuditAction, record_audit
from kontrol.web.security import client_address


def note_action(
    db: Connection,
    request: Request,
    viewer: Viewer,
    action: AuditAction,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """One entry of the audit log for what ``viewer`` just did."""
    record_audit(
        db,
        workspace_id=viewer.workspace.id,
        actor=viewer.account.username,
        action=action,
        target=target,
        details=details,
        address=client_address(request),
    )
