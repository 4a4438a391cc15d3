"""Data-quality checks a built-in report passes before it is sent.

A failed check holds the report (status ``held``) and alerts the owner
instead of sending numbers that may be wrong:

- ``import_gap``: the report's days have interactions, with no run of more
  than ``MAX_GAP_DAYS`` days without any (an import that did not arrive);
- ``rollups_current``: every stored interaction of the days is counted: the
  daily rollups hold as many interactions as the facts, and no stored record
  still waits for its scoring and facts (the effects backlog is empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection, func, select

from kontrol.metrics.date_ranges import DateRange
from kontrol.store.tables import effects_backlog, interaction_facts, kpi_rollups

# Days in a row without a single interaction that still count as normal (a weekend).
MAX_GAP_DAYS = 2


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; ``key`` and ``values`` make the message in the report's language."""

    check: str
    passed: bool
    key: str
    values: dict[str, str | int] = field(default_factory=dict)


QualityCheck = Callable[[Connection, int, DateRange], CheckResult]


def _days_with_data(connection: Connection, workspace_id: int, dates: DateRange) -> set[date]:
    rows = connection.execute(
        select(interaction_facts.c.day)
        .where(
            interaction_facts.c.workspace_id == workspace_id,
            interaction_facts.c.day >= dates.first.isoformat(),
            interaction_facts.c.day <= dates.last.isoformat(),
        )
        .group_by(interaction_facts.c.day)
    )
    return {date.fromisoformat(str(row.day)) for row in rows}


def import_gap(connection: Connection, workspace_id: int, dates: DateRange) -> CheckResult:
    """No more than ``MAX_GAP_DAYS`` days in a row without interactions."""
    present = _days_with_data(connection, workspace_id, dates)
    if not present:
        return CheckResult("import_gap", False, "reports.check.no_data")
    longest, run_start, run = 0, dates.first, 0
    gap_from = dates.first
    day = dates.first
    while day <= dates.last:
        if day in present:
            run = 0
        else:
            if run == 0:
                run_start = day
            run += 1
            if run > longest:
                longest, gap_from = run, run_start
        day += timedelta(days=1)
    if longest > MAX_GAP_DAYS:
        gap_to = gap_from + timedelta(days=longest - 1)
        return CheckResult(
            "import_gap",
            False,
            "reports.check.gap",
            {"first": gap_from.isoformat(), "last": gap_to.isoformat(), "days": longest},
        )
    return CheckResult("import_gap", True, "reports.check.gap_ok")


def rollups_current(connection: Connection, workspace_id: int, dates: DateRange) -> CheckResult:
    """The rollups count every interaction of the days and nothing waits to be counted."""
    in_range = (dates.first.isoformat(), dates.last.isoformat())
    facts = connection.execute(
        select(func.count()).where(
            interaction_facts.c.workspace_id == workspace_id,
            interaction_facts.c.day.between(*in_range),
        )
    ).scalar()
    rolled = connection.execute(
        select(func.coalesce(func.sum(kpi_rollups.c.rows), 0)).where(
            kpi_rollups.c.workspace_id == workspace_id, kpi_rollups.c.day.between(*in_range)
        )
    ).scalar()
    waiting = connection.execute(
        select(func.count()).where(effects_backlog.c.workspace_id == workspace_id)
    ).scalar()
    if waiting:
        return CheckResult(
            "rollups_current", False, "reports.check.backlog", {"count": int(waiting)}
        )
    if int(facts or 0) != int(rolled or 0):
        return CheckResult(
            "rollups_current",
            False,
            "reports.check.stale",
            {"facts": int(facts or 0), "rolled": int(rolled or 0)},
        )
    return CheckResult("rollups_current", True, "reports.check.rollups_ok")


QUALITY_CHECKS: dict[str, QualityCheck] = {
    "import_gap": import_gap,
    "rollups_current": rollups_current,
}


def run_quality_checks(
    connection: Connection, workspace_id: int, dates: DateRange, names: list[str]
) -> list[CheckResult]:
    """The verdicts of the checks ``names`` (unknown names are skipped)."""
    return [
        QUALITY_CHECKS[name](connection, workspace_id, dates)
        for name in names
        if name in QUALITY_CHECKS
    ]
