"""Corrective tasks: what has to happen after an evaluation, so a wrong answer gets fixed.

Kinds: ``callback`` (call the customer back and correct the information),
``correction`` (fix a record, an order, a promise), ``coaching`` (a session
with the agent, e.g. on empathy), ``training`` and ``other``. A task has an
owner (a person of the workspace), a due date and a status (open, in_progress,
done, cancelled); a done task says what was done (``outcome``). A task may come
from an evaluation, an interaction or a dispute, or be made freely for an agent.

Who sees which tasks: admins and QA leads every task; a team lead the tasks of
their team's agents and those they own or created; reviewers those they own or
created; an agent those for them or owned by them. Admins, QA leads, reviewers
and team leads create and edit tasks (a team lead for their own team); the
owner of a task (an agent too) moves it along and closes it
(``feedback/task_changes.py``); this module reads tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, case, false, or_, select
from sqlalchemy.orm import aliased

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import (
    Action,
    allowed,
    interaction_reach,
    require,
    task_scope,
)
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.feedback.history import HistoryEntry, subject_events
from kontrol.store.tables import (
    agents,
    corrective_tasks,
    memberships,
    users,
)

KINDS = ("callback", "correction", "coaching", "training", "other")
STATUSES = ("open", "in_progress", "done", "cancelled")
ACTIVE = ("open", "in_progress")
VIEWS = ("mine", "overdue", "all")


@dataclass(frozen=True, slots=True)
class Task:
    """A corrective task as lists and pages show it."""

    id: int
    kind: str
    title: str
    details: str | None
    agent_external_id: str | None
    agent_name: str | None
    interaction_id: int | None
    evaluation_id: int | None
    owner_id: int | None
    owner: str | None
    due_at: datetime | None
    status: str
    outcome: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None
    version: int
    # The due time in the workspace time zone (naive), as forms show and take it.
    due_local: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def overdue(self, now: datetime | None = None) -> bool:
        """Still to do and past its due time."""
        return self.active and self.due_at is not None and self.due_at < (now or utcnow())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "details": self.details,
            "agent": self.agent_external_id,
            "agent_name": self.agent_name,
            "interaction_id": self.interaction_id,
            "evaluation_id": self.evaluation_id,
            "owner_id": self.owner_id,
            "owner": self.owner,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "due_local": self.due_local.isoformat() if self.due_local else None,
            "status": self.status,
            "overdue": self.overdue(),
            "outcome": self.outcome,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "version": self.version,
        }


def _query(workspace_id: int) -> Select[Any]:
    owner = aliased(users)
    creator = aliased(users)
    t = corrective_tasks
    return (
        select(
            t,
            owner.c.display_name.label("owner_name"),
            creator.c.display_name.label("creator_name"),
            agents.c.name.label("agent_name"),
        )
        .select_from(
            t.outerjoin(owner, owner.c.id == t.c.owner_id)
            .outerjoin(creator, creator.c.id == t.c.created_by)
            .outerjoin(
                agents,
                (agents.c.workspace_id == t.c.workspace_id)
                & (agents.c.external_id == t.c.agent_external_id),
            )
        )
        .where(t.c.workspace_id == workspace_id)
    )


def _task(row: Any, timezone: str) -> Task:
    due_local = from_utc(row.due_at, zone(timezone)).replace(tzinfo=None) if row.due_at else None
    return Task(
        id=int(row.id),
        kind=row.kind,
        title=row.title,
        details=row.details,
        agent_external_id=row.agent_external_id,
        agent_name=row.agent_name,
        interaction_id=row.interaction_id,
        evaluation_id=row.evaluation_id,
        owner_id=row.owner_id,
        owner=row.owner_name,
        due_at=row.due_at,
        status=row.status,
        outcome=row.outcome,
        created_by=row.creator_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        done_at=row.done_at,
        version=int(row.version),
        due_local=due_local,
    )


def _team_agents(viewer: Viewer) -> Select[Any]:
    return select(agents.c.external_id).where(
        agents.c.workspace_id == viewer.workspace.id, agents.c.team == viewer.membership.team
    )


def list_tasks(
    connection: Connection,
    viewer: Viewer,
    *,
    view: str = "all",
    agent: str | None = None,
    team: str | None = None,
    status: str | None = None,
    now: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Task]:
    """Visible tasks: ``mine`` (owned by them), ``overdue`` or ``all``, soonest due first."""
    require(viewer, Action.VIEW_TASKS)
    if view not in VIEWS:
        raise InvalidInput(
            f"view: one of {', '.join(VIEWS)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(VIEWS)},
            where_key="error.where.field",
            where_params={"field": "view"},
        )
    if status and status not in STATUSES:
        raise InvalidInput(
            f"status: one of {', '.join(STATUSES)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(STATUSES)},
            where_key="error.where.field",
            where_params={"field": "status"},
        )
    t = corrective_tasks
    query = _query(viewer.workspace.id).where(task_scope(viewer))
    if view == "mine":
        query = query.where(t.c.owner_id == viewer.account.id)
    elif view == "overdue":
        query = query.where(t.c.status.in_(ACTIVE), t.c.due_at < (now or utcnow()))
    if agent:
        query = query.where(t.c.agent_external_id == agent)
    if team:
        query = query.where(
            t.c.agent_external_id.in_(
                select(agents.c.external_id).where(
                    agents.c.workspace_id == viewer.workspace.id, agents.c.team == team
                )
            )
        )
    if status:
        query = query.where(t.c.status == status)
    elif view != "all":
        query = query.where(t.c.status.in_(ACTIVE))
    still_to_do = case((t.c.status.in_(ACTIVE), 0), else_=1)
    query = query.order_by(still_to_do, t.c.due_at.is_(None), t.c.due_at, t.c.id)
    query = query.limit(limit).offset(offset)
    return [_task(row, viewer.workspace.timezone) for row in connection.execute(query)]


def tasks_of(
    connection: Connection,
    viewer: Viewer,
    *,
    evaluation_id: int | None = None,
    agent: str | None = None,
    active_only: bool = False,
) -> list[Task]:
    """The visible tasks of one evaluation or of one agent, soonest due first."""
    t = corrective_tasks
    query = _query(viewer.workspace.id).where(task_scope(viewer))
    if evaluation_id is not None:
        query = query.where(t.c.evaluation_id == evaluation_id)
    if agent is not None:
        query = query.where(t.c.agent_external_id == agent)
    if active_only:
        query = query.where(t.c.status.in_(ACTIVE))
    query = query.order_by(t.c.due_at.is_(None), t.c.due_at, t.c.id)
    return [_task(row, viewer.workspace.timezone) for row in connection.execute(query)]


def get_task(connection: Connection, viewer: Viewer, task_id: int) -> Task:
    """One task the viewer may see; ``NotFound`` otherwise."""
    require(viewer, Action.VIEW_TASKS)
    row = connection.execute(
        _query(viewer.workspace.id).where(corrective_tasks.c.id == task_id, task_scope(viewer))
    ).first()
    if row is None:
        raise NotFound(
            f"no task {task_id}", key="feedback.error.no_task", params={"task_id": task_id}
        )
    return _task(row, viewer.workspace.timezone)


def task_history(connection: Connection, viewer: Viewer, task_id: int) -> list[HistoryEntry]:
    """What happened to a task, oldest first."""
    get_task(connection, viewer, task_id)
    return subject_events(connection, viewer.workspace.id, [("task", [task_id])])


def can_edit(viewer: Viewer, task: Task) -> bool:
    """Whether ``viewer`` may change everything of ``task`` (not only its progress)."""
    return allowed(viewer, Action.MANAGE_TASKS)


def can_progress(viewer: Viewer, task: Task) -> bool:
    """Whether ``viewer`` may move ``task`` along (status and outcome)."""
    return can_edit(viewer, task) or task.owner_id == viewer.account.id


@dataclass(frozen=True, slots=True)
class TaskOwner:
    """Someone a task can be given to."""

    id: int
    name: str
    role: str


def owners(connection: Connection, viewer: Viewer) -> list[TaskOwner]:
    """The people of the workspace, for the owner choice (a team lead: self and their team)."""
    query = (
        select(users.c.id, users.c.display_name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == viewer.workspace.id, users.c.is_active.is_(True))
        .order_by(users.c.display_name)
    )
    if interaction_reach(viewer) == "team":
        query = query.where(
            or_(
                users.c.id == viewer.account.id,
                memberships.c.team == viewer.membership.team,
                memberships.c.agent_external_id.in_(_team_agents(viewer))
                if viewer.membership.team
                else false(),
            )
        )
    return [TaskOwner(int(row.id), row.display_name, row.role) for row in connection.execute(query)]


def default_due(kind: str, now: datetime | None = None) -> datetime:
    """A sensible due time: a callback the next day, anything else within a week."""
    return (now or utcnow()) + (timedelta(days=1) if kind == "callback" else timedelta(days=7))
