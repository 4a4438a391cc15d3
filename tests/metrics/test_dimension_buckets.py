"""The one-dimension histograms: the same counts and the same estimates as the fine ones,
kept current by live pushes and imports, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.people import TEAM_1
from kontrol.demo.seeding import write_demo_file
from kontrol.ingest.importing import import_file
from kontrol.metrics import rollup_reads
from kontrol.metrics.dimension_buckets import ALL, DIMENSION_NAMES
from kontrol.metrics.kpis import compute
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.tables import kpi_dimension_buckets, kpi_rollup_buckets
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


def test_live_pushes_keep_the_one_dimension_counts_equal_to_the_fine_ones(
    engine: Engine, workspace: Workspace
) -> None:
    push_new_and_changed(engine, workspace, seed=20261207, steps=40)
    live = _stored(engine)
    assert {dimension for _, dimension, _, _, _ in live} == set(DIMENSION_NAMES)
    assert live == _summed_from_fine(engine)
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    assert _stored(engine) == live


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

    read = [report(request) for request in REPORTS]
    monkeypatch.setattr(rollup_reads, "dimension_of", lambda grouping: None)
    fine = [report(request) for request in REPORTS]
    assert read == fine
    assert any(row["frt"] is not None for row in read[2])
    assert any(row["aht"] is not None for row in read[1]), "the team's weeks have handle times"
