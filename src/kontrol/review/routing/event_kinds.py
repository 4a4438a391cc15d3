"""Routing kinds that react to events: survey answers, the automatic checks, complaints.

Each looks only at the interactions the event named, and by default only at
recent ones (``max_age_days``), so that importing last year's history does not
flood the queues.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, func, or_, select

from kontrol.ingest.survey_storing import answered_last
from kontrol.review.routing.kinds import (
    ROUTING_KINDS,
    Pick,
    RoutingKind,
    RoutingRule,
    filter_condition,
)
from kontrol.rules.params import Param
from kontrol.store.tables import evaluations, interactions, surveys

CHUNK = 400
# Event kinds ignore interactions older than this by default, so that importing last
# year's history does not flood the queues (a rule may change it; 0 means no limit).
MAX_AGE = Param("max_age_days", 14, 0, 3650)


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
                    answered_last(self.column),
                    filter_condition(rule),
                )
            )
            if since is not None:
                answered = surveys.c[f"{self.column}_at"]
                query = query.where(func.coalesce(answered, interactions.c.started_at) >= since)
            for interaction_id, value in connection.execute(query):
                found.setdefault(interaction_id, value)
        return [Pick(i, f"{self.label} {value}") for i, value in sorted(found.items())]


@ROUTING_KINDS.register
class CsatLow(_SurveyAnswer):
    """A customer rated the interaction ``max`` or lower on the 1–5 CSAT scale."""

    name: ClassVar[str] = "csat_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 2, 1, 4), MAX_AGE)
    column, label, bound = "csat", "CSAT", "max"


@ROUTING_KINDS.register
class NpsLow(_SurveyAnswer):
    """A customer answered NPS ``max`` or lower (0–6 are detractors)."""

    name: ClassVar[str] = "nps_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 6, 0, 9), MAX_AGE)
    column, label, bound = "nps", "NPS", "max"


@ROUTING_KINDS.register
class CesLow(_SurveyAnswer):
    """The customer found it hard: CES ``max`` or lower (1 = very hard, 7 = very easy)."""

    name: ClassVar[str] = "ces_low"
    params: ClassVar[tuple[Param, ...]] = (Param("max", 3, 1, 6), MAX_AGE)
    column, label, bound = "ces", "CES", "max"


# -- the automatic checks --------------------------------------------------------------


@ROUTING_KINDS.register
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


@ROUTING_KINDS.register
class ComplaintReview(RoutingKind):
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
