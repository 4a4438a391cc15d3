"""The interaction list and the interaction page, as people with different roles see them."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.cli.main import app
from kontrol.ingest.importing import import_file
from tests.factories import exchange, interaction_record, log_in, write_jsonl


def _ids(client: TestClient, query: str = "") -> list[str]:
    data = client.get(f"/api/v1/interactions{query}").json()
    return [item["external_id"] for item in data["items"]]


def test_list_shows_newest_first(client: TestClient) -> None:
    log_in(client, "admin")
    assert _ids(client) == ["i4", "i3", "i2", "i1"]
    page = client.get("/interactions").text
    assert page.index("05.11.2026") < page.index("02.11.2026")


def test_filters(client: TestClient) -> None:
    log_in(client, "admin")
    assert _ids(client, "?channel=email") == ["i3"]
    assert _ids(client, "?agent=a1") == ["i4", "i1"]
    assert _ids(client, "?team=L2") == ["i3"]
    assert _ids(client, "?topic=refund") == ["i2"]
    assert _ids(client, "?has_survey=yes") == ["i2", "i1"]
    assert _ids(client, "?has_survey=no") == ["i4", "i3"]
    assert _ids(client, "?date_from=2026-11-03&date_to=2026-11-04") == ["i3", "i2"]
    assert _ids(client, "?customer=c2") == ["i3"]


def test_text_search_finds_words_in_the_conversation(client: TestClient) -> None:
    log_in(client, "admin")
    assert _ids(client, "?q=заказ") == ["i4", "i1"]
    assert _ids(client, "?q=PARCEL") == ["i3"]
    assert _ids(client, "?q=верн") == ["i2"]
    assert _ids(client, "?q=i3") == ["i3"]
    assert _ids(client, "?q=несуществующее") == []


def test_search_text_with_query_syntax_is_harmless(client: TestClient) -> None:
    log_in(client, "admin")
    for nasty in ['"', "' OR 1=1 --", "NEAR(", "*", "a AND OR", "%_"]:
        response = client.get("/api/v1/interactions", params={"q": nasty})
        assert response.status_code == 200, nasty


def test_bad_filter_values_are_named(client: TestClient) -> None:
    log_in(client, "admin")
    response = client.get("/api/v1/interactions?channel=fax")
    assert response.status_code == 422
    assert "channel" in response.json()["detail"]
    response = client.get("/api/v1/interactions?date_from=yesterday")
    assert response.status_code == 422
    assert "date_from" in response.json()["detail"]


def test_keyset_paging_walks_every_row_once(client: TestClient) -> None:
    log_in(client, "admin")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        data = client.get("/api/v1/interactions", params=params).json()
        seen += [item["external_id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert seen == ["i4", "i3", "i2", "i1"]


def test_html_paging_links(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/interactions?limit=2").text
    found = re.search(r'id="next-page"|href="(/interactions\?[^"]*cursor=[^"]+)"', page)
    assert found
    link = re.search(r'href="(/interactions\?[^"]*cursor=[^"]+)"', page)
    assert link
    second = client.get(link.group(1).replace("&amp;", "&")).text
    assert "03.11.2026" in second and "05.11.2026" not in second


def test_htmx_request_gets_only_the_table(client: TestClient) -> None:
    log_in(client, "admin")
    partial = client.get("/interactions?channel=call", headers={"HX-Request": "true"}).text
    assert "<table" in partial and "<html" not in partial
    assert "05.11.2026" in partial and "02.11.2026" not in partial


def test_interaction_page_shows_transcript_survey_and_other_contacts(client: TestClient) -> None:
    log_in(client, "admin")
    item = client.get("/api/v1/interactions?q=i1").json()["items"][0]
    page = client.get(f"/interactions/{item['id']}").text
    # Evidence of the checks is highlighted inside the text: compare the text alone.
    text = re.sub(r"<[^>]+>", "", page)
    assert "Где мой заказ?" in text
    assert "Здравствуйте! Сейчас проверю." in text
    assert "5/5" in page
    # The same customer's interactions on other channels are listed.
    assert page.count('href="/interactions/') == 2
    detail = client.get(f"/api/v1/interactions/{item['id']}").json()
    assert [m["role"] for m in detail["messages"]] == ["customer", "agent"]
    assert detail["survey"]["csat"] == 5
    assert {r["external_id"] for r in detail["related"]} == {"i2", "i4"}


def test_customer_text_is_escaped(client: TestClient) -> None:
    log_in(client, "admin")
    item = client.get("/api/v1/interactions?q=i2").json()["items"][0]
    page = client.get(f"/interactions/{item['id']}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>спасибо</b>" not in page
    assert "default-src 'self'" in client.get("/interactions").headers["content-security-policy"]


def test_agent_sees_only_their_own_interactions(client: TestClient) -> None:
    log_in(client, "agent1")
    assert _ids(client) == ["i4", "i1"]
    admin_view = TestClient(client.app)
    log_in(admin_view, "admin")
    other = admin_view.get("/api/v1/interactions?q=i3").json()["items"][0]["id"]
    assert client.get(f"/api/v1/interactions/{other}").status_code == 404
    assert client.get(f"/interactions/{other}").status_code == 404
    # Related contacts of the customer are limited the same way.
    own = client.get("/api/v1/interactions?q=i1").json()["items"][0]["id"]
    related = client.get(f"/api/v1/interactions/{own}").json()["related"]
    assert {r["external_id"] for r in related} == {"i4"}


def test_team_lead_sees_the_team(client: TestClient) -> None:
    log_in(client, "lead")
    assert _ids(client) == ["i4", "i2", "i1"]


def test_workspaces_are_isolated(client: TestClient) -> None:
    log_in(client, "outsider")
    assert _ids(client) == []
    log_in(client, "admin")
    any_id = client.get("/api/v1/interactions").json()["items"][0]["id"]
    log_in(client, "outsider")
    assert client.get(f"/api/v1/interactions/{any_id}").status_code == 404


def test_rejects_page_lists_file_line_and_reason(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/rejects").text
    assert "sample.jsonl" in page and "испорченный JSON" in page
    data = client.get("/api/v1/rejects").json()["items"]
    assert [(item["line"], item["error"].startswith("broken JSON")) for item in data] == [(5, True)]


def test_agents_may_not_see_rejects(client: TestClient) -> None:
    log_in(client, "agent1")
    assert client.get("/api/v1/rejects").status_code == 403
    assert client.get("/rejects").status_code == 403
    assert 'href="/rejects"' not in client.get("/interactions").text


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/interactions", "/api/v1/interactions/{interaction_id}"} <= set(schema["paths"])


def test_unknown_page_is_a_translated_404(client: TestClient) -> None:
    log_in(client, "admin")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Не найдено" in response.text or "Not found" in response.text


def test_call_segments_and_cross_talk(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    call = tmp_path / "call.jsonl"
    call.write_text(
        '{"id": "call-1", "channel": "call", "started_at": "2026-11-06T09:00:00+00:00",'
        ' "agent_id": "a1", "messages": ['
        '{"role": "agent", "text": "Добрый день", "start": 0.0, "end": 4.5},'
        '{"role": "customer", "text": "Да-да, я по поводу", "start": 3.0, "end": 75.0},'
        '{"role": "agent", "text": "Понимаю", "start": 76.0, "end": 78.0}]}\n',
        encoding="utf-8",
    )
    import_file(engine=engine, workspace=ensure_workspace(engine, DEFAULT_WORKSPACE), path=call)
    log_in(client, "admin")
    found = client.get("/api/v1/interactions?q=call-1").json()["items"][0]["id"]
    detail = client.get(f"/api/v1/interactions/{found}").json()
    assert [m["overlaps"] for m in detail["messages"]] == [False, True, False]
    page = client.get(f"/interactions/{found}").text
    assert "0:03–1:15" in page
    assert page.count("msg-overlap") == 1


def test_an_interaction_not_scored_yet_says_so_until_rescore(
    client: TestClient, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # Stored, but its scoring never ran (a process killed after the batch's commit, or
    # a job still waiting for a worker): the list and the page say so, not a silent "—".
    workspace = ensure_workspace(engine, DEFAULT_WORKSPACE)
    record = interaction_record(
        "late-1",
        started="2026-11-06T10:00:00Z",
        messages=exchange(
            "Где мой заказ?", "Здравствуйте! Заказ будет завтра.", at="2026-11-06T10:00:00Z"
        ),
    )
    path = write_jsonl(tmp_path / "late.jsonl", [record])
    import_file(engine=engine, workspace=workspace, path=path, publish_events=lambda _: None)
    log_in(client, "admin")
    listed = {
        item["external_id"]: item for item in client.get("/api/v1/interactions").json()["items"]
    }
    assert listed["late-1"]["scored"] is False and listed["i1"]["scored"] is True
    row = next(
        r
        for r in client.get("/interactions").text.split("<tr>")
        if "late-1" in r or "06.11.2026" in r
    )
    assert "балл ещё не посчитан" in row  # the default language
    page = client.get(f"/interactions/{listed['late-1']['id']}").text
    assert "Балл ещё не посчитан" in page
    done = CliRunner().invoke(app, ["rescore", "--db", database_url])
    assert done.exit_code == 0, done.output
    page = client.get(f"/interactions/{listed['late-1']['id']}").text
    assert "ещё не посчитан" not in page and 'id="qa-score"' in page
    assert "ещё не посчитан" not in client.get("/interactions").text
