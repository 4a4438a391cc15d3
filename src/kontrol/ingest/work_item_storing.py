"""Storing work items (CRM deals, tickets, tasks), upserted by ``(source, id)``.

A re-import of the same ``(source, id)`` updates the row, never adds a second
one. An item without a team takes its owner's team from the agents table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from kontrol.domain.clock import utcnow
from kontrol.ingest.batches import ImportState
from kontrol.ingest.rejects import resolve_rejects
from kontrol.ingest.schema import WorkItemRecord
from kontrol.store.tables import agents, work_items
from kontrol.store.upsert import upsert

# Statuses that mean the item is finished, whatever the tool calls it (lower case);
# an item with ``closed_at`` is closed whatever its status.
CLOSED_STATUSES = frozenset(
    {
        "closed",
        "done",
        "resolved",
        "completed",
        "won",
        "lost",
        "cancelled",
        "canceled",
        "закрыт",
        "закрыта",
        "закрыто",
        "выполнена",
        "выполнено",
        "решён",
        "решена",
        "успешно",
        "отказ",
    }
)


def is_closed(status: str, closed_at: object) -> bool:
    """Whether an item with this status and closing time is finished."""
    return closed_at is not None or status.strip().lower() in CLOSED_STATUSES


def work_item_row(state: ImportState, record: WorkItemRecord, digest: str) -> dict[str, Any]:
    """The ``work_items`` row of ``record`` (times in UTC, the history in order)."""
    created = state.utc(record.created_at)
    updated = state.utc(record.updated_at) or created
    history = sorted(
        (
            {
                "status": change.status,
                "at": state.utc(change.at).isoformat(),
                **({"by": change.by} if change.by else {}),
            }
            for change in record.status_history
        ),
        key=lambda change: change["at"],
    )
    status_since = updated
    if history and history[-1]["status"] == record.status:
        status_since = state.utc(max(change.at for change in record.status_history))
    meta = dict(record.meta)
    meta.update(record.extras())
    closed_at = state.utc(record.closed_at)
    return {
        "workspace_id": state.workspace.id,
        "source": record.source,
        "external_id": record.id,
        "type": record.type,
        "title": record.title,
        "owner_external_id": record.owner_id,
        "owner_name": record.owner_name,
        "team": record.team,
        "status": record.status,
        "closed": is_closed(record.status, closed_at),
        "created_at": created,
        "updated_at": updated,
        "status_since": status_since,
        "due_at": state.utc(record.due_at),
        "closed_at": closed_at,
        "customer_id": record.customer_id,
        "customer_name": record.customer_name,
        "customer_phone": record.customer_phone,
        "customer_email": record.customer_email,
        "resolution": record.resolution,
        "history": history,
        "fields": dict(record.fields),
        "meta": meta,
        "content_hash": digest,
        "imported_at": utcnow(),
    }


def _owner_teams(connection: Connection, state: ImportState, owners: set[str]) -> dict[str, Any]:
    known = {owner: state.agent_teams[owner] for owner in owners if owner in state.agent_teams}
    wanted = sorted(owners - set(known))
    for start in range(0, len(wanted), 400):
        rows = connection.execute(
            select(agents.c.external_id, agents.c.team).where(
                agents.c.workspace_id == state.workspace.id,
                agents.c.external_id.in_(wanted[start : start + 400]),
            )
        )
        known.update({row.external_id: row.team for row in rows})
    return known


def write_work_items(
    connection: Connection,
    state: ImportState,
    records: dict[tuple[str, str], tuple[WorkItemRecord, str]],
) -> None:
    """Upsert a batch's work items; their ids go to ``state.changed_work_items``."""
    rows = [work_item_row(state, record, digest) for record, digest in records.values()]
    owners = {row["owner_external_id"] for row in rows if row["owner_external_id"]}
    teams = _owner_teams(connection, state, owners) if owners else {}
    for row in rows:
        if row["team"] is None and row["owner_external_id"] is not None:
            row["team"] = teams.get(row["owner_external_id"])
    result = upsert(
        connection,
        work_items,
        state.workspace.id,
        ["source", "external_id"],
        rows,
        insert_only=["imported_at"],
    )
    state.changed_work_items.extend(result.ids[k] for k in [*result.inserted, *result.updated])
    state.count(len(result.inserted), len(result.updated), len(result.unchanged))
    resolve_rejects(
        connection, state, [(f"work_item:{key[0]}"[:100], key[1]) for key in result.ids]
    )
