"""Per-interaction facts: every measure a KPI needs, one narrow row per interaction.

Imports publish events (events.py); the subscribers here recompute
the facts of what changed and of the interactions whose facts depend on it:
a new contact of a customer changes FCR and repeat-contact of that customer's
earlier contacts within the window; a new interaction of a case re-opens it.
``rebuild`` recomputes a whole workspace (``kontrol rollup``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, or_, select, tuple_, update

from kontrol.domain.periods import Period
from kontrol.events import (
    ComplaintsFound,
    InteractionsScored,
    InteractionsStored,
    OrdersStored,
    SurveysStored,
    finish_at_end,
    leave_for_end,
    subscriber,
)
from kontrol.metrics.contact_facts import FactContext, chunks, compute_facts
from kontrol.metrics.evaluations import qa_values
from kontrol.metrics.heat_cells import refresh_heat_changes
from kontrol.metrics.parameters import REPEAT_WINDOW
from kontrol.metrics.rollup_locks import lock_facts
from kontrol.metrics.rollups import FACT_COLUMNS, apply_fact_changes, rebuild_rollups, refresh_days
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import (
    interaction_facts,
    interactions,
    order_facts,
    orders,
)

# The days whose rollups wait for the end of a held release (events.notes_for_end).
ROLLUP_DAYS = "metrics.rollup_days"


def _refresh_waiting_days(engine: Engine, days: dict[int, set[str]]) -> None:
    """Recompute once, from their facts, the rollups of the days that chunks of a held
    release touched (``refresh_days``: exact, as a large import's batch)."""
    with engine.begin() as connection:
        hold_write_lock(connection)
        for workspace_id, touched in sorted(days.items()):
            refresh_days(connection, workspace_id, touched)


finish_at_end(ROLLUP_DAYS, _refresh_waiting_days)


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
    # A held release (``kontrol score FILE``): the rollups are made once, at its end.
    deferred = rollups and leave_for_end(ROLLUP_DAYS, workspace_id, ())
    small = small and not deferred
    context = FactContext(connection, workspace_id)
    written = 0
    # A small change keeps the old and new rows for the rollup groups; a large one
    # only the days it touched (an import's batches must not hold their facts).
    old: list[Any] = []
    new: list[dict[str, Any]] = []
    days: set[str] = set()
    f = interaction_facts
    for part in chunks(ordered):
        facts = compute_facts(connection, context, part)
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
        refresh_heat_changes(connection, workspace_id, True, [*old, *new])
    elif deferred:
        leave_for_end(ROLLUP_DAYS, workspace_id, days)
    elif rollups and days:
        refresh_days(connection, workspace_id, days)
    return written


def refresh_qa_facts(
    connection: Connection, workspace_id: int, interaction_ids: Iterable[int]
) -> int:
    """Write the counted evaluation of these interactions onto their facts and rollups.

    Called in the transaction that scored, submitted or changed their evaluations;
    interactions without facts yet get theirs when their facts are written. Only
    the facts whose score or pass/fail changed are rewritten, and then the rollup
    groups they are in (by group for a few, by whole day for many, as
    ``write_facts`` does). Returns how many facts changed.
    """
    ordered = sorted(set(interaction_ids))
    if not ordered:
        return 0
    small = lock_facts(connection, workspace_id, ordered)
    f = interaction_facts
    statement = (
        update(f)
        .where(f.c.interaction_id == bindparam("fact_id"))
        .values(qa_score=bindparam("new_score"), qa_failed=bindparam("new_failed"))
    )
    changed: list[Any] = []
    read: list[Any] = []  # every fact: their failed checks may have changed
    for part in chunks(ordered):
        counted = qa_values(connection, part)
        rows = []
        for fact in connection.execute(
            select(
                f.c.interaction_id, f.c.qa_score, f.c.qa_failed, *(f.c[n] for n in FACT_COLUMNS)
            ).where(f.c.interaction_id.in_(part), f.c.workspace_id == workspace_id)
        ).mappings():
            read.append(fact)
            score, failed = counted.get(fact["interaction_id"], (None, None))
            if (fact["qa_score"], fact["qa_failed"]) != (score, failed):
                rows.append(
                    {"fact_id": fact["interaction_id"], "new_score": score, "new_failed": failed}
                )
                changed.append(fact)
        if rows:
            connection.execute(statement, rows)
    if leave_for_end(ROLLUP_DAYS, workspace_id, (fact["day"] for fact in read)):
        # Failed checks count in the heat map even where the score stayed: every day read.
        return len(changed)
    if small and changed:
        # The time columns did not move: the histograms stay, the groups' sums follow.
        apply_fact_changes(connection, workspace_id, changed, changed, histograms=False)
    elif changed:
        refresh_days(connection, workspace_id, {fact["day"] for fact in changed})
    # The heat map counts failed checks, which change without the score changing.
    refresh_heat_changes(
        connection, workspace_id, small, read, done=() if small else {row["day"] for row in changed}
    )
    return len(changed)


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
    for part in chunks(list(ids)):
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
    for part in chunks(sorted(customers)):
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
    for part in chunks(sorted(cases)):
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
    context = FactContext(connection, workspace_id)
    written = 0
    for part in chunks(sorted(set(customers))):
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


@subscriber(InteractionsScored)
def _interactions_scored(engine: Engine, event: InteractionsScored) -> None:
    # Their automatic evaluations changed: the counted score and pass/fail follow.
    with engine.begin() as connection:
        refresh_qa_facts(connection, event.workspace_id, event.interaction_ids)


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
        for part in chunks(list(event.order_ids)):
            customers.update(
                connection.execute(
                    select(orders.c.customer_id).where(orders.c.id.in_(part))
                ).scalars()
            )
        refresh_orders(connection, event.workspace_id, customers)
