"""What a contact costs where the interaction carries no cost of its own.

The KPI ``cost_total`` sums the ``cost`` of each contact (else its handle hours
times the agent's hourly cost). Where neither is known, the analysis pages
fill the gap from this workspace setting: a cost per minute of handle time,
else a flat cost per contact. With no setting the two figures are equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, case, func, literal, select

from kontrol.analysis.taxonomy import stamp
from kontrol.domain.errors import InvalidInput
from kontrol.metrics.definitions import is_true
from kontrol.store.tables import analysis_settings


@dataclass(frozen=True)
class CostSettings:
    """Cost per minute of handle time and per contact (None: not set)."""

    cost_per_minute: float | None = None
    cost_per_contact: float | None = None


def load_costs(connection: Connection, workspace_id: int) -> CostSettings:
    """The workspace's cost settings."""
    row = connection.execute(
        select(analysis_settings).where(analysis_settings.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        return CostSettings()
    return CostSettings(row.cost_per_minute, row.cost_per_contact)


def read_cost(name: str, raw: str) -> float | None:
    """A cost from a form: empty is None; negative or not a number is refused."""
    text = raw.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(
            f"{name}: not a number: {raw[:20]!r}",
            key="error.not_a_number",
            params={"value": raw[:20]},
            where_key="error.where.field",
            where_params={"field": name},
        ) from None
    if not value >= 0 or value == float("inf"):
        raise InvalidInput(
            f"{name}: a cost is zero or more",
            key="analysis.error.cost",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return value


def save_costs(connection: Connection, workspace_id: int, costs: CostSettings) -> None:
    """Set the workspace's cost settings."""
    s = analysis_settings
    connection.execute(s.delete().where(s.c.workspace_id == workspace_id))
    connection.execute(
        s.insert().values(
            workspace_id=workspace_id,
            cost_per_minute=costs.cost_per_minute,
            cost_per_contact=costs.cost_per_contact,
            updated_at=stamp(),
        )
    )


def cost_column(f: Table, costs: CostSettings) -> ColumnElement[Any]:
    """Each handled contact's cost: its own, else from the settings (None: unknown)."""
    fallback: ColumnElement[Any] = literal(None)
    if costs.cost_per_minute is not None:
        fallback = f.c.aht_s / 60.0 * costs.cost_per_minute
        if costs.cost_per_contact is not None:
            fallback = func.coalesce(fallback, costs.cost_per_contact)
    elif costs.cost_per_contact is not None:
        fallback = literal(costs.cost_per_contact)
    return case((is_true(f.c.handled), func.coalesce(f.c.cost, fallback)))
