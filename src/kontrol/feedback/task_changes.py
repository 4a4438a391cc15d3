"""Making and changing corrective tasks: the form's input, checked, and the versioned save.

Admins, QA leads, reviewers and team leads create and edit tasks (a team lead
for their own team); the owner of a task (an agent too) moves it along and
closes it. Every change names the version it edited and goes into the task's
history field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import (
    Action,
    interaction_reach,
    require,
    visible_interaction,
)
from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.errors import Forbidden, InvalidInput, KontrolError, NotFound
from kontrol.feedback.history import last_actor, stale
from kontrol.feedback.tasks import KINDS, STATUSES, Task, can_edit, can_progress, get_task
from kontrol.review.history import record_event
from kontrol.store.tables import (
    agents,
    corrective_tasks,
    disputes,
    evaluations,
    memberships,
)

MAX_TITLE = 200
MAX_TEXT = 4000
EDITABLE = ("kind", "title", "details", "agent", "owner_id", "due", "status", "outcome")


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task as a form or a JSON body gives it (text, as typed)."""

    kind: str = "other"
    title: str = ""
    details: str = ""
    agent: str = ""
    owner_id: str = ""
    due: str = ""
    evaluation_id: str = ""
    interaction_id: str = ""
    dispute_id: str = ""


def parse_due(value: str, timezone: str) -> datetime | None:
    """``YYYY-MM-DD`` (end of that day) or ``YYYY-MM-DDTHH:MM`` in the workspace zone, as UTC."""
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(23, 59))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "due: a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM",
            key="error.field.due",
            where_key="error.where.field",
            where_params={"field": "due"},
        ) from None
    return to_utc(moment, zone(timezone))


def refuse_past_due(value: str, timezone: str, now: datetime | None = None) -> None:
    """A due date a person sets for a new task: not before today in the workspace zone.

    The form of a new task checks it; imports and the demo may record tasks already late.
    """
    due_at = parse_due(value, timezone)
    if due_at is None:
        return
    local = zone(timezone)
    today = from_utc(now or utcnow(), local).date()
    if from_utc(due_at, local).date() < today:
        raise InvalidInput(
            f"due: not before today ({today.isoformat()})",
            key="feedback.error.due_past",
            params={"today": today},
            where_key="error.where.field",
            where_params={"field": "due"},
        )


def _optional_id(value: str, name: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(
            f"{name}: a number",
            key="feedback.error.number",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(text)


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(
                f"{name}: required",
                key="feedback.error.required",
                where_key="error.where.field",
                where_params={"field": name},
            )
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"{name}: at most {limit} characters",
            key="feedback.error.too_long",
            params={"limit": limit},
            where_key="error.where.field",
            where_params={"field": name},
        )
    return text


def _owner(connection: Connection, viewer: Viewer, value: str) -> int | None:
    owner_id = _optional_id(value, "owner_id")
    if owner_id is None:
        return None
    member = connection.execute(
        select(memberships.c.id).where(
            memberships.c.user_id == owner_id, memberships.c.workspace_id == viewer.workspace.id
        )
    ).first()
    if member is None:
        raise InvalidInput(
            "owner_id: not a person of this workspace",
            key="feedback.error.owner",
            where_key="error.where.field",
            where_params={"field": "owner_id"},
        )
    return owner_id


def _links(
    connection: Connection, viewer: Viewer, data: TaskInput
) -> tuple[int | None, int | None, int | None, str | None]:
    """(evaluation, interaction, dispute, agent) from the ids given, each checked for scope."""
    evaluation_id = _optional_id(data.evaluation_id, "evaluation_id")
    interaction_id = _optional_id(data.interaction_id, "interaction_id")
    dispute_id = _optional_id(data.dispute_id, "dispute_id")
    if dispute_id is not None:
        row = connection.execute(
            select(disputes.c.evaluation_id).where(
                disputes.c.id == dispute_id, disputes.c.workspace_id == viewer.workspace.id
            )
        ).first()
        if row is None:
            raise NotFound(
                f"no dispute {dispute_id}",
                key="feedback.error.no_dispute",
                params={"dispute_id": dispute_id},
            )
        evaluation_id = int(row.evaluation_id)
    if evaluation_id is not None:
        row = connection.execute(
            select(evaluations.c.interaction_id).where(
                evaluations.c.id == evaluation_id,
                evaluations.c.workspace_id == viewer.workspace.id,
            )
        ).first()
        if row is None:
            raise NotFound(
                f"no evaluation {evaluation_id}",
                key="feedback.error.no_evaluation",
                params={"evaluation_id": evaluation_id},
            )
        interaction_id = int(row.interaction_id)
    agent = None
    if interaction_id is not None:
        agent = visible_interaction(connection, viewer, interaction_id).agent_external_id
    return evaluation_id, interaction_id, dispute_id, agent


def _check_agent(connection: Connection, viewer: Viewer, agent: str | None) -> None:
    """The agent of a task must exist here (and be in a team lead's own team)."""
    if agent is None:
        return
    row = connection.execute(
        select(agents.c.team).where(
            agents.c.workspace_id == viewer.workspace.id, agents.c.external_id == agent
        )
    ).first()
    if row is None:
        raise InvalidInput(
            f"agent: no agent {agent!r} in this workspace",
            key="error.field.no_agent",
            params={"agent": agent},
            where_key="error.where.field",
            where_params={"field": "agent"},
        )
    if interaction_reach(viewer) == "team" and row.team != viewer.membership.team:
        raise Forbidden(
            "team leads set tasks for the agents of their own team", key="feedback.error.own_team"
        )


def task_problems(
    connection: Connection, viewer: Viewer, data: TaskInput, *, now: datetime | None = None
) -> dict[str, KontrolError]:
    """Every wrong field of a new task's form at once, by field (empty: none found).

    ``create_task`` stops at the first; the form shows them all, each next to its
    field. The links (evaluation, dispute) are still checked by ``create_task``.
    """
    checks: list[tuple[str, Any]] = [
        ("kind", lambda: _one_of(data.kind, "kind", KINDS)),
        ("title", lambda: _text(data.title, "title", MAX_TITLE, required=True)),
        ("details", lambda: _text(data.details, "details", MAX_TEXT)),
        ("owner_id", lambda: _owner(connection, viewer, data.owner_id)),
        ("due", lambda: refuse_past_due(data.due, viewer.workspace.timezone, now)),
    ]
    if not (data.evaluation_id or data.interaction_id or data.dispute_id):
        checks.append(
            ("agent", lambda: _check_agent(connection, viewer, _text(data.agent, "agent", 200)))
        )
    problems: dict[str, KontrolError] = {}
    for field, check in checks:
        try:
            check()
        except (InvalidInput, Forbidden) as error:
            problems[field] = error
    return problems


def _one_of(value: str, name: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidInput(
            f"{name}: one of {', '.join(choices)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(choices)},
            where_key="error.where.field",
            where_params={"field": name},
        )


def create_task(connection: Connection, viewer: Viewer, data: TaskInput) -> Task:
    """A new corrective task; ``InvalidInput`` names the field that is wrong."""
    require(viewer, Action.MANAGE_TASKS)
    if data.kind not in KINDS:
        raise InvalidInput(
            f"kind: one of {', '.join(KINDS)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(KINDS)},
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    title = _text(data.title, "title", MAX_TITLE, required=True)
    details = _text(data.details, "details", MAX_TEXT)
    evaluation_id, interaction_id, dispute_id, linked_agent = _links(connection, viewer, data)
    agent = linked_agent or _text(data.agent, "agent", 200)
    _check_agent(connection, viewer, agent)
    owner_id = _owner(connection, viewer, data.owner_id)
    due_at = parse_due(data.due, viewer.workspace.timezone)
    now = utcnow()
    new_id = connection.execute(
        corrective_tasks.insert().values(
            workspace_id=viewer.workspace.id,
            kind=data.kind,
            title=title,
            details=details,
            agent_external_id=agent,
            interaction_id=interaction_id,
            evaluation_id=evaluation_id,
            owner_id=owner_id,
            due_at=due_at,
            status="open",
            created_by=viewer.account.id,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    task_id = int(new_id[0])
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="task",
        subject_id=task_id,
        actor_id=viewer.account.id,
        action="created",
        details={
            "kind": data.kind,
            "title": title,
            "agent": agent,
            "owner_id": owner_id,
            "due_at": due_at.isoformat() if due_at else None,
            "evaluation_id": evaluation_id,
            "interaction_id": interaction_id,
            "dispute_id": dispute_id,
        },
        at=now,
    )
    return get_task(connection, viewer, task_id)


def update_task(
    connection: Connection, viewer: Viewer, task_id: int, *, version: int, changes: dict[str, str]
) -> Task:
    """Change a task (only the fields in ``changes``); refused when ``version`` is outdated."""
    task = get_task(connection, viewer, task_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(
            f"{sorted(unknown)[0]}: not a field of a task",
            key="feedback.error.not_task_field",
            where_key="error.where.field",
            where_params={"field": sorted(unknown)[0]},
        )
    if not can_progress(viewer, task):
        raise Forbidden(
            "only the task's owner or a lead changes a task",
            key="feedback.error.task_owner_or_lead",
        )
    if not can_edit(viewer, task) and set(changes) - {"status", "outcome"}:
        raise Forbidden(
            "the owner of a task changes its status and outcome only",
            key="feedback.error.owner_status_only",
        )
    values: dict[str, Any] = {}
    if "kind" in changes:
        if changes["kind"] not in KINDS:
            raise InvalidInput(
                f"kind: one of {', '.join(KINDS)}",
                key="feedback.error.one_of",
                params={"choices": ", ".join(KINDS)},
                where_key="error.where.field",
                where_params={"field": "kind"},
            )
        values["kind"] = changes["kind"]
    if "title" in changes:
        values["title"] = _text(changes["title"], "title", MAX_TITLE, required=True)
    if "details" in changes:
        values["details"] = _text(changes["details"], "details", MAX_TEXT)
    if "agent" in changes:
        agent = _text(changes["agent"], "agent", 200)
        if task.interaction_id is not None and agent != task.agent_external_id:
            raise InvalidInput(
                "agent: a task from an interaction stays with that interaction's agent",
                key="feedback.error.interaction_agent",
                where_key="error.where.field",
                where_params={"field": "agent"},
            )
        _check_agent(connection, viewer, agent)
        values["agent_external_id"] = agent
    if "owner_id" in changes:
        values["owner_id"] = _owner(connection, viewer, changes["owner_id"])
    if "due" in changes:
        values["due_at"] = parse_due(changes["due"], viewer.workspace.timezone)
    if "outcome" in changes:
        values["outcome"] = _text(changes["outcome"], "outcome", MAX_TEXT)
    status = changes.get("status", task.status)
    if status not in STATUSES:
        raise InvalidInput(
            f"status: one of {', '.join(STATUSES)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(STATUSES)},
            where_key="error.where.field",
            where_params={"field": "status"},
        )
    values["status"] = status
    outcome = values.get("outcome", task.outcome)
    if status == "done" and not outcome:
        raise InvalidInput(
            "outcome: say what was done before marking the task done",
            key="feedback.error.outcome_needed",
            where_key="error.where.field",
            where_params={"field": "outcome"},
        )
    now = utcnow()
    if status == "done" and task.status != "done":
        values["done_at"] = now
    elif status != "done":
        values["done_at"] = None
    before = _comparable(task)
    changed = {
        name: [before.get(name), _plain(value)]
        for name, value in values.items()
        if name != "done_at" and before.get(name) != _plain(value)
    }
    if not changed:
        return task
    done = connection.execute(
        update(corrective_tasks)
        .where(corrective_tasks.c.id == task_id, corrective_tasks.c.version == version)
        .values(**values, updated_at=now, version=corrective_tasks.c.version + 1)
    ).rowcount
    if not done:
        raise stale("task", task_id, *last_actor(connection, "task", task_id))
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="task",
        subject_id=task_id,
        actor_id=viewer.account.id,
        action="updated",
        details={"changes": changed},
        at=now,
    )
    return get_task(connection, viewer, task_id)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _comparable(task: Task) -> dict[str, Any]:
    return {
        "kind": task.kind,
        "title": task.title,
        "details": task.details,
        "agent_external_id": task.agent_external_id,
        "owner_id": task.owner_id,
        "due_at": _plain(task.due_at),
        "status": task.status,
        "outcome": task.outcome,
    }
