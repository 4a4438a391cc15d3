"""Quality beside the business: series from the KPIs, revenue, customers after bad and
good contacts; the bottlenecks' hours in the workspace's time zone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.bottlenecks import hour_profile
from kontrol.analysis.business import business_view, customer_outcomes, period_keys_between
from kontrol.analysis.scope import make_scope
from kontrol.domain.clock import zone
from kontrol.domain.periods import Period
from kontrol.metrics.kpis import compute
from tests.analysis.builders import contact, order
from tests.factories import import_records

# Customers b1, b2 had a bad contact (CSAT 1), g1, g2 a good one (CSAT 5) on 2 November;
# every one of them bought before. g1 and g2 buy again within 30 days, b1 after 45 days.
RECORDS = [
    order("o1", "b1", "2026-10-01T10:00:00+00:00", 1000.0),
    order("o2", "b2", "2026-10-02T10:00:00+00:00", 1000.0),
    order("o3", "g1", "2026-10-03T10:00:00+00:00", 1000.0),
    order("o4", "g2", "2026-10-04T10:00:00+00:00", 1000.0),
    contact("k1", started="2026-11-02T10:00:00+00:00", text="плохо", csat=1, customer="b1"),
    contact("k2", started="2026-11-02T11:00:00+00:00", text="плохо", csat=2, customer="b2"),
    contact("k3", started="2026-11-02T12:00:00+00:00", text="хорошо", csat=5, customer="g1"),
    contact("k4", started="2026-11-02T13:00:00+00:00", text="хорошо", csat=4, customer="g2"),
    order("o5", "g1", "2026-11-10T10:00:00+00:00", 2000.0),
    order("o6", "g2", "2026-11-20T10:00:00+00:00", 3000.0),
    order("o7", "b1", "2026-12-17T10:00:00+00:00", 500.0),
    order("o8", "x9", "2027-03-01T10:00:00+00:00", 100.0),  # the data reach past 90 days
]


def _scope(engine: Engine, workspace: Workspace, period: str = "month"):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return make_scope(
            connection,
            workspace.id,
            period=period,
            date_from=date(2026, 10, 1),
            date_to=date(2026, 12, 31),
        )


def test_customers_after_a_bad_contact_reorder_less(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, RECORDS)
    with engine.connect() as connection:
        found = {c.window: c for c in customer_outcomes(connection, _scope(engine, workspace))}
    month = found[30]
    assert (month.bad.customers, month.bad.reordered_count) == (2, 0)
    assert (month.good.customers, month.good.reordered_count) == (2, 2)
    assert (month.bad.churned_count, month.bad.buyers) == (2, 2)
    assert month.reorder_difference is not None and month.reorder_difference.value == -1.0
    assert found[60].bad.reordered_count == 1  # b1 came back after 45 days
    assert found[60].bad.reordered is not None and found[60].bad.reordered.value == 0.5


def test_series_come_from_the_kpis_and_revenue_from_the_orders(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    import_records(engine, workspace, tmp_path, RECORDS)
    scope = _scope(engine, workspace)
    with engine.connect() as connection:
        view = business_view(connection, workspace, scope)
        kpis = compute(
            connection,
            workspace=workspace,
            metrics=["csat", "repeat_order"],
            period="month",
            date_from=scope.date_from,
            date_to=scope.date_to,
        )
    assert view.keys == ["2026-10", "2026-11", "2026-12"]
    series = {s.id: s.values for s in view.series}
    by_month = {row["period"]: row for row in kpis}
    assert series["csat"][1] == by_month["2026-11"]["csat"] == 50.0
    assert series["repeat_order"][1] == by_month["2026-11"]["repeat_order"]
    assert series["revenue"] == [4000.0, 5000.0, 500.0]
    assert view.as_json()["note"] == "association, not proof of cause"


def test_period_keys_cover_the_range() -> None:
    keys = period_keys_between(Period.WEEK, date(2026, 12, 28), date(2027, 1, 12))
    assert keys == ["2026-W53", "2027-W01", "2027-W02"]


def test_waiting_hours_are_local(engine: Engine, tmp_path: Path) -> None:
    from kontrol.accounts.workspaces import ensure_workspace

    moscow = ensure_workspace(engine, "moscow", "Europe/Moscow")
    record = contact("h1", started="2026-11-02T07:01:00+00:00", text="здравствуйте", channel="call")
    record["queued_at"] = "2026-11-02T07:00:00+00:00"
    import_records(engine, moscow, tmp_path, [record])
    with engine.connect() as connection:
        scope = make_scope(
            connection, moscow.id, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
        )
        profile = hour_profile(connection, scope, zone("Europe/Moscow"))
    cell = profile.grid["call"][(0, 10)]  # Monday, 10:00 in Moscow (07:00 UTC)
    assert cell.mean_wait == 60.0
    assert profile.hours[10].waits == 1
