"""``make run`` shows KPIs with targets and a calendar on the demo data."""

from __future__ import annotations

from kontrol.metrics.calendars import list_calendars
from kontrol.metrics.kpis import compute
from kontrol.metrics.targets import list_targets, with_status
from tests.demos import DemoCopy


def test_demo_has_targets_a_calendar_and_coloured_values(
    demo_copy: DemoCopy,
) -> None:
    demo = demo_copy()
    engine, workspace = demo.engine, demo.workspace
    with engine.connect() as connection:
        targets = list_targets(connection, workspace)
        calendars = list_calendars(connection, workspace)
        rows = compute(connection, workspace=workspace, metrics=["sla", "csat"], by=["team"])
    assert {"sla", "csat", "fcr"} <= {t.metric for t in targets}
    assert [(c.scope, c.scope_value) for c in calendars] == [("channel", "email")]
    statuses = {r.get("sla_status") for r in with_status(rows, targets, None)}
    assert statuses & {"ok", "warning", "bad"}
