"""Finding violations: every enabled rule over every work item of a workspace.

Runs after work items are stored (the ``WorkItemsStored`` subscriber) and on a
recurring job, since items go stale and overdue as time passes without any
import. A violation is kept per (rule, item) with the moment since when the item
breaks the rule; when it no longer does, the violation is closed
(``resolved_at``), never deleted, so that past weeks keep their score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from kontrol.accounts.workspaces import workspace_language
from kontrol.domain.clock import utcnow
from kontrol.events import WorkItemsStored, subscriber
from kontrol.jobs.registry import JobContext, job
from kontrol.rules.evaluation import workspace_ids
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import work_items, work_violations
from kontrol.worktools.kinds import ITEM_FIELDS, WORK_RULE_KINDS, Item
from kontrol.worktools.rules import install_default_rules, list_rules

# Per workspace one advisory lock key (PostgreSQL), this offset plus its id: two checks
# of one workspace at once (an import's and the hourly job's) would both open the
# same violation. SQLite has one writer at a time already.
_CHECK_LOCKS = 0x574B_0000


@dataclass
class EvaluationReport:
    """What one evaluation of a workspace changed."""

    items: int = 0
    opened: int = 0
    closed: int = 0
    open: int = 0

    def as_json(self) -> dict[str, int]:
        """For the CLI and the API."""
        return {
            "items": self.items,
            "opened": self.opened,
            "closed": self.closed,
            "open": self.open,
        }


def _item(row: Any) -> Item:
    values = {name: row._mapping.get(name) for name in ITEM_FIELDS if name != "owner_id"}
    values["owner_id"] = row.owner_external_id
    return Item(
        id=row.id,
        type=row.type,
        owner=row.owner_external_id,
        status=row.status,
        closed=bool(row.closed),
        created_at=row.created_at,
        updated_at=row.updated_at,
        status_since=row.status_since,
        due_at=row.due_at,
        closed_at=row.closed_at,
        values=values,
        fields=dict(row.fields or {}),
    )


def load_items(connection: Connection, workspace_id: int) -> list[Item]:
    """Every work item of the workspace as the rule kinds see it."""
    rows = connection.execute(
        select(work_items)
        .where(work_items.c.workspace_id == workspace_id)
        .order_by(work_items.c.id)
    )
    return [_item(row) for row in rows]


def check_work_items(
    connection: Connection, workspace_id: int, *, now: datetime | None = None
) -> EvaluationReport:
    """Find every violation now; open new ones, close those gone, refresh the others."""
    now = now or utcnow()
    hold_write_lock(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_CHECK_LOCKS + workspace_id)))
    items = load_items(connection, workspace_id)
    report = EvaluationReport(items=len(items))
    if not items:
        return report
    install_default_rules(connection, workspace_id, workspace_language(connection, workspace_id))
    found: dict[tuple[int, int], tuple[datetime, dict[str, Any]]] = {}
    for rule in list_rules(connection, workspace_id):
        kind = WORK_RULE_KINDS.find(rule.kind)
        if kind is None or not rule.enabled:
            continue
        for item_id, finding in kind().find(rule, items, now).items():
            found[(rule.id, item_id)] = finding
    stored = {
        (row.rule_id, row.item_id): row
        for row in connection.execute(
            select(
                work_violations.c.id,
                work_violations.c.rule_id,
                work_violations.c.item_id,
                work_violations.c.since,
                work_violations.c.details,
            ).where(
                work_violations.c.workspace_id == workspace_id,
                work_violations.c.resolved_at.is_(None),
            )
        )
    }
    gone = [row.id for key, row in stored.items() if key not in found]
    for start in range(0, len(gone), 400):
        connection.execute(
            update(work_violations)
            .where(work_violations.c.id.in_(gone[start : start + 400]))
            .values(resolved_at=now)
        )
    fresh = []
    for (rule_id, item_id), (since, details) in found.items():
        known = stored.get((rule_id, item_id))
        since = min(since, now)
        if known is None:
            fresh.append(
                {
                    "workspace_id": workspace_id,
                    "rule_id": rule_id,
                    "item_id": item_id,
                    "since": since,
                    "found_at": now,
                    "resolved_at": None,
                    "details": details,
                }
            )
        elif known.details != details or known.since != since:
            connection.execute(
                update(work_violations)
                .where(work_violations.c.id == known.id)
                .values(details=details, since=since)
            )
    if fresh:
        connection.execute(work_violations.insert(), fresh)
    report.opened, report.closed, report.open = len(fresh), len(gone), len(found)
    return report


@subscriber(WorkItemsStored, background=True)
def _work_items_stored(engine: Engine, event: WorkItemsStored) -> None:
    """Imported items are checked at once (rules compare items, so the whole workspace)."""
    with engine.begin() as connection:
        check_work_items(connection, event.workspace_id)


@job("worktools.hygiene", every=timedelta(hours=1), max_attempts=3)
def hygiene(ctx: JobContext, *, due: str) -> None:
    """Every workspace's items checked again: they go stale and overdue with time."""
    for workspace_id in workspace_ids(ctx.engine):
        check_work_items(ctx.connection, workspace_id)
