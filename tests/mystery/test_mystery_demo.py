"""The demo workspace has a running mystery-shopping programme to show."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.mystery import seed_mystery_demo
from kontrol.demo.seeding import load_demo
from kontrol.demo.sizes import SMALL
from kontrol.mystery.assignments import list_assignments
from kontrol.mystery.programmes import find_programme
from kontrol.mystery.results import programme_results
from kontrol.store.tables import alert_rules, mystery_submissions

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]


def test_demo_mystery_shopping(engine: Engine, workspace: Workspace) -> None:
    load_demo(engine, workspace, count=300, size=SMALL)
    seed_mystery_demo(engine, workspace.id)  # a second call adds nothing
    with engine.connect() as connection:
        programme = find_programme(connection, workspace, "service-and-sales")
        results = programme_results(connection, programme)
        linked = connection.execute(
            select(func.count()).where(mystery_submissions.c.interaction_id.is_not(None))
        ).scalar_one()
        shopper = demo_viewer(connection, workspace.id, "shopper")
        assert shopper is not None
        waiting = list_assignments(connection, shopper, status="open", mine=True)
        rules = connection.execute(select(alert_rules.c.kind)).scalars().all()
    assert {f.key for f in results.by_kind} == {"own", "competitor"}
    assert len(results.by_month) >= 3
    assert len(results.fulfilment) == 4
    assert results.fulfilment[-1].done < results.fulfilment[-1].planned  # the month runs
    assert linked > 0  # own shops became demo interactions
    assert waiting  # the demo shopper has visits to make
    assert "mystery_low_score" in rules
