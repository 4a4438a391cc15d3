"""The reason view: per contact reason (or complaint type) its share and trend, FCR,
repeat contacts, CSAT, handle time, cost and complaints; new or growing ones flagged.

Counted in SQL over ``interaction_facts`` with the registered metrics'
numerators and denominators, so that for interactions whose reason is their
topic the figures equal the dashboard's breakdown by topic. Complaints are counted
among the handled contacts only, so a row never shows more complaints than contacts.

The flags judge whole periods only: when the chosen dates end inside a period
(the week still running, as on the dashboard's partial-period note), that last
period is shown but left out of "new" and "growing", which then compare the last
whole period with those before it. A reason is called growing only when the
period it is judged on holds at least ``metrics.figures.MIN_SAMPLE`` contacts
(the dashboard's "enough to judge"): "100 % of contacts" out of two says nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from kontrol.analysis.costs import CostSettings, cost_column
from kontrol.analysis.scope import AnalysisScope
from kontrol.analysis.statistics import two_proportion_p
from kontrol.analysis.taxonomy import Taxonomy, load_taxonomy
from kontrol.domain.periods import period_keys
from kontrol.i18n import translate
from kontrol.metrics import get_metric
from kontrol.metrics.date_ranges import DateRange, period_of
from kontrol.metrics.definitions import CountMetric, RatioMetric, count_where, is_true
from kontrol.metrics.figures import MIN_SAMPLE
from kontrol.metrics.query import number
from kontrol.store.tables import interaction_facts, reason_assignments

NONE = "_none"  # the code of "no reason found" in links
# A reason is growing when its share in the last period is at least this many
# times its share before, by at least this many points, and the z-test agrees.
GROWTH_RATIO = 1.5
GROWTH_POINTS = 2.0
GROWTH_P = 0.05


def reason_column(kind: str, topics: Mapping[str, str] | None = None) -> ColumnElement[Any]:
    """The reason (``reason``) or complaint type (``complaint``) of a fact row.

    ``topics``: the stored topics that name a taxonomy entry by another spelling
    (``topic_codes``), counted as that entry.
    """
    if kind == "complaint":
        return reason_assignments.c.complaint_type
    topic: ColumnElement[Any] = interaction_facts.c.topic
    if topics:
        topic = case(dict(topics), value=interaction_facts.c.topic, else_=interaction_facts.c.topic)
    return func.coalesce(topic, reason_assignments.c.reason)


def topic_codes(connection: Connection, scope: AnalysisScope) -> dict[str, str]:
    """The workspace's topics that name a reason other than by its exact code («Доставка»,
    «DELIVERY» → ``delivery``), by topic (``Taxonomy.match``)."""
    taxonomy = load_taxonomy(connection, scope.workspace_id)
    f = interaction_facts
    stored = connection.execute(
        select(f.c.topic)
        .where(f.c.workspace_id == scope.workspace_id, f.c.topic.is_not(None))
        .distinct()
    ).scalars()
    found = {}
    for topic in stored:
        code = taxonomy.match("reason", str(topic))
        if code is not None and code != topic:
            found[str(topic)] = code
    return found


def joined() -> Any:
    """Facts with their assignments (an interaction not yet assigned counts by topic)."""
    f, a = interaction_facts, reason_assignments
    return f.outerjoin(a, a.c.interaction_id == f.c.interaction_id)


def kind_conditions(scope: AnalysisScope, kind: str) -> list[ColumnElement[bool]]:
    """The scope, and for complaint types only the complaints."""
    found = scope.conditions()
    if kind == "complaint":
        found.append(is_true(interaction_facts.c.complaint))
    return found


@dataclass
class ReasonRow:
    """One reason's figures over the scope."""

    code: str | None
    contacts: float
    share: float | None
    interactions: int
    fcr: float | None
    repeat_contact: float | None
    csat: float | None
    aht_mean: float | None
    cost_total: float | None
    cost: float | None
    cost_per_contact: float | None
    complaints: float
    guessed: int
    repeats: float = 0.0
    trend: list[tuple[str, float, float | None]] = field(default_factory=list)
    flag: str | None = None
    growth_p: float | None = None
    # The period a flag was judged on and the reason's share in it (the last whole one).
    flag_period: str | None = None
    flag_share: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The row as plain data."""
        return {
            "code": self.code,
            "contacts": self.contacts,
            "share": self.share,
            "interactions": self.interactions,
            "fcr": self.fcr,
            "repeat_contact": self.repeat_contact,
            "csat": self.csat,
            "aht_mean": self.aht_mean,
            "cost_total": self.cost_total,
            "cost": self.cost,
            "cost_per_contact": self.cost_per_contact,
            "complaints": self.complaints,
            "repeats": self.repeats,
            "guessed": self.guessed,
            "flag": self.flag,
            "growth_p": self.growth_p,
            "flag_period": self.flag_period,
            "trend": [
                {"period": key, "contacts": count, "share": share}
                for key, count, share in self.trend
            ],
        }


def _ratio(metric_id: str) -> RatioMetric:
    metric = get_metric(metric_id)
    assert isinstance(metric, RatioMetric)
    return metric


def _count(metric_id: str) -> CountMetric:
    metric = get_metric(metric_id)
    assert isinstance(metric, CountMetric)
    return metric


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _percent(num: Any, den: Any) -> float | None:
    top, bottom = number(num), number(den)
    return _rounded(top * 100.0 / bottom) if top is not None and bottom else None


def reason_rows(
    connection: Connection, scope: AnalysisScope, *, kind: str = "reason", costs: CostSettings
) -> list[ReasonRow]:
    """Every reason of the scope, most contacts first; the reason None last."""
    f = interaction_facts
    topics = topic_codes(connection, scope) if kind == "reason" else {}
    reason = reason_column(kind, topics).label("reason")
    fcr, repeat, csat = _ratio("fcr"), _ratio("repeat_contact"), _ratio("csat")
    guessed = and_(is_true(f.c.handled), reason_assignments.c.reason_source.in_(("rule", "model")))
    if kind == "complaint":
        guessed = and_(
            is_true(f.c.handled), reason_assignments.c.complaint_source.in_(("rule", "model"))
        )
    own_cost = cost_column(f, costs)
    statement = (
        select(
            reason,
            func.count().label("interactions"),
            _count("contacts").count(f).label("contacts"),
            fcr.numerator(f).label("fcr_num"),
            fcr.denominator(f).label("fcr_den"),
            repeat.numerator(f).label("repeat_num"),
            repeat.denominator(f).label("repeat_den"),
            csat.numerator(f).label("csat_num"),
            csat.denominator(f).label("csat_den"),
            func.avg(f.c.aht_s).label("aht_mean"),
            _count("cost_total").count(f).label("cost_total"),
            func.sum(own_cost).label("cost"),
            func.count(own_cost).label("costed"),
            # Among the contacts counted (handled ones), so never more than they are.
            count_where(and_(is_true(f.c.handled), is_true(f.c.complaint))).label("complaints"),
            count_where(guessed).label("guessed"),
        )
        .select_from(joined())
        .where(*kind_conditions(scope, kind))
        .group_by(reason)
    )
    rows = connection.execute(statement).mappings().all()
    total = sum(number(row["contacts"]) or 0 for row in rows)
    found = []
    for row in rows:
        contacts = number(row["contacts"]) or 0.0
        cost = number(row["cost"])
        costed = number(row["costed"])
        found.append(
            ReasonRow(
                code=row["reason"],
                contacts=contacts,
                share=_rounded(contacts * 100.0 / total) if total else None,
                interactions=int(row["interactions"]),
                fcr=_percent(row["fcr_num"], row["fcr_den"]),
                repeat_contact=_percent(row["repeat_num"], row["repeat_den"]),
                csat=_percent(row["csat_num"], row["csat_den"]),
                aht_mean=_rounded(number(row["aht_mean"])),
                cost_total=_rounded(number(row["cost_total"])),
                cost=_rounded(cost),
                cost_per_contact=_rounded(cost / costed) if cost is not None and costed else None,
                complaints=number(row["complaints"]) or 0.0,
                guessed=int(number(row["guessed"]) or 0),
                repeats=number(row["repeat_num"]) or 0.0,
            )
        )
    found.sort(key=lambda r: (r.code is None, -r.contacts, r.code or ""))
    _add_trends(connection, scope, kind, found, topics)
    return found


@dataclass(frozen=True)
class PartialPeriod:
    """The last period of a scope whose dates end before it does (a week still running)."""

    key: str
    dates: DateRange
    total: int

    @property
    def days(self) -> int:
        return self.dates.days


def unfinished_period(scope: AnalysisScope) -> PartialPeriod | None:
    """The scope's last period when its dates hold only its first days, else None."""
    whole = period_of(scope.period, scope.date_to)
    if scope.date_to >= whole.last:
        return None
    key = period_keys(scope.date_to)[scope.period]
    return PartialPeriod(
        key, DateRange(max(whole.first, scope.date_from), scope.date_to), whole.days
    )


def _add_trends(
    connection: Connection,
    scope: AnalysisScope,
    kind: str,
    rows: list[ReasonRow],
    topics: Mapping[str, str],
) -> None:
    """Contacts and share per period of each reason; then the flags."""
    f = interaction_facts
    reason = reason_column(kind, topics).label("reason")
    period = f.c[scope.period.value].label("period")
    statement = (
        select(reason, period, _count("contacts").count(f).label("contacts"))
        .select_from(joined())
        .where(*kind_conditions(scope, kind))
        .group_by(reason, period)
    )
    counts: dict[str | None, dict[str, float]] = defaultdict(dict)
    totals: dict[str, float] = defaultdict(float)
    for row in connection.execute(statement).mappings():
        value = number(row["contacts"]) or 0.0
        counts[row["reason"]][row["period"]] = value
        totals[row["period"]] += value
    periods = sorted(totals)
    # A period still running is drawn but not judged: the flags stop at the last whole one.
    partial = unfinished_period(scope)
    judged = (
        periods[:-1] if partial is not None and periods and periods[-1] == partial.key else periods
    )
    for item in rows:
        mine = counts.get(item.code, {})
        item.trend = [
            (
                key,
                mine.get(key, 0.0),
                _rounded(mine.get(key, 0.0) * 100.0 / totals[key]) if totals[key] else None,
            )
            for key in periods
        ]
        if item.code is not None:
            item.flag, item.growth_p = flag_of(item.trend[: len(judged)], totals, judged)
            if item.flag is not None:
                item.flag_period, _, item.flag_share = item.trend[len(judged) - 1]


def flag_of(
    trend: list[tuple[str, float, float | None]], totals: dict[str, float], periods: list[str]
) -> tuple[str | None, float | None]:
    """``new`` (no contacts before the last two periods, at least three earlier periods),
    ``growing`` (last period's share well above the earlier share, z-test p < 0.05, on at
    least ``MIN_SAMPLE`` contacts in the last period)."""
    if len(periods) < 4:
        return None, None
    earlier = trend[:-2]
    if all(count == 0 for _, count, _ in earlier) and any(count > 0 for _, count, _ in trend[-2:]):
        return "new", None
    last_count = trend[-1][1]
    last_total = totals[periods[-1]]
    before_count = sum(count for _, count, _ in trend[:-1])
    before_total = sum(totals[key] for key in periods[:-1])
    if not last_total or not before_total:
        return None, None
    if last_total < MIN_SAMPLE:
        return None, None
    last_share = last_count * 100.0 / last_total
    before_share = before_count * 100.0 / before_total
    p = two_proportion_p((int(last_count), int(last_total)), (int(before_count), int(before_total)))
    growing = (
        last_share >= before_share * GROWTH_RATIO
        and last_share - before_share >= GROWTH_POINTS
        and p is not None
        and p < GROWTH_P
    )
    return ("growing" if growing else None), p


@dataclass(frozen=True)
class DrillRow:
    """One conversation behind a reason."""

    interaction_id: int
    started_at: Any
    channel: str
    agent: str | None
    source: str | None
    confidence: float | None
    csat: int | None
    fcr: bool | None
    complaint: bool


def reason_interactions(
    connection: Connection,
    scope: AnalysisScope,
    *,
    kind: str,
    code: str,
    limit: int = 100,
    only_repeat: bool = False,
) -> list[DrillRow]:
    """The newest conversations of one reason (``_none``: those without one)."""
    f, a = interaction_facts, reason_assignments
    column = reason_column(kind, topic_codes(connection, scope) if kind == "reason" else None)
    conditions = kind_conditions(scope, kind)
    conditions.append(column.is_(None) if code == NONE else column == code)
    if only_repeat:
        conditions.append(is_true(f.c.repeat_contact))
    source = a.c.complaint_source if kind == "complaint" else a.c.reason_source
    statement = (
        select(
            f.c.interaction_id,
            f.c.started_at,
            f.c.channel,
            f.c.agent,
            f.c.topic,
            source.label("source"),
            a.c.reason_confidence,
            f.c.csat,
            f.c.fcr,
            f.c.complaint,
        )
        .select_from(joined())
        .where(*conditions)
        .order_by(f.c.started_at.desc(), f.c.interaction_id.desc())
        .limit(limit)
    )
    return [
        DrillRow(
            interaction_id=row.interaction_id,
            started_at=row.started_at,
            channel=row.channel,
            agent=row.agent,
            source=row.source or ("topic" if row.topic and kind == "reason" else None),
            confidence=row.reason_confidence if kind == "reason" else None,
            csat=row.csat,
            fcr=row.fcr,
            complaint=bool(row.complaint),
        )
        for row in connection.execute(statement)
    ]


def label_of(taxonomy: Taxonomy, kind: str, code: str | None, locale: str) -> str | None:
    """The taxonomy's name of a code (None when the code is not in it)."""
    if code is None:
        return None
    entry = taxonomy.find(kind, code)
    return entry.label(locale) if entry is not None else None


_CODE = re.compile(r"^[a-z0-9]+(?:[_\-.][a-z0-9]+)+$|^[a-z0-9]+$")


def reason_label(taxonomy: Taxonomy, kind: str, code: str, locale: str) -> str:
    """What a reader sees for a reason or complaint type: never a bare code.

    The taxonomy's name in ``locale``; else the catalogue's topic name
    (``card_blocked`` → «Блокировка карты»); else a code-like value made readable
    (``sim_swap`` → «Sim swap»); a CRM's own topic («Доставка курьером») as it is.
    """
    found = label_of(taxonomy, kind, code, locale)
    if found:
        return found
    key = f"topic.{code}"
    text = translate(locale, key)
    if text != key:
        return text
    if _CODE.match(code):
        words = re.sub(r"[_\-.]+", " ", code).strip()
        return words[:1].upper() + words[1:]
    return code
