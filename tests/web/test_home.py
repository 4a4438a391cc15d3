"""Each role's start page, and the QA lead's page of what needs attention today."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.metrics import figures
from kontrol.metrics.targets import save_target
from tests.factories import import_records, log_in
from tests.webapp import record


@pytest.mark.parametrize(
    ("username", "home"),
    [("admin", "/home"), ("qa", "/home"), ("lead", "/coaching"), ("agent1", "/evaluations")],
)
def test_each_role_starts_on_its_own_work(client: TestClient, username: str, home: str) -> None:
    log_in(client, username)
    start = client.get("/", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == home
    assert client.get(home).status_code == 200


def _count(page: str, tile: str) -> str:
    found = re.search(
        rf'id="attention-{tile}">\s*<span class="attention-count">([^<]+)</span>', page
    )
    assert found is not None, f"no {tile} tile"
    return found.group(1)


def test_the_attention_page_counts_alerts_and_kpis_off_target(
    client: TestClient,
    engine: Engine,
    populated: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One unhappy customer judged: the badge's sample floor (30) is lowered to one.
    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
    today = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with engine.begin() as connection:
        save_alert_rule(connection, populated, AlertRuleInput(name="CSAT ≤ 2", kind="csat_at_most"))
        save_target(
            connection,
            populated,
            metric="csat",
            scope="company",
            scope_value=None,
            target=90,
            warning=80,
            direction="higher",
            owner="Наталья",
            period="month",
        )
    unhappy = record(
        "today-1", agent="a1", team="L1", started=today.isoformat(), text="Ужасно", csat=1
    )
    import_records(engine, populated, tmp_path, [unhappy])
    log_in(client, "qa")
    page = client.get("/home").text
    assert _count(page, "alerts") == "1"
    assert "CSAT ≤ 2" in page
    # The alert says what happened in words, as the alerts page does, not its subject key.
    listed = page.split('id="home-alerts"')[1].split("</section>")[0]
    assert "interaction:" not in listed
    # The conversation is a link beside the text, not its id inside it.
    assert "CSAT 1/5 — чат, оператор" in listed and "today-1" not in listed
    assert re.search(r'<a href="/interactions/\d+">обращение</a>', listed)
    assert _count(page, "kpis") == "1"
    kpis = page.split('id="home-kpis"')[1].split("</section>")[0]
    assert "CSAT" in kpis and "kpi-bad" in kpis
    assert _count(page, "disputes") == "0"


def test_the_attention_page_is_the_whole_workspace_s_and_refused_to_others(
    client: TestClient,
) -> None:
    log_in(client, "agent1")
    assert client.get("/home").status_code == 403
