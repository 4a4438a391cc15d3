"""``make run`` shows KPIs with targets and a calendar on the demo data."""

from __future__ import annotations

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seeding import load_demo
from kontrol.demo.sizes import SMALL
from kontrol.metrics.calendars import list_calendars
from kontrol.metrics.kpis import compute
from kontrol.metrics.targets import list_targets, with_status


def test_demo_has_targets_a_calendar_and_coloured_values(
    engine: Engine, workspace: Workspace
) -> None:
    load_demo(engine, workspace, count=120, size=SMALL)
    with engine.connect() as connection:
        targets = list_targets(connection, workspace)
        calendars = list_calendars(connection, workspace)
        rows = compute(connection, workspace=workspace, metrics=["sla", "csat"], by=["team"])
    assert {"sla", "csat", "fcr"} <= {t.metric for t in targets}
    assert [(c.scope, c.scope_value) for c in calendars] == [("channel", "email")]
    statuses = {r.get("sla_status") for r in with_status(rows, targets, None)}
    assert statuses & {"ok", "warning", "bad"}
