"""The KPI dashboard page: tiles, breakdown, sorting, drill-down, access per role."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from tests.factories import log_in

NOVEMBER = "period=month&date_from=2026-11-01&date_to=2026-11-30"


@pytest.fixture
def with_agents(engine: Engine, populated: Workspace, tmp_path: Path) -> Workspace:
    """The sample workspace plus the agent list (names and teams)."""
    path = tmp_path / "agents.jsonl"
    people = [
        {"kind": "agent", "id": "a1", "name": "Анна Смирнова", "team": "L1"},
        {"kind": "agent", "id": "a2", "name": "Борис Орлов", "team": "L1"},
        {"kind": "agent", "id": "a3", "name": "Jane Doe", "team": "L2"},
    ]
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in people) + "\n")
    import_file(engine=engine, workspace=populated, path=path)
    return populated


def breakdown_rows(page: str) -> list[str]:
    """The first cell (the group) of every body row of the breakdown table."""
    body = page.split('id="breakdown"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r'<th scope="row">(.*?)</th>', body, re.S)
    ]


def links(page: str) -> list[str]:
    """Every drill-down link of the page, unescaped."""
    return [html.unescape(href) for href in re.findall(r'href="(/interactions\?[^"]+)"', page)]


def test_dashboard_shows_tiles_charts_and_breakdown(
    client: TestClient, with_agents: Workspace
) -> None:
    log_in(client, "admin")
    page = client.get(f"/dashboard?{NOVEMBER}")
    assert page.status_code == 200
    assert 'data-metric="csat"' in page.text
    assert 'id="chart-contacts"' in page.text
    chart = json.loads(
        html.unescape(
            re.search(r'id="chart-data">(.*?)</script>', page.text, re.S).group(1)  # type: ignore[union-attr]
        )
    )
    # Periods are written for people, and the line is named for what it draws.
    assert chart["labels"][-1] == "ноябрь 2026"
    assert chart["own"] == "Вся компания"
    contacts = next(c for c in chart["charts"] if c["metric"] == "contacts")
    # Four interactions, all handled in November.
    assert contacts["values"][-1] == 4
    assert set(breakdown_rows(page.text)) == {"Анна Смирнова", "Борис Орлов", "Jane Doe"}


def test_breakdown_sorts_on_the_server(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "admin")
    most_first = breakdown_rows(client.get(f"/dashboard?{NOVEMBER}&sort=contacts&order=desc").text)
    least_first = breakdown_rows(client.get(f"/dashboard?{NOVEMBER}&sort=contacts&order=asc").text)
    # Анна has two contacts, the others one each.
    assert most_first[0] == "Анна Смирнова"
    assert least_first[-1] == "Анна Смирнова"
    by_name = breakdown_rows(client.get(f"/dashboard?{NOVEMBER}&sort=agent&order=asc").text)
    assert by_name == sorted(by_name, key=str.casefold)


def test_a_number_leads_to_the_interactions_behind_it(
    client: TestClient, with_agents: Workspace
) -> None:
    log_in(client, "admin")
    page = client.get(f"/dashboard?{NOVEMBER}").text
    low_csat = [
        href
        for href in links(page)
        if parse_qs(urlsplit(href).query).get("csat_max") == ["3"]
        and parse_qs(urlsplit(href).query).get("agent") == ["a2"]
    ]
    assert low_csat, "no link to agent a2's dissatisfied customers"
    listing = client.get(low_csat[0])
    assert listing.status_code == 200
    # i2 (CSAT 1) is the only one; the list says which filter is on.
    rows = listing.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 1
    assert "1/5" in rows
    assert 'id="drill-down"' in listing.text
    api = client.get("/api/v1/interactions?" + urlsplit(low_csat[0]).query).json()
    assert [item["external_id"] for item in api["items"]] == ["i2"]


def test_team_filter_and_breakdown_by_channel(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "qa")
    page = client.get(f"/dashboard?{NOVEMBER}&team=L1&by=channel").text
    chart = json.loads(
        html.unescape(re.search(r'id="chart-data">(.*?)</script>', page, re.S).group(1))
    )  # type: ignore[union-attr]
    assert chart["own"] == "Группа L1"
    rows = breakdown_rows(page)
    # L1 had two chats and a call; L2's e-mail is not counted.
    assert len(rows) == 2
    assert "Эл. почта" not in rows


def test_agent_sees_own_numbers_beside_the_team(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "agent1")
    page = client.get(f"/dashboard?{NOVEMBER}").text
    assert breakdown_rows(page) == ["Анна Смирнова"]
    assert "tile-team" in page
    chart = json.loads(
        html.unescape(re.search(r'id="chart-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    )
    assert chart["own"] == "Вы"
    contacts = next(c for c in chart["charts"] if c["metric"] == "contacts")
    assert contacts["values"][-1] == 2
    # The team L1 (a1 and a2) had three contacts.
    assert contacts["team_values"][-1] == 3
    for href in links(page):
        assert parse_qs(urlsplit(href).query).get("agent") in (["a1"], None)


def test_agent_asking_for_another_agent_is_refused(
    client: TestClient, with_agents: Workspace
) -> None:
    log_in(client, "agent1")
    assert client.get(f"/dashboard?{NOVEMBER}&agent=a2").status_code == 403
    assert client.get(f"/dashboard?{NOVEMBER}&agent=a2&format=csv").status_code == 403
    api = client.get("/api/v1/kpi?by=agent&agent=a2")
    assert api.status_code == 403
    own = client.get("/api/v1/kpi?by=agent&metrics=contacts").json()["rows"]
    assert [row["agent"] for row in own] == ["a1"]


def test_team_lead_sees_the_team_and_its_agents(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "lead")
    page = client.get(f"/dashboard?{NOVEMBER}").text
    assert set(breakdown_rows(page)) == {"Анна Смирнова", "Борис Орлов"}
    # Another team's agent is not even offered in the agent filter.
    assert "Jane Doe" not in page
    assert 'name="team"' not in page
    assert client.get(f"/dashboard?{NOVEMBER}&team=L2").status_code == 403
    rows = client.get("/api/v1/kpi?by=team&metrics=contacts").json()["rows"]
    assert rows == [{"team": "L1", "contacts": 3}]


def test_kpi_api_rows_follow_the_spec(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "admin")
    answer = client.get("/api/v1/kpi?by=agent&period=month&metrics=csat,frt")
    assert answer.status_code == 200
    rows = {row["agent"]: row for row in answer.json()["rows"]}
    assert rows["a1"]["period"] == "2026-11"
    assert rows["a1"]["csat"] == 100
    assert rows["a1"]["csat_num"] == 1 and rows["a1"]["csat_den"] == 1
    assert rows["a2"]["csat"] == 0
    assert {"frt", "frt_mean", "frt_p90"} <= set(rows["a1"])
    assert client.get("/api/v1/kpi?by=colour").status_code == 422
    assert client.get("/api/v1/kpi?metrics=happiness").status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/kpi" in schema["paths"]


def test_bad_parameters_name_the_field(client: TestClient, with_agents: Workspace) -> None:
    log_in(client, "admin")
    for query, field in [
        ("period=year", "period"),
        ("by=mood", "by"),
        ("format=pdf", "format"),
    ]:
        answer = client.get(f"/dashboard?{query}")
        assert answer.status_code == 422, query
        assert field in answer.text
    # Wrong dates keep the dashboard and name the field (tests/web/test_date_filters.py).
    for query in ("date_from=yesterday", "date_from=2026-11-30&date_to=2026-11-01"):
        answer = client.get(f"/dashboard?{query}")
        assert answer.status_code == 200 and 'id="date-problem"' in answer.text, query


def test_empty_workspace_shows_an_empty_dashboard(client: TestClient) -> None:
    log_in(client, "outsider")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert 'class="empty"' in page.text


def test_dashboard_needs_a_login(client: TestClient) -> None:
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/v1/kpi").status_code == 401


def tile_value(page: str, metric: str) -> str:
    found = re.search(rf'data-metric="{metric}">.*?<div class="tile-value">(.*?)</div>', page, re.S)
    assert found, f"no tile for {metric}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_tiles_count_the_chosen_dates_and_compare_with_before(
    client: TestClient, with_agents: Workspace
) -> None:
    log_in(client, "admin")
    # A whole month, and any other range (2-4 November: i2, i3; 5 November: i4).
    assert tile_value(client.get(f"/dashboard?{NOVEMBER}").text, "contacts") == "4"
    page = client.get("/dashboard?period=month&date_from=2026-11-02&date_to=2026-11-04").text
    assert tile_value(page, "contacts") == "3"
    assert "30.10.2026 — 01.11.2026" in page  # compared with the three days before
    later = client.get("/dashboard?period=day&date_from=2026-11-05&date_to=2026-11-05").text
    assert tile_value(later, "contacts") == "1"
    # 4 and 5 November had one contact each: the same as the day before.
    contacts_tile = later.split('data-metric="contacts"', 1)[1].split("</article>", 1)[0]
    assert "trend-same" in contacts_tile
    # 3 November (i2, CSAT 1) against 2 November (i1, CSAT 5): worse.
    third = client.get("/dashboard?period=day&date_from=2026-11-03&date_to=2026-11-03").text
    csat_tile = third.split('data-metric="csat"', 1)[1].split("</article>", 1)[0]
    assert "trend-worse" in csat_tile
    assert "−100,0" in csat_tile  # a Russian decimal comma
