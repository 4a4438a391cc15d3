"""Improvement actions: what is to change, who does it, by when, and which figure shows it.

An action has an owner (a person of the workspace), a due date, a status (open,
in_progress, done, cancelled), the place it came from (``source``: an audit item,
a mystery shop, a dashboard figure, an analysis finding...), and what it should
move: a KPI (``metric``) or an audit item (``audit_template`` + ``audit_item``)
with a ``target`` and a ``direction``. After the due date the plan says whether
the KPI or the next audit confirmed the effect (``improvement/effects.py``).

Who sees which actions (``policy.action_scope``): admins and QA leads all; team
leads those of their team and those they own or made; reviewers those they own
or made; agents those about them or owned by them. Admins, QA leads and team
leads create and change actions; the owner moves their action along (status
and note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, case, select
from sqlalchemy.orm import aliased

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, action_scope, allowed, interaction_scope, require
from kontrol.domain.clock import from_utc, parse_day, utcnow, zone
from kontrol.domain.errors import Conflict, Forbidden, NotFound
from kontrol.improvement.messages import KeyedInvalid
from kontrol.metrics.registry import metrics as metric_registry
from kontrol.store.tables import improvement_actions, interactions, memberships, users

STATUSES = ("open", "in_progress", "done", "cancelled")
ACTIVE = ("open", "in_progress")
DIRECTIONS = ("higher", "lower")
# The source of an action, a short string: audit:<id>:item:<key>, mystery:<id>,
# dashboard:<metric>, analysis:<finding>, review:<id>... (free after the kind).
SOURCE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ImprovementAction:
    """One action of the plan as pages and the API show it."""

    id: int
    title: str
    details: str | None
    source: str | None
    metric: str | None
    audit_template: str | None
    audit_item: str | None
    target: float | None
    direction: str
    baseline: float | None
    interaction_id: int | None
    agent_external_id: str | None
    team: str | None
    owner_id: int | None
    owner: str | None
    due_on: date | None
    status: str
    note: str | None
    created_by_id: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None
    version: int

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def overdue(self, today: date) -> bool:
        """Still to do and its due date has passed."""
        return self.active and self.due_on is not None and self.due_on < today

    @property
    def source_link(self) -> str | None:
        """A page of the place the action came from, when Kontrol has one."""
        parts = (self.source or "").split(":")
        if len(parts) >= 2 and parts[0] == "audit" and parts[1].isdigit():
            return f"/audits/{parts[1]}/report"
        if len(parts) >= 2 and parts[0] == "dashboard":
            return "/dashboard"
        if len(parts) >= 2 and parts[0] == "mystery" and parts[1].isdigit():
            return f"/mystery/submissions/{parts[1]}"
        return None

    def as_json(self, today: date) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "details": self.details,
            "source": self.source,
            "metric": self.metric,
            "audit_template": self.audit_template,
            "audit_item": self.audit_item,
            "target": self.target,
            "direction": self.direction,
            "baseline": self.baseline,
            "interaction_id": self.interaction_id,
            "agent": self.agent_external_id,
            "team": self.team,
            "owner_id": self.owner_id,
            "owner": self.owner,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "status": self.status,
            "overdue": self.overdue(today),
            "note": self.note,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "version": self.version,
        }


def today_of(viewer: Viewer) -> date:
    """Today in the workspace's time zone: due dates are the workspace's days."""
    return from_utc(utcnow(), zone(viewer.workspace.timezone)).date()


def _query(workspace_id: int) -> Select[Any]:
    owner = aliased(users)
    creator = aliased(users)
    a = improvement_actions
    return (
        select(
            a,
            owner.c.display_name.label("owner_name"),
            creator.c.display_name.label("creator_name"),
        )
        .select_from(
            a.outerjoin(owner, owner.c.id == a.c.owner_id).outerjoin(
                creator, creator.c.id == a.c.created_by
            )
        )
        .where(a.c.workspace_id == workspace_id)
    )


def _action(row: Any) -> ImprovementAction:
    return ImprovementAction(
        id=int(row.id),
        title=row.title,
        details=row.details,
        source=row.source,
        metric=row.metric,
        audit_template=row.audit_template,
        audit_item=row.audit_item,
        target=row.target,
        direction=row.direction,
        baseline=row.baseline,
        interaction_id=row.interaction_id,
        agent_external_id=row.agent_external_id,
        team=row.team,
        owner_id=row.owner_id,
        owner=row.owner_name,
        due_on=row.due_on,
        status=row.status,
        note=row.note,
        created_by_id=row.created_by,
        created_by=row.creator_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        done_at=row.done_at,
        version=int(row.version),
    )


def list_actions(
    connection: Connection,
    viewer: Viewer,
    *,
    status: str = "",
    owner_id: int | None = None,
    source_prefix: str = "",
    overdue_only: bool = False,
    limit: int = 500,
) -> list[ImprovementAction]:
    """The plan as the viewer may see it: overdue first, then by due date, finished last."""
    require(viewer, Action.VIEW_ACTIONS)
    a = improvement_actions
    today = today_of(viewer)
    query = _query(viewer.workspace.id).where(action_scope(viewer))
    if status:
        if status not in STATUSES:
            raise KeyedInvalid("improvement.error.status", "status")
        query = query.where(a.c.status == status)
    if owner_id is not None:
        query = query.where(a.c.owner_id == owner_id)
    if source_prefix:
        query = query.where(a.c.source.startswith(source_prefix, autoescape=True))
    if overdue_only:
        query = query.where(a.c.status.in_(ACTIVE), a.c.due_on < today)
    overdue_first = case((a.c.status.in_(ACTIVE) & (a.c.due_on < today), 0), else_=1)
    finished_last = case((a.c.status.in_(ACTIVE), 0), else_=1)
    query = query.order_by(
        overdue_first, finished_last, a.c.due_on.is_(None), a.c.due_on, a.c.id
    ).limit(limit)
    return [_action(row) for row in connection.execute(query)]


def get_action(connection: Connection, viewer: Viewer, action_id: int) -> ImprovementAction:
    """One action the viewer may see; ``NotFound`` otherwise (not revealing it exists)."""
    require(viewer, Action.VIEW_ACTIONS)
    row = connection.execute(
        _query(viewer.workspace.id).where(
            improvement_actions.c.id == action_id, action_scope(viewer)
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no action {action_id}",
            key="improvement.error.no_action",
            params={"action_id": action_id},
        )
    return _action(row)


def can_edit_action(viewer: Viewer, item: ImprovementAction) -> bool:
    """Whether the viewer may change everything of the action."""
    return allowed(viewer, Action.MANAGE_ACTIONS)


def can_progress_action(viewer: Viewer, item: ImprovementAction) -> bool:
    """Whether the viewer may move the action along (status and note)."""
    return can_edit_action(viewer, item) or item.owner_id == viewer.account.id


@dataclass(frozen=True, slots=True)
class ActionOwner:
    """Someone an action can be given to."""

    id: int
    name: str
    role: str


def action_owners(connection: Connection, viewer: Viewer) -> list[ActionOwner]:
    """The active people of the workspace, for the owner choice."""
    rows = connection.execute(
        select(users.c.id, users.c.display_name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == viewer.workspace.id, users.c.is_active.is_(True))
        .order_by(users.c.display_name)
    )
    return [ActionOwner(int(row.id), row.display_name, row.role) for row in rows]


# -- input ------------------------------------------------------------------------------------

FIELDS = (
    "title",
    "details",
    "source",
    "metric",
    "audit_template",
    "audit_item",
    "target",
    "direction",
    "interaction_id",
    "agent",
    "team",
    "owner_id",
    "due",
    "status",
    "note",
)
PROGRESS_FIELDS = ("status", "note")


def _text(values: dict[str, str], name: str, limit: int, *, required: bool = False) -> str | None:
    value = (values.get(name) or "").strip()
    if not value:
        if required:
            raise KeyedInvalid("improvement.error.required", name)
        return None
    if len(value) > limit:
        raise KeyedInvalid("improvement.error.too_long", name, limit=limit)
    return value


def _number(values: dict[str, str], name: str) -> float | None:
    raw = (values.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise KeyedInvalid("improvement.error.number", name) from None


def _integer(values: dict[str, str], name: str) -> int | None:
    raw = (values.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise KeyedInvalid("improvement.error.number", name)
    return int(raw)


def _due(values: dict[str, str]) -> date | None:
    raw = (values.get("due") or "").strip()
    if not raw:
        return None
    day = parse_day(raw[:10])
    if day is None:
        raise KeyedInvalid("improvement.error.date", "due", value=raw)
    return day


def _checked(connection: Connection, viewer: Viewer, values: dict[str, str]) -> dict[str, Any]:
    """The row values of a complete action input, checked field by field."""
    metric = _text(values, "metric", 60)
    if metric is not None and metric not in metric_registry:
        raise KeyedInvalid("improvement.error.metric", "metric", metric=metric)
    direction = (values.get("direction") or "").strip()
    if not direction:
        direction = (metric_registry.get(metric).direction if metric else None) or "higher"
    if direction not in DIRECTIONS:
        raise KeyedInvalid("improvement.error.direction", "direction")
    status = (values.get("status") or "open").strip()
    if status not in STATUSES:
        raise KeyedInvalid("improvement.error.status", "status")
    owner_id = _integer(values, "owner_id")
    if owner_id is not None and owner_id not in {p.id for p in action_owners(connection, viewer)}:
        raise KeyedInvalid("improvement.error.owner", "owner_id")
    interaction_id = _integer(values, "interaction_id")
    agent = _text(values, "agent", 200)
    team = _text(values, "team", 200)
    if interaction_id is not None:
        found = connection.execute(
            select(interactions.c.agent_external_id, interactions.c.team).where(
                interactions.c.id == interaction_id,
                interactions.c.workspace_id == viewer.workspace.id,
                interaction_scope(viewer),
            )
        ).first()
        if found is None:
            raise KeyedInvalid("improvement.error.interaction", "interaction_id")
        agent = agent or found.agent_external_id
        team = team or found.team
    if viewer.membership.role.value == "team_lead" and viewer.membership.team:
        if team and team != viewer.membership.team:
            raise Forbidden(
                "team leads make actions for their own team", key="improvement.error.own_team"
            )
        team = team or viewer.membership.team
    template = _text(values, "audit_template", 60)
    item = _text(values, "audit_item", 60)
    if (template is None) != (item is None):
        raise KeyedInvalid("improvement.error.audit_item", "audit_item")
    return {
        "title": _text(values, "title", 200, required=True),
        "details": _text(values, "details", 5000),
        "source": _text(values, "source", SOURCE_LIMIT),
        "metric": metric,
        "audit_template": template,
        "audit_item": item,
        "target": _number(values, "target"),
        "direction": direction,
        "interaction_id": interaction_id,
        "agent_external_id": agent,
        "team": team,
        "owner_id": owner_id,
        "due_on": _due(values),
        "status": status,
        "note": _text(values, "note", 5000),
    }


def create_action(
    connection: Connection,
    viewer: Viewer,
    values: dict[str, str],
    *,
    baseline: float | None = None,
) -> ImprovementAction:
    """A new action from form-like text values (``FIELDS``)."""
    require(viewer, Action.MANAGE_ACTIONS)
    row = _checked(connection, viewer, values)
    now = utcnow()
    new_id = connection.execute(
        improvement_actions.insert().values(
            workspace_id=viewer.workspace.id,
            baseline=baseline,
            created_by=viewer.account.id,
            created_at=now,
            updated_at=now,
            done_at=now if row["status"] == "done" else None,
            version=1,
            **row,
        )
    ).inserted_primary_key
    assert new_id is not None
    return get_action(connection, viewer, int(new_id[0]))


def _as_values(item: ImprovementAction) -> dict[str, str]:
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    return {
        "title": item.title,
        "details": text(item.details),
        "source": text(item.source),
        "metric": text(item.metric),
        "audit_template": text(item.audit_template),
        "audit_item": text(item.audit_item),
        "target": text(item.target),
        "direction": item.direction,
        "interaction_id": text(item.interaction_id),
        "agent": text(item.agent_external_id),
        "team": text(item.team),
        "owner_id": text(item.owner_id),
        "due": item.due_on.isoformat() if item.due_on else "",
        "status": item.status,
        "note": text(item.note),
    }


def form_values(item: ImprovementAction) -> dict[str, str]:
    """The action as the text values of its form."""
    return _as_values(item)


def update_action(
    connection: Connection,
    viewer: Viewer,
    action_id: int,
    *,
    version: int,
    changes: dict[str, str],
) -> ImprovementAction:
    """Change an action; the owner may change only its status and note."""
    item = get_action(connection, viewer, action_id)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise KeyedInvalid("improvement.error.unknown_field", sorted(unknown)[0])
    if not can_progress_action(viewer, item):
        raise Forbidden(
            "only the action's owner or a lead changes an action", key="improvement.error.not_owner"
        )
    if not can_edit_action(viewer, item) and set(changes) - set(PROGRESS_FIELDS):
        raise Forbidden(
            "the owner of an action changes its status and note only",
            key="improvement.error.owner_progress",
        )
    if item.version != version:
        raise Conflict(
            "someone changed this action meanwhile: reload it", key="improvement.error.stale"
        )
    merged = {**_as_values(item), **changes}
    row = _checked(connection, viewer, merged)
    if not can_edit_action(viewer, item):
        row = {name: row[name] for name in PROGRESS_FIELDS}
    now = utcnow()
    done_at = item.done_at
    if row["status"] == "done" and item.status != "done":
        done_at = now
    elif row["status"] != "done":
        done_at = None
    result = connection.execute(
        improvement_actions.update()
        .where(
            improvement_actions.c.id == action_id,
            improvement_actions.c.version == version,
        )
        .values(updated_at=now, done_at=done_at, version=version + 1, **row)
    )
    if result.rowcount != 1:
        raise Conflict(
            "someone changed this action meanwhile: reload it", key="improvement.error.stale"
        )
    return get_action(connection, viewer, action_id)


def delete_action(connection: Connection, viewer: Viewer, action_id: int) -> None:
    """Remove an action from the plan (leads only)."""
    require(viewer, Action.MANAGE_ACTIONS)
    get_action(connection, viewer, action_id)
    connection.execute(improvement_actions.delete().where(improvement_actions.c.id == action_id))
