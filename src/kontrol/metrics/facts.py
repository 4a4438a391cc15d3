"""Per-interaction facts: every measure a KPI needs, one narrow row per interaction.

Imports publish events (events.py); the subscribers here recompute
the facts of what changed and of the interactions whose facts depend on it:
a new contact of a customer changes FCR and repeat-contact of that customer's
earlier contacts within the window; a new interaction of a case re-opens it.
``rebuild`` recomputes a whole workspace (``kontrol rollup``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, case, delete, func, or_, select, tuple_

from kontrol.domain.clock import zone
from kontrol.domain.periods import Period, period_keys
from kontrol.events import (
    ComplaintsFound,
    InteractionsStored,
    OrdersStored,
    SurveysStored,
    subscriber,
)
from kontrol.metrics.calendars import Calendars, load_calendars
from kontrol.metrics.parameters import (
    HANDLE_TIME_CHANNELS,
    REPEAT_WINDOW,
    SLA_TARGET_SECONDS,
    TEXT_CHANNELS,
)
from kontrol.metrics.rollups import (
    FACT_COLUMNS,
    apply_fact_changes,
    lock_facts,
    rebuild_rollups,
    refresh_days,
)
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import (
    agents,
    interaction_facts,
    interactions,
    messages,
    order_facts,
    orders,
    surveys,
    workspaces,
)

_CHUNK = 900  # ids per IN list: below SQLite's bound-parameter limits everywhere


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class _Contact:
    """What the customer window and case rules need to know of another interaction."""

    id: int
    started_at: datetime
    topic: str | None

    def after(self, other: _Contact) -> bool:
        return (self.started_at, self.id) > (other.started_at, other.id)


class _Context:
    """Workspace settings and neighbouring interactions for one chunk of facts."""

    def __init__(self, connection: Connection, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        tz_name = connection.execute(
            select(workspaces.c.timezone).where(workspaces.c.id == workspace_id)
        ).scalar_one()
        self.zone: ZoneInfo = zone(tz_name)
        self.calendars: Calendars = load_calendars(connection, workspace_id)
        self._keys: dict[Any, dict[Period, str]] = {}

    def keys(self, moment: datetime) -> dict[Period, str]:
        local_day = moment.replace(tzinfo=UTC).astimezone(self.zone).date()
        cached = self._keys.get(local_day)
        if cached is None:
            cached = self._keys[local_day] = period_keys(local_day)
        return cached


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def _compute(connection: Connection, context: _Context, ids: Sequence[int]) -> list[dict[str, Any]]:
    i = interactions
    rows = connection.execute(
        select(
            i.c.id,
            i.c.channel,
            i.c.direction,
            i.c.queued_at,
            i.c.started_at,
            i.c.ended_at,
            i.c.wrap_seconds,
            i.c.status,
            i.c.case_id,
            i.c.agent_external_id,
            i.c.team,
            i.c.customer_id,
            i.c.language,
            i.c.topic,
            i.c.is_complaint,
            i.c.cost,
            agents.c.hourly_cost,
            agents.c.team.label("agent_team"),
        )
        .select_from(
            i.outerjoin(
                agents,
                and_(
                    agents.c.workspace_id == i.c.workspace_id,
                    agents.c.external_id == i.c.agent_external_id,
                ),
            )
        )
        .where(i.c.id.in_(ids))
    ).all()
    if not rows:
        return []
    firsts = {
        row.interaction_id: (row.first_agent, row.first_customer)
        for row in connection.execute(
            select(
                messages.c.interaction_id,
                func.min(case((messages.c.role == "agent", messages.c.at))).label("first_agent"),
                func.min(case((messages.c.role == "customer", messages.c.at))).label(
                    "first_customer"
                ),
            )
            .where(messages.c.interaction_id.in_(ids))
            .group_by(messages.c.interaction_id)
        )
    }
    answers: dict[int, Any] = {}
    for survey in connection.execute(
        select(surveys.c.interaction_id, surveys.c.csat, surveys.c.nps, surveys.c.ces)
        .where(surveys.c.interaction_id.in_(ids))
        .order_by(surveys.c.at.is_(None).desc(), surveys.c.at, surveys.c.id)
    ):
        if survey.csat is not None or survey.nps is not None or survey.ces is not None:
            answers[survey.interaction_id] = survey  # the latest answered survey wins
    # Only the contacts that can follow one of these rows within the window matter.
    earliest = min(rows, key=lambda r: (r.started_at, r.id))
    customer_contacts = _customer_contacts(
        connection,
        context.workspace_id,
        {r.customer_id for r in rows if r.customer_id},
        (earliest.started_at, earliest.id),
        max(r.started_at for r in rows) + REPEAT_WINDOW,
    )
    case_members = _case_members(
        connection, context.workspace_id, {r.case_id for r in rows if r.case_id}
    )
    return [
        _fact(
            context,
            row,
            firsts.get(row.id, (None, None)),
            answers.get(row.id),
            customer_contacts,
            case_members,
        )
        for row in rows
    ]


def _customer_contacts(
    connection: Connection,
    workspace_id: int,
    customers: set[str],
    after: tuple[datetime, int],
    last: datetime,
) -> dict[str, list[_Contact]]:
    found: dict[str, list[_Contact]] = defaultdict(list)
    for part in _chunks(sorted(customers)):
        for row in connection.execute(
            select(
                interactions.c.id,
                interactions.c.customer_id,
                interactions.c.started_at,
                interactions.c.topic,
            ).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.customer_id.in_(part),
                interactions.c.direction == "inbound",
                tuple_(interactions.c.started_at, interactions.c.id) > tuple_(*after),
                interactions.c.started_at <= last,
            )
        ):
            found[row.customer_id].append(_Contact(row.id, row.started_at, row.topic))
    return found


def _case_members(
    connection: Connection, workspace_id: int, cases: set[str]
) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for part in _chunks(sorted(cases)):
        for row in connection.execute(
            select(
                interactions.c.id,
                interactions.c.case_id,
                interactions.c.queued_at,
                interactions.c.started_at,
                interactions.c.ended_at,
                interactions.c.status,
            ).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.case_id.in_(part),
            )
        ):
            found[row.case_id].append(row)
    return found


def _case_resolution(members: list[Any]) -> tuple[int, float | None, datetime, datetime]:
    """The last interaction of a case, its resolution seconds (resolved cases), start, end."""
    last = max(members, key=lambda m: (m.ended_at or m.started_at, m.started_at, m.id))
    start = min(m.queued_at or m.started_at for m in members)
    end = max(m.ended_at or m.started_at for m in members)
    resolved = last.status == "resolved" and end >= start
    return last.id, (end - start).total_seconds() if resolved else None, start, end


def _fact(
    context: _Context,
    row: Any,
    first: tuple[datetime | None, datetime | None],
    answer: Any,
    customer_contacts: dict[str, list[_Contact]],
    case_members: dict[str, list[Any]],
) -> dict[str, Any]:
    first_agent, first_customer = first
    inbound = row.direction == "inbound"
    abandoned = row.status == "abandoned"
    # Bots are never agents: a contact is handled only by a person with an agent id.
    handled = inbound and not abandoned and row.agent_external_id is not None
    team = row.team if row.team is not None else row.agent_team
    calendar = context.calendars.for_contact(team=team, channel=row.channel)

    def business(later: datetime | None, earlier: datetime | None) -> float | None:
        plain = _seconds(later, earlier)
        if plain is None or plain < 0 or calendar is None:
            return plain
        assert later is not None and earlier is not None
        return calendar.working_seconds(earlier, later, context.zone)

    frt = frt_business = asa = asa_business = aht = None
    backwards = False
    if handled and row.channel in TEXT_CHANNELS and first_agent is not None:
        reference = row.queued_at or first_customer
        frt = _seconds(first_agent, reference)
        if frt is not None and frt < 0:
            frt, backwards = None, True
        frt_business = business(first_agent, reference) if frt is not None else None
    if handled and row.channel == "call":
        asa = _seconds(row.started_at, row.queued_at)
        if asa is not None and asa < 0:
            asa, backwards = None, True
        asa_business = business(row.started_at, row.queued_at) if asa is not None else None
    if handled and row.channel in HANDLE_TIME_CHANNELS and row.ended_at is not None:
        aht = _seconds(row.ended_at, row.started_at)
        if aht is not None and aht < 0:
            aht, backwards = None, True
        elif aht is not None:
            aht += row.wrap_seconds or 0.0

    sla_met = sla_business_met = None
    target = SLA_TARGET_SECONDS.get(row.channel)
    if handled and target is not None:
        measure, measure_business = (
            (asa, asa_business)
            if row.channel == "call"
            else (
                frt,
                frt_business,
            )
        )
        if measure is not None:
            sla_met = measure <= target
            sla_business_met = (
                measure_business if measure_business is not None else measure
            ) <= target

    resolution = resolution_business = None
    members = case_members.get(row.case_id, []) if row.case_id else []
    if members:
        last_id, resolution, start, end = _case_resolution(members)
        if last_id != row.id:
            resolution = None
        elif resolution is not None:
            resolution_business = business(end, start)
    elif row.status == "resolved":
        start = row.queued_at or row.started_at
        end = row.ended_at or row.started_at
        resolution = _seconds(end, start)
        if resolution is not None and resolution < 0:
            resolution, backwards = None, True
        resolution_business = business(end, start) if resolution is not None else None

    fcr = repeat = None
    if handled and row.customer_id:
        me = _Contact(row.id, row.started_at, row.topic)
        window_end = row.started_at + REPEAT_WINDOW
        later = [
            c
            for c in customer_contacts.get(row.customer_id, [])
            if c.id != row.id and c.after(me) and c.started_at <= window_end
        ]
        repeat = bool(later)
        same_topic = [
            c for c in later if row.topic is None or c.topic is None or c.topic == row.topic
        ]
        reopened = any(
            m.id != row.id and _Contact(m.id, m.started_at, None).after(me) for m in members
        )
        fcr = row.status in (None, "resolved") and not same_topic and not reopened

    cost = row.cost
    if cost is None and aht is not None and row.hourly_cost is not None:
        cost = aht / 3600.0 * row.hourly_cost
    keys = context.keys(row.started_at)
    return {
        "interaction_id": row.id,
        "workspace_id": context.workspace_id,
        "started_at": row.started_at,
        "day": keys[Period.DAY],
        "week": keys[Period.WEEK],
        "month": keys[Period.MONTH],
        "quarter": keys[Period.QUARTER],
        "agent": row.agent_external_id,
        "team": team,
        "channel": row.channel,
        "topic": row.topic,
        "language": row.language,
        "customer_id": row.customer_id,
        "inbound": inbound,
        "handled": handled,
        "abandoned": abandoned,
        "frt_s": frt,
        "frt_business_s": frt_business,
        "asa_s": asa,
        "asa_business_s": asa_business,
        "aht_s": aht,
        "resolution_s": resolution,
        "resolution_business_s": resolution_business,
        "sla_met": sla_met,
        "sla_business_met": sla_business_met,
        "fcr": fcr,
        "repeat_contact": repeat,
        "complaint": bool(row.is_complaint) or row.topic == "complaint",
        "cost": cost,
        "csat": answer.csat if answer is not None else None,
        "nps": answer.nps if answer is not None else None,
        "ces": answer.ces if answer is not None else None,
        "surveyed": answer is not None,
        "dq_backwards": backwards,
    }


def write_facts(
    connection: Connection, workspace_id: int, ids: Iterable[int], *, rollups: bool = True
) -> int:
    """Recompute the facts of exactly these interactions; returns how many were written.

    Then (unless ``rollups`` is false) the daily rollups follow: by group for a
    few interactions (a live push), by whole day for many (an import); see
    ``metrics/rollups.apply_fact_changes``.
    """
    ordered = sorted(set(ids))
    small = lock_facts(connection, workspace_id, ordered)
    context = _Context(connection, workspace_id)
    written = 0
    # A small change keeps the old and new rows for the rollup groups; a large one
    # only the days it touched (an import's batches must not hold their facts).
    old: list[Any] = []
    new: list[dict[str, Any]] = []
    days: set[str] = set()
    f = interaction_facts
    for part in _chunks(ordered):
        facts = _compute(connection, context, part)
        removal = delete(f).where(f.c.interaction_id.in_(part))
        if rollups and small:
            old.extend(
                connection.execute(removal.returning(*(f.c[name] for name in FACT_COLUMNS)))
                .mappings()
                .all()
            )
            new.extend(facts)
        elif rollups:
            days.update(connection.execute(removal.returning(f.c.day)).scalars())
            days.update(fact["day"] for fact in facts)
        else:
            connection.execute(removal)
        if facts:
            connection.execute(f.insert(), facts)
        written += len(facts)
    if rollups and small:
        apply_fact_changes(connection, workspace_id, old, new)
    elif rollups and days:
        refresh_days(connection, workspace_id, days)
    return written


def affected_interactions(
    connection: Connection, workspace_id: int, ids: Sequence[int]
) -> set[int]:
    """The interactions whose facts may change when these change.

    Earlier contacts of the same customers within the repeat window (their FCR and
    repeat flags look forward 7 days) and every interaction of the same cases.
    """
    affected = set(ids)
    customers: set[str] = set()
    cases: set[str] = set()
    starts: list[datetime] = []
    for part in _chunks(list(ids)):
        for row in connection.execute(
            select(
                interactions.c.customer_id, interactions.c.case_id, interactions.c.started_at
            ).where(interactions.c.id.in_(part))
        ):
            starts.append(row.started_at)
            if row.customer_id:
                customers.add(row.customer_id)
            if row.case_id:
                cases.add(row.case_id)
    if not starts:
        return affected
    first, last = min(starts) - REPEAT_WINDOW, max(starts)
    f = interaction_facts
    # A later contact can only turn "no repeat" into "repeat" and "FCR" into "not FCR":
    # earlier contacts already marked repeat and not-FCR cannot change (this keeps a
    # customer with thousands of contacts from being recounted on every batch).
    # Contacts without facts yet are always recounted.
    could_change = or_(
        f.c.interaction_id.is_(None), f.c.fcr.is_(True), f.c.repeat_contact.is_(False)
    )
    for part in _chunks(sorted(customers)):
        affected.update(
            connection.execute(
                select(interactions.c.id)
                .select_from(interactions.outerjoin(f, f.c.interaction_id == interactions.c.id))
                .where(
                    interactions.c.workspace_id == workspace_id,
                    interactions.c.customer_id.in_(part),
                    interactions.c.started_at >= first,
                    interactions.c.started_at <= last,
                    could_change,
                )
            ).scalars()
        )
    for part in _chunks(sorted(cases)):
        affected.update(
            connection.execute(
                select(interactions.c.id).where(
                    interactions.c.workspace_id == workspace_id, interactions.c.case_id.in_(part)
                )
            ).scalars()
        )
    return affected


def refresh_interactions(engine: Engine, workspace_id: int, ids: Sequence[int]) -> int:
    """Recompute the facts of changed interactions and of those that depend on them."""
    with engine.begin() as connection:
        hold_write_lock(connection)  # SQLite: the dependants are read from the latest commit
        return write_facts(
            connection, workspace_id, affected_interactions(connection, workspace_id, ids)
        )


def refresh_orders(connection: Connection, workspace_id: int, customers: Iterable[str]) -> int:
    """Recompute the order facts of these customers (repeat flags depend on earlier orders)."""
    context = _Context(connection, workspace_id)
    written = 0
    for part in _chunks(sorted(set(customers))):
        rows = connection.execute(
            select(orders.c.id, orders.c.customer_id, orders.c.at, orders.c.amount)
            .where(orders.c.workspace_id == workspace_id, orders.c.customer_id.in_(part))
            .order_by(orders.c.customer_id, orders.c.at, orders.c.id)
        ).all()
        connection.execute(
            delete(order_facts).where(
                order_facts.c.workspace_id == workspace_id, order_facts.c.customer_id.in_(part)
            )
        )
        facts = []
        previous_customer = None
        for row in rows:
            keys = context.keys(row.at)
            facts.append(
                {
                    "order_id": row.id,
                    "workspace_id": workspace_id,
                    "customer_id": row.customer_id,
                    "day": keys[Period.DAY],
                    "week": keys[Period.WEEK],
                    "month": keys[Period.MONTH],
                    "quarter": keys[Period.QUARTER],
                    "amount": row.amount,
                    "repeat": row.customer_id == previous_customer,
                }
            )
            previous_customer = row.customer_id
        if facts:
            connection.execute(order_facts.insert(), facts)
        written += len(facts)
    return written


def rebuild(engine: Engine, workspace_id: int, *, chunk: int = 5000) -> tuple[int, int]:
    """Recompute every fact and daily rollup of a workspace.

    Returns (interaction facts, order facts).
    """
    with engine.begin() as connection:
        connection.execute(
            delete(interaction_facts).where(interaction_facts.c.workspace_id == workspace_id)
        )
        connection.execute(delete(order_facts).where(order_facts.c.workspace_id == workspace_id))
    written = 0
    # In time order, so that each chunk's customer window stays narrow.
    after: tuple[datetime, int] | None = None
    while True:
        with engine.begin() as connection:
            query = (
                select(interactions.c.id, interactions.c.started_at)
                .where(interactions.c.workspace_id == workspace_id)
                .order_by(interactions.c.started_at, interactions.c.id)
                .limit(chunk)
            )
            if after is not None:
                query = query.where(
                    tuple_(interactions.c.started_at, interactions.c.id) > tuple_(*after)
                )
            page = connection.execute(query).all()
            if not page:
                break
            written += write_facts(
                connection, workspace_id, [row.id for row in page], rollups=False
            )
            after = (page[-1].started_at, page[-1].id)
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace_id)
    with engine.begin() as connection:
        customers = (
            connection.execute(
                select(orders.c.customer_id).where(orders.c.workspace_id == workspace_id).distinct()
            )
            .scalars()
            .all()
        )
        order_count = refresh_orders(connection, workspace_id, customers)
    return written, order_count


@subscriber(InteractionsStored)
def _interactions_stored(engine: Engine, event: InteractionsStored) -> None:
    refresh_interactions(engine, event.workspace_id, event.interaction_ids)


@subscriber(ComplaintsFound)
def _complaints_found(engine: Engine, event: ComplaintsFound) -> None:
    # The checks flagged these as complaints after their facts were written.
    with engine.begin() as connection:
        write_facts(connection, event.workspace_id, event.interaction_ids)


@subscriber(SurveysStored)
def _surveys_stored(engine: Engine, event: SurveysStored) -> None:
    # Survey answers only change the rated interaction's own facts.
    with engine.begin() as connection:
        write_facts(connection, event.workspace_id, event.interaction_ids)


@subscriber(OrdersStored)
def _orders_stored(engine: Engine, event: OrdersStored) -> None:
    with engine.begin() as connection:
        customers: set[str] = set()
        for part in _chunks(list(event.order_ids)):
            customers.update(
                connection.execute(
                    select(orders.c.customer_id).where(orders.c.id.in_(part))
                ).scalars()
            )
        refresh_orders(connection, event.workspace_id, customers)
