"""Review queues: routing rules fill them, assignment spreads the work, reviewers empty them.

- Rules are data (``review_rules``): a kind from review/routing/kinds.py with its
  parameters, optional filters (channel, team, language), a target queue, a
  priority and a due time. Edited in the web app or as YAML.
- Immediate routing: the import events (events.py) run the rules that
  react to them in the same request cycle: a survey with CSAT <= 2 is in the
  queue as soon as it is stored, whether it came from a file, the ingest API or
  the public survey page. The unique key (queue, interaction) means an
  interaction enters a queue once, however often it is routed.
- Scheduled routing (random sample, long handle time, repeat contact) runs as the
  hourly job ``routing.scheduled`` and by ``kontrol review-route``.
- Assignment: the least loaded reviewer (open items) first, ties by the longest
  since their last assignment; never the agent of the interaction itself.
- Every change is a ``review_events`` row; items and rules carry a ``version``
  and a stale edit raises :class:`Conflict`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import POLICY, Action, allowed, interaction_reach, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.events import (
    ComplaintsFound,
    InteractionsScored,
    SurveysStored,
    subscriber,
)
from kontrol.jobs.registry import JobContext, job
from kontrol.review.history import record_event, stale_conflict
from kontrol.review.routing.kinds import (
    Pick,
    RoutingRule,
    get_routing_kind,
    routing_kinds,
)
from kontrol.review.routing.rules import (
    RuleInput,
    create_default_rules,
    rules_query,
    save_rule,
    stored_rule,
)
from kontrol.store.tables import (
    evaluations,
    interactions,
    memberships,
    review_events,
    review_items,
    review_queues,
    review_rules,
    users,
    workspaces,
)
from kontrol.store.upsert import insert_ignoring_duplicate

log = logging.getLogger(__name__)
SCHEDULED_JOB = "routing.scheduled"
ITEM_STATUSES = ("open", "done", "skipped")
# Who may be given review items: reviewers always, QA leads when the rule says so.
# Who may be given review items: the roles that may review (accounts/policy.py).
ASSIGNABLE = tuple(role for role in WorkspaceRole if role in POLICY[Action.REVIEW])


# -- records -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewQueue:
    """A queue of a workspace with its counts (for a reviewer: their own items only)."""

    id: int
    name: str
    description: str | None
    open: int = 0
    overdue: int = 0
    unassigned: int = 0
    skipped: int = 0
    done: int = 0


@dataclass(frozen=True)
class ReviewerLoad:
    """How much open work one person of the workspace holds."""

    user_id: int
    display_name: str
    role: str
    open: int
    overdue: int
    done: int
    last_assigned_at: datetime | None


@dataclass(frozen=True)
class ReviewItem:
    """One interaction waiting in (or done from) one queue. Times are naive UTC."""

    id: int
    workspace_id: int
    queue_id: int
    queue_name: str
    interaction_id: int
    external_id: str
    channel: str
    agent: str | None
    team: str | None
    started_at: datetime
    rule_id: int | None
    rule_name: str | None
    rule_kind: str | None
    reason: str
    priority: int
    due_at: datetime | None
    status: str
    assignee_id: int | None
    assignee_name: str | None
    assigned_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    evaluation_id: int | None
    version: int

    @property
    def overdue(self) -> bool:
        """Open and past its due time."""
        return self.status == "open" and self.due_at is not None and self.due_at < utcnow()

    def as_json(self) -> dict[str, Any]:
        """The item as the JSON API shows it."""

        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat() + "Z"

        return {
            "id": self.id,
            "queue": {"id": self.queue_id, "name": self.queue_name},
            "interaction": {
                "id": self.interaction_id,
                "external_id": self.external_id,
                "channel": self.channel,
                "agent": self.agent,
                "team": self.team,
                "started_at": moment(self.started_at),
            },
            "rule": None
            if self.rule_id is None
            else {"id": self.rule_id, "name": self.rule_name, "kind": self.rule_kind},
            "reason": self.reason,
            "priority": self.priority,
            "due_at": moment(self.due_at),
            "overdue": self.overdue,
            "status": self.status,
            "assignee": None
            if self.assignee_id is None
            else {"id": self.assignee_id, "name": self.assignee_name},
            "assigned_at": moment(self.assigned_at),
            "created_at": moment(self.created_at),
            "completed_at": moment(self.completed_at),
            "evaluation_id": self.evaluation_id,
            "version": self.version,
        }


# -- queues ----------------------------------------------------------------------------


def _item_scope(viewer: Viewer) -> Any:
    """Items the viewer may see: the workspace's, or (reviewers) those assigned to them."""
    condition = review_items.c.workspace_id == viewer.workspace.id
    if interaction_reach(viewer) == "review":
        return condition & (review_items.c.assignee_id == viewer.account.id)
    return condition


def list_queues(connection: Connection, viewer: Viewer) -> list[ReviewQueue]:
    """The workspace's queues with counts of the items the viewer may see."""
    require(viewer, Action.VIEW_QUEUES)
    now = utcnow()
    status = review_items.c.status
    is_open = status == "open"
    counts = (
        select(
            review_items.c.queue_id,
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((is_open & (review_items.c.due_at < now), 1), else_=0)).label("overdue"),
            func.sum(case((is_open & review_items.c.assignee_id.is_(None), 1), else_=0)).label(
                "unassigned"
            ),
            func.sum(case((status == "skipped", 1), else_=0)).label("skipped"),
            func.sum(case((status == "done", 1), else_=0)).label("done"),
        )
        .where(_item_scope(viewer))
        .group_by(review_items.c.queue_id)
        .subquery()
    )
    rows = connection.execute(
        select(review_queues, counts)
        .outerjoin(counts, counts.c.queue_id == review_queues.c.id)
        .where(review_queues.c.workspace_id == viewer.workspace.id)
        .order_by(review_queues.c.name)
    )
    return [
        ReviewQueue(
            id=row.id,
            name=row.name,
            description=row.description,
            open=int(row.open or 0),
            overdue=int(row.overdue or 0),
            unassigned=int(row.unassigned or 0),
            skipped=int(row.skipped or 0),
            done=int(row.done or 0),
        )
        for row in rows
    ]


def get_queue(connection: Connection, viewer: Viewer, queue_id: int) -> ReviewQueue:
    """One queue of the viewer's workspace (with the viewer's counts)."""
    for queue in list_queues(connection, viewer):
        if queue.id == queue_id:
            return queue
    raise NotFound(f"no queue {queue_id}")


def reviewer_loads(connection: Connection, viewer: Viewer) -> list[ReviewerLoad]:
    """Open, overdue and done items per person who reviews (QA leads and admins only)."""
    require(viewer, Action.ASSIGN_REVIEWS)
    now = utcnow()
    is_open = review_items.c.status == "open"
    counts = (
        select(
            review_items.c.assignee_id,
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((is_open & (review_items.c.due_at < now), 1), else_=0)).label("overdue"),
            func.sum(case((review_items.c.status == "done", 1), else_=0)).label("done"),
            func.max(review_items.c.assigned_at).label("last_assigned_at"),
        )
        .where(review_items.c.workspace_id == viewer.workspace.id)
        .group_by(review_items.c.assignee_id)
        .subquery()
    )
    rows = connection.execute(
        select(users.c.id, users.c.display_name, memberships.c.role, counts)
        .join(memberships, memberships.c.user_id == users.c.id)
        .outerjoin(counts, counts.c.assignee_id == users.c.id)
        .where(
            memberships.c.workspace_id == viewer.workspace.id,
            memberships.c.role.in_([role.value for role in ASSIGNABLE]),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.display_name)
    )
    return [
        ReviewerLoad(
            user_id=row.id,
            display_name=row.display_name,
            role=row.role,
            open=int(row.open or 0),
            overdue=int(row.overdue or 0),
            done=int(row.done or 0),
            last_assigned_at=row.last_assigned_at,
        )
        for row in rows
        if row.role == WorkspaceRole.REVIEWER.value or row.open or row.done
    ]


def assignable_people(connection: Connection, workspace_id: int) -> list[tuple[int, str, str]]:
    """(user id, name, role) of everyone an item may be given to, by name."""
    rows = connection.execute(
        select(users.c.id, users.c.display_name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(
            memberships.c.workspace_id == workspace_id,
            memberships.c.role.in_([role.value for role in ASSIGNABLE]),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.display_name)
    )
    return [(row.id, row.display_name, row.role) for row in rows]


# -- items -----------------------------------------------------------------------------


def _items_query() -> Any:
    assignee = users.alias("assignee")
    return (
        select(
            review_items,
            review_queues.c.name.label("queue_name"),
            interactions.c.external_id,
            interactions.c.channel,
            interactions.c.agent_external_id,
            interactions.c.agent_name,
            interactions.c.team,
            interactions.c.started_at,
            review_rules.c.name.label("rule_name"),
            review_rules.c.kind.label("rule_kind"),
            assignee.c.display_name.label("assignee_name"),
        )
        .join(review_queues, review_queues.c.id == review_items.c.queue_id)
        .join(interactions, interactions.c.id == review_items.c.interaction_id)
        .outerjoin(review_rules, review_rules.c.id == review_items.c.rule_id)
        .outerjoin(assignee, assignee.c.id == review_items.c.assignee_id)
    )


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        id=row.id,
        workspace_id=row.workspace_id,
        queue_id=row.queue_id,
        queue_name=row.queue_name,
        interaction_id=row.interaction_id,
        external_id=row.external_id,
        channel=row.channel,
        agent=row.agent_name or row.agent_external_id,
        team=row.team,
        started_at=row.started_at,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        rule_kind=row.rule_kind,
        reason=row.reason,
        priority=row.priority,
        due_at=row.due_at,
        status=row.status,
        assignee_id=row.assignee_id,
        assignee_name=row.assignee_name,
        assigned_at=row.assigned_at,
        created_at=row.created_at,
        completed_at=row.completed_at,
        evaluation_id=row.evaluation_id,
        version=row.version,
    )


# The order reviewers work in: highest priority, then the earliest due (none due last).
QUEUE_ORDER = (
    review_items.c.priority.desc(),
    case((review_items.c.due_at.is_(None), 1), else_=0),
    review_items.c.due_at,
    review_items.c.id,
)


@dataclass(frozen=True)
class ItemFilters:
    """What the queue page narrows its items by."""

    status: str = "open"
    assignee: str = ""
    channel: str = ""
    overdue: bool = False

    def conditions(self, now: datetime) -> list[Any]:
        """The conditions on the items query; bad values are refused naming the field."""
        found: list[Any] = []
        if self.status not in (*ITEM_STATUSES, "all"):
            raise InvalidInput(f"status: one of {', '.join(ITEM_STATUSES)}, all")
        if self.status != "all":
            found.append(review_items.c.status == self.status)
        if self.assignee == "none":
            found.append(review_items.c.assignee_id.is_(None))
        elif self.assignee:
            if not self.assignee.isdigit():
                raise InvalidInput("assignee: a user id or 'none'")
            found.append(review_items.c.assignee_id == int(self.assignee))
        if self.channel:
            found.append(interactions.c.channel == self.channel)
        if self.overdue:
            found.append(review_items.c.due_at < now)
        return found


def list_items(
    connection: Connection,
    viewer: Viewer,
    queue_id: int,
    filters: ItemFilters | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """A queue's items the viewer may see, highest priority and earliest due first."""
    get_queue(connection, viewer, queue_id)
    conditions = (filters or ItemFilters()).conditions(utcnow())
    rows = connection.execute(
        _items_query()
        .where(_item_scope(viewer), review_items.c.queue_id == queue_id, *conditions)
        .order_by(*QUEUE_ORDER)
        .limit(limit)
        .offset(offset)
    )
    return [_item(row) for row in rows]


def get_item(connection: Connection, viewer: Viewer, item_id: int) -> ReviewItem:
    """One item the viewer may see (others, and other workspaces', are not found)."""
    require(viewer, Action.VIEW_QUEUES)
    row = connection.execute(
        _items_query().where(_item_scope(viewer), review_items.c.id == item_id)
    ).first()
    if row is None:
        raise NotFound(f"no review item {item_id}")
    return _item(row)


def items_of_interaction(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> list[ReviewItem]:
    """The items of one interaction the viewer may see (every queue it is in)."""
    if not allowed(viewer, Action.VIEW_QUEUES):
        return []
    rows = connection.execute(
        _items_query()
        .where(_item_scope(viewer), review_items.c.interaction_id == interaction_id)
        .order_by(review_items.c.id)
    )
    return [_item(row) for row in rows]


def next_item(connection: Connection, viewer: Viewer) -> ReviewItem | None:
    """The viewer's next open item: highest priority first, then the earliest due."""
    require(viewer, Action.REVIEW)
    row = connection.execute(
        _items_query()
        .where(
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(*QUEUE_ORDER)
        .limit(1)
    ).first()
    return None if row is None else _item(row)


def _item_by_id(connection: Connection, item_id: int) -> ReviewItem:
    row = connection.execute(_items_query().where(review_items.c.id == item_id)).first()
    if row is None:
        raise NotFound(f"no review item {item_id}")
    return _item(row)


def complete_item(
    connection: Connection, item_id: int, evaluation_id: int, actor_id: int | None
) -> ReviewItem:
    """Mark an item done with the evaluation that reviewed it.

    The interaction's other open items (in other queues) are done with the same
    evaluation: it is reviewed once. Completing again with the same evaluation
    changes nothing; with another one it is a :class:`Conflict`.
    """
    item = _item_by_id(connection, item_id)
    rated = connection.execute(
        select(evaluations.c.interaction_id).where(
            evaluations.c.id == evaluation_id, evaluations.c.workspace_id == item.workspace_id
        )
    ).scalar()
    if rated is None:
        raise NotFound(f"no evaluation {evaluation_id}")
    if rated != item.interaction_id:
        raise InvalidInput(
            f"evaluation_id: evaluation {evaluation_id} rates another interaction "
            f"than item {item_id}"
        )
    if item.status == "done":
        if item.evaluation_id == evaluation_id:
            return item
        raise Conflict(
            f"review item {item_id} is done already with evaluation {item.evaluation_id}"
        )
    now = utcnow()
    others = connection.execute(
        select(review_items.c.id, review_items.c.version).where(
            review_items.c.workspace_id == item.workspace_id,
            review_items.c.interaction_id == item.interaction_id,
            review_items.c.status != "done",
        )
    ).all()
    for other_id, version in others:
        changed = connection.execute(
            update(review_items)
            .where(review_items.c.id == other_id, review_items.c.version == version)
            .values(
                status="done",
                completed_at=now,
                evaluation_id=evaluation_id,
                version=review_items.c.version + 1,
            )
        ).rowcount
        if not changed:
            raise stale_conflict(connection, item.workspace_id, "item", other_id)
        details: dict[str, Any] = {"evaluation_id": evaluation_id}
        if other_id != item_id:
            details["with_item"] = item_id
        record_event(connection, item.workspace_id, "item", other_id, actor_id, "done", details)
    return _item_by_id(connection, item_id)


# -- assignment ------------------------------------------------------------------------


@dataclass
class _Reviewer:
    user_id: int
    agent_external_id: str | None
    open: int
    last_assigned_at: datetime | None


@dataclass
class _Pool:
    """The people a workspace's items can go to, with their current load."""

    reviewers: list[_Reviewer] = field(default_factory=list)

    @classmethod
    def load(cls, connection: Connection, workspace_id: int, *, qa_leads: bool) -> _Pool:
        roles = [WorkspaceRole.REVIEWER.value] + ([WorkspaceRole.QA_LEAD.value] if qa_leads else [])
        people = connection.execute(
            select(users.c.id, memberships.c.agent_external_id)
            .join(memberships, memberships.c.user_id == users.c.id)
            .where(
                memberships.c.workspace_id == workspace_id,
                memberships.c.role.in_(roles),
                users.c.is_active.is_(True),
            )
        ).all()
        loads = {
            row.assignee_id: row
            for row in connection.execute(
                select(
                    review_items.c.assignee_id,
                    func.sum(case((review_items.c.status == "open", 1), else_=0)).label("open"),
                    func.max(review_items.c.assigned_at).label("last"),
                )
                .where(
                    review_items.c.workspace_id == workspace_id,
                    review_items.c.assignee_id.is_not(None),
                )
                .group_by(review_items.c.assignee_id)
            )
        }
        reviewers = []
        for user_id, agent in people:
            load = loads.get(user_id)
            reviewers.append(
                _Reviewer(
                    user_id,
                    agent,
                    int(load.open or 0) if load is not None else 0,
                    load.last if load is not None else None,
                )
            )
        return cls(reviewers)

    def choose(self, agent: str | None, exclude: Sequence[int] = ()) -> _Reviewer | None:
        """The least loaded eligible reviewer; ties go to the longest since an assignment."""
        eligible = [
            r
            for r in self.reviewers
            if r.user_id not in exclude and not (agent and r.agent_external_id == agent)
        ]
        if not eligible:
            return None
        return min(eligible, key=lambda r: (r.open, r.last_assigned_at or datetime.min, r.user_id))

    def took(self, reviewer: _Reviewer, at: datetime) -> None:
        """``reviewer`` was given one more open item at ``at``."""
        reviewer.open += 1
        reviewer.last_assigned_at = at


def _agent_of(connection: Connection, interaction_ids: Sequence[int]) -> dict[int, str | None]:
    found: dict[int, str | None] = {}
    for start in range(0, len(interaction_ids), 400):
        part = interaction_ids[start : start + 400]
        found.update(
            connection.execute(
                select(interactions.c.id, interactions.c.agent_external_id).where(
                    interactions.c.id.in_(part)
                )
            ).all()
        )
    return found


def _insert_item(connection: Connection, values: dict[str, Any]) -> int | None:
    return insert_ignoring_duplicate(
        connection, review_items, values, unique=["queue_id", "interaction_id"]
    )


def place(
    connection: Connection, rule: RoutingRule, picks: Sequence[Pick], now: datetime
) -> list[int]:
    """Put the picks into the rule's queue (those not in it yet) and assign them."""
    if not picks:
        return []
    pool = _Pool.load(connection, rule.workspace_id, qa_leads=rule.assign_qa_leads)
    agents = _agent_of(connection, [pick.interaction_id for pick in picks])
    created = []
    for pick in picks:
        reviewer = pool.choose(agents.get(pick.interaction_id))
        item_id = _insert_item(
            connection,
            {
                "workspace_id": rule.workspace_id,
                "queue_id": rule.queue_id,
                "interaction_id": pick.interaction_id,
                "rule_id": rule.id,
                "reason": pick.reason,
                "priority": rule.priority,
                "due_at": now + timedelta(hours=rule.due_hours),
                "status": "open",
                "assignee_id": reviewer.user_id if reviewer else None,
                "assigned_at": now if reviewer else None,
                "created_at": now,
            },
        )
        if item_id is None:
            continue
        created.append(item_id)
        details = {"rule": rule.name, "reason": pick.reason}
        record_event(connection, rule.workspace_id, "item", item_id, None, "routed", details)
        if reviewer is not None:
            pool.took(reviewer, now)
            assigned = {"to": reviewer.user_id, "auto": True}
            record_event(connection, rule.workspace_id, "item", item_id, None, "assigned", assigned)
    return created


def assign_waiting(connection: Connection, workspace_id: int, now: datetime) -> int:
    """Give the open unassigned items of a workspace to reviewers; how many were given."""
    rows = connection.execute(
        select(
            review_items.c.id,
            review_items.c.version,
            interactions.c.agent_external_id,
            review_rules.c.params,
        )
        .join(interactions, interactions.c.id == review_items.c.interaction_id)
        .outerjoin(review_rules, review_rules.c.id == review_items.c.rule_id)
        .where(
            review_items.c.workspace_id == workspace_id,
            review_items.c.status == "open",
            review_items.c.assignee_id.is_(None),
        )
        .order_by(*QUEUE_ORDER)
    ).all()
    pools = {flag: _Pool.load(connection, workspace_id, qa_leads=flag) for flag in (False, True)}
    given = 0
    for item_id, version, agent, params in rows:
        pool = pools[bool((params or {}).get("assign_qa_leads"))]
        reviewer = pool.choose(agent, _skipped_by(connection, workspace_id, item_id))
        if reviewer is None:
            continue
        changed = connection.execute(
            update(review_items)
            .where(review_items.c.id == item_id, review_items.c.version == version)
            .values(assignee_id=reviewer.user_id, assigned_at=now, version=version + 1)
        ).rowcount
        if changed:
            for other in pools.values():
                for person in other.reviewers:
                    if person.user_id == reviewer.user_id:
                        other.took(person, now)
            record_event(
                connection,
                workspace_id,
                "item",
                item_id,
                None,
                "assigned",
                {"to": reviewer.user_id, "auto": True},
            )
            given += 1
    return given


def _skipped_by(connection: Connection, workspace_id: int, item_id: int) -> list[int]:
    return [
        int(actor)
        for actor in connection.execute(
            select(review_events.c.actor_id).where(
                review_events.c.workspace_id == workspace_id,
                review_events.c.subject == "item",
                review_events.c.subject_id == item_id,
                review_events.c.action == "skipped",
                review_events.c.actor_id.is_not(None),
            )
        ).scalars()
    ]


@dataclass(frozen=True)
class SkipNote:
    """A reviewer passed an item on: who, why and when (naive UTC)."""

    by: str | None
    reason: str
    at: datetime


def skip_notes(
    connection: Connection, workspace_id: int, item_ids: Sequence[int]
) -> dict[int, list[SkipNote]]:
    """The skips of these items, oldest first, so a QA lead sees why an item waits."""
    found: dict[int, list[SkipNote]] = {}
    for start in range(0, len(item_ids), 400):
        rows = connection.execute(
            select(
                review_events.c.subject_id,
                review_events.c.details,
                review_events.c.at,
                users.c.display_name,
            )
            .outerjoin(users, users.c.id == review_events.c.actor_id)
            .where(
                review_events.c.workspace_id == workspace_id,
                review_events.c.subject == "item",
                review_events.c.subject_id.in_(item_ids[start : start + 400]),
                review_events.c.action == "skipped",
            )
            .order_by(review_events.c.id)
        )
        for item_id, details, at, name in rows:
            note = SkipNote(name, str((details or {}).get("reason", "")), at)
            found.setdefault(int(item_id), []).append(note)
    return found


def _person(connection: Connection, workspace_id: int, user_id: int) -> Any:
    return connection.execute(
        select(
            users.c.id, users.c.display_name, memberships.c.role, memberships.c.agent_external_id
        )
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(
            users.c.id == user_id,
            users.c.is_active.is_(True),
            memberships.c.workspace_id == workspace_id,
        )
    ).first()


def _agent_external_id(connection: Connection, interaction_id: int) -> str | None:
    return connection.execute(
        select(interactions.c.agent_external_id).where(interactions.c.id == interaction_id)
    ).scalar()


def assign_item(
    connection: Connection,
    viewer: Viewer,
    item_id: int,
    *,
    assignee_id: int | None,
    version: int,
) -> ReviewItem:
    """Give an item to a named person (QA leads and admins), or take it back (``None``).

    Never to the agent of the interaction; a skipped item given again is open again.
    ``version`` is the one the caller saw: a stale one raises :class:`Conflict`.
    """
    require(viewer, Action.ASSIGN_REVIEWS)
    item = get_item(connection, viewer, item_id)
    workspace_id = viewer.workspace.id
    if item.status == "done":
        raise Conflict(f"review item {item_id} is done; it cannot be given to anyone")
    if assignee_id is not None:
        person = _person(connection, workspace_id, assignee_id)
        if person is None or person.role not in {role.value for role in ASSIGNABLE}:
            raise InvalidInput(f"assignee: user {assignee_id} does not review in this workspace")
        agent = _agent_external_id(connection, item.interaction_id)
        if agent and person.agent_external_id == agent:
            raise InvalidInput(
                f"assignee: {person.display_name} is the agent of this interaction; "
                "nobody reviews their own work"
            )
    now = utcnow()
    changed = connection.execute(
        update(review_items)
        .where(review_items.c.id == item_id, review_items.c.version == version)
        .values(
            assignee_id=assignee_id,
            assigned_at=now if assignee_id is not None else None,
            status="open",
            version=review_items.c.version + 1,
        )
    ).rowcount
    if not changed:
        raise stale_conflict(connection, workspace_id, "item", item_id)
    action = "unassigned" if assignee_id is None else "reassigned"
    details = {"from": item.assignee_id, "to": assignee_id}
    record_event(connection, workspace_id, "item", item_id, viewer.account.id, action, details)
    return get_item(connection, viewer, item_id)


def skip_item(
    connection: Connection, viewer: Viewer, item_id: int, *, reason: str, version: int
) -> ReviewItem | None:
    """The assigned reviewer passes an item on, saying why.

    It goes to the next eligible reviewer (never back to anyone who skipped it);
    when there is none it waits as ``skipped`` for a QA lead. Returns the item as
    the viewer now sees it (``None`` for a reviewer once it left them).
    """
    require(viewer, Action.REVIEW)
    item = get_item(connection, viewer, item_id)
    text = " ".join(reason.split())
    if not text or len(text) > 500:
        raise InvalidInput("reason: say why, in 1 to 500 characters")
    if item.status != "open" or item.assignee_id != viewer.account.id:
        raise InvalidInput(f"review item {item_id}: only its reviewer skips an open item")
    workspace_id = viewer.workspace.id
    skippers = [*_skipped_by(connection, workspace_id, item_id), viewer.account.id]
    params = connection.execute(
        select(review_rules.c.params).where(review_rules.c.id == item.rule_id)
    ).scalar()
    pool = _Pool.load(
        connection, workspace_id, qa_leads=bool((params or {}).get("assign_qa_leads"))
    )
    reviewer = pool.choose(_agent_external_id(connection, item.interaction_id), skippers)
    now = utcnow()
    values: dict[str, Any] = (
        {"assignee_id": reviewer.user_id, "assigned_at": now, "status": "open"}
        if reviewer is not None
        else {"assignee_id": None, "assigned_at": None, "status": "skipped"}
    )
    changed = connection.execute(
        update(review_items)
        .where(review_items.c.id == item_id, review_items.c.version == version)
        .values(**values, version=review_items.c.version + 1)
    ).rowcount
    if not changed:
        raise stale_conflict(connection, workspace_id, "item", item_id)
    record_event(
        connection, workspace_id, "item", item_id, viewer.account.id, "skipped", {"reason": text}
    )
    if reviewer is not None:
        details = {"to": reviewer.user_id, "auto": True}
        record_event(connection, workspace_id, "item", item_id, None, "assigned", details)
    try:
        return get_item(connection, viewer, item_id)
    except NotFound:
        return None


# -- routing -------------------------------------------------------------------------------


def _active_rules(connection: Connection, workspace_id: int, trigger: str) -> list[RoutingRule]:
    rows = connection.execute(
        rules_query(workspace_id)
        .where(review_rules.c.is_active.is_(True))
        .order_by(review_rules.c.priority.desc(), review_rules.c.id)
    )
    found = []
    for row in rows:
        kind = routing_kinds().get(row.kind)
        if kind is not None and trigger in kind.triggers:
            found.append(stored_rule(row).rule)
    return found


def route_event(
    engine: Engine,
    workspace_id: int,
    trigger: str,
    ids: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Run the active rules reacting to ``trigger`` on these interactions; new item ids."""
    moment = now or utcnow()
    with engine.connect() as connection:
        rules = _active_rules(connection, workspace_id, trigger)
    created: list[int] = []
    for rule in rules:
        try:
            with engine.begin() as connection:
                picks = get_routing_kind(rule.kind).on_event(connection, rule, ids, moment)
                created.extend(place(connection, rule, picks, moment))
        except Exception:  # noqa: BLE001 - one broken rule must not stop an import
            log.exception("routing rule %s (%s) failed", rule.id, rule.kind)
    return created


@dataclass
class RoutingReport:
    """What a routing run did."""

    created: int = 0
    assigned: int = 0


def route_scheduled(
    engine: Engine, *, workspace_id: int | None = None, now: datetime | None = None
) -> RoutingReport:
    """The scheduled kinds of every (or one) workspace, then give waiting items to reviewers."""
    moment = now or utcnow()
    with engine.connect() as connection:
        query = select(workspaces.c.id).order_by(workspaces.c.id)
        if workspace_id is not None:
            query = query.where(workspaces.c.id == workspace_id)
        workspace_ids = list(connection.execute(query).scalars())
    report = RoutingReport()
    for found in workspace_ids:
        with engine.connect() as connection:
            rules = _active_rules(connection, found, "schedule")
        for rule in rules:
            with engine.begin() as connection:
                picks = get_routing_kind(rule.kind).on_schedule(connection, rule, moment)
                report.created += len(place(connection, rule, picks, moment))
        with engine.begin() as connection:
            report.assigned += assign_waiting(connection, found, moment)
    return report


def route_recent(
    engine: Engine, workspace_id: int, *, days: int, now: datetime | None = None
) -> int:
    """Run the immediate rules over the interactions of the last ``days`` days (after a
    rule was added); how many items were created."""
    moment = now or utcnow()
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                select(interactions.c.id)
                .where(
                    interactions.c.workspace_id == workspace_id,
                    interactions.c.started_at >= moment - timedelta(days=days),
                )
                .order_by(interactions.c.id)
            ).scalars()
        )
    created = 0
    for trigger in ("surveys", "scored"):
        created += len(route_event(engine, workspace_id, trigger, ids, now=moment))
    return created


@subscriber(SurveysStored)
def route_surveys(engine: Engine, event: SurveysStored) -> None:
    """A low rating goes to its queue as soon as the answer is stored."""
    route_event(engine, event.workspace_id, "surveys", event.interaction_ids)


@subscriber(InteractionsScored)
def route_scored(engine: Engine, event: InteractionsScored) -> None:
    """Failed critical criteria and complaints, once the checks have scored."""
    route_event(engine, event.workspace_id, "scored", event.interaction_ids)


@subscriber(ComplaintsFound)
def route_complaints(engine: Engine, event: ComplaintsFound) -> None:
    """Complaints the checks found in the text."""
    route_event(engine, event.workspace_id, "complaints", event.interaction_ids)


@job(SCHEDULED_JOB, every=timedelta(hours=1), max_attempts=3)
def scheduled_routing_job(ctx: JobContext, *, due: str) -> None:
    """Every hour: random samples, long handle times, repeat contacts; waiting items assigned.

    Items are unique per (queue, interaction), so a repeated run adds nothing twice.
    """
    route_scheduled(ctx.engine)


# -- demo ----------------------------------------------------------------------------------


def seed_routing_demo(engine: Engine, workspace_id: int) -> None:
    """Default queues and rules, filled from the demo data as if routing had run all along.

    The demo data ends a few days before today, so the routing runs as of its
    last two weeks, day by day (as the hourly job would have). Two demo-only
    rules (long handle time, repeat contact) let the QA lead take items too,
    so the work is seen spread over two people.
    """
    with engine.begin() as connection:
        create_default_rules(connection, workspace_id)
        for data in DEMO_RULES:
            save_rule(connection, workspace_id, data)
        last = connection.execute(
            select(func.max(interactions.c.started_at)).where(
                interactions.c.workspace_id == workspace_id
            )
        ).scalar()
    if last is None:
        return
    route_recent(engine, workspace_id, days=14, now=last)
    for days_before in range(13, -1, -1):
        route_scheduled(engine, workspace_id=workspace_id, now=last - timedelta(days=days_before))


DEMO_RULES = (
    RuleInput(
        "Long handle time",
        "handle_time_p95",
        "Sample",
        "normal",
        72,
        {"min_contacts": 8, "window_days": 60},
        assign_qa_leads=True,
    ),
    RuleInput("Repeat contact", "repeat_contact", "Critical", "normal", 48, assign_qa_leads=True),
)


def can_see_queues(viewer: Viewer) -> bool:
    """Whether the nav shows the review queues."""
    return allowed(viewer, Action.VIEW_QUEUES)
