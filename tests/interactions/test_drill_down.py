"""Drill-down filters of the interaction list: the contacts behind a KPI figure."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from tests.factories import log_in


def chat(external_id: str, reply_after: int | None, **extra: Any) -> dict[str, Any]:
    """A chat queued at 10:00 UTC and answered ``reply_after`` seconds later."""
    messages: list[dict[str, Any]] = [
        {"role": "customer", "text": "Здравствуйте", "at": "2026-11-10T10:00:00+00:00"}
    ]
    if reply_after is not None:
        messages.append(
            {
                "role": "agent",
                "text": "Добрый день!",
                "at": f"2026-11-10T10:{reply_after // 60:02d}:{reply_after % 60:02d}+00:00",
            }
        )
    item: dict[str, Any] = {
        "id": external_id,
        "channel": "chat",
        "queued_at": "2026-11-10T10:00:00+00:00",
        "started_at": "2026-11-10T10:00:00+00:00",
        "ended_at": "2026-11-10T10:20:00+00:00",
        "agent_id": "a1",
        "team": "L1",
        "customer_id": f"cust-{external_id}",
        "messages": messages,
        "status": "resolved",
    }
    item.update(extra)
    return item


@pytest.fixture
def drill(engine: Engine, populated: Workspace, tmp_path: Path) -> Workspace:
    items = [
        chat("fast", 30, survey={"csat": 5, "nps": 10}),
        chat("slow", 300, survey={"csat": 2, "nps": 3}, tags=["complaint"]),
        chat("gone", None, status="abandoned", agent_id=None),
    ]
    path = tmp_path / "drill.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n")
    import_file(engine=engine, workspace=populated, path=path)
    return populated


def ids(client: TestClient, query: str) -> set[str]:
    answer = client.get(f"/api/v1/interactions?date_from=2026-11-10&date_to=2026-11-10&{query}")
    assert answer.status_code == 200, answer.text
    return {item["external_id"] for item in answer.json()["items"]}


def test_each_filter_selects_the_contacts_it_names(client: TestClient, drill: Workspace) -> None:
    log_in(client, "admin")
    assert ids(client, "") == {"fast", "slow", "gone"}
    assert ids(client, "sla=missed") == {"slow"}
    assert ids(client, "sla=met") == {"fast"}
    assert ids(client, "csat_max=3") == {"slow"}
    assert ids(client, "csat_min=4") == {"fast"}
    assert ids(client, "nps=detractor") == {"slow"}
    assert ids(client, "nps=promoter") == {"fast"}
    assert ids(client, "complaint=yes") == {"slow"}
    assert ids(client, "abandoned=yes") == {"gone"}
    assert ids(client, "handled=yes") == {"fast", "slow"}
    assert ids(client, "status=abandoned") == {"gone"}
    assert ids(client, "measured=frt") == {"fast", "slow"}
    assert ids(client, "measured=csat&csat_max=5") == {"fast", "slow"}


def test_filters_keep_the_access_rules(client: TestClient, drill: Workspace) -> None:
    log_in(client, "agent3")
    assert ids(client, "handled=yes") == set()


def test_a_wrong_value_names_the_parameter(client: TestClient, drill: Workspace) -> None:
    log_in(client, "admin")
    for query, name in [
        ("csat_max=9", "csat_max"),
        ("nps=fans", "nps"),
        ("sla=maybe", "sla"),
        ("measured=mood", "measured"),
        ("status=lost", "status"),
    ]:
        answer = client.get(f"/api/v1/interactions?{query}")
        assert answer.status_code == 422
        assert name in answer.json()["detail"]


def test_the_list_page_shows_and_removes_a_drill_down_filter(
    client: TestClient, drill: Workspace
) -> None:
    log_in(client, "admin")
    page = client.get("/interactions?date_from=2026-11-10&date_to=2026-11-10&sla=missed").text
    assert "SLA нарушен" in page
    assert '<input type="hidden" name="sla" value="missed">' in page
    remove = re.search(r'<span class="chip">SLA нарушен\s*<a href="([^"]+)"', page)
    assert remove
    assert "sla=" not in html.unescape(remove.group(1))
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 1
