"""Hygiene scores: per owner and team, at a moment, by week, and the items behind them.

An item counts at a moment ``T`` when it existed then and was open, or was
finished within the ``WINDOW`` before ``T`` (a deal closed last month still
shows how it was kept; one closed a year ago no longer does). Its score is
``1 - (the weights of the rules it broke at T)``, at least 0; a group's score
is the mean over its items, in percent. With every weight 1 that is exactly the
share of items without violations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.periods import Period, first_day, next_key, period_keys
from kontrol.store.tables import agents, work_items, work_rules, work_violations

WINDOW = timedelta(days=30)
GROUPS = ("owner", "team")


@dataclass(frozen=True)
class ItemState:
    """What the score needs of one item."""

    id: int
    owner: str | None
    owner_name: str | None
    team: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Breach:
    """A violation as the score sees it."""

    item_id: int
    rule_id: int
    since: datetime
    resolved_at: datetime | None


@dataclass
class HygieneData:
    """The items of a scope with their violations and the rules' weights, loaded once."""

    items: list[ItemState]
    breaches: dict[int, list[Breach]]
    weights: dict[int, float]
    names: dict[str, str]

    def counted(self, item: ItemState, at: datetime) -> bool:
        """Whether the item counts at ``at``."""
        if item.created_at > at:
            return False
        return item.finished_at is None or item.finished_at > at - WINDOW

    def item_score(self, item: ItemState, at: datetime) -> tuple[float, int]:
        """The item's score at ``at`` and how many rules it broke then."""
        broken = {
            breach.rule_id
            for breach in self.breaches.get(item.id, ())
            if breach.since <= at and (breach.resolved_at is None or breach.resolved_at > at)
        }
        penalty = sum(self.weights.get(rule_id, 1.0) for rule_id in broken)
        return max(0.0, 1.0 - penalty), len(broken)

    def owner_label(self, owner: str | None) -> str:
        """An owner's name (the agent's, else the id)."""
        if owner is None:
            return ""
        return self.names.get(owner) or owner


def load(connection: Connection, workspace_id: int, scope: ColumnElement[bool]) -> HygieneData:
    """The items in ``scope`` (a condition on ``work_items``) and what the score needs."""
    w = work_items
    rows = connection.execute(
        select(
            w.c.id,
            w.c.owner_external_id,
            w.c.owner_name,
            w.c.team,
            w.c.created_at,
            w.c.updated_at,
            w.c.closed,
            w.c.closed_at,
        ).where(w.c.workspace_id == workspace_id, scope)
    )
    items = []
    names: dict[str, str] = {}
    for row in rows:
        finished = row.closed_at or (row.updated_at if row.closed else None)
        items.append(
            ItemState(
                row.id,
                row.owner_external_id,
                row.owner_name,
                row.team,
                row.created_at,
                finished,
            )
        )
        if row.owner_external_id and row.owner_name:
            names.setdefault(row.owner_external_id, row.owner_name)
    wanted = {item.id for item in items}
    breaches: dict[int, list[Breach]] = {}
    for breach in connection.execute(
        select(
            work_violations.c.item_id,
            work_violations.c.rule_id,
            work_violations.c.since,
            work_violations.c.resolved_at,
        ).where(work_violations.c.workspace_id == workspace_id)
    ):
        if breach.item_id in wanted:
            breaches.setdefault(breach.item_id, []).append(
                Breach(breach.item_id, breach.rule_id, breach.since, breach.resolved_at)
            )
    weights = {
        row.id: float(row.weight)
        for row in connection.execute(
            select(work_rules.c.id, work_rules.c.weight).where(
                work_rules.c.workspace_id == workspace_id
            )
        )
    }
    for agent in connection.execute(
        select(agents.c.external_id, agents.c.name).where(
            agents.c.workspace_id == workspace_id, agents.c.name.is_not(None)
        )
    ):
        names.setdefault(agent.external_id, agent.name)
    return HygieneData(items, breaches, weights, names)


@dataclass
class GroupScore:
    """One owner's or team's hygiene at a moment."""

    key: str | None
    label: str
    team: str | None = None
    items: int = 0
    clean: int = 0
    violations: int = 0
    total: float = 0.0
    teams: set[str] = field(default_factory=set)

    @property
    def score(self) -> float | None:
        """Percent, one decimal; None without items."""
        return round(self.total * 100.0 / self.items, 1) if self.items else None

    def as_json(self) -> dict[str, Any]:
        """For the CLI and the API."""
        return {
            "key": self.key,
            "name": self.label,
            "team": self.team,
            "items": self.items,
            "clean": self.clean,
            "with_violations": self.items - self.clean,
            "violations": self.violations,
            "score": self.score,
        }


def group_of(item: ItemState, by: str) -> str | None:
    """The item's owner or team."""
    return item.owner if by == "owner" else item.team


def scores(data: HygieneData, *, by: str, at: datetime) -> list[GroupScore]:
    """Per owner (or team) at ``at``, worst first; the overall figure is :func:`overall`."""
    found: dict[str | None, GroupScore] = {}
    for item in data.items:
        if not data.counted(item, at):
            continue
        key = group_of(item, by)
        label = data.owner_label(key) if by == "owner" else (key or "")
        group = found.setdefault(key, GroupScore(key, label))
        value, broken = data.item_score(item, at)
        group.items += 1
        group.total += value
        group.clean += 1 if broken == 0 else 0
        group.violations += broken
        if item.team:
            group.teams.add(item.team)
    for group in found.values():
        group.team = (", ".join(sorted(group.teams)) or None) if by == "owner" else group.key
    return sorted(found.values(), key=lambda g: (g.score if g.score is not None else 101, g.label))


def overall(data: HygieneData, at: datetime) -> GroupScore:
    """The whole scope at ``at``."""
    total = GroupScore(None, "")
    for group in scores(data, by="owner", at=at):
        total.items += group.items
        total.clean += group.clean
        total.violations += group.violations
        total.total += group.total
    return total


def local_midnight_utc(day: date, timezone: str) -> datetime:
    """The start of a local day, as naive UTC."""
    return to_utc(datetime(day.year, day.month, day.day), zone(timezone))


def period_end(period: Period, key: str, timezone: str, now: datetime) -> datetime:
    """The moment a period is judged at: its end, or now while it runs."""
    end = local_midnight_utc(first_day(period, next_key(period, key)), timezone)
    return min(end, now)


def week_keys(timezone: str, weeks: int, now: datetime) -> list[str]:
    """The last ``weeks`` week keys (2026-W45), oldest first, the running week last."""
    local_today = from_utc(now, zone(timezone)).date()
    return [
        period_keys(local_today - timedelta(days=7 * back))[Period.WEEK]
        for back in range(weeks - 1, -1, -1)
    ]


def trend(
    data: HygieneData,
    *,
    timezone: str,
    weeks: int = 8,
    by: str | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The score at the end of each of the last ``weeks`` weeks (of one group when
    ``by`` and ``key`` are given)."""
    now = now or utcnow()
    chosen = data
    if by is not None:
        chosen = HygieneData(
            [item for item in data.items if group_of(item, by) == key],
            data.breaches,
            data.weights,
            data.names,
        )
    points = []
    for week in week_keys(timezone, weeks, now):
        at = period_end(Period.WEEK, week, timezone, now)
        total = overall(chosen, at)
        points.append({"week": week, "items": total.items, "score": total.score})
    return points


def items_of(data: HygieneData, *, by: str | None, key: str | None) -> Iterable[ItemState]:
    """The items of one owner or team (all with ``by`` None)."""
    return [item for item in data.items if by is None or group_of(item, by) == key]
