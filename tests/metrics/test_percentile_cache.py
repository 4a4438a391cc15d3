"""Exact medians and p90 of closed ranges, cached on PostgreSQL: the same figures as
the exact computation, before and after pushes, imports and rebuilds. SQLite keeps
nothing (a page must not take its write lock) and gives the same figures."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics.kpis import compute
from kontrol.metrics.percentile_cache import count_rows
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.tables import interaction_facts, percentile_cache
from tests.metrics.test_month_rollups import _split
from tests.metrics.test_rollup_groups import _contact, _key, _push, push_new_and_changed

METRICS = ["frt", "aht", "asa", "resolution_time", "contacts"]
SHAPES: list[dict[str, Any]] = [
    {},
    {"by": ["agent"]},
    {"by": ["team"], "period": "day"},
    {"by": ["agent"], "filters": {"channel": "chat"}},
]


def _report(engine: Engine, workspace: Workspace, **request: Any) -> list[dict[str, Any]]:
    with engine.begin() as connection:
        return compute(connection, workspace=workspace, metrics=METRICS, **request)


def _exact(engine: Engine, workspace: Workspace, **request: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return compute(connection, workspace=workspace, metrics=METRICS, exact=True, **request)


def _cached(engine: Engine, workspace: Workspace) -> int:
    with engine.connect() as connection:
        return count_rows(connection, workspace.id)


def _keeps(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _assert_exact(engine: Engine, workspace: Workspace, requests: list[dict[str, Any]]) -> None:
    for request in requests:
        got = _report(engine, workspace, **request)
        assert got == _exact(engine, workspace, **request), request
        assert any(row["frt"] is not None for row in got), request


def test_cached_percentiles_equal_the_exact_ones_and_follow_pushes(
    engine: Engine, workspace: Workspace
) -> None:
    push_new_and_changed(engine, workspace, seed=20261207, steps=40)
    closed = {"date_from": date(2026, 11, 23), "date_to": date(2026, 11, 26)}
    requests = [{**shape, **closed} for shape in SHAPES]
    assert _cached(engine, workspace) == 0
    _assert_exact(engine, workspace, requests)
    filled = _cached(engine, workspace)
    if not _keeps(engine):
        assert filled == 0
        return
    assert filled >= len(SHAPES)
    # Read again: from the cache, the same figures, nothing more stored.
    _assert_exact(engine, workspace, requests)
    assert _cached(engine, workspace) == filled

    # The stored figures are what later requests read.
    with engine.begin() as connection:
        connection.execute(
            update(percentile_cache)
            .where(percentile_cache.c.grouping == '{"by":[],"filters":{},"period":null}')
            .values(figures='[[[], {"": 12345.0, "_p90": 23456.0}]]')
        )
    total = _report(engine, workspace, **closed)[0]
    assert {total["frt"], total["aht"]} == {12345}
    assert total["frt_p90"] == 23456

    # A push into the range (new contacts and changes of earlier ones) deletes what
    # overlaps it: the next requests equal the exact recomputation.
    dice = random.Random(7)
    key = _key(engine, workspace, "later")
    for number in (3, 5, 41, 42):
        _push(engine, key, "interactions", [_contact(dice, number)])
    assert _cached(engine, workspace) == 0
    _assert_exact(engine, workspace, requests)
    assert _cached(engine, workspace) == filled


def test_ranges_reaching_today_are_never_cached(engine: Engine, workspace: Workspace) -> None:
    push_new_and_changed(engine, workspace, seed=3, steps=10)
    today = date.today()
    for shape in SHAPES:
        for last in (today + timedelta(days=1), today + timedelta(days=400)):
            request = {**shape, "date_from": date(2026, 11, 1), "date_to": last}
            assert _report(engine, workspace, **request) == _exact(engine, workspace, **request)
        assert _report(engine, workspace, **shape) == _exact(engine, workspace, **shape)
    assert _cached(engine, workspace) == 0


def test_an_import_into_a_cached_range_and_a_rebuild_forget_it(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=11, count=300, size=SMALL)
    first_part, second_part = _split(data, tmp_path)
    import_file(engine=engine, workspace=workspace, path=first_part)
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(interaction_facts.c.day), func.max(interaction_facts.c.day))
        ).one()
    # Two days back: closed whatever the workspace's time zone.
    closed_by = date.today() - timedelta(days=2)
    closed = {
        "date_from": date.fromisoformat(first),
        "date_to": min(date.fromisoformat(last), closed_by),
    }
    requests = [{**shape, **closed} for shape in SHAPES]
    least = len(SHAPES) if _keeps(engine) else 0
    _assert_exact(engine, workspace, requests)
    assert _cached(engine, workspace) >= least
    before = _report(engine, workspace, **closed)

    import_file(engine=engine, workspace=workspace, path=second_part)
    assert _cached(engine, workspace) == 0
    _assert_exact(engine, workspace, requests)
    assert _report(engine, workspace, **closed) != before, "the import changed the figures"
    assert _cached(engine, workspace) >= least

    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    assert _cached(engine, workspace) == 0
