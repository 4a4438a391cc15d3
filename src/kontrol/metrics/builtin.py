"""The built-in metrics of spec/METRICS.md, registered exactly like third-party ones."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Table, case, func

from kontrol.metrics.definitions import (
    CountMetric,
    Direction,
    Kind,
    MeanMetric,
    Metric,
    RatioMetric,
    TimeMetric,
    both,
    count_where,
    is_true,
)
from kontrol.metrics.registry import register_metric

# -- speed ---------------------------------------------------------------------


@register_metric
class FirstResponseTime(TimeMetric):
    """First response time, text channels, handled inbound: first agent message minus
    queued_at (else the first customer message), around the clock."""

    id = "frt"
    column = "frt_s"
    default_target = 60.0
    default_warning = 120.0


@register_metric
class FirstResponseTimeBusiness(TimeMetric):
    """First response time counting only working time of the business-hours calendar
    (equal to frt where no calendar applies)."""

    id = "frt_business"
    column = "frt_business_s"


@register_metric
class SpeedOfAnswer(TimeMetric):
    """Speed of answer, handled inbound calls: started_at minus queued_at."""

    id = "asa"
    column = "asa_s"
    default_target = 20.0
    default_warning = 40.0


@register_metric
class SpeedOfAnswerBusiness(TimeMetric):
    """Speed of answer counting only working time of the business-hours calendar."""

    id = "asa_business"
    column = "asa_business_s"


@register_metric
class HandleTime(TimeMetric):
    """Handle time of handled calls, chats and messenger contacts:
    (ended_at minus started_at) plus wrap_seconds."""

    id = "aht"
    column = "aht_s"


@register_metric
class ResolutionTime(TimeMetric):
    """Per resolved case (case_id, else the interaction): last ended_at minus the first
    queued_at or started_at; counted in the period of the case's last interaction."""

    id = "resolution_time"
    column = "resolution_s"


@register_metric
class ResolutionTimeBusiness(TimeMetric):
    """Resolution time counting only working time of the business-hours calendar."""

    id = "resolution_time_business"
    column = "resolution_business_s"


@register_metric
class ServiceLevel(RatioMetric):
    """Share of handled interactions answered within the channel target (frt for text,
    asa for calls; call 20 s, chat 60 s, messenger 300 s, email 4 h, social 1 h).
    Where a business-hours calendar applies, its clock stops outside working time."""

    id = "sla"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 80.0
    default_warning = 70.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.sla_business_met))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.sla_business_met)


@register_metric
class ServiceLevelClock(RatioMetric):
    """Service level with the clock running around the clock, calendars ignored."""

    id = "sla_clock"
    direction: ClassVar[Direction | None] = "higher"

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.sla_met))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.sla_met)


@register_metric
class Abandonment(RatioMetric):
    """Inbound calls and chats abandoned by the customer / all inbound calls and chats."""

    id = "abandonment"
    direction: ClassVar[Direction | None] = "lower"
    default_target = 5.0
    default_warning = 10.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(both(self._queue(f), is_true(f.c.abandoned)))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return count_where(self._queue(f))

    @staticmethod
    def _queue(f: Table) -> ColumnElement[bool]:
        return both(is_true(f.c.inbound), f.c.channel.in_(("call", "chat")))


# -- quality -------------------------------------------------------------------


@register_metric
class Csat(RatioMetric):
    """Share of answered surveys with csat 4 or 5."""

    id = "csat"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 85.0
    default_warning = 75.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(f.c.csat >= 4)

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.csat)


@register_metric
class CsatAverage(MeanMetric):
    """Mean csat of answered surveys, 1 to 5."""

    id = "csat_avg"
    unit = "1-5"
    column = "csat"
    direction: ClassVar[Direction | None] = "higher"


@register_metric
class NetPromoterScore(RatioMetric):
    """Percent of nps 9-10 minus percent of nps 0-6 over answered surveys, -100 to 100."""

    id = "nps"
    unit = "points"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 30.0
    default_warning = 10.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(f.c.nps >= 9) - count_where(f.c.nps <= 6)

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.nps)


@register_metric
class CustomerEffort(MeanMetric):
    """Mean customer effort score, 1 (very hard) to 7 (very easy)."""

    id = "ces"
    unit = "1-7"
    column = "ces"
    direction: ClassVar[Direction | None] = "higher"


@register_metric
class SurveyRate(RatioMetric):
    """Handled interactions with any survey answer / handled interactions."""

    id = "survey_rate"
    direction: ClassVar[Direction | None] = "higher"

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(both(is_true(f.c.handled), is_true(f.c.surveyed)))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.handled))


@register_metric
class FirstContactResolution(RatioMetric):
    """Handled inbound interactions with a customer, resolved (or no status), not re-opened,
    with no other inbound contact of the customer on any channel within 7 days
    (same topic when both have one) / handled inbound interactions with a customer."""

    id = "fcr"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 70.0
    default_warning = 60.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.fcr))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.fcr)


@register_metric
class RepeatContact(RatioMetric):
    """Handled inbound interactions followed by another inbound contact of the same
    customer within 7 days, any channel / handled inbound interactions with a customer."""

    id = "repeat_contact"
    direction: ClassVar[Direction | None] = "lower"
    default_target = 15.0
    default_warning = 25.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.repeat_contact))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.repeat_contact)


@register_metric
class Complaints(Metric):
    """Interactions tagged complaint (or with topic complaint): the count, and their
    percentage of all interactions of the group."""

    id = "complaints"
    unit = "count"
    kind: ClassVar[Kind] = "count_ratio"
    direction: ClassVar[Direction | None] = "lower"


@register_metric
class QaScore(MeanMetric):
    """Mean evaluation score, 0 to 100: per interaction the manual evaluations where one
    exists, else the automatic ones."""

    id = "qa_score"
    unit = "0-100"
    # The counted evaluation's score, kept on the facts (metrics/evaluations.py).
    column = "qa_score"
    direction: ClassVar[Direction | None] = "higher"
    default_target = 85.0
    default_warning = 75.0


@register_metric
class QaFail(RatioMetric):
    """Evaluations that fail (below the pass mark, default 80, or with a failed critical
    criterion) / evaluations: the error rate."""

    id = "qa_fail"
    direction: ClassVar[Direction | None] = "lower"
    default_target = 10.0
    default_warning = 20.0

    def numerator(self, f: Table) -> ColumnElement[Any]:
        # Failed only with a score: an evaluation with every criterion na counts in neither.
        return count_where(both(f.c.qa_score.is_not(None), is_true(f.c.qa_failed)))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.qa_score)


# -- staff and cost ------------------------------------------------------------


@register_metric
class Contacts(CountMetric):
    """Handled interactions: inbound, not abandoned, with an agent (bots are never agents)."""

    id = "contacts"

    def count(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.handled))


@register_metric
class ContactsPerHour(RatioMetric):
    """Handled interactions with a handle time / hours of that handle time."""

    id = "contacts_per_hour"
    unit = "1/h"
    scale = 1.0
    direction: ClassVar[Direction | None] = "higher"

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return func.count(f.c.aht_s)

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return func.sum(f.c.aht_s) / 3600.0


@register_metric
class CostPerContact(RatioMetric):
    """Sum of cost (else handle hours × the agent's hourly_cost) / handled interactions."""

    id = "cost_per_contact"
    unit = "currency"
    scale = 1.0
    direction: ClassVar[Direction | None] = "lower"

    def numerator(self, f: Table) -> ColumnElement[Any]:
        return func.sum(case((is_true(f.c.handled), f.c.cost)))

    def denominator(self, f: Table) -> ColumnElement[Any]:
        return count_where(both(is_true(f.c.handled), f.c.cost.is_not(None)))


@register_metric
class CostTotal(CountMetric):
    """Sum of the cost of handled interactions (cost, else handle hours × hourly_cost)."""

    id = "cost_total"
    unit = "currency"

    def count(self, f: Table) -> ColumnElement[Any]:
        return func.sum(case((is_true(f.c.handled), f.c.cost)))


@register_metric
class DataWarnings(CountMetric):
    """Interactions whose timestamps go backwards (an agent message before the customer
    began waiting): they give no response time and are counted here instead."""

    id = "data_warnings"
    direction: ClassVar[Direction | None] = "lower"

    def count(self, f: Table) -> ColumnElement[Any]:
        return count_where(is_true(f.c.dq_backwards))


# -- commercial ----------------------------------------------------------------


@register_metric
class RepeatOrder(Metric):
    """Customers with an order in the period who had an earlier order (before the period
    or earlier in it) / customers with an order in the period."""

    id = "repeat_order"
    unit = "%"
    kind: ClassVar[Kind] = "ratio"
    source = "orders"
    direction: ClassVar[Direction | None] = "higher"


@register_metric
class RepeatOrderValue(Metric):
    """Mean amount of the repeat orders of the period."""

    id = "repeat_order_value"
    unit = "currency"
    kind: ClassVar[Kind] = "mean"
    source = "orders"
    direction: ClassVar[Direction | None] = "higher"


@register_metric
class Churn(Metric):
    """Customers with an order in the previous period and none in this one / customers
    with an order in the previous period. Needs a period."""

    id = "churn"
    unit = "%"
    kind: ClassVar[Kind] = "ratio"
    source = "orders"
    direction: ClassVar[Direction | None] = "lower"
