"""The plan made concrete: N visits per target per month, handed to shoppers in turn.

Generating a month twice adds nothing (one assignment per programme, month,
target and visit number), so a plan can be generated again after adding a
target or raising its visits. Shoppers see only their own assignments; an
assignment of someone else answers 404, like one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, func, select, true

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.mystery.programmes import (
    Programme,
    ShopScenario,
    ShopTarget,
    get_programme,
    list_shoppers,
)
from kontrol.store.tables import mystery_assignments, mystery_programmes, users

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Assignment:
    """One visit a shopper is to make."""

    id: int
    programme_id: int
    programme_title: str
    month: str
    target: ShopTarget
    scenario: ShopScenario
    visit_no: int
    shopper_id: int | None
    shopper_name: str | None
    status: str
    created_at: datetime

    @property
    def done(self) -> bool:
        return self.status == "done"


def check_month(month: str) -> str:
    """``month`` as YYYY-MM, or ``InvalidInput``."""
    if not isinstance(month, str) or not MONTH.match(month.strip()):
        raise InvalidInput(
            f"month: expected YYYY-MM, not {str(month)[:20]!r}",
            key="mystery.error.month",
            params={"month": str(month)[:20]},
            where_key="error.where.field",
            where_params={"field": "month"},
        )
    return month.strip()


def current_month(workspace: Workspace, now: datetime | None = None) -> str:
    """This month in the workspace's time zone, as YYYY-MM."""
    local = from_utc(now or utcnow(), zone(workspace.timezone))
    return f"{local.year:04d}-{local.month:02d}"


def month_of(moment: datetime, workspace: Workspace) -> str:
    """The month (YYYY-MM, workspace time) of a naive-UTC ``moment``."""
    local = from_utc(moment, zone(workspace.timezone))
    return f"{local.year:04d}-{local.month:02d}"


def month_start(month: str) -> date:
    year, number = check_month(month).split("-")
    return date(int(year), int(number), 1)


def generate_assignments(
    connection: Connection, workspace: Workspace, programme_id: int, month: str
) -> int:
    """The month's assignments of a programme; returns how many were added.

    Each target gets its ``visits_per_month`` visits; its scenarios (those on its
    channel) take turns, and so do the programme's shoppers.
    """
    month = check_month(month)
    programme = get_programme(connection, workspace, programme_id)
    if not programme.is_active:
        raise Conflict(
            "the programme is paused: run it again before planning visits",
            key="mystery.error.programme_paused",
        )
    shoppers = list_shoppers(connection, programme_id)
    if not shoppers:
        raise InvalidInput(
            "shoppers: the programme has no shoppers to give visits to",
            key="mystery.error.no_shoppers",
            where_key="error.where.field",
            where_params={"field": "shoppers"},
        )
    existing = {
        (row.target_key, row.visit_no)
        for row in connection.execute(
            select(mystery_assignments.c.target_key, mystery_assignments.c.visit_no).where(
                mystery_assignments.c.programme_id == programme_id,
                mystery_assignments.c.month == month,
            )
        )
    }
    # Continue the shoppers' turn where the month stopped.
    turn = len(existing) + int(month[-2:])
    rows = []
    now = utcnow()
    for index, target in enumerate(programme.spec.targets):
        scenarios = programme.spec.scenarios_for(target)
        for visit in range(1, target.visits_per_month + 1):
            if (target.key, visit) in existing:
                continue
            scenario = scenarios[(visit - 1 + index + int(month[-2:])) % len(scenarios)]
            shopper = shoppers[turn % len(shoppers)]
            turn += 1
            rows.append(
                {
                    "workspace_id": workspace.id,
                    "programme_id": programme_id,
                    "month": month,
                    "target_key": target.key,
                    "scenario_key": scenario.key,
                    "visit_no": visit,
                    "shopper_id": shopper.user_id,
                    "status": "open",
                    "created_at": now,
                }
            )
    if rows:
        connection.execute(mystery_assignments.insert(), rows)
    return len(rows)


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    """Managers and those who see results: every assignment; a shopper: their own."""
    if allowed(viewer, Action.MANAGE_MYSTERY) or allowed(viewer, Action.VIEW_MYSTERY):
        return true()
    return and_(mystery_assignments.c.shopper_id == viewer.account.id)


_COLUMNS = (
    mystery_assignments,
    mystery_programmes.c.yaml,
    mystery_programmes.c.title.label("programme_title"),
    mystery_programmes.c.name.label("programme_name"),
    mystery_programmes.c.language.label("programme_language"),
    mystery_programmes.c.is_active.label("programme_active"),
    mystery_programmes.c.created_by.label("programme_created_by"),
    mystery_programmes.c.created_at.label("programme_created_at"),
    mystery_programmes.c.updated_at.label("programme_updated_at"),
    users.c.display_name.label("shopper_name"),
)


def _assignment(row: Row[Any], programmes: dict[int, Programme]) -> Assignment:
    programme = programmes[row.programme_id]
    return Assignment(
        id=row.id,
        programme_id=row.programme_id,
        programme_title=programme.title,
        month=row.month,
        target=programme.spec.target(row.target_key),
        scenario=programme.spec.scenario(row.scenario_key),
        visit_no=row.visit_no,
        shopper_id=row.shopper_id,
        shopper_name=row.shopper_name,
        status=row.status,
        created_at=row.created_at,
    )


def _load(connection: Connection, viewer: Viewer, rows: list[Row[Any]]) -> list[Assignment]:
    programmes: dict[int, Programme] = {}
    for row in rows:
        if row.programme_id not in programmes:
            programmes[row.programme_id] = get_programme(
                connection, viewer.workspace, row.programme_id
            )
    return [_assignment(row, programmes) for row in rows]


def list_assignments(
    connection: Connection,
    viewer: Viewer,
    *,
    programme_id: int | None = None,
    month: str | None = None,
    status: str | None = None,
    mine: bool = False,
    limit: int = 500,
) -> list[Assignment]:
    """Assignments the viewer may see: open ones first, then by month and target."""
    query = (
        select(*_COLUMNS)
        .join(mystery_programmes, mystery_programmes.c.id == mystery_assignments.c.programme_id)
        .outerjoin(users, users.c.id == mystery_assignments.c.shopper_id)
        .where(mystery_assignments.c.workspace_id == viewer.workspace.id, _scope(viewer))
    )
    if mine:
        query = query.where(mystery_assignments.c.shopper_id == viewer.account.id)
    if programme_id is not None:
        query = query.where(mystery_assignments.c.programme_id == programme_id)
    if month:
        query = query.where(mystery_assignments.c.month == check_month(month))
    if status:
        if status not in ("open", "done"):
            raise InvalidInput(
                "status: open or done",
                key="mystery.error.assignment_status",
                where_key="error.where.field",
                where_params={"field": "status"},
            )
        query = query.where(mystery_assignments.c.status == status)
    query = query.order_by(
        mystery_assignments.c.status.desc(),  # open before done
        mystery_assignments.c.month.desc(),
        mystery_assignments.c.target_key,
        mystery_assignments.c.visit_no,
    ).limit(limit)
    return _load(connection, viewer, list(connection.execute(query)))


def get_assignment(connection: Connection, viewer: Viewer, assignment_id: int) -> Assignment:
    """One assignment in the viewer's scope (404 otherwise)."""
    row = connection.execute(
        select(*_COLUMNS)
        .join(mystery_programmes, mystery_programmes.c.id == mystery_assignments.c.programme_id)
        .outerjoin(users, users.c.id == mystery_assignments.c.shopper_id)
        .where(
            mystery_assignments.c.workspace_id == viewer.workspace.id,
            mystery_assignments.c.id == assignment_id,
            _scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no assignment {assignment_id}",
            key="mystery.error.no_assignment",
            params={"assignment_id": assignment_id},
        )
    return _load(connection, viewer, [row])[0]


def count_open_visits(connection: Connection, viewer: Viewer) -> int:
    """How many open assignments the viewer has as a shopper."""
    return int(
        connection.execute(
            select(func.count()).where(
                mystery_assignments.c.workspace_id == viewer.workspace.id,
                mystery_assignments.c.shopper_id == viewer.account.id,
                mystery_assignments.c.status == "open",
            )
        ).scalar_one()
    )
