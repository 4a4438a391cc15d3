"""Calibration pages and JSON API through the web app, as people would use them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.factories import form_token, log_in
from tests.review.calibration_fixtures import Setup, build

Login = Callable[[str], TestClient]


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    return build(engine, workspace, tmp_path)


@pytest.fixture
def app(database_url: str, setup: Setup) -> FastAPI:
    return create_app(database_url)


@pytest.fixture
def login(app: FastAPI) -> Iterator[Login]:
    """A logged-in browser per person (each with its own cookies)."""
    clients: list[TestClient] = []

    def open_as(username: str) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        log_in(client, username)
        return client

    yield open_as
    for client in clients:
        client.__exit__(None, None, None)


def start_session(qa: TestClient, setup: Setup, people: list[str]) -> int:
    response = qa.post(
        "/calibration",
        data={
            "csrf_token": form_token(qa, "/calibration/new"),
            "name": "Refunds <b>November</b>",
            "scorecard_id": str(setup.scorecard_id),
            "interaction_id": [str(setup.interactions["k1"]), str(setup.interactions["k2"])],
            "reviewer_id": [str(setup.viewers[p].account.id) for p in people],
            "deadline": "",
            "external_ids": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/calibration/(\d+)", response.headers["location"])
    assert found
    return int(found.group(1))


def item_links(client: TestClient, session_id: int) -> list[int]:
    page = client.get(f"/calibration/{session_id}").text
    ids = re.findall(rf'href="/calibration/{session_id}/items/(\d+)"', page)
    return list(dict.fromkeys(int(i) for i in ids))


def score(
    client: TestClient,
    session_id: int,
    item_id: int,
    values: tuple[str, str, str],
    version: int,
    **extra: str,
) -> object:
    data = {
        "csrf_token": form_token(client, f"/calibration/{session_id}/items/{item_id}"),
        "c.greeting": values[0],
        "c.solution": values[1],
        "c.overall": values[2],
        "comment": "",
        "version": str(version),
        **extra,
    }
    return client.post(
        f"/calibration/{session_id}/items/{item_id}", data=data, follow_redirects=False
    )


def test_agents_and_team_leads_do_not_see_calibration(login: Login) -> None:
    for username in ("agent1", "lead"):
        client = login(username)
        assert 'href="/calibration"' not in client.get("/interactions").text
        assert client.get("/calibration").status_code == 403
        assert client.get("/api/v1/calibration/sessions").status_code == 403
        assert client.get("/calibration/reviewers").status_code == 403
    reviewer = login("rev1")
    assert 'href="/calibration"' in reviewer.get("/interactions").text
    assert reviewer.get("/calibration/new").status_code == 403
    assert reviewer.get("/calibration/reviewers").status_code == 403


def test_a_bad_form_keeps_what_was_entered(login: Login, setup: Setup) -> None:
    qa = login("qa")
    form = qa.get("/calibration/new").text
    assert 'name="reviewer_id"' in form and "REV1" in form and "AGENT1" not in form
    response = qa.post(
        "/calibration",
        data={
            "csrf_token": form_token(qa, "/calibration/new"),
            "name": "Only one reviewer",
            "scorecard_id": str(setup.scorecard_id),
            "interaction_id": str(setup.interactions["k1"]),
            "reviewer_id": str(setup.viewers["rev1"].account.id),
        },
    )
    assert response.status_code == 422
    assert "Проверяющие: пригласите хотя бы двух" in response.text
    assert 'value="Only one reviewer"' in response.text
    assert re.search(rf'value="{setup.interactions["k1"]}"[^>]*checked', response.text)
    without_token = qa.post("/calibration", data={"name": "x"}, follow_redirects=False)
    assert without_token.status_code == 403


def test_blind_scoring_reference_and_closing_through_the_pages(login: Login, setup: Setup) -> None:
    qa = login("qa")
    session_id = start_session(qa, setup, ["rev1", "rev2"])
    listing = qa.get("/calibration").text
    assert "Refunds &lt;b&gt;November&lt;/b&gt;" in listing  # escaped
    rev1, rev2, rev3 = login("rev1"), login("rev2"), login("rev3")
    first, second = item_links(rev1, session_id)

    # The transcript is shown beside the scorecard, customer text escaped, no check evidence.
    page = rev1.get(f"/calibration/{session_id}/items/{second}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'name="c.overall" value="5"' in page and "evidence-pass" not in page

    # A reviewer who was not invited can neither look nor score.
    assert rev3.get(f"/calibration/{session_id}").status_code == 403
    assert rev3.get(f"/calibration/{session_id}/items/{first}").status_code == 403
    assert session_id not in [
        s["id"] for s in rev3.get("/api/v1/calibration/sessions").json()["items"]
    ]

    saved = score(rev1, session_id, first, ("pass", "pass", "5"), 0, next="1")
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert saved.headers["location"].endswith(f"/items/{second}?saved=1")  # type: ignore[attr-defined]
    # The same form sent again from a second window (version 0) is refused, answers kept.
    stale = score(rev1, session_id, first, ("fail", "fail", "1"), 0)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "Не сохранено" in stale.text  # type: ignore[attr-defined]
    assert "reload the page" in stale.text  # type: ignore[attr-defined]
    assert re.search(r'name="c.overall" value="1" checked', stale.text)  # type: ignore[attr-defined]
    assert rev1.get(f"/calibration/{session_id}/results").status_code == 403

    # Handing in with an interaction left unscored says which one.
    refused = rev1.post(
        f"/calibration/{session_id}/submit",
        data={"csrf_token": form_token(rev1, f"/calibration/{session_id}")},
    )
    assert refused.status_code == 422 and "Обращение k2: ещё не оценено." in refused.text
    score(rev1, session_id, second, ("pass", "fail", "3"), 0)
    handed = rev1.post(
        f"/calibration/{session_id}/submit",
        data={"csrf_token": form_token(rev1, f"/calibration/{session_id}")},
        follow_redirects=False,
    )
    assert handed.headers["location"] == f"/calibration/{session_id}/results"
    score(rev2, session_id, first, ("pass", "pass", "3"), 0)
    score(rev2, session_id, second, ("fail", "fail", "3"), 0)
    # rev2 has not handed in: rev1 sees only their own column.
    alone = rev1.get(f"/calibration/{session_id}/results").text
    assert "REV1" in alone and "REV2" not in alone
    rev2.post(
        f"/calibration/{session_id}/submit",
        data={"csrf_token": form_token(rev2, f"/calibration/{session_id}")},
    )

    results = qa.get(f"/calibration/{session_id}/results").text
    assert "REV1" in results and "REV2" in results
    # Differences are marked: greeting and solution differ on k2, overall on k1.
    assert re.search(r'data-criterion="greeting" class="differs"', results)
    assert 'data-scale="pass_fail"' in results and 'data-figure="cohen"' in results
    # The lead records the reference for k1; a stale second save is refused on the page.
    reference = {
        "csrf_token": form_token(qa, f"/calibration/{session_id}/results"),
        "c.greeting": "pass",
        "c.solution": "pass",
        "c.overall": "5",
        "version": "1",
    }
    url = f"/calibration/{session_id}/items/{first}/reference"
    assert qa.post(url, data=reference, follow_redirects=False).status_code == 303
    again = qa.post(url, data={**reference, "c.overall": "4"})
    assert again.status_code == 409 and "Не сохранено" in again.text
    rev1_results = rev1.post(url, data={**reference, "version": "2"})
    assert rev1_results.status_code == 403

    session = qa.get(f"/api/v1/calibration/sessions/{session_id}").json()
    closed = qa.post(
        f"/calibration/{session_id}/close",
        data={
            "csrf_token": form_token(qa, f"/calibration/{session_id}"),
            "version": session["version"],
        },
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert score(rev2, session_id, first, ("pass", "pass", "5"), 2).status_code == 409  # type: ignore[attr-defined]
    deviation = qa.get("/calibration/reviewers").text
    # k1 reference (pass, pass, 5): rev1 matched 3 of 3, rev2 2 of 3 (overall 3).
    assert re.search(r"REV1\s*<span[^>]*>[^<]*<strong class=\"overall-share\">100%", deviation)
    assert re.search(r"REV2\s*<span[^>]*>[^<]*<strong class=\"overall-share\">67%", deviation)


def test_the_json_api_refuses_a_stale_save_with_409(login: Login, setup: Setup) -> None:
    qa = login("qa")
    created = qa.post(
        "/api/v1/calibration/sessions",
        json={
            "name": "API session",
            "scorecard_id": setup.scorecard_id,
            "external_ids": ["k1", "k3"],
            "reviewer_ids": [setup.viewers["rev1"].account.id, setup.viewers["rev2"].account.id],
        },
    )
    assert created.status_code == 201
    session_id = created.json()["id"]
    rev1 = login("rev1")
    session = rev1.get(f"/api/v1/calibration/sessions/{session_id}").json()
    assert session["is_participant"] and [c["id"] for c in session["scorecard"]["criteria"]] == [
        "greeting",
        "solution",
        "overall",
    ]
    item = session["items"][0]["id"]
    url = f"/api/v1/calibration/sessions/{session_id}/items/{item}/score"
    body = {"answers": {"greeting": "pass", "solution": "fail", "overall": 4}, "version": 0}
    first = rev1.put(url, json=body)
    assert first.status_code == 200
    assert first.json() == {
        "item_id": item,
        "answers": {"greeting": "pass", "solution": "fail", "overall": 4},
        "score": 43.8,  # (1 + 0 + 0.75) / 4 = 43.75, rounded to one decimal
        "version": 1,
        "complete": True,
    }
    stale = rev1.put(url, json=body)
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    bad = rev1.put(url, json={"answers": {"overall": 9}, "version": 1})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("answers.overall")
    assert rev1.get(f"/api/v1/calibration/sessions/{session_id}/results").status_code == 403
    outsider = login("rev3")
    assert outsider.put(url, json=body).status_code == 403
    assert (
        qa.post(f"/api/v1/calibration/sessions/{session_id}/close", json={"version": 5}).status_code
        == 409
    )
    documented = qa.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/calibration/sessions/{session_id}/items/{item_id}/score" in documented
    assert not any(path.startswith("/calibration") for path in documented)
