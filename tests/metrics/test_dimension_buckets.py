"""The one-dimension histograms: the same counts and the same estimates as the fine ones,
kept current by live pushes and imports, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
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
from kontrol.metrics.dimension_buckets import ALL, DIMENSION_NAMES
from kontrol.metrics.kpis import compute
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.tables import (
    interaction_facts,
    kpi_dimension_buckets,
    kpi_dimension_months,
    kpi_rollup_buckets,
)
from tests.metrics.test_rollup_groups import push_new_and_changed

Counts = dict[tuple[Any, ...], int]


def _stored(engine: Engine) -> Counts:
    """The one-dimension counts by (day, dimension, value, measure, bucket), zeros left out."""
    found: Counts = defaultdict(int)
    with engine.connect() as connection:
        for row in connection.execute(select(kpi_dimension_buckets)).mappings():
            key = (row["day"], row["dimension"], row["value"], row["measure"], row["bucket"])
            found[key] += row["n"]
    return {key: n for key, n in found.items() if n}


def _summed_from_fine(engine: Engine) -> Counts:
    """The same counts worked out in Python from ``kpi_rollup_buckets``."""
    found: Counts = defaultdict(int)
    with engine.connect() as connection:
        for row in connection.execute(select(kpi_rollup_buckets)).mappings():
            for dimension in DIMENSION_NAMES:
                value = None if dimension == ALL else row[dimension]
                found[(row["day"], dimension, value, row["measure"], row["bucket"])] += row["n"]
    return {key: n for key, n in found.items() if n}


def _months_stored(engine: Engine) -> Counts:
    """The month rows by (month, dimension, value, measure, bucket), zeros left out."""
    found: Counts = defaultdict(int)
    with engine.connect() as connection:
        for row in connection.execute(select(kpi_dimension_months)).mappings():
            key = (row["month"], row["dimension"], row["value"], row["measure"], row["bucket"])
            found[key] += row["n"]
    return {key: n for key, n in found.items() if n}


def _months_from_days(days: Counts) -> Counts:
    found: Counts = defaultdict(int)
    for (day, dimension, value, measure, bucket), n in days.items():
        found[(day[:7], dimension, value, measure, bucket)] += n
    return dict(found)


def test_live_pushes_keep_the_one_dimension_counts_equal_to_the_fine_ones(
    engine: Engine, workspace: Workspace
) -> None:
    push_new_and_changed(engine, workspace, seed=20261207, steps=40)
    live = _stored(engine)
    assert {dimension for _, dimension, _, _, _ in live} == set(DIMENSION_NAMES)
    assert live == _summed_from_fine(engine)
    months = _months_stored(engine)
    assert months == _months_from_days(live)
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    assert _stored(engine) == live
    assert _months_stored(engine) == months


REPORTS: list[dict[str, Any]] = [
    {"period": "month"},
    {"period": "week", "filters": {"team": TEAM_1}},
    {"by": ["agent"]},
    {"by": ["channel"], "filters": {"channel": "chat"}},
    {"by": ["topic"], "period": "quarter"},
    # Two dimensions: read from the fine histograms either way.
    {"by": ["agent"], "filters": {"team": TEAM_1}},
]


@pytest.mark.slow
def test_estimates_from_one_dimension_equal_those_from_the_fine_histograms(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=5, count=400)
    import_file(engine=engine, workspace=workspace, path=data)
    assert _stored(engine) == _summed_from_fine(engine)

    def report(request: dict[str, Any]) -> list[dict[str, Any]]:
        with engine.connect() as connection:
            return compute(connection, workspace=workspace, exact=False, **request)

    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(interaction_facts.c.day), func.max(interaction_facts.c.day))
        ).one()
    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    assert (first_day.year, first_day.month) != (last_day.year, last_day.month)
    month_start = date(last_day.year, last_day.month, 1)
    ranges = [
        # Whole months only, whole months and days at both ends, days within one month.
        {"date_from": date(first_day.year, first_day.month, 1), "date_to": month_start},
        {"date_from": first_day + timedelta(days=3), "date_to": last_day - timedelta(days=2)},
        {"date_from": month_start, "date_to": month_start + timedelta(days=9)},
        {"date_to": month_start - timedelta(days=1)},
        {"date_from": first_day + timedelta(days=1)},
    ]
    requests = REPORTS + [
        {**request, **dates}
        for request in ({"period": "month"}, {"by": ["agent"]}, {"filters": {"team": TEAM_1}})
        for dates in ranges
    ]
    read = [report(request) for request in requests]
    monkeypatch.setattr(rollup_reads, "dimension_of", lambda grouping: None)
    fine = [report(request) for request in requests]
    assert read == fine
    assert _months_stored(engine) == _months_from_days(_stored(engine))
    assert any(row["frt"] is not None for row in read[2])
    assert any(row["aht"] is not None for row in read[1]), "the team's weeks have handle times"


def test_a_second_import_leaves_no_stale_month_figures(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def report() -> list[list[dict[str, Any]]]:
        with engine.connect() as connection:
            return [
                compute(connection, workspace=workspace, exact=False, **request)
                for request in ({"period": "month"}, {"by": ["agent"]})
            ]

    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=3, count=300, size=SMALL)
    with gzip.open(data, "rt", encoding="utf-8") as lines:
        records = lines.readlines()
    halves = [records[::2], records[1::2]]
    for number, half in enumerate(halves):
        part = tmp_path / f"part{number}.jsonl.gz"
        with gzip.open(part, "wt", encoding="utf-8") as out:
            out.writelines(half)
        import_file(engine=engine, workspace=workspace, path=part)
        if number == 0:
            before = report()
    after = report()
    assert after != before, "the second import changed the months' figures"
    assert _months_stored(engine) == _months_from_days(_stored(engine))
    monkeypatch.setattr(rollup_reads, "dimension_of", lambda grouping: None)
    assert report() == after
