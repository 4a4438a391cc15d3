"""The same generated data gives the same KPI rows on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import ensure_workspace
from kontrol.demo.seeding import write_demo_file
from kontrol.demo.sizes import SMALL
from kontrol.ingest.importing import import_file
from kontrol.metrics.kpis import compute
from kontrol.store.database import make_engine
from tests.conftest import empty_postgres


def _rows(url: str, path: Path) -> dict[tuple[str, str | None, bool], list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        workspace = ensure_workspace(engine, "cross", "Europe/Moscow")
        import_file(engine=engine, workspace=workspace, path=path)
        found = {}
        with engine.connect() as connection:
            for by in ("agent", "team", "channel", "topic"):
                for period in (None, "week", "quarter"):
                    # Exact (for this size) and from the rollups with estimated percentiles.
                    for estimated in (False, True):
                        found[(by, period, estimated)] = compute(
                            connection,
                            workspace=workspace,
                            by=[by],
                            period=period,
                            exact=False if estimated else None,
                        )
        return found
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sqlite_and_postgresql_agree_on_generated_data(
    tmp_path: Path, sqlite_template: Path, postgres_url: str, postgres_engine: Engine
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=7, count=600, size=SMALL)
    sqlite_path = tmp_path / "cross.db"
    shutil.copy(sqlite_template, sqlite_path)
    # The worker's database as TRUNCATE ... RESTART IDENTITY left it, without giving
    # each of the 100-odd tables new files (tests/conftest.py, empty_postgres).
    empty_postgres(postgres_engine)
    on_sqlite = _rows(f"sqlite:///{sqlite_path}", data)
    on_postgres = _rows(postgres_url, data)
    assert sum(len(rows) for rows in on_sqlite.values()) > 100
    assert any(row["frt"] is not None for row in on_sqlite[("agent", "week", True)])
    for key, rows in on_sqlite.items():
        other = on_postgres[key]
        assert [_keys(r) for r in rows] == [_keys(r) for r in other], key
        for mine, theirs in zip(rows, other, strict=True):
            for name, value in mine.items():
                # Sums are added up in another order: the last printed digit may differ.
                if isinstance(value, float) or isinstance(theirs[name], float):
                    assert value == pytest.approx(theirs[name], rel=1e-9, abs=2e-6), (key, name)
                else:
                    assert value == theirs[name], (key, name)


def _keys(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in ("agent", "team", "channel", "topic", "period"))
