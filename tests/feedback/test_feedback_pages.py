"""The feedback pages and JSON API: what each role may open and do, through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.web.app import create_app
from tests.factories import form_token
from tests.feedback.feedback_world import ALL_PASS, World, build_world, days_ago, sign_in


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def client(database_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def test_agent_disputes_a_criterion_and_the_lead_changes_the_score(
    client: TestClient, world: World
) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    sign_in(client, "agent1")
    page = client.get(f"/evaluations/{evaluation_id}")
    assert page.status_code == 200
    assert 'href="/evaluations"' in page.text and 'href="/coaching"' in page.text
    assert 'id="acknowledge"' in page.text and "Showed empathy" in page.text
    csrf = form_token(client, f"/evaluations/{evaluation_id}")
    sent = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={
            "csrf_token": csrf,
            "criterion": "empathy",
            "reason": "I said <b>sorry</b> twice",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(f"/evaluations/{evaluation_id}")
    assert "I said &lt;b&gt;sorry&lt;/b&gt; twice" in page.text
    assert "<b>sorry</b>" not in page.text
    # The same criterion again: refused on the page, with the reason kept.
    again = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={"csrf_token": csrf, "criterion": "greeting", "reason": "x"},
    )
    assert again.status_code == 200  # another criterion is fine
    refused = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={"csrf_token": csrf, "criterion": "empathy", "reason": "keep me"},
    )
    assert refused.status_code == 409
    assert "По критерию «empathy» уже подана апелляция" in refused.text
    assert "open dispute" not in refused.text
    empty = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={"csrf_token": csrf, "criterion": "accuracy", "reason": " "},
    )
    assert empty.status_code == 422 and "Причина: обязательное поле" in empty.text
    assert "reason: required" not in empty.text
    assert "keep me" in refused.text
    # The agent cannot resolve.
    disputes = client.get("/api/v1/disputes").json()["items"]
    empathy = next(d for d in disputes if d["criterion"] == "empathy")
    assert client.get(f"/disputes/{empathy['id']}").status_code == 403
    denied = client.post(
        f"/api/v1/disputes/{empathy['id']}/resolve",
        json={"version": 1, "outcome": "upheld", "comment": "no"},
    )
    assert denied.status_code == 403

    sign_in(client, "qa")
    listing = client.get("/disputes")
    assert listing.status_code == 200 and f'data-dispute="{empathy["id"]}"' in listing.text
    csrf = form_token(client, f"/disputes/{empathy['id']}")
    resolved = client.post(
        f"/disputes/{empathy['id']}/resolve",
        data={
            "csrf_token": csrf,
            "version": "1",
            "evaluation_version": "1",
            "outcome": "changed",
            "answer_empathy": "pass",
            "comment": "The apology is in message 2",
        },
        follow_redirects=False,
    )
    assert resolved.status_code == 303, resolved.text
    detail = client.get(f"/api/v1/evaluations/{evaluation_id}").json()
    assert (detail["score"], detail["version"]) == (100.0, 2)
    assert [h["action"] for h in detail["history"]][-2:] == ["changed", "resolved"]
    # A second lead with the old version is refused, on the page and in the API.
    late = client.post(
        f"/disputes/{empathy['id']}/resolve",
        data={"csrf_token": csrf, "version": "1", "outcome": "upheld", "comment": "stands"},
    )
    assert late.status_code == 409 and "уже изменена" in late.text
    assert "changed already" not in late.text
    api_late = client.post(
        f"/api/v1/disputes/{empathy['id']}/resolve",
        json={"version": 1, "outcome": "upheld", "comment": "stands"},
    )
    assert api_late.status_code == 409 and "reload" in api_late.json()["detail"]

    sign_in(client, "agent1")
    page = client.get(f"/evaluations/{evaluation_id}")
    assert "The apology is in message 2" in page.text and ">100</span>" in page.text


def test_acknowledge_and_deadline_through_the_api(client: TestClient, world: World) -> None:
    recent = world.evaluation("f1", ALL_PASS)
    old = world.evaluation("f2", ALL_PASS, submitted_at=days_ago(9))
    sign_in(client, "agent1")
    done = client.post(f"/api/v1/evaluations/{recent}/acknowledge", json={"version": 1})
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    twice = client.post(f"/api/v1/evaluations/{recent}/acknowledge", json={"version": 2})
    assert twice.status_code == 409
    late = client.post(
        f"/api/v1/evaluations/{old}/disputes", json={"criterion": None, "reason": "unfair"}
    )
    assert late.status_code == 403 and "dispute window closed" in late.json()["detail"]
    page = client.get(f"/evaluations/{old}")
    assert 'id="dispute-whole"' not in page.text and 'id="dispute-refusal"' in page.text
    # Acknowledged ("read", issue 15): still open to dispute within the window, its
    # time on the workspace's clock (no "UTC").
    seen = client.get(f"/evaluations/{recent}").text
    assert 'id="dispute-whole"' in seen and 'id="dispute-refusal"' not in seen
    state = seen.split('id="acknowledgement">', 1)[1].split("</dd>", 1)[0]
    assert "прочитана" in state and "UTC" not in seen
    bad = client.post(f"/api/v1/evaluations/{recent}/acknowledge", json={})
    assert bad.status_code == 422
    # Forms need the session's token.
    no_token = client.post(f"/evaluations/{old}/acknowledge", data={"version": "1"})
    assert no_token.status_code == 403
    sign_in(client, "lead")
    lead_ack = client.post(f"/api/v1/evaluations/{old}/acknowledge", json={"version": 1})
    assert lead_ack.status_code == 403


def test_scope_of_pages_and_api(client: TestClient, world: World) -> None:
    mine = world.evaluation("f1", ALL_PASS)
    colleague = world.evaluation("f5", ALL_PASS)
    other_team = world.evaluation("f6", ALL_PASS)
    sign_in(client, "agent1")
    assert client.get(f"/evaluations/{colleague}").status_code == 404
    assert client.get(f"/api/v1/evaluations/{colleague}").status_code == 404
    assert [e["id"] for e in client.get("/api/v1/evaluations").json()["items"]] == [mine]
    sign_in(client, "lead")
    assert client.get(f"/evaluations/{colleague}").status_code == 200
    assert client.get(f"/evaluations/{other_team}").status_code == 404
    listed = {e["id"] for e in client.get("/api/v1/evaluations").json()["items"]}
    assert listed == {mine, colleague}
    assert client.get("/disputes").status_code == 200
    sign_in(client, "qa")
    assert client.get(f"/evaluations/{other_team}").status_code == 200
    client.cookies.clear()
    assert client.get("/api/v1/evaluations").status_code == 401
    assert client.get("/evaluations", follow_redirects=False).status_code == 303


def test_tasks_pages_and_api(client: TestClient, world: World) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "accuracy": "fail"})
    sign_in(client, "agent1")
    refused = client.post("/api/v1/tasks", json={"kind": "other", "title": "x"})
    assert refused.status_code == 403
    assert client.get("/tasks/new").status_code == 403

    sign_in(client, "lead")
    owner = world.accounts["agent1"].id
    form = client.get(f"/tasks/new?evaluation_id={evaluation_id}&kind=callback")
    assert form.status_code == 200 and 'name="evaluation_id"' in form.text
    late = {
        "evaluation_id": str(evaluation_id),
        "kind": "callback",
        "title": "Call back with the right delivery date",
        "owner_id": str(owner),
        "due": days_ago(1).strftime("%Y-%m-%dT%H:%M"),
    }
    # The form refuses a due date already past; an import through the API may record one.
    past = client.post("/tasks", data={"csrf_token": form_token(client, "/tasks"), **late})
    assert past.status_code == 422 and "Срок: эта дата уже прошла" in past.text
    created = client.post("/api/v1/tasks", json={**late, "owner_id": owner})
    assert created.status_code == 201
    task_id = int(created.json()["id"])
    missing_title = client.post(
        "/tasks",
        data={
            "csrf_token": form_token(client, "/tasks"),
            "kind": "coaching",
            "title": "",
            "agent": "a1",
        },
    )
    assert missing_title.status_code == 422 and "Название: обязательное поле" in missing_title.text
    overdue = client.get("/api/v1/tasks?view=overdue").json()["items"]
    assert [t["id"] for t in overdue] == [task_id] and overdue[0]["overdue"]
    other_team = client.post(
        "/api/v1/tasks", json={"kind": "coaching", "title": "x", "agent": "a3"}
    )
    assert other_team.status_code == 403

    sign_in(client, "qa")
    hidden = client.post("/api/v1/tasks", json={"kind": "training", "title": "L2", "agent": "a3"})
    assert hidden.status_code == 201
    sign_in(client, "lead")
    assert client.get(f"/tasks/{hidden.json()['id']}").status_code == 404

    sign_in(client, "agent1")
    page = client.get("/tasks")
    assert page.status_code == 200 and "Call back with the right delivery date" in page.text
    saved = client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": form_token(client, f"/tasks/{task_id}"),
            "version": "1",
            "status": "done",
            "outcome": "Called, the customer has the right date",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stale = client.patch(f"/api/v1/tasks/{task_id}", json={"version": 1, "status": "open"})
    assert stale.status_code == 409
    task = client.get(f"/api/v1/tasks/{task_id}").json()
    assert task["status"] == "done" and [h["action"] for h in task["history"]] == [
        "created",
        "updated",
    ]


def test_a_new_task_due_before_today_is_refused_and_the_form_kept(
    client: TestClient, world: World
) -> None:
    sign_in(client, "lead")
    fields = {
        "csrf_token": form_token(client, "/tasks"),
        "kind": "coaching",
        "title": "Разбор звонка с клиентом",
        "agent": "a1",
        "due": "2020-01-01",
    }
    refused = client.post("/tasks", data=fields)
    assert refused.status_code == 422
    assert "Срок: эта дата уже прошла — выберите сегодня (" in refused.text
    assert (
        'value="Разбор звонка с клиентом"' in refused.text and 'value="2020-01-01"' in refused.text
    )
    assert client.get("/api/v1/tasks?view=all").json()["items"] == []
    local_today = from_utc(utcnow(), zone(world.workspace.timezone)).strftime("%Y-%m-%d")
    today = client.post("/tasks", data={**fields, "due": local_today}, follow_redirects=False)
    assert today.status_code == 303


def test_coaching_pages(client: TestClient, world: World) -> None:
    world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    sign_in(client, "agent1")
    own = client.get("/coaching", follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == "/coaching/a1"
    page = client.get("/coaching/a1?period=month")
    assert page.status_code == 200 and 'data-criterion="empathy"' in page.text
    assert client.get("/coaching/a2").status_code == 404
    assert client.get("/api/v1/coaching/a2").status_code == 404
    sign_in(client, "lead2")
    assert client.get("/coaching/a1").status_code == 404
    sign_in(client, "qa")
    index = client.get("/coaching")
    assert index.status_code == 200 and 'href="/coaching/a3"' in index.text
    data = client.get("/api/v1/coaching/a1?period=month").json()
    assert data["criteria"][0]["criterion"] == "empathy"


def test_dispute_window_setting_page(client: TestClient, world: World) -> None:
    sign_in(client, "qa")
    bad = client.post(
        "/disputes/settings", data={"csrf_token": form_token(client, "/disputes"), "days": "x"}
    )
    assert bad.status_code == 422 and "Срок для апелляции: целое число дней от 1 до" in bad.text
    ok = client.post(
        "/disputes/settings",
        data={"csrf_token": form_token(client, "/disputes"), "days": "14"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert 'name="days" value="14"' in client.get("/disputes").text
    sign_in(client, "agent1")
    refused = client.post(
        "/disputes/settings", data={"csrf_token": form_token(client, "/evaluations"), "days": "30"}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_evaluation_offers_the_qa_lead_an_improvement_action(
    client: TestClient, world: World, backend: str
) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    sign_in(client, "qa")
    page = client.get(f"/evaluations/{evaluation_id}").text
    link = f"/actions/new?source=review%3A{evaluation_id}&amp;interaction="
    assert link in page
    href = page.split('id="evaluation-action" href="', 1)[1].split('"', 1)[0]
    form = client.get(href.replace("&amp;", "&")).text
    assert f'value="review:{evaluation_id}"' in form
    sign_in(client, "agent1")
    assert 'id="evaluation-action"' not in client.get(f"/evaluations/{evaluation_id}").text


def test_acknowledging_keeps_the_dispute_open_and_says_so_in_russian(
    client: TestClient, world: World
) -> None:
    """Issue 15: acknowledging gave up the appeal; now it means "read", not "agreed"."""
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    csrf = sign_in(client, "agent1")
    page = client.get(f"/evaluations/{evaluation_id}").text
    form = page.split(f'action="/evaluations/{evaluation_id}/acknowledge"')[1].split(">")[0]
    assert "data-confirm=" not in form
    hint = page.split('id="acknowledge-hint">')[1].split("</span>")[0]
    assert "оспорить оценку можно и после него, до " in hint
    done = client.post(
        f"/evaluations/{evaluation_id}/acknowledge",
        data={"csrf_token": csrf, "version": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(f"/evaluations/{evaluation_id}").text
    assert 'id="dispute-refusal"' not in page and 'id="dispute-whole"' in page
    state = page.split('id="acknowledgement">', 1)[1].split("</dd>", 1)[0]
    assert "прочитана" in state and 'id="acknowledge"' not in state
    disputed = client.post(
        f"/evaluations/{evaluation_id}/disputes",
        data={"csrf_token": csrf, "criterion": "empathy", "reason": "Клиента выслушали"},
        follow_redirects=False,
    )
    assert disputed.status_code == 303
    assert "Клиента выслушали" in client.get(f"/evaluations/{evaluation_id}").text
