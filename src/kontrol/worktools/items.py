"""The drill-down: a scope's work items with their open violations, and one item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from kontrol.domain.errors import NotFound
from kontrol.store.tables import work_items, work_rules, work_violations

PAGE = 50


@dataclass(frozen=True)
class Violation:
    """A rule an item breaks (or broke), since when."""

    id: int
    rule_id: int
    rule: str
    kind: str
    weight: float
    since: datetime
    resolved_at: datetime | None
    details: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """For the API."""
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "rule": self.rule,
            "kind": self.kind,
            "weight": self.weight,
            "since": self.since.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "details": self.details,
        }


@dataclass
class WorkItem:
    """A work item as pages and the API show it."""

    id: int
    source: str
    external_id: str
    type: str
    title: str | None
    owner: str | None
    owner_name: str | None
    team: str | None
    status: str
    closed: bool
    created_at: datetime
    updated_at: datetime
    status_since: datetime
    due_at: datetime | None
    closed_at: datetime | None
    customer_id: str | None
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    resolution: str | None
    history: list[dict[str, Any]]
    fields: dict[str, Any]
    violations: list[Violation] = field(default_factory=list)

    @property
    def open_violations(self) -> list[Violation]:
        """The rules it breaks now."""
        return [v for v in self.violations if v.resolved_at is None]

    def as_json(self, *, full: bool = False) -> dict[str, Any]:
        """For the API (``full``: with history, free fields and closed violations)."""

        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        data: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "external_id": self.external_id,
            "type": self.type,
            "title": self.title,
            "owner": self.owner,
            "owner_name": self.owner_name,
            "team": self.team,
            "status": self.status,
            "closed": self.closed,
            "created_at": moment(self.created_at),
            "updated_at": moment(self.updated_at),
            "status_since": moment(self.status_since),
            "due_at": moment(self.due_at),
            "closed_at": moment(self.closed_at),
            "customer_id": self.customer_id,
            "violations": [
                v.as_json() for v in (self.violations if full else self.open_violations)
            ],
        }
        if full:
            data.update(
                customer_name=self.customer_name,
                customer_phone=self.customer_phone,
                customer_email=self.customer_email,
                resolution=self.resolution,
                history=self.history,
                fields=self.fields,
            )
        return data


def _item(row: Any) -> WorkItem:
    return WorkItem(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        type=row.type,
        title=row.title,
        owner=row.owner_external_id,
        owner_name=row.owner_name,
        team=row.team,
        status=row.status,
        closed=bool(row.closed),
        created_at=row.created_at,
        updated_at=row.updated_at,
        status_since=row.status_since,
        due_at=row.due_at,
        closed_at=row.closed_at,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        customer_phone=row.customer_phone,
        customer_email=row.customer_email,
        resolution=row.resolution,
        history=list(row.history or []),
        fields=dict(row.fields or {}),
    )


def _violations(
    connection: Connection, item_ids: list[int], *, open_only: bool
) -> dict[int, list[Violation]]:
    found: dict[int, list[Violation]] = {}
    if not item_ids:
        return found
    v, r = work_violations, work_rules
    query = (
        select(v, r.c.name, r.c.kind, r.c.weight)
        .join(r, r.c.id == v.c.rule_id)
        .where(v.c.item_id.in_(item_ids))
        .order_by(v.c.resolved_at.is_not(None), v.c.since.desc(), v.c.id)
    )
    if open_only:
        query = query.where(v.c.resolved_at.is_(None))
    for row in connection.execute(query):
        found.setdefault(row.item_id, []).append(
            Violation(
                row.id,
                row.rule_id,
                row.name,
                row.kind,
                float(row.weight),
                row.since,
                row.resolved_at,
                dict(row.details or {}),
            )
        )
    return found


def list_work_items(
    connection: Connection,
    workspace_id: int,
    scope: ColumnElement[bool],
    *,
    owner: str | None = None,
    team: str | None = None,
    rule_id: int | None = None,
    only_violations: bool = False,
    finished_after: datetime | None = None,
    limit: int = PAGE,
    offset: int = 0,
) -> tuple[list[WorkItem], int]:
    """Items in scope, those with violations first, newest first; and how many match.

    ``finished_after``: only open items and those finished after it (what the
    scores count), instead of every item ever imported.
    """
    w, v = work_items, work_violations
    conditions: list[ColumnElement[bool]] = [w.c.workspace_id == workspace_id, scope]
    if finished_after is not None:
        finished = func.coalesce(w.c.closed_at, w.c.updated_at)
        conditions.append(or_(w.c.closed.is_(False), finished > finished_after))
    if owner is not None:
        conditions.append(w.c.owner_external_id == owner)
    if team is not None:
        conditions.append(w.c.team == team)
    open_breach = and_(v.c.item_id == w.c.id, v.c.resolved_at.is_(None))
    if rule_id is not None:
        open_breach = and_(open_breach, v.c.rule_id == rule_id)
    breaking = exists().where(open_breach)
    if only_violations or rule_id is not None:
        conditions.append(breaking)
    total = connection.execute(select(func.count()).select_from(w).where(*conditions)).scalar_one()
    rows = connection.execute(
        select(w)
        .where(*conditions)
        .order_by(breaking.desc(), w.c.updated_at.desc(), w.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [_item(row) for row in rows]
    found = _violations(connection, [item.id for item in items], open_only=True)
    for item in items:
        item.violations = found.get(item.id, [])
    return items, int(total)


def get_work_item(
    connection: Connection, workspace_id: int, scope: ColumnElement[bool], item_id: int
) -> WorkItem:
    """One item in scope with all its violations, open and closed (404 otherwise)."""
    row = connection.execute(
        select(work_items).where(
            work_items.c.workspace_id == workspace_id, work_items.c.id == item_id, scope
        )
    ).first()
    if row is None:
        raise NotFound("no such work item", key="worktools.error.no_item")
    item = _item(row)
    item.violations = _violations(connection, [item.id], open_only=False).get(item.id, [])
    return item
