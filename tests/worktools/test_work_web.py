"""The work-tool pages and API: scope by role, the drill-down, the rules form."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.store.tables import work_items
from tests.factories import form_token, import_records, log_in
from tests.webapp import client, populated  # noqa: F401 - fixtures
from tests.worktools.builders import work_item

CRM = [
    work_item("t-a1", owner_id="a1", team="L1", title="Перезвонить <script>alert(1)</script>",
              due_at="2026-11-03T10:00:00+00:00"),
    work_item("t-a1-ok", owner_id="a1", team="L1"),
    work_item("t-a3", owner_id="a3", team="L2", due_at="2026-11-03T10:00:00+00:00"),
]  # fmt: skip


def _crm(engine: Engine, workspace: Workspace, folder: Path) -> dict[str, int]:
    import_records(engine, workspace, folder, CRM, name="crm.jsonl")
    with engine.connect() as connection:
        rows = connection.execute(select(work_items.c.external_id, work_items.c.id))
        return {row.external_id: int(row.id) for row in rows}


def test_an_agent_sees_only_their_own_items_and_score(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    ids = _crm(engine, populated, tmp_path)
    log_in(client, "agent1")
    listed = client.get("/api/v1/work/items").json()
    assert {item["external_id"] for item in listed["items"]} == {"t-a1", "t-a1-ok"}
    assert client.get(f"/api/v1/work/items/{ids['t-a3']}").status_code == 404
    scores = client.get("/api/v1/work/scores").json()
    assert [owner["key"] for owner in scores["owners"]] == ["a1"]
    assert scores["overall"]["items"] == 2 and scores["overall"]["score"] == 50.0


def test_a_team_lead_sees_the_team_and_the_qa_lead_everyone(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    _crm(engine, populated, tmp_path)
    log_in(client, "lead")
    assert client.get("/api/v1/work/scores").json()["overall"]["items"] == 2
    client.post("/logout", data={"csrf_token": form_token(client, "/work")})
    log_in(client, "qa")
    scores = client.get("/api/v1/work/scores").json()
    assert scores["overall"]["items"] == 3
    assert [team["key"] for team in scores["teams"]] == ["L2", "L1"]  # worst first


def test_the_drill_down_lists_what_each_item_breaks_and_escapes_its_text(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    ids = _crm(engine, populated, tmp_path)
    log_in(client, "qa")
    page = client.get("/work/items?owner=a1&violations=1")
    assert page.status_code == 200
    assert "Просроченная задача" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert f"/work/items/{ids['t-a1']}" in page.text
    assert f"/work/items/{ids['t-a1-ok']}" not in page.text
    detail = client.get(f"/work/items/{ids['t-a1']}")
    assert detail.status_code == 200 and "Просроченная задача" in detail.text


def test_a_bad_rule_typed_in_is_refused_with_its_line_and_the_others_saved(
    client: TestClient,  # noqa: F811
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    text = (
        "rules:\n  - name: Долго без движения\n    kind: stale_status\n    params: {days: 3}\n"
        "  - name: Сломанное\n    kind: stale_status\n    params: {days: 900}\n"
    )
    answer = client.post(
        "/work/rules", data={"rules": text, "csrf_token": form_token(client, "/work/rules")}
    )
    assert answer.status_code == 422
    assert "rules:5: params.days: от 1 до 365, а не 900" in answer.text
    rules = client.get("/api/v1/work/rules").json()["rules"]
    assert [(rule["name"], rule["params"]) for rule in rules] == [
        ("Долго без движения", {"days": 3})
    ]


def test_rules_through_the_api_then_a_check(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    log_in(client, "qa")
    body = {"name": "Без клиента", "kind": "required_fields", "fields": ["customer_email"]}
    assert client.post("/api/v1/work/rules", json=body).status_code == 201
    assert client.post("/api/v1/work/rules", json={**body, "weight": 0.5}).status_code == 200
    refused = client.post("/api/v1/work/rules", json={**body, "kind": "nonsense"})
    assert refused.status_code == 422 and "required_fields" in refused.text
    _crm(engine, populated, tmp_path)
    report = client.post("/api/v1/work/check").json()
    assert report["items"] == 3 and report["open"] == 3
    scores = client.get("/api/v1/work/scores").json()
    assert scores["overall"]["score"] == 50.0
