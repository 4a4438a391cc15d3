"""One interaction's facts: the measures a KPI needs, worked out per contact.

First response and answer times (plain and in business hours), handle time,
SLA, resolution of the case, first-contact resolution and repeat contact within
the customer window, cost, the survey answers, and the counted evaluation's
score and pass/fail (``metrics/evaluations``). :mod:`kontrol.metrics.facts`
writes them and keeps them current.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, func, select, tuple_

from kontrol.domain.business_hours import BusinessCalendar
from kontrol.domain.clock import zone
from kontrol.domain.periods import Period, period_keys
from kontrol.metrics.calendars import Calendars, load_calendars
from kontrol.metrics.evaluations import qa_values
from kontrol.metrics.parameters import (
    HANDLE_TIME_CHANNELS,
    REPEAT_WINDOW,
    SLA_TARGET_SECONDS,
    TEXT_CHANNELS,
)
from kontrol.store.tables import agents, interactions, messages, surveys, workspaces

# Seconds between two moments (later, earlier), ``None`` when either is unknown.
_Seconds = Callable[[datetime | None, datetime | None], float | None]

CHUNK = 900  # ids per IN list: below SQLite's bound-parameter limits everywhere


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``size``, for IN lists."""
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


class FactContext:
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
        """The period keys of the local day ``moment`` (UTC) falls on."""
        local_day = moment.replace(tzinfo=UTC).astimezone(self.zone).date()
        cached = self._keys.get(local_day)
        if cached is None:
            cached = self._keys[local_day] = period_keys(local_day)
        return cached


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def _interaction_rows(connection: Connection, ids: Sequence[int]) -> Sequence[Any]:
    """The columns the facts are worked out from, with the agent's cost and team."""
    i = interactions
    return connection.execute(
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


def compute_facts(
    connection: Connection, context: FactContext, ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The fact rows of the interactions ``ids`` (those that exist)."""
    rows = _interaction_rows(connection, ids)
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
    counted = qa_values(connection, ids)
    facts = []
    for row in rows:
        fact = _fact(
            context,
            row,
            firsts.get(row.id, (None, None)),
            answers.get(row.id),
            customer_contacts,
            case_members,
        )
        fact["qa_score"], fact["qa_failed"] = counted.get(row.id, (None, None))
        facts.append(fact)
    return facts


def _customer_contacts(
    connection: Connection,
    workspace_id: int,
    customers: set[str],
    after: tuple[datetime, int],
    last: datetime,
) -> dict[str, list[_Contact]]:
    found: dict[str, list[_Contact]] = defaultdict(list)
    for part in chunks(sorted(customers)):
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
    for part in chunks(sorted(cases)):
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


@dataclass
class _Timings:
    """First response, answer and handle times of one contact (plain and business)."""

    frt: float | None = None
    frt_business: float | None = None
    asa: float | None = None
    asa_business: float | None = None
    aht: float | None = None
    # A time that runs backwards (bad data): dropped and flagged.
    backwards: bool = False


def _business_seconds(context: FactContext, calendar: BusinessCalendar | None) -> _Seconds:
    """Seconds between two moments within the calendar's working hours (if any)."""

    def business(later: datetime | None, earlier: datetime | None) -> float | None:
        plain = _seconds(later, earlier)
        if plain is None or plain < 0 or calendar is None:
            return plain
        assert later is not None and earlier is not None
        return calendar.working_seconds(earlier, later, context.zone)

    return business


def _timings(
    row: Any, first: tuple[datetime | None, datetime | None], handled: bool, business: _Seconds
) -> _Timings:
    first_agent, first_customer = first
    found = _Timings()
    if handled and row.channel in TEXT_CHANNELS and first_agent is not None:
        reference = row.queued_at or first_customer
        found.frt = _seconds(first_agent, reference)
        if found.frt is not None and found.frt < 0:
            found.frt, found.backwards = None, True
        found.frt_business = business(first_agent, reference) if found.frt is not None else None
    if handled and row.channel == "call":
        found.asa = _seconds(row.started_at, row.queued_at)
        if found.asa is not None and found.asa < 0:
            found.asa, found.backwards = None, True
        found.asa_business = (
            business(row.started_at, row.queued_at) if found.asa is not None else None
        )
    if handled and row.channel in HANDLE_TIME_CHANNELS and row.ended_at is not None:
        found.aht = _seconds(row.ended_at, row.started_at)
        if found.aht is not None and found.aht < 0:
            found.aht, found.backwards = None, True
        elif found.aht is not None:
            found.aht += row.wrap_seconds or 0.0
    return found


def _sla(row: Any, handled: bool, timings: _Timings) -> tuple[bool | None, bool | None]:
    """Whether the answer came within the channel's target: plain, in business hours."""
    target = SLA_TARGET_SECONDS.get(row.channel)
    if not handled or target is None:
        return None, None
    if row.channel == "call":
        measure, measure_business = timings.asa, timings.asa_business
    else:
        measure, measure_business = timings.frt, timings.frt_business
    if measure is None:
        return None, None
    return measure <= target, (
        measure_business if measure_business is not None else measure
    ) <= target


def _resolution(
    row: Any, members: list[Any], business: _Seconds, timings: _Timings
) -> tuple[float | None, float | None]:
    """Resolution seconds (plain, business): of the whole case, on its last interaction."""
    resolution = resolution_business = None
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
            resolution, timings.backwards = None, True
        resolution_business = business(end, start) if resolution is not None else None
    return resolution, resolution_business


def _first_contact(
    row: Any,
    handled: bool,
    customer_contacts: dict[str, list[_Contact]],
    members: list[Any],
) -> tuple[bool | None, bool | None]:
    """(first-contact resolution, repeat contact) within the customer window."""
    if not handled or not row.customer_id:
        return None, None
    me = _Contact(row.id, row.started_at, row.topic)
    window_end = row.started_at + REPEAT_WINDOW
    later = [
        c
        for c in customer_contacts.get(row.customer_id, [])
        if c.id != row.id and c.after(me) and c.started_at <= window_end
    ]
    same_topic = [c for c in later if row.topic is None or c.topic is None or c.topic == row.topic]
    reopened = any(m.id != row.id and _Contact(m.id, m.started_at, None).after(me) for m in members)
    fcr = row.status in (None, "resolved") and not same_topic and not reopened
    return fcr, bool(later)


def _fact(
    context: FactContext,
    row: Any,
    first: tuple[datetime | None, datetime | None],
    answer: Any,
    customer_contacts: dict[str, list[_Contact]],
    case_members: dict[str, list[Any]],
) -> dict[str, Any]:
    inbound = row.direction == "inbound"
    abandoned = row.status == "abandoned"
    # Bots are never agents: a contact is handled only by a person with an agent id.
    handled = inbound and not abandoned and row.agent_external_id is not None
    team = row.team if row.team is not None else row.agent_team
    calendar = context.calendars.for_contact(team=team, channel=row.channel)
    business = _business_seconds(context, calendar)
    timings = _timings(row, first, handled, business)
    sla_met, sla_business_met = _sla(row, handled, timings)
    members = case_members.get(row.case_id, []) if row.case_id else []
    resolution, resolution_business = _resolution(row, members, business, timings)
    fcr, repeat = _first_contact(row, handled, customer_contacts, members)
    cost = row.cost
    if cost is None and timings.aht is not None and row.hourly_cost is not None:
        cost = timings.aht / 3600.0 * row.hourly_cost
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
        "frt_s": timings.frt,
        "frt_business_s": timings.frt_business,
        "asa_s": timings.asa,
        "asa_business_s": timings.asa_business,
        "aht_s": timings.aht,
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
        "dq_backwards": timings.backwards,
    }
