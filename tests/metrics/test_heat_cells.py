"""The heat map's rollup equals a recount from the interactions and their failed checks,
after imports, live pushes, rescoring and a rebuild, on SQLite and PostgreSQL; the heat map read
from it equals the one counted from the interactions."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date
from pathlib import Path

from sqlalchemy import Engine, delete, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import rescore_workspace, score_interactions
from kontrol.demo.seeding import write_demo_file
from kontrol.domain.clock import zone
from kontrol.domain.roles import WorkspaceRole
from kontrol.ingest.importing import import_file
from kontrol.metrics import heatmap
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.facts import rebuild
from kontrol.metrics.heat_cells import CONVERSATIONS
from kontrol.store.tables import check_failures, heat_cells, interactions
from tests.factories import add_person, viewer_of
from tests.metrics.test_rollup_groups import push_new_and_changed

Cells = Counter[tuple[str, str, str, str, str]]


def _stored(engine: Engine) -> Cells:
    with engine.connect() as connection:
        return Counter(
            {
                (row.day, row.agent, row.team, row.channel, row.check_id): row.n
                for row in connection.execute(select(heat_cells))
            }
        )


def _recounted(engine: Engine, workspace: Workspace) -> Cells:
    """The same counts worked out in Python from the interactions and ``check_failures``."""
    local = zone(workspace.timezone)
    found: Cells = Counter()
    with engine.connect() as connection:
        keys = {}
        for row in connection.execute(
            select(
                interactions.c.id,
                interactions.c.started_at,
                interactions.c.agent_external_id,
                interactions.c.team,
                interactions.c.channel,
            ).where(interactions.c.workspace_id == workspace.id)
        ):
            if row.agent_external_id is None:
                continue
            day = row.started_at.replace(tzinfo=UTC).astimezone(local).date().isoformat()
            keys[row.id] = (day, row.agent_external_id, row.team or "", row.channel)
            found[(*keys[row.id], CONVERSATIONS)] += 1
        for row in connection.execute(select(check_failures)):
            if row.interaction_id in keys:
                found[(*keys[row.interaction_id], row.check_id)] += 1
    return found


def test_the_rollup_follows_imports_rescoring_and_rebuilds(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=7, count=300)
    import_file(engine=engine, workspace=workspace, path=data)
    imported = _stored(engine)
    assert any(key[4] != CONVERSATIONS for key in imported), "the sample fails some checks"
    assert imported == _recounted(engine, workspace)
    # Failed checks that went (behind the rollup's back) come back with a rescoring
    # of a few interactions (by group), then of the whole workspace (by day).
    with engine.begin() as connection:
        some = sorted(set(connection.execute(select(check_failures.c.interaction_id)).scalars()))
        connection.execute(delete(check_failures).where(check_failures.c.interaction_id.in_(some)))
        connection.execute(delete(heat_cells).where(heat_cells.c.check_id != CONVERSATIONS))
    score_interactions(engine, workspace.id, some[:10])
    assert _stored(engine) == _recounted(engine, workspace)
    rescore_workspace(engine, workspace.id)
    assert _stored(engine) == _recounted(engine, workspace) == imported
    with engine.begin() as connection:
        connection.execute(delete(heat_cells))
    rebuild(engine, workspace.id)
    assert _stored(engine) == imported


def test_the_heat_map_reads_the_rollup_as_it_counted_the_interactions(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    data = tmp_path / "demo.jsonl.gz"
    write_demo_file(data, seed=7, count=300)
    import_file(engine=engine, workspace=workspace, path=data)
    with engine.begin() as connection:
        viewer = viewer_of(
            connection, add_person(connection, workspace, "boss", WorkspaceRole.ADMIN), workspace
        )
    with engine.connect() as connection:
        days = sorted(set(connection.execute(select(heat_cells.c.day)).scalars()))
        team = connection.execute(
            select(interactions.c.team).where(interactions.c.team.is_not(None)).limit(1)
        ).scalar_one()
        dates = DateRange(date.fromisoformat(days[0]), date.fromisoformat(days[-1]))
        for filters in ({}, {"team": team}, {"channel": "chat"}):
            read = heatmap._rolled_up(connection, viewer, filters, dates)
            scanned = heatmap._scanned(connection, viewer, filters, dates)
            assert read[0] == scanned[0]
            assert sorted(read[1]) == sorted(scanned[1])
            assert read[0] and read[1]


def test_live_pushes_and_changed_contacts_keep_the_rollup_equal_to_a_recount(
    engine: Engine, workspace: Workspace
) -> None:
    push_new_and_changed(engine, workspace, seed=20261207, steps=30)
    live = _stored(engine)
    assert live
    assert live == _recounted(engine, workspace)
