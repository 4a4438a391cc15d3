"""Current state and bottlenecks: where the service loses customers and time.

Waiting by local hour × weekday × channel, abandonment and SLA misses by hour,
the reasons behind most repeat contacts and complaints, the agents and teams
furthest from their targets, and the cost per contact and channel with the
channel mix. Each finding carries the interaction-list filters that select the
contacts behind it. Counted in SQL: per UTC hour of each day (at most 24 rows
a day and channel), turned into local hours here so that daylight saving is
exact on both databases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.costs import CostSettings, cost_column
from kontrol.analysis.reasons import ReasonRow
from kontrol.analysis.scope import AnalysisScope
from kontrol.domain.clock import zone
from kontrol.metrics import get_metric
from kontrol.metrics.definitions import RatioMetric, count_where, is_true
from kontrol.metrics.kpis import compute
from kontrol.metrics.query import number
from kontrol.metrics.targets import list_targets, target_for
from kontrol.store.tables import interaction_facts

HOURS = range(24)
WEEKDAYS = range(7)
# Fewer handled contacts than this and an agent's or team's gap is not judged.
MIN_CONTACTS = 5
TOP = 5


def _hour_bucket(connection: Connection) -> ColumnElement[Any]:
    column = interaction_facts.c.started_at
    if connection.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


@dataclass
class HourCell:
    """Sums of one hour (of one weekday and channel)."""

    waited: float = 0.0
    waits: int = 0
    queue: int = 0
    abandoned: int = 0
    sla: int = 0
    sla_missed: int = 0

    def add(self, other: HourCell) -> None:
        """Add another cell's sums to this one."""
        self.waited += other.waited
        self.waits += other.waits
        self.queue += other.queue
        self.abandoned += other.abandoned
        self.sla += other.sla
        self.sla_missed += other.sla_missed

    @property
    def mean_wait(self) -> float | None:
        """Mean waiting seconds (speed of answer for calls, first response for text)."""
        return self.waited / self.waits if self.waits else None

    @property
    def abandonment(self) -> float | None:
        """Abandoned share of inbound calls and chats, percent."""
        return self.abandoned * 100.0 / self.queue if self.queue else None

    @property
    def sla_miss(self) -> float | None:
        """Share of contacts answered later than their channel target, percent."""
        return self.sla_missed * 100.0 / self.sla if self.sla else None


@dataclass
class HourProfile:
    """Per channel a weekday × hour grid, and the hours of the whole week."""

    channels: list[str]
    grid: dict[str, dict[tuple[int, int], HourCell]]
    hours: dict[int, HourCell]

    def worst_wait(self, channel: str) -> tuple[int, int, float] | None:
        """(weekday, hour, mean wait) of the channel's longest average wait."""
        cells = [
            (weekday, hour, cell.mean_wait)
            for (weekday, hour), cell in self.grid.get(channel, {}).items()
            if cell.mean_wait is not None and cell.waits >= 3
        ]
        if not cells:
            return None
        weekday, hour, wait = max(cells, key=lambda c: c[2] or 0.0)
        assert wait is not None
        return weekday, hour, wait


def hour_profile(connection: Connection, scope: AnalysisScope, tz: ZoneInfo) -> HourProfile:
    """Waiting, abandonment and SLA misses by local weekday and hour, per channel."""
    f = interaction_facts
    bucket = _hour_bucket(connection).label("bucket")
    abandonment = get_metric("abandonment")
    sla = get_metric("sla")
    assert isinstance(abandonment, RatioMetric) and isinstance(sla, RatioMetric)
    wait = func.coalesce(f.c.asa_s, f.c.frt_s)
    statement = (
        select(
            f.c.channel,
            bucket,
            func.sum(wait).label("waited"),
            func.count(wait).label("waits"),
            abandonment.denominator(f).label("queue"),
            abandonment.numerator(f).label("abandoned"),
            sla.denominator(f).label("sla"),
            sla.numerator(f).label("sla_met"),
        )
        .where(*scope.conditions())
        .group_by(f.c.channel, bucket)
    )
    grid: dict[str, dict[tuple[int, int], HourCell]] = defaultdict(lambda: defaultdict(HourCell))
    hours: dict[int, HourCell] = defaultdict(HourCell)
    # Each UTC hour comes once per channel: its local weekday and hour are looked up
    # once (fromisoformat, not strptime: a page has a few thousand of them).
    local_of: dict[str, datetime] = {}
    for row in connection.execute(statement).mappings():
        local = local_of.get(row["bucket"])
        if local is None:
            moment = datetime.fromisoformat(row["bucket"] + ":00").replace(tzinfo=UTC)
            local = local_of[row["bucket"]] = moment.astimezone(tz)
        sla_count = int(number(row["sla"]) or 0)
        cell = HourCell(
            waited=number(row["waited"]) or 0.0,
            waits=int(number(row["waits"]) or 0),
            queue=int(number(row["queue"]) or 0),
            abandoned=int(number(row["abandoned"]) or 0),
            sla=sla_count,
            sla_missed=sla_count - int(number(row["sla_met"]) or 0),
        )
        grid[row["channel"]][(local.weekday(), local.hour)].add(cell)
        hours[local.hour].add(cell)
    channels = sorted(grid, key=lambda c: -sum(cell.waits for cell in grid[c].values()))
    return HourProfile(channels, {c: dict(g) for c, g in grid.items()}, dict(hours))


@dataclass(frozen=True)
class Gap:
    """An agent or team short of a target."""

    dimension: str
    value: str
    metric: str
    actual: float
    target: float
    direction: str
    shortfall: float
    contacts: float


def target_gaps(connection: Connection, workspace: Workspace, scope: AnalysisScope) -> list[Gap]:
    """The agents and teams furthest from the targets that apply to them, worst first.

    The shortfall is relative to the target (10 % short of 80 is 8 points), so
    metrics with different units rank together.
    """
    targets = list_targets(connection, workspace)
    wanted = sorted({t.metric for t in targets if get_metric(t.metric).source == "facts"})
    if not wanted:
        return []
    gaps = []
    for dimension in ("team", "agent"):
        rows = compute(
            connection,
            workspace=workspace,
            metrics=[*wanted, "contacts"] if "contacts" not in wanted else wanted,
            by=(dimension,),
            date_from=scope.date_from,
            date_to=scope.date_to,
            filters={k: v for k, v in scope.filters.items() if k != "language"},
        )
        for row in rows:
            if row.get(dimension) is None or (row.get("contacts") or 0) < MIN_CONTACTS:
                continue
            for metric_id in wanted:
                target = target_for(targets, metric_id, row, scope.period.value)
                actual = row.get(metric_id)
                if target is None or actual is None or not target.target:
                    continue
                if target.direction == "higher":
                    shortfall = (target.target - actual) / abs(target.target)
                else:
                    shortfall = (actual - target.target) / abs(target.target)
                if shortfall > 0:
                    gaps.append(
                        Gap(
                            dimension,
                            str(row[dimension]),
                            metric_id,
                            float(actual),
                            target.target,
                            target.direction,
                            round(shortfall, 6),
                            float(row.get("contacts") or 0),
                        )
                    )
    gaps.sort(key=lambda g: -g.shortfall)
    return gaps


@dataclass(frozen=True)
class ChannelCost:
    """Contacts, their share and cost on one channel."""

    channel: str
    contacts: float
    share: float | None
    cost: float | None
    cost_per_contact: float | None
    aht_mean: float | None


def channel_costs(
    connection: Connection, scope: AnalysisScope, costs: CostSettings
) -> list[ChannelCost]:
    """Per channel: handled contacts, channel mix, cost and cost per contact."""
    f = interaction_facts
    own = cost_column(f, costs)
    statement = (
        select(
            f.c.channel,
            count_where(is_true(f.c.handled)).label("contacts"),
            func.sum(own).label("cost"),
            func.count(own).label("costed"),
            func.avg(f.c.aht_s).label("aht"),
        )
        .where(*scope.conditions())
        .group_by(f.c.channel)
    )
    rows = connection.execute(statement).mappings().all()
    total = sum(number(r["contacts"]) or 0 for r in rows)
    found = []
    for row in rows:
        contacts = number(row["contacts"]) or 0.0
        cost, costed = number(row["cost"]), number(row["costed"])
        found.append(
            ChannelCost(
                channel=row["channel"],
                contacts=contacts,
                share=round(contacts * 100.0 / total, 6) if total else None,
                cost=round(cost, 6) if cost is not None else None,
                cost_per_contact=round(cost / costed, 6) if cost is not None and costed else None,
                aht_mean=number(row["aht"]),
            )
        )
    found.sort(key=lambda c: -c.contacts)
    return found


@dataclass(frozen=True)
class Bottleneck:
    """One bottleneck in words (a message key and its values), with where it leads."""

    key: str
    values: dict[str, Any]
    filters: dict[str, str]
    weight: float = 0.0


@dataclass
class Bottlenecks:
    """Everything the bottlenecks page shows."""

    scope: AnalysisScope
    profile: HourProfile
    repeat_reasons: list[ReasonRow]
    complaint_reasons: list[ReasonRow]
    complaint_types: list[ReasonRow]
    gaps: list[Gap]
    channels: list[ChannelCost]
    findings: list[Bottleneck] = field(default_factory=list)


def bottlenecks(
    connection: Connection,
    workspace: Workspace,
    scope: AnalysisScope,
    *,
    reasons: list[ReasonRow],
    complaint_types: list[ReasonRow],
    costs: CostSettings,
) -> Bottlenecks:
    """The bottlenecks of the scope and the findings that sum them up."""
    profile = hour_profile(connection, scope, zone(workspace.timezone))
    named = [r for r in reasons if r.code is not None]
    found = Bottlenecks(
        scope=scope,
        profile=profile,
        repeat_reasons=sorted((r for r in named if r.repeats), key=lambda r: -r.repeats)[:TOP],
        complaint_reasons=sorted((r for r in named if r.complaints), key=lambda r: -r.complaints)[
            :TOP
        ],
        complaint_types=[r for r in complaint_types if r.code is not None][:TOP],
        gaps=target_gaps(connection, workspace, scope)[: TOP * 2],
        channels=channel_costs(connection, scope, costs),
    )
    found.findings = _findings(found)
    return found


def _findings(page: Bottlenecks) -> list[Bottleneck]:
    """The few sentences at the top of the page, most important first."""
    dates = {
        "date_from": page.scope.date_from.isoformat(),
        "date_to": page.scope.date_to.isoformat(),
    }
    findings: list[Bottleneck] = []
    for channel in page.profile.channels[:3]:
        worst = page.profile.worst_wait(channel)
        if worst is not None:
            weekday, hour, wait = worst
            findings.append(
                Bottleneck(
                    "wait",
                    {"channel": channel, "weekday": weekday, "hour": hour, "seconds": wait},
                    {**dates, "channel": channel, "sla": "missed"},
                    weight=wait,
                )
            )
    hours = [(h, c) for h, c in page.profile.hours.items() if c.queue >= 5]
    if hours:
        hour, cell = max(hours, key=lambda item: item[1].abandonment or 0.0)
        if cell.abandonment:
            findings.append(
                Bottleneck(
                    "abandonment",
                    {"hour": hour, "percent": cell.abandonment, "count": cell.abandoned},
                    {**dates, "abandoned": "yes"},
                )
            )
    if page.repeat_reasons:
        top = page.repeat_reasons[0]
        findings.append(
            Bottleneck(
                "repeat",
                {"reason": top.code, "count": top.repeats, "percent": top.repeat_contact},
                {**dates, "repeat": "yes", "topic": top.code or ""},
            )
        )
    if page.complaint_reasons:
        top = page.complaint_reasons[0]
        findings.append(
            Bottleneck(
                "complaints",
                {"reason": top.code, "count": top.complaints},
                {**dates, "complaint": "yes", "topic": top.code or ""},
            )
        )
    for gap in page.gaps[:2]:
        findings.append(
            Bottleneck(
                "gap",
                {
                    "who": gap.value,
                    "dimension": gap.dimension,
                    "metric": gap.metric,
                    "actual": gap.actual,
                    "target": gap.target,
                    "percent": gap.shortfall * 100.0,
                },
                {**dates, gap.dimension: gap.value},
            )
        )
    costly = [c for c in page.channels if c.cost_per_contact is not None]
    if costly:
        top_cost = max(costly, key=lambda c: c.cost_per_contact or 0.0)
        findings.append(
            Bottleneck(
                "cost",
                {
                    "channel": top_cost.channel,
                    "cost": top_cost.cost_per_contact,
                    "share": top_cost.share,
                },
                {**dates, "channel": top_cost.channel},
            )
        )
    return findings
