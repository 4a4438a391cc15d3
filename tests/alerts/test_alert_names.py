"""An alert on an agent's target names the agent, the metric and the day as people write them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.delivery import describe
from kontrol.alerts.kinds import AlertRule
from kontrol.alerts.kpi import KpiBelowTarget
from kontrol.domain.clock import utcnow
from kontrol.metrics import figures
from kontrol.metrics.targets import save_target
from kontrol.store.tables import agents
from tests.factories import import_records
from tests.webapp import record


def test_a_missed_agent_target_is_told_with_the_agents_name(
    engine: Engine, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One case: the sample floor is lowered so the day is judged.
    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
    now = utcnow()
    # Today (UTC), never in the future: the figure is today's.
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    started = max(midnight, now - timedelta(seconds=1)).isoformat() + "+00:00"
    item = record("t1", agent="a1", team="L1", started=started, text="Где заказ?", csat=1)
    import_records(engine, workspace, tmp_path, [item])
    rule = AlertRule(1, workspace.id, "UTC", "План", "kpi_below_target", {"level": 1})
    with engine.begin() as connection:
        connection.execute(
            update(agents)
            .where(agents.c.workspace_id == workspace.id, agents.c.external_id == "a1")
            .values(name="Анна Смирнова")
        )
        save_target(
            connection,
            workspace,
            metric="csat",
            scope="agent",
            scope_value="a1",
            target=90,
            warning=80,
            direction=None,
            owner="Ирина",
            period="day",
        )
        [finding] = KpiBelowTarget().on_schedule(connection, rule, now)
    text = describe("kpi_below_target", finding.details, "ru")
    assert text.startswith(f"CSAT (Анна Смирнова) за {now:%d.%m.%Y}: ")
    assert "a1" not in text
    assert now.date().isoformat() not in text


def test_a_channel_is_worded_and_an_unknown_code_stays() -> None:
    details = {"day": "2026-12-07", "channel": "chat", "count": 9, "team": "L1"}
    assert "07.12.2026" in describe("complaints_spike", {**details, "mean": 2.0}, "ru")
    assert "канал: чат" in describe("complaints_spike", {**details, "mean": 2.0}, "ru")
    odd = describe("complaints_spike", {**details, "channel": "pager", "mean": 2.0}, "ru")
    assert "канал: pager" in odd
