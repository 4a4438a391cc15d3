"""The demo workspace has a running mystery-shopping programme to show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kontrol.alerts.raising import check_scheduled
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.mystery import seed_mystery_demo
from kontrol.mystery.assignments import list_assignments
from kontrol.mystery.programmes import find_programme
from kontrol.mystery.results import programme_results
from kontrol.store.tables import alert_rules, alerts, mystery_submissions
from tests.demos import DemoCopy

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]


def test_demo_mystery_shopping(demo_copy: DemoCopy) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
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
        unnamed = connection.execute(
            select(func.count()).where(alert_rules.c.name_key.is_(None))
        ).scalar_one()
    # The demo's low shops raise alerts for our own service only, never for a competitor.
    check_scheduled(engine)
    with engine.connect() as connection:
        subjects = connection.execute(select(alerts.c.subject)).scalars().all()
        shop_ids = [int(s.split(":")[1]) for s in subjects if s.startswith("mystery:")]
        kinds = set(
            connection.execute(
                select(mystery_submissions.c.target_kind).where(
                    mystery_submissions.c.id.in_(shop_ids)
                )
            ).scalars()
        )
        low_rivals = connection.execute(
            select(func.count()).where(
                mystery_submissions.c.target_kind == "competitor",
                mystery_submissions.c.score < 60,
            )
        ).scalar_one()
    assert shop_ids and kinds == {"own"}
    assert low_rivals > 0  # there were competitors' low shops to leave out
    assert unnamed == 0  # the demo's rules are named from the catalogue
    assert {f.key for f in results.by_kind} == {"own", "competitor"}
    assert len(results.by_month) >= 3
    assert len(results.fulfilment) == 4
    assert results.fulfilment[-1].done < results.fulfilment[-1].planned  # the month runs
    assert linked > 0  # own shops became demo interactions
    assert waiting  # the demo shopper has visits to make
    assert "mystery_low_score" in rules
