"""The dispute window: how many days after submission an evaluation may be disputed.

A workspace setting kept in ``app_settings`` under ``dispute_deadline_days:<workspace
id>`` (default 7 days); admins and QA leads change it, and the change is kept in
the review history.
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    select,
    update,
)

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import InvalidInput
from kontrol.review.history import record_event
from kontrol.store.tables import (
    app_settings,
)

DEFAULT_DISPUTE_DAYS = 7
MAX_DISPUTE_DAYS = 90


def _deadline_key(workspace_id: int) -> str:
    return f"dispute_deadline_days:{workspace_id}"


def dispute_deadline_days(connection: Connection, workspace_id: int) -> int:
    """How many days after submission an evaluation may be disputed in this workspace."""
    value = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == _deadline_key(workspace_id))
    ).scalar()
    return int(value) if value is not None and str(value).isdigit() else DEFAULT_DISPUTE_DAYS


def set_dispute_deadline_days(connection: Connection, viewer: Viewer, days: str | int) -> int:
    """Change the dispute window (admins and QA leads); ``InvalidInput`` names the field."""
    require(viewer, Action.RESOLVE_DISPUTES)
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DISPUTE_DAYS:
        raise InvalidInput(
            f"dispute_deadline_days: a whole number of days, 1 to {MAX_DISPUTE_DAYS}",
            key="feedback.error.dispute_days",
            params={"max_dispute_days": MAX_DISPUTE_DAYS},
            where_key="error.where.field",
            where_params={"field": "dispute_deadline_days"},
        )
    value = int(text)
    key = _deadline_key(viewer.workspace.id)
    before = dispute_deadline_days(connection, viewer.workspace.id)
    updated = connection.execute(
        update(app_settings).where(app_settings.c.key == key).values(value=str(value))
    ).rowcount
    if not updated:
        connection.execute(app_settings.insert().values(key=key, value=str(value)))
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="workspace",
        subject_id=viewer.workspace.id,
        actor_id=viewer.account.id,
        action="dispute_window_set",
        details={"before": before, "after": value},
    )
    return value
