"""What the pages, the API and the CLI show, for one viewer: scope and permission applied.

Everyone may look (``VIEW_WORK_QUALITY``); the rows are narrowed by
``policy.work_item_scope``: the QA team sees the workspace, a team lead the
team's items, an agent their own. Rules change only with ``MANAGE_WORK_RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require, work_item_scope
from kontrol.domain.clock import utcnow
from kontrol.store.tables import work_violations
from kontrol.worktools.items import PAGE, WorkItem, get_work_item, list_work_items
from kontrol.worktools.kinds import WorkRule
from kontrol.worktools.rules import get_rule, list_rules
from kontrol.worktools.scores import WINDOW, GroupScore, load, overall, scores, trend


@dataclass
class Overview:
    """The scores of the viewer's scope: now, by team and owner, by week, by rule."""

    total: GroupScore
    last_week: float | None
    teams: list[GroupScore]
    owners: list[GroupScore]
    trend: list[dict[str, Any]]
    rules: list[tuple[WorkRule, int]]

    def as_json(self) -> dict[str, Any]:
        """For the API."""
        return {
            "overall": self.total.as_json(),
            "last_week": self.last_week,
            "teams": [group.as_json() for group in self.teams],
            "owners": [group.as_json() for group in self.owners],
            "trend": self.trend,
            "rules": [
                {"id": rule.id, "name": rule.name, "kind": rule.kind, "open": count}
                for rule, count in self.rules
            ],
        }


def overview(connection: Connection, viewer: Viewer, *, weeks: int = 8) -> Overview:
    """The hygiene of the items ``viewer`` may see."""
    require(viewer, Action.VIEW_WORK_QUALITY)
    workspace = viewer.workspace
    now = utcnow()
    data = load(connection, workspace.id, work_item_scope(viewer))
    points = trend(data, timezone=workspace.timezone, weeks=weeks, now=now)
    wanted = {item.id for item in data.items if data.counted(item, now)}
    counts: dict[int, int] = {}
    for rule_id, item_id in connection.execute(
        select(work_violations.c.rule_id, work_violations.c.item_id).where(
            work_violations.c.workspace_id == workspace.id,
            work_violations.c.resolved_at.is_(None),
        )
    ):
        if item_id in wanted:
            counts[rule_id] = counts.get(rule_id, 0) + 1
    rules = [(rule, counts.get(rule.id, 0)) for rule in list_rules(connection, workspace.id)]
    return Overview(
        total=overall(data, now),
        last_week=points[-2]["score"] if len(points) > 1 else None,
        teams=scores(data, by="team", at=now),
        owners=scores(data, by="owner", at=now),
        trend=points,
        rules=rules,
    )


@dataclass
class ItemList:
    """One page of the drill-down."""

    items: list[WorkItem]
    total: int
    offset: int
    rule: WorkRule | None

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, if there is one."""
        return self.offset + PAGE if self.offset + PAGE < self.total else None

    def as_json(self) -> dict[str, Any]:
        """For the API."""
        return {
            "total": self.total,
            "offset": self.offset,
            "next_offset": self.next_offset,
            "items": [item.as_json() for item in self.items],
        }


def items_for(
    connection: Connection,
    viewer: Viewer,
    *,
    owner: str | None = None,
    team: str | None = None,
    rule_id: int | None = None,
    only_violations: bool = False,
    everything: bool = False,
    offset: int = 0,
) -> ItemList:
    """The items ``viewer`` may see, narrowed by owner, team or rule: those the scores
    count (open, or finished within the window) unless ``everything``."""
    require(viewer, Action.VIEW_WORK_QUALITY)
    workspace_id = viewer.workspace.id
    rule = get_rule(connection, workspace_id, rule_id) if rule_id is not None else None
    items, total = list_work_items(
        connection,
        workspace_id,
        work_item_scope(viewer),
        owner=owner,
        team=team,
        rule_id=rule_id,
        only_violations=only_violations,
        finished_after=None if everything else utcnow() - WINDOW,
        offset=offset,
    )
    return ItemList(items, total, offset, rule)


def item_for(connection: Connection, viewer: Viewer, item_id: int) -> WorkItem:
    """One item ``viewer`` may see (404 otherwise)."""
    require(viewer, Action.VIEW_WORK_QUALITY)
    return get_work_item(connection, viewer.workspace.id, work_item_scope(viewer), item_id)


def open_counts(connection: Connection, workspace_id: int) -> dict[int, int]:
    """Open violations per rule id, for the rules page."""
    rows = connection.execute(
        select(work_violations.c.rule_id, func.count())
        .where(
            work_violations.c.workspace_id == workspace_id,
            work_violations.c.resolved_at.is_(None),
        )
        .group_by(work_violations.c.rule_id)
    )
    return {int(rule_id): int(count) for rule_id, count in rows}


def group_trend(
    connection: Connection,
    viewer: Viewer,
    *,
    owner: str | None = None,
    team: str | None = None,
    weeks: int = 8,
) -> list[dict[str, Any]]:
    """The weekly score of one owner (or team) among the items ``viewer`` may see."""
    require(viewer, Action.VIEW_WORK_QUALITY)
    data = load(connection, viewer.workspace.id, work_item_scope(viewer))
    by, key = ("owner", owner) if owner is not None else ("team", team)
    return trend(data, timezone=viewer.workspace.timezone, weeks=weeks, by=by, key=key)
