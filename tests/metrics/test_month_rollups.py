"""The monthly rollups: the sums of the daily rows, kept current by live pushes and
imports, and the same report figures as the daily rows alone, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.people import TEAM_1
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics import rollup_reads
from kontrol.metrics.kpis import compute
from kontrol.metrics.month_rollups import GROUP_KEYS
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.tables import ROLLUP_PARTS, interaction_facts, kpi_month_rollups, kpi_rollups
from tests.metrics.test_rollup_groups import push_new_and_changed

Sums = dict[tuple[Any, ...], dict[str, float]]
COLUMNS = ("rows", *ROLLUP_PARTS)


def _sums(engine: Engine, table: Any) -> Sums:
    """The rows of ``table`` summed by month group (daily rows added up here)."""
    found: Sums = defaultdict(lambda: defaultdict(float))
    with engine.connect() as connection:
        for row in connection.execute(select(table)).mappings():
            key = tuple(row[name] for name in GROUP_KEYS)
            for name in COLUMNS:
                if row[name] is not None:
                    found[key][name] += row[name]
    return {key: dict(values) for key, values in found.items()}


def _assert_same(months: Sums, days: Sums) -> None:
    assert months.keys() == days.keys()
    for key, values in days.items():
        assert months[key].keys() == values.keys(), key
        for name, value in values.items():
            assert math.isclose(months[key][name], value, rel_tol=1e-12), (key, name)


def test_live_pushes_keep_the_month_rows_equal_to_the_sums_of_the_days(
    engine: Engine, workspace: Workspace
) -> None:
    push_new_and_changed(engine, workspace, seed=20261208, steps=40)
    months = _sums(engine, kpi_month_rollups)
    assert len(months) > 5
    _assert_same(months, _sums(engine, kpi_rollups))
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    _assert_same(_sums(engine, kpi_month_rollups), months)


def _day_rows_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every report from the daily rows (the code before the month rows)."""
    monkeypatch.setattr(rollup_reads, "_whole_months", lambda grouping: (None, []))


def _split(data: Path, tmp_path: Path) -> list[Path]:
    """The records of a demo file in two files (every other record)."""
    with gzip.open(data, "rt", encoding="utf-8") as lines:
        records = lines.readlines()
    parts = []
    for number, half in enumerate((records[::2], records[1::2])):
        part = tmp_path / f"part{number}.jsonl.gz"
        with gzip.open(part, "wt", encoding="utf-8") as out:
            out.writelines(half)
        parts.append(part)
    return parts


@pytest.mark.slow
def test_reports_over_months_give_the_figures_of_the_daily_rows(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=8, count=400, size=SMALL)
    first_part, second_part = _split(data, tmp_path)
    import_file(engine=engine, workspace=workspace, path=first_part)

    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(interaction_facts.c.day), func.max(interaction_facts.c.day))
        ).one()
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    assert (first_day.year, first_day.month) != (last_day.year, last_day.month)
    month_start = date(last_day.year, last_day.month, 1)
    ranges: list[dict[str, Any]] = [
        {},
        # Whole months, whole months and days at both ends, days within one month,
        # open at either end.
        {"date_from": date(first_day.year, first_day.month, 1), "date_to": month_start},
        {"date_from": first_day + timedelta(days=3), "date_to": last_day - timedelta(days=2)},
        {"date_from": month_start, "date_to": month_start + timedelta(days=9)},
        {"date_to": month_start - timedelta(days=1)},
        {"date_from": first_day + timedelta(days=1)},
    ]
    shapes: list[dict[str, Any]] = [
        {"period": "month"},
        {"period": "quarter", "by": ["channel"]},
        {"by": ["agent"]},
        {"by": ["agent"], "filters": {"team": TEAM_1}},
        {"period": "week"},
    ]
    requests = [{**shape, **dates} for shape in shapes for dates in ranges]

    def reports() -> list[list[dict[str, Any]]]:
        with engine.connect() as connection:
            return [
                compute(connection, workspace=workspace, exact=False, **request)
                for request in requests
            ]

    before = reports()
    import_file(engine=engine, workspace=workspace, path=second_part)
    read = reports()
    assert read != before, "the second import changed the figures"
    _assert_same(_sums(engine, kpi_month_rollups), _sums(engine, kpi_rollups))
    assert any(row["contacts"] for row in read[0])
    _day_rows_only(monkeypatch)
    days = reports()
    assert len(days) == len(read)
    for by_days, by_months in zip(days, read, strict=True):
        assert len(by_days) == len(by_months)
        for expected, got in zip(by_days, by_months, strict=True):
            assert expected.keys() == got.keys()
            for name, value in expected.items():
                if isinstance(value, float) and not isinstance(got[name], str):
                    # Sums added up in another order: the last bit of a float may
                    # differ, which can move a mean rounded to 6 decimals by one unit
                    # (the tolerance of tests/metrics/test_rollups.py).
                    assert got[name] == pytest.approx(value, rel=1e-9, abs=2e-6), name
                else:
                    assert got[name] == value, name
