"""Routing rule kinds: what puts an interaction into a review queue.

A kind is one small class registered with :func:`routing_kind`. It declares its
numeric parameters (checked with the same :class:`~kontrol.alerts.registry.Param`
as alert rules) and which moments it reacts to:

- ``surveys``: survey answers were stored (low CSAT, NPS detractor, hard for the
  customer by CES);
- ``scored``: the automatic checks scored interactions (failed critical criterion,
  complaint);
- ``complaints``: the checks found complaints in the text;
- ``schedule``: the recurring routing job (random sample, long handle time,
  repeat contact).

A kind only *selects* interactions (:class:`Pick`: which one and why); placing
them in the queue, de-duplicating and assigning is review/routing/queues.py's job.
Third-party kinds register through the ``kontrol.routing_kinds`` entry-point group.
"""

from __future__ import annotations

import math
import random
from abc import ABC
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib.metadata import entry_points
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, true

from kontrol.alerts.registry import Param, read_params
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period, period_keys
from kontrol.store.tables import (
    evaluations,
    interaction_facts,
    interactions,
    review_items,
    surveys,
)

ENTRY_POINT_GROUP = "kontrol.routing_kinds"
TRIGGERS = ("surveys", "scored", "complaints", "schedule")
# Filters a rule may narrow its kind with: interactions column -> allowed values (None: any text).
FILTERS = ("channel", "team", "language")
CHUNK = 400
# Event kinds ignore interactions older than this by default, so that importing last
# year's history does not flood the queues (a rule may change it; 0 means no limit).
MAX_AGE = Param("max_age_days", 14, 0, 3650)


@dataclass(frozen=True)
class RoutingRule:
    """A stored rule as the kinds see it (``params`` complete, defaults filled in)."""

    id: int
    workspace_id: int
    timezone: str
    name: str
    kind: str
    params: dict[str, float]
    queue_id: int
    priority: int
    due_hours: int
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assign_qa_leads: bool = False
    is_active: bool = True


@dataclass(frozen=True)
class Pick:
    """An interaction a rule selected, and why (in words a reviewer reads)."""

    interaction_id: int
    reason: str


class RoutingKind(ABC):
    """Base of every routing rule kind; override ``on_event`` or ``on_schedule``."""

    name: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    triggers: ClassVar[frozenset[str]] = frozenset()

    def on_event(
        self, connection: Connection, rule: RoutingRule, ids: Sequence[int], now: datetime
    ) -> list[Pick]:
        """Picks among interactions an event named (``ids``)."""
        return []

    def on_schedule(self, connection: Connection, rule: RoutingRule, now: datetime) -> list[Pick]:
        """Picks of the recurring routing job at ``now`` (naive UTC)."""
        return []

    @classmethod
    def read_params(cls, raw: dict[str, Any] | None, *, where: str = "params") -> dict[str, float]:
        """The parameters checked, defaults filled in; unknown names are refused."""
        return read_params(cls.params, raw, where=where)


K = TypeVar("K", bound=type[RoutingKind])
_registry: dict[str, type[RoutingKind]] = {}
_loaded = False


def routing_kind(cls: K) -> K:
    """Class decorator: make a routing kind available by its ``name``."""
    existing = _registry.get(cls.name)
    if existing is not None and existing is not cls:
        raise InvalidInput(f"two routing rule kinds are named {cls.name!r}")
    _registry[cls.name] = cls
    return cls


def routing_kinds() -> dict[str, type[RoutingKind]]:
    """Every registered kind by name (built-ins and entry points)."""
    global _loaded
    if not _loaded:
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            entry_point.load()
        _loaded = True
    return dict(sorted(_registry.items()))


def get_routing_kind(name: str) -> RoutingKind:
    """The kind called ``name``."""
    found = routing_kinds().get(name)
    if found is None:
        known = ", ".join(routing_kinds())
        raise InvalidInput(f"kind: unknown routing rule kind {name[:50]!r}; known: {known}")
    return found()


def filter_condition(rule: RoutingRule) -> ColumnElement[bool]:
    """The condition on ``interactions`` that limits a rule to its channels, teams, languages."""
    conditions = [
        interactions.c[name].in_(values) for name, values in rule.filters.items() if values
    ]
    return and_(true(), *conditions)


def _since(rule: RoutingRule, now: datetime) -> datetime | None:
    days = rule.params.get(MAX_AGE.name, MAX_AGE.default)
    return now - timedelta(days=days) if days else None


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


# -- survey answers --------------------------------------------------------------------


class _SurveyAnswer(RoutingKind):
    """A survey answer on one scale past the rule's threshold."""

    triggers: ClassVar[frozenset[str]] = frozenset({"surveys"})
    column: ClassVar[str]
    label: ClassVar[str]
    bound: ClassVar[str]

    def on_event(
        self, connection: Connection, rule: RoutingRule, ids: Sequence[int], now: datetime
    ) -> list[Pick]:
        """The rated interactions among ``ids`` whose answer passes the threshold."""
        since = _since(rule, now)
        answer = surveys.c[self.column]
        found: dict[int, int] = {}
        for part in _chunks(ids):
            query = (
                select(interactions.c.id, answer)
                .join(surveys, surveys.c.interaction_id == interactions.c.id)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(part),
                    answer.is_not(None),
                    answer <= int(rule.params[self.bound]),
                    filter_condition(rule),
                )
            )
            if since is not None:
                query = query.where(func.coalesce(surveys.c.at, interactions.c.started_at) >= since)
            for interaction_id, value in connection.execute(query):
                found.setdefault(interaction_id, value)
        return [Pick(i, f"{self.label} {value}") for i, value in sorted(found.items())]


@routing_kind
class CsatLow(_SurveyAnswer):
    """A customer rated the interaction ``max`` or lower on the 1–5 CSAT scale."""

    name: ClassVar[str] = "csat_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 2, 1, 4), MAX_AGE)
    column, label, bound = "csat", "CSAT", "max"


@routing_kind
class NpsLow(_SurveyAnswer):
    """A customer answered NPS ``max`` or lower (0–6 are detractors)."""

    name: ClassVar[str] = "nps_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 6, 0, 9), MAX_AGE)
    column, label, bound = "nps", "NPS", "max"


@routing_kind
class CesLow(_SurveyAnswer):
    """The customer found it hard: CES ``max`` or lower (1 = very hard, 7 = very easy)."""

    name: ClassVar[str] = "ces_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 3, 1, 6), MAX_AGE)
    column, label, bound = "ces", "CES", "max"


# -- the automatic checks --------------------------------------------------------------


@routing_kind
class CriticalFailed(RoutingKind):
    """The automatic evaluation failed a critical criterion."""

    name: ClassVar[str] = "critical_failed"
    params: ClassVar[tuple[Param, ...]] = (MAX_AGE,)
    triggers: ClassVar[frozenset[str]] = frozenset({"scored"})

    def on_event(
        self, connection: Connection, rule: RoutingRule, ids: Sequence[int], now: datetime
    ) -> list[Pick]:
        """Interactions among ``ids`` with a failed critical criterion in an auto evaluation."""
        since = _since(rule, now)
        failed: dict[int, list[str]] = {}
        for part in _chunks(ids):
            query = (
                select(interactions.c.id, evaluations.c["items"])
                .join(evaluations, evaluations.c.interaction_id == interactions.c.id)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(part),
                    evaluations.c.kind == "auto",
                    evaluations.c.passed.is_(False),
                    filter_condition(rule),
                )
                .order_by(interactions.c.id, evaluations.c.id)
            )
            if since is not None:
                query = query.where(interactions.c.started_at >= since)
            for interaction_id, items in connection.execute(query):
                for item in items or []:
                    criterion = str(item.get("criterion"))
                    if item.get("critical") and item.get("result") == "fail":
                        names = failed.setdefault(interaction_id, [])
                        if criterion not in names:
                            names.append(criterion)
        return [
            Pick(i, "critical: " + ", ".join(names)) for i, names in sorted(failed.items()) if names
        ]


@routing_kind
class Complaint(RoutingKind):
    """The interaction is a complaint: flagged in the record, by topic, or by the checks."""

    name: ClassVar[str] = "complaint"
    params: ClassVar[tuple[Param, ...]] = (MAX_AGE,)
    triggers: ClassVar[frozenset[str]] = frozenset({"scored", "complaints"})

    def on_event(
        self, connection: Connection, rule: RoutingRule, ids: Sequence[int], now: datetime
    ) -> list[Pick]:
        """Complaints among ``ids``."""
        since = _since(rule, now)
        found: set[int] = set()
        for part in _chunks(ids):
            query = select(interactions.c.id).where(
                interactions.c.workspace_id == rule.workspace_id,
                interactions.c.id.in_(part),
                or_(interactions.c.is_complaint.is_(True), interactions.c.topic == "complaint"),
                filter_condition(rule),
            )
            if since is not None:
                query = query.where(interactions.c.started_at >= since)
            found.update(connection.execute(query).scalars())
        return [Pick(i, "complaint") for i in sorted(found)]


# -- scheduled kinds -------------------------------------------------------------------


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


@routing_kind
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


@routing_kind
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


@routing_kind
class RepeatContact(RoutingKind):
    """The customer came back within 7 days (the contact did not resolve their matter).

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
        return [Pick(i, "repeat contact within 7 days") for i in ids]
