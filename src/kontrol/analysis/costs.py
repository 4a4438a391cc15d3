"""What a contact costs where the interaction carries no cost of its own.

The KPI ``cost_total`` sums the ``cost`` of each contact (else its handle hours
times the agent's hourly cost). Where neither is known, the analysis pages
fill the gap from this workspace setting: a cost per minute of handle time,
else a flat cost per contact. With no setting the two figures are equal.

Amounts are shown in the workspace's currency (``currency``, an ISO 4217 code
chosen with the costs; kept in ``app_settings``): until one is chosen, a
Russian workspace counts in roubles and any other shows bare numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, case, func, literal, select

from kontrol.accounts.workspaces import workspace_language
from kontrol.analysis.taxonomy import stamp
from kontrol.domain.errors import InvalidInput
from kontrol.i18n.formats import CURRENCY_SIGNS
from kontrol.metrics.definitions import is_true
from kontrol.store.tables import analysis_settings, app_settings

CURRENCIES = tuple(CURRENCY_SIGNS)


@dataclass(frozen=True)
class CostSettings:
    """Cost per minute of handle time and per contact (None: not set)."""

    cost_per_minute: float | None = None
    cost_per_contact: float | None = None
    # ISO 4217 code of the amounts (None: not known, shown as bare numbers).
    currency: str | None = None


def _currency_key(workspace_id: int) -> str:
    return f"analysis_currency:{workspace_id}"


def workspace_currency(connection: Connection, workspace_id: int) -> str | None:
    """The currency chosen for the workspace, else roubles in a Russian one, else None."""
    chosen = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == _currency_key(workspace_id))
    ).scalar()
    if chosen in CURRENCIES:
        return str(chosen)
    return "RUB" if workspace_language(connection, workspace_id) == "ru" else None


def load_costs(connection: Connection, workspace_id: int) -> CostSettings:
    """The workspace's cost settings."""
    row = connection.execute(
        select(analysis_settings).where(analysis_settings.c.workspace_id == workspace_id)
    ).first()
    currency = workspace_currency(connection, workspace_id)
    if row is None:
        return CostSettings(currency=currency)
    return CostSettings(row.cost_per_minute, row.cost_per_contact, currency)


def read_currency(raw: str) -> str | None:
    """A currency from a form: empty is None; a code not in ``CURRENCIES`` is refused."""
    code = raw.strip().upper()
    if not code:
        return None
    if code not in CURRENCIES:
        raise InvalidInput(
            f"currency: one of {', '.join(CURRENCIES)}",
            key="analysis.error.currency",
            params={"choices": ", ".join(CURRENCIES)},
            where_key="error.where.field",
            where_params={"field": "currency"},
        )
    return code


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
    key = _currency_key(workspace_id)
    connection.execute(app_settings.delete().where(app_settings.c.key == key))
    if costs.currency is not None:
        connection.execute(app_settings.insert().values(key=key, value=costs.currency))


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
