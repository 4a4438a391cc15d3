"""The demo's quality -> business effect is built into its data (demo/seed/analysis.py)
and the business page finds it: at the weekly level (CSAT this week, revenue the next)
and at the customer level (customers after a good contact order again more often)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kontrol.analysis.business import business_view
from kontrol.analysis.scope import make_scope
from kontrol.web.app import create_app
from tests.demos import DemoCopy
from tests.factories import log_in

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"])]


def test_the_demo_shows_the_lagged_effect_weekly_and_per_customer(
    demo_copy: DemoCopy,
) -> None:
    demo = demo_copy()  # the small demo: seed 42, 400 contacts
    engine, workspace, database_url = demo.engine, demo.workspace, demo.url
    with engine.connect() as connection:
        # What /analysis/business?period=week shows by default (the whole history).
        scope = make_scope(connection, workspace.id, period="week", whole_history=True)
        view = business_view(connection, workspace, scope)
    pairs = {(p.quality, p.business): p for p in view.pairs}

    # Weekly: the clearest lag of CSAT -> revenue is one week, positive, its 95 %
    # interval clear of zero, and past CSAT helps predict revenue (Granger, lag 1).
    weekly = pairs[("csat", "revenue")]
    clearest = weekly.strongest
    assert clearest is not None and clearest.lag == 1
    assert clearest.r is not None and clearest.r > 0.5
    assert clearest.low is not None and clearest.low > 0
    same_week = weekly.lags[0]
    assert same_week.r is None or abs(same_week.r) < clearest.r  # the effect comes later
    assert weekly.granger and weekly.granger[0].lag == 1 and weekly.granger[0].p_value < 0.05

    # Per customer: within 30 days, fewer customers order again after a bad contact
    # than after a good one, the interval of the difference clear of zero.
    month = next(c for c in view.outcomes if c.window == 30)
    assert month.reorder_difference is not None
    assert month.reorder_difference.high < 0

    # The pages themselves, with the demo's targets (the gaps' action links) and flags.
    with TestClient(create_app(database_url)) as client:
        log_in(client, "qa", "qa-kontrol")
        for path in ("/analysis/reasons", "/analysis/bottlenecks", "/analysis/business"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert "/actions/new?title=" in page.text or not path.endswith("bottlenecks")
