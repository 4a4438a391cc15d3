"""The demo workspace has calibration to show: a closed session with figures, an open one."""

from __future__ import annotations

from sqlalchemy import select

from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.calibration import seed_calibration_demo
from kontrol.review.calibration.results import reviewer_deviation, session_results
from kontrol.store.tables import calibration_sessions
from tests.demos import DemoCopy


def test_demo_calibration(demo_copy: DemoCopy) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    assert seed_calibration_demo(engine, workspace.id) == 0  # a second call adds nothing
    with engine.connect() as connection:
        sessions = connection.execute(
            select(calibration_sessions.c.id, calibration_sessions.c.status).order_by(
                calibration_sessions.c.id
            )
        ).all()
        assert [s.status for s in sessions] == ["closed", "open"]
        lead = demo_viewer(connection, workspace.id, "qa")
        assert lead is not None
        results = session_results(connection, lead, sessions[0].id)
        history = reviewer_deviation(connection, lead)
    assert len(results.raters) == 3
    assert all(item.reference is not None for item in results.session.items)
    assert len(results.session.items) == 4
    # Three raters: Fleiss' kappa (not Cohen's) for the pass/fail criteria, with a value.
    (pass_fail,) = [s for s in results.figures.scales if s.scale == "pass_fail"]
    assert pass_fail.raters == 3 and pass_fail.cohen is None
    assert pass_fail.fleiss is not None and pass_fail.fleiss.value is not None
    # Each of the three has one closed session in "who reviews the reviewers".
    assert sorted(len(entry.entries) for entry in history) == [1, 1, 1]
