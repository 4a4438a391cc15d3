"""Assignment: who is given a review item, and reassigning or passing one on.

The least loaded reviewer (open items) first, ties by the longest since their
last assignment; never the agent of the interaction itself. A rule may let QA
leads take items too. Routing places its picks here (:func:`place`); the
hourly run gives waiting items to whoever is free (:func:`assign_waiting`).
Interactions no scorecard fits (review/routing/scorable.py) are never placed
nor given to anyone: a reviewer could not score them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.roles import WorkspaceRole
from kontrol.review.history import record_event, stale_conflict
from kontrol.review.routing.items import QUEUE_ORDER, ReviewItem, get_item, skipped_by
from kontrol.review.routing.kinds import Pick, RoutingRule
from kontrol.review.routing.queues import ASSIGNABLE
from kontrol.review.routing.scorable import scorable
from kontrol.store.tables import (
    interactions,
    memberships,
    review_items,
    review_rules,
    users,
)
from kontrol.store.upsert import insert_ignoring_duplicate


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
        """The reviewers (and QA leads, when ``qa_leads``) with their open items."""
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
    """Put the picks into the rule's queue (those not in it yet) and assign them.

    Picks no scorecard fits are left out: a reviewer could not score them.
    """
    fitting = scorable(connection, rule.workspace_id, [pick.interaction_id for pick in picks])
    picks = [pick for pick in picks if pick.interaction_id in fitting]
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
    """Give the open unassigned items of a workspace to reviewers; how many were given.

    Items no scorecard fits wait for a QA lead: nobody could score them.
    """
    rows = connection.execute(
        select(
            review_items.c.id,
            review_items.c.version,
            interactions.c.agent_external_id,
            review_rules.c.params,
            review_items.c.interaction_id,
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
    fitting = scorable(connection, workspace_id, [row.interaction_id for row in rows])
    given = 0
    for item_id, version, agent, params, interaction_id in rows:
        if interaction_id not in fitting:
            continue
        pool = pools[bool((params or {}).get("assign_qa_leads"))]
        reviewer = pool.choose(agent, skipped_by(connection, workspace_id, item_id))
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
        raise Conflict(
            f"review item {item_id} is done; it cannot be given to anyone",
            key="review.error.item_done",
            params={"item_id": item_id},
        )
    if assignee_id is not None:
        person = _person(connection, workspace_id, assignee_id)
        if person is None or person.role not in {role.value for role in ASSIGNABLE}:
            raise InvalidInput(
                f"assignee: user {assignee_id} does not review in this workspace",
                key="review.error.not_reviewing_user",
                params={"assignee_id": assignee_id},
                where_key="error.where.field",
                where_params={"field": "assignee"},
            )
        agent = _agent_external_id(connection, item.interaction_id)
        if agent and person.agent_external_id == agent:
            raise InvalidInput(
                f"assignee: {person.display_name} is the agent of this interaction; "
                "nobody reviews their own work",
                key="review.error.own_work",
                params={"display_name": person.display_name},
                where_key="error.where.field",
                where_params={"field": "assignee"},
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
    when there is none, or no scorecard fits it, it waits as ``skipped`` for a QA
    lead. Returns the item as the viewer now sees it (``None`` for a reviewer once
    it left them).
    """
    require(viewer, Action.REVIEW)
    item = get_item(connection, viewer, item_id)
    text = " ".join(reason.split())
    if not text or len(text) > 500:
        raise InvalidInput(
            "reason: say why, in 1 to 500 characters",
            key="review.error.skip_reason",
            where_key="error.where.field",
            where_params={"field": "reason"},
        )
    if item.status != "open" or item.assignee_id != viewer.account.id:
        raise InvalidInput(
            f"review item {item_id}: only its reviewer skips an open item",
            key="review.error.only_reviewer_skips",
            params={"item_id": item_id},
        )
    workspace_id = viewer.workspace.id
    skippers = [*skipped_by(connection, workspace_id, item_id), viewer.account.id]
    params = connection.execute(
        select(review_rules.c.params).where(review_rules.c.id == item.rule_id)
    ).scalar()
    pool = _Pool.load(
        connection, workspace_id, qa_leads=bool((params or {}).get("assign_qa_leads"))
    )
    # An item no scorecard fits waits for a QA lead: another reviewer could not score it.
    fits = item.interaction_id in scorable(connection, workspace_id, [item.interaction_id])
    reviewer = (
        pool.choose(_agent_external_id(connection, item.interaction_id), skippers) if fits else None
    )
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
