"""The periodic alert check runs as a recurring job: a spike is found without cron."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.jobs import runs as job_runs
from kontrol.jobs.backends import drain
from kontrol.jobs.schedule import queue_recurring
from kontrol.settings import Settings
from tests.alerts.test_alert_rules import _alerts, _rule
from tests.factories import import_records
from tests.surveys.builders import chat


def test_a_spike_in_data_loaded_before_its_rule_is_found_by_the_recurring_check(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KONTROL_REDIS_URL", raising=False)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    history = [
        chat(f"h{day}-{n}", started=now - timedelta(days=day), tags=["complaint"])
        for day in range(1, 29)
        for n in range(1 + day % 2)
    ]
    # All at this minute, so that they fall on today whatever the time of day.
    today = [chat(f"t{n}", started=now, tags=["complaint"]) for n in range(6)]
    import_records(engine, workspace, tmp_path, [*history, *today])
    # The rule comes after the data: no import will look at this spike again.
    _rule(engine, workspace, "complaints_spike", params={"min_count": 4})
    assert _alerts(engine) == []

    queue_recurring(engine)
    drain(engine, Settings())
    assert _alerts(engine) == [("scope:*:*", now.date().isoformat())]
    with engine.connect() as connection:
        names = {run.name: run.status for run in job_runs.list_runs(connection)}
    assert names["alerts.check_scheduled"] == "done"
