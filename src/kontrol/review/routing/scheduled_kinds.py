"""Routing kinds of the recurring routing job: random sample, long handle time, repeat contact.

They read the KPI facts (``interaction_facts``, metrics/facts.py) and skip what
is already in the rule's queue, so an hourly run adds only what is new.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, func, or_, select

from kontrol.domain.clock import from_utc, zone
from kontrol.domain.periods import Period, period_keys
from kontrol.domain.ratings import RATING_SOURCE
from kontrol.metrics.parameters import REPEAT_WINDOW
from kontrol.review.routing.kinds import (
    ROUTING_KINDS,
    Pick,
    RoutingKind,
    RoutingRule,
    filter_condition,
)
from kontrol.rules.params import Param
from kontrol.store.tables import interaction_facts, interactions, review_items


def _facts_with_filters() -> Any:
    """``interaction_facts`` joined to ``interactions`` (whose columns the filters name)."""
    return interaction_facts.join(
        interactions, interactions.c.id == interaction_facts.c.interaction_id
    )


def _not_queued(rule: RoutingRule) -> ColumnElement[bool]:
    queued = select(review_items.c.interaction_id).where(review_items.c.queue_id == rule.queue_id)
    return interaction_facts.c.interaction_id.not_in(queued)


def quota(per_week: int, days: int) -> int:
    """How many of ``per_week`` picks are due by the end of day ``days`` (1-7) of the week."""
    return math.ceil(per_week * days / 7)


def slot_day(per_week: int, slot: int) -> int:
    """The day of the week (0 = Monday) on which pick number ``slot`` (1-based) falls due."""
    return next(day for day in range(7) if quota(per_week, day + 1) >= slot)


@ROUTING_KINDS.register
class RandomSample(RoutingKind):
    """``per_week`` random interactions of every agent per week, spread over the week.

    Run at any time of day ``d`` of the week, the rule tops each agent's picks of
    the week up to ``ceil(per_week * d / 7)``; pick number ``j`` is drawn from the day
    it falls due (or the nearest earlier day with contacts when that day has none),
    with a random generator seeded by rule, week, agent and ``j``: the same data
    always gives the same sample.
    """

    name: ClassVar[str] = "random_sample"
    params: ClassVar[tuple[Param, ...]] = (Param("per_week", 5, 1, 200),)
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """The picks due by ``now`` and not yet made this week."""
        per_week = int(rule.params["per_week"])
        today = from_utc(now, zone(rule.timezone)).date()
        monday = today - timedelta(days=today.weekday())
        week = period_keys(today)[Period.WEEK]
        days = [(monday + timedelta(days=n)).isoformat() for n in range(today.weekday() + 1)]
        due = quota(per_week, today.weekday() + 1)
        f = interaction_facts
        made: dict[str, int] = dict(
            connection.execute(
                select(f.c.agent, func.count())
                .select_from(
                    review_items.join(f, f.c.interaction_id == review_items.c.interaction_id)
                )
                .where(review_items.c.rule_id == rule.id, f.c.week == week)
                .group_by(f.c.agent)
            ).all()
        )
        pools: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for agent, day, interaction_id in connection.execute(
            select(f.c.agent, f.c.day, f.c.interaction_id)
            .select_from(_facts_with_filters())
            .where(
                f.c.workspace_id == rule.workspace_id,
                f.c.day.in_(days),
                f.c.started_at <= now,
                f.c.agent.is_not(None),
                f.c.abandoned.is_(False),
                # a sample of conversations: a QR or kiosk rating has none to review
                interactions.c.source != RATING_SOURCE,
                filter_condition(rule),
                _not_queued(rule),
            )
            .order_by(f.c.interaction_id)
        ):
            pools[agent][day].append(interaction_id)
        picks: list[Pick] = []
        for agent in sorted(pools):
            by_day = pools[agent]
            for slot in range(made.get(agent, 0) + 1, due + 1):
                pool = _pool_for(by_day, monday, slot_day(per_week, slot))
                if pool is None:
                    break
                chosen = random.Random(f"{rule.id}:{week}:{agent}:{slot}").choice(pool)
                pool.remove(chosen)
                picks.append(Pick(chosen, f"sample {week} #{slot}"))
        return picks


def _pool_for(by_day: dict[str, list[int]], monday: date, day: int) -> list[int] | None:
    """The contacts of ``day`` of the week, else of the nearest earlier (then later) day."""
    order = [*range(day, -1, -1), *range(day + 1, 7)]
    for index in order:
        pool = by_day.get((monday + timedelta(days=index)).isoformat())
        if pool:
            return pool
    return None


@ROUTING_KINDS.register
class HandleTimeP95(RoutingKind):
    """Handle time above the agent's own ``percentile`` (per channel) over a trailing window.

    The percentile of each agent and channel is computed over the ``window_days``
    before now, only where the agent has at least ``min_contacts`` measured
    contacts; contacts of the last ``lookback_days`` above it are picked.
    """

    name: ClassVar[str] = "handle_time_p95"
    params: ClassVar[tuple[Param, ...]] = (
        Param("percentile", 95, 50, 99),
        Param("window_days", 28, 7, 365),
        Param("min_contacts", 20, 5, 100000),
        Param("lookback_days", 2, 1, 31),
    )
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """Recent contacts slower than their agent's percentile."""
        percent = int(rule.params["percentile"])
        bounds = agent_percentiles(
            connection,
            rule,
            percent=percent,
            since=now - timedelta(days=rule.params["window_days"]),
            until=now,
            min_contacts=int(rule.params["min_contacts"]),
        )
        if not bounds:
            return []
        f = interaction_facts
        rows = connection.execute(
            select(f.c.interaction_id, f.c.agent, f.c.channel, f.c.aht_s)
            .select_from(_facts_with_filters())
            .where(
                f.c.workspace_id == rule.workspace_id,
                f.c.started_at >= now - timedelta(days=rule.params["lookback_days"]),
                f.c.started_at <= now,
                f.c.aht_s.is_not(None),
                f.c.agent.is_not(None),
                filter_condition(rule),
                _not_queued(rule),
            )
            .order_by(f.c.interaction_id)
        )
        picks = []
        for interaction_id, agent, channel, seconds in rows:
            bound = bounds.get((agent, channel))
            if bound is not None and seconds > bound:
                picks.append(
                    Pick(interaction_id, f"AHT {seconds:.0f} s > p{percent} {bound:.0f} s")
                )
        return picks


def agent_percentiles(
    connection: Connection,
    rule: RoutingRule,
    *,
    percent: int,
    since: datetime,
    until: datetime,
    min_contacts: int,
) -> dict[tuple[str, str], float]:
    """The ``percent``-th percentile of handle time per (agent, channel), in the database.

    ``percentile_cont`` semantics (linear between the nearest ranks), computed with a
    window query so that only two rows per group leave the database.
    """
    f = interaction_facts
    partition = (f.c.agent, f.c.channel)
    ranked = (
        select(
            f.c.agent,
            f.c.channel,
            f.c.aht_s.label("v"),
            func.row_number().over(partition_by=partition, order_by=f.c.aht_s).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )
        .select_from(_facts_with_filters())
        .where(
            f.c.workspace_id == rule.workspace_id,
            f.c.started_at >= since,
            f.c.started_at <= until,
            f.c.aht_s.is_not(None),
            f.c.agent.is_not(None),
            filter_condition(rule),
        )
        .subquery()
    )
    lower = (percent * (ranked.c.n - 1)) // 100 + 1
    rows = connection.execute(
        select(ranked.c.agent, ranked.c.channel, ranked.c.rn, ranked.c.n, ranked.c.v).where(
            ranked.c.n >= min_contacts, or_(ranked.c.rn == lower, ranked.c.rn == lower + 1)
        )
    )
    at_rank: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    sizes: dict[tuple[str, str], int] = {}
    for agent, channel, rank, size, value in rows:
        at_rank[(agent, channel)][int(rank)] = float(value)
        sizes[(agent, channel)] = int(size)
    found = {}
    for key, ranks in at_rank.items():
        low, remainder = divmod(percent * (sizes[key] - 1), 100)
        below = ranks[low + 1]
        above = ranks.get(low + 2, below)
        found[key] = below + (above - below) * remainder / 100.0
    return found


@ROUTING_KINDS.register
class RepeatContactReview(RoutingKind):
    """The customer came back within the repeat window (the contact did not resolve their matter).

    The flag is ``interaction_facts.repeat_contact``, set on the earlier contact
    when a later one of the same customer arrives (metrics/facts.py).
    """

    name: ClassVar[str] = "repeat_contact"
    params: ClassVar[tuple[Param, ...]] = (Param("lookback_days", 14, 1, 90),)
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """Contacts of the last ``lookback_days`` followed by a repeat contact."""
        f = interaction_facts
        ids = connection.execute(
            select(f.c.interaction_id)
            .select_from(_facts_with_filters())
            .where(
                f.c.workspace_id == rule.workspace_id,
                f.c.started_at >= now - timedelta(days=rule.params["lookback_days"]),
                f.c.started_at <= now,
                f.c.repeat_contact.is_(True),
                filter_condition(rule),
                _not_queued(rule),
            )
            .order_by(f.c.interaction_id)
        ).scalars()
        reason = f"repeat contact within {REPEAT_WINDOW.days} days"
        return [Pick(i, reason) for i in ids]
