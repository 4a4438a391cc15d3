"""Business-hours calendars stop the response clocks outside working time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import InvalidInput
from kontrol.metrics.calendars import list_calendars, make_calendar, save_calendar
from kontrol.metrics.facts import rebuild
from kontrol.metrics.kpis import compute
from tests.factories import import_records
from tests.metrics.fixtures import msg

UTC = ZoneInfo("UTC")
OFFICE = make_calendar(
    days=range(1, 6),
    opens="09:00",
    closes="18:00",
    lunch=("13:00", "14:00"),
    holidays=["2026-11-04"],
)


def test_overnight_wait_counts_only_working_hours() -> None:
    # Monday 17:50 to Tuesday 09:10: ten minutes each side of the night.
    seconds = OFFICE.working_seconds(
        datetime(2026, 11, 2, 17, 50), datetime(2026, 11, 3, 9, 10), UTC
    )
    assert seconds == 20 * 60


def test_lunch_weekend_and_holiday_stop_the_clock() -> None:
    lunch = OFFICE.working_seconds(
        datetime(2026, 11, 2, 12, 30), datetime(2026, 11, 2, 14, 30), UTC
    )
    assert lunch == 60 * 60
    # Friday 17:00 to Monday 10:00: one hour on Friday, one on Monday.
    weekend = OFFICE.working_seconds(datetime(2026, 11, 6, 17), datetime(2026, 11, 9, 10), UTC)
    assert weekend == 2 * 3600
    holiday = OFFICE.working_seconds(datetime(2026, 11, 4, 10), datetime(2026, 11, 4, 12), UTC)
    assert holiday == 0


def test_calendar_in_the_local_time_zone() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    # 05:30 to 06:30 UTC is 08:30 to 09:30 in Moscow: thirty working minutes.
    seconds = OFFICE.working_seconds(
        datetime(2026, 11, 2, 5, 30), datetime(2026, 11, 2, 6, 30), moscow
    )
    assert seconds == 30 * 60


def test_bad_calendars_are_refused_with_the_field_named() -> None:
    with pytest.raises(InvalidInput, match="opens"):
        make_calendar(days=[1], opens="9am", closes="18:00")
    with pytest.raises(InvalidInput, match="lunch"):
        make_calendar(days=[1], opens="09:00", closes="18:00", lunch=("19:00", "20:00"))
    with pytest.raises(InvalidInput, match="holidays"):
        make_calendar(days=[1], opens="09:00", closes="18:00", holidays=["31.12.2026"])


def test_sla_uses_business_time_and_calendar_time_stays_available(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    # An email at Monday 17:30, answered Tuesday 10:00: 16.5 h on the clock, 1.5 h of work.
    email = {
        "id": "e1",
        "channel": "email",
        "queued_at": "2026-11-02T17:30:00Z",
        "started_at": "2026-11-03T10:00:00Z",
        "agent_id": "a1",
        "team": "Support",
        "messages": [msg("customer", "2026-11-02T17:30:00Z"), msg("agent", "2026-11-03T10:00:00Z")],
    }
    import_records(engine, workspace, tmp_path, [email], name="e.jsonl")
    metrics = ["frt", "frt_business", "sla", "sla_clock"]
    with engine.connect() as connection:
        [before] = compute(connection, workspace=workspace, metrics=metrics)
    assert before["frt"] == before["frt_business"] == 16.5 * 3600
    assert before["sla"] == 0
    with engine.begin() as connection:
        save_calendar(connection, workspace, scope="team", scope_value="Support", calendar=OFFICE)
        assert [c.scope_value for c in list_calendars(connection, workspace)] == ["Support"]
    rebuild(engine, workspace.id)
    with engine.connect() as connection:
        [after] = compute(connection, workspace=workspace, metrics=metrics)
    assert after["frt"] == 16.5 * 3600
    assert after["frt_business"] == 1.5 * 3600
    assert after["sla"] == 100  # 1.5 h of working time is within 4 h
    assert after["sla_clock"] == 0
