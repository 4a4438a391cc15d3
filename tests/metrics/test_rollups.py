"""Daily rollups: the same figures as the facts, kept current by imports."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics.histograms import bucket_of, bucket_range
from kontrol.metrics.kpis import compute
from kontrol.metrics.query import PERCENTILES
from kontrol.metrics.rollups import TIME_COLUMNS, rebuild_rollups
from kontrol.store.tables import interaction_facts, kpi_rollup_buckets, kpi_rollups

TIME_IDS = {
    "frt": "frt_s",
    "asa": "asa_s",
    "aht": "aht_s",
    "resolution_time": "resolution_s",
}
PERCENTILE_KEYS = {f"{metric}{suffix}" for metric in TIME_IDS for suffix in PERCENTILES} | {
    f"{metric}_business{suffix}"
    for metric in ("frt", "asa", "resolution_time")
    for suffix in PERCENTILES
}


def _snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        rollups = sorted((tuple(row) for row in connection.execute(select(kpi_rollups))), key=repr)
        buckets = sorted(
            (tuple(row) for row in connection.execute(select(kpi_rollup_buckets))), key=repr
        )
    return rollups, buckets


def _later(moment: str | None) -> str | None:
    if moment is None:
        return None
    return (datetime.fromisoformat(moment) + timedelta(days=1)).isoformat()


def _width(value: float) -> float:
    low, high = bucket_range(bucket_of(value))
    return high - low


def _neighbours(values: list[float], percent: int) -> tuple[float, float]:
    ordered = sorted(values)
    low = percent * (len(ordered) - 1) // 100
    return ordered[low], ordered[min(low + 1, len(ordered) - 1)]


@pytest.mark.slow
def test_rolled_up_figures_match_the_exact_ones(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=3, count=800, size=SMALL)
    import_file(engine=engine, workspace=workspace, path=data)
    with engine.connect() as connection:
        values: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for row in connection.execute(select(interaction_facts)).mappings():
            for column in TIME_COLUMNS:
                if row[column] is not None:
                    values[(row["agent"], row["month"])][column].append(row[column])
        checked = 0
        for by, period in ((["agent"], "month"), (["team", "channel"], "week"), ([], None)):
            exact = compute(connection, workspace=workspace, by=by, period=period, exact=True)
            rolled = compute(connection, workspace=workspace, by=by, period=period, exact=False)
            auto = compute(connection, workspace=workspace, by=by, period=period)
            # Small reports: rollups for sums, exact percentiles: the very same rows.
            assert auto == exact
            assert len(rolled) == len(exact) > 0
            for mine, theirs in zip(rolled, exact, strict=True):
                for name, value in theirs.items():
                    if name in PERCENTILE_KEYS:
                        assert (mine[name] is None) == (value is None), name
                    elif value is None or isinstance(value, str):
                        assert mine[name] == value, name
                    else:
                        assert mine[name] == pytest.approx(value, rel=1e-9, abs=2e-6), name
            if by != ["agent"]:
                continue
            for mine, theirs in zip(rolled, exact, strict=True):
                for metric, column in TIME_IDS.items():
                    group = values[(theirs["agent"], theirs["period"])][column]
                    for suffix, percent in PERCENTILES.items():
                        if not group:
                            continue
                        below, above = _neighbours(group, percent)
                        bound = max(_width(below), _width(above))
                        error = abs(mine[f"{metric}{suffix}"] - theirs[f"{metric}{suffix}"])
                        assert error <= bound + 1e-6, (metric, suffix, theirs["agent"])
                        assert bound <= max(1.0, 0.155 * above)
                        checked += 1
        assert checked > 100


@pytest.mark.slow
def test_reimport_keeps_rollups_equal_to_a_rebuild(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=5, count=300, size=SMALL)
    import_file(engine=engine, workspace=workspace, path=data)
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    # Move some contacts a day later and close others: old and new days both change.
    changed = tmp_path / "changed.jsonl"
    with changed.open("w", encoding="utf-8") as handle:
        contacts = [r for r in records if "channel" in r]
        for number, record in enumerate(contacts[:40]):
            record["topic"] = "moved"
            if number % 2:
                for name in ("queued_at", "started_at", "ended_at"):
                    record[name] = _later(record.get(name))
                for message in record.get("messages") or []:
                    message["at"] = _later(message.get("at"))
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    before = _snapshot(engine)
    import_file(engine=engine, workspace=workspace, path=changed)
    current = _snapshot(engine)
    assert current != before
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    assert _snapshot(engine) == current
    with engine.connect() as connection:
        total = connection.execute(select(interaction_facts.c.interaction_id)).all()
        exact = compute(connection, workspace=workspace, by=["channel"], exact=True)
        rolled = compute(connection, workspace=workspace, by=["channel"], exact=False)
    assert sum(row["complaints_den"] for row in rolled) == len(total)
    assert [row["contacts"] for row in rolled] == [row["contacts"] for row in exact]
