"""Work items for the tests: a CRM deal, a ticket, a task."""

from __future__ import annotations

from typing import Any


def work_item(item_id: str, **fields: Any) -> dict[str, Any]:
    """A valid ``work_item`` record; ``fields`` replace or add fields (None removes)."""
    record: dict[str, Any] = {
        "kind": "work_item",
        "id": item_id,
        "source": "crm",
        "type": "task",
        "owner_id": "a1",
        "team": "L1",
        "status": "open",
        "created_at": "2026-11-02T10:00:00+00:00",
        "updated_at": "2026-11-02T10:00:00+00:00",
        "customer_id": "c1",
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}
