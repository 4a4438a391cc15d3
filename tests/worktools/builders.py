"""Work items for the tests: a CRM deal, a ticket, a task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kontrol.domain.clock import utcnow


def work_item(item_id: str, **fields: Any) -> dict[str, Any]:
    """A valid ``work_item`` record created 20 days ago; ``fields`` replace or add
    fields (None removes)."""
    created = (utcnow() - timedelta(days=20)).replace(microsecond=0).isoformat() + "+00:00"
    record: dict[str, Any] = {
        "kind": "work_item",
        "id": item_id,
        "source": "crm",
        "type": "task",
        "owner_id": "a1",
        "team": "L1",
        "status": "open",
        "created_at": created,
        "updated_at": created,
        "customer_id": "c1",
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not None}
