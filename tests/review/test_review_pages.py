"""The reviewer workspace over HTTP: pages, the JSON API, rights, escaping, recordings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from kontrol.store.tables import review_items
from kontrol.web.app import create_app
from tests.factories import form_token, log_in
from tests.review.test_review_service import set_up, viewer_of


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    return set_up(engine, workspace, tmp_path)


@pytest.fixture
def client(database_url: str, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _item_of(engine: Engine, username: str, interaction_id: int) -> int:
    assignee = viewer_of(engine, username).account.id
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(review_items.c.id).where(
                    review_items.c.assignee_id == assignee,
                    review_items.c.interaction_id == interaction_id,
                )
            ).scalar_one()
        )


def _form_fields(page: str) -> dict[str, str]:
    """The values a browser would send from the workspace form as rendered."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        fields[name] = value
    for name, value in re.findall(
        r'<input type="radio" name="(result\.[^"]+)" value="([^"]*)" checked', page
    ):
        fields[name] = value
    return fields


def test_queue_and_workspace_show_the_transcript_escaped_with_evidence(
    client: TestClient, engine: Engine, ids: dict[str, int]
) -> None:
    log_in(client, "reviewer")
    queue = client.get("/review")
    assert queue.status_code == 200
    rows = re.findall(r'href="/review/items/(\d+)"', queue.text)
    assert [int(r) for r in rows] == [
        _item_of(engine, "reviewer", ids[i]) for i in ("i2", "i3", "i1", "i4")
    ]
    # The reason is customer-facing data too: shown as text.
    assert "CSAT 1 &lt;script&gt;x&lt;/script&gt;" in queue.text
    assert "<script>x</script>" not in queue.text
    assert 'href="/review"' in queue.text  # the navigation link
    interaction = client.get(f"/interactions/{ids['i2']}").text
    assert f'action="/interactions/{ids["i2"]}/evaluate"' in interaction

    page = client.get(f"/review/items/{rows[0]}")
    assert page.status_code == 200
    text = page.text
    # The customer's hostile message is escaped, never markup.
    assert "<script>alert(1)</script>" not in text
    assert "Верните деньги &lt;script&gt;alert(1)&lt;/script&gt;" in text
    # The greeting check's evidence is highlighted in the transcript, tied to its check.
    assert re.search(
        r'<mark class="evidence evidence-pass"[^>]*'
        r'data-checks="[^"]*greeting[^"]*">Здравствуйте</mark>',
        text,
    )
    assert 'data-criterion="greeting" data-check="greeting" data-auto="pass"' in text
    # Pre-filled with the machine's answer; person-only criteria start unanswered.
    fields = _form_fields(text)
    assert fields["result.greeting"] == "pass"
    assert fields["result.solution_correct"] == ""
    assert fields["result.overall"] == ""
    assert 'name="comment.greeting"' in text and 'name="comment"' in text
    assert '<script src="/static/review.js" defer></script>' in text
    assert "Ctrl</kbd>+<kbd>Enter" in text
    assert "onclick" not in text and "onkeydown" not in text


def test_the_form_submits_and_a_stale_second_save_is_refused_with_input_kept(
    client: TestClient, engine: Engine, ids: dict[str, int]
) -> None:
    log_in(client, "reviewer")
    item_id = _item_of(engine, "reviewer", ids["i1"])
    fields = _form_fields(client.get(f"/review/items/{item_id}").text)
    fields.update({"result.solution_correct": "pass", "result.overall": "4"})
    fields["comment.overall"] = "Friendly <b>and</b> quick"
    fields["comment"] = "Good work"
    saved = client.post(
        f"/interactions/{ids['i1']}/evaluate",
        data={**fields, "action": "submit"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/review/items/{item_id}?saved=submitted"
    page = client.get(saved.headers["location"]).text
    assert 'id="review-saved"' in page
    assert "Friendly &lt;b&gt;and&lt;/b&gt; quick" in page
    version_one = _form_fields(page)
    assert version_one["version"] == "1" and version_one["evaluation_id"]

    # A QA lead opens the same evaluation (version 1) and the reviewer changes it first.
    lead = TestClient(client.app)
    log_in(lead, "qa")
    evaluation_id = version_one["evaluation_id"]
    lead_page = lead.get(f"/interactions/{ids['i1']}/evaluate?evaluation={evaluation_id}").text
    lead_fields = _form_fields(lead_page)
    assert lead_fields["version"] == "1"
    first = client.post(
        f"/interactions/{ids['i1']}/evaluate",
        data={**version_one, "result.greeting": "fail", "action": "submit"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    refused = lead.post(
        f"/interactions/{ids['i1']}/evaluate",
        data={
            **lead_fields,
            "csrf_token": form_token(lead, "/review"),
            "result.greeting": "na",
            "comment": "the lead's note",
            "action": "submit",
        },
    )
    assert refused.status_code == 409
    assert 'id="review-error"' in refused.text and "reload" in refused.text
    # The lead's input is shown again, not lost; the stored answer is the reviewer's.
    again = _form_fields(refused.text)
    assert again["result.greeting"] == "na" and again["version"] == "1"
    assert "the lead&#39;s note" in refused.text
    stored = client.get(f"/api/v1/review/items/{item_id}").json()["form"]
    greeting = next(c for c in stored["criteria"] if c["criterion"] == "greeting")
    assert greeting["result"] == "fail"
    assert stored["evaluation"]["version"] == 2


def test_the_api_creates_saves_and_refuses_a_stale_version(
    client: TestClient, engine: Engine, ids: dict[str, int]
) -> None:
    log_in(client, "reviewer")
    item_id = _item_of(engine, "reviewer", ids["i3"])
    shown = client.get(f"/api/v1/review/items/{item_id}").json()
    assert shown["item"]["id"] == item_id and shown["item"]["status"] == "open"
    criteria = shown["form"]["criteria"]
    assert all(c["result"] == c["auto_result"] for c in criteria)
    bad = client.post(
        f"/api/v1/interactions/{ids['i3']}/evaluations",
        json={"items": {"greeting": {"result": "great"}}, "item_id": item_id},
    )
    assert bad.status_code == 422 and "items.greeting.result" in bad.json()["detail"]
    incomplete = client.post(f"/api/v1/interactions/{ids['i3']}/evaluations", json={"submit": True})
    assert incomplete.status_code == 422 and "unanswered" in incomplete.json()["detail"]
    made = client.post(
        f"/api/v1/interactions/{ids['i3']}/evaluations",
        json={"items": [{"criterion": "overall", "result": 3}], "item_id": item_id},
    )
    assert made.status_code == 201, made.text
    draft = made.json()
    assert draft["status"] == "draft" and draft["version"] == 1 and draft["score"] is None
    answers = {"solution_correct": {"result": "fail", "comment": "wrong refund terms"}}
    done = client.put(
        f"/api/v1/evaluations/{draft['id']}",
        json={"version": 1, "items": answers, "submit": True, "comment": "call back"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted" and done.json()["version"] == 2
    assert done.json()["score"] is not None
    stale = client.put(
        f"/api/v1/evaluations/{draft['id']}",
        json={"version": 1, "items": {"solution_correct": {"result": "pass"}}},
    )
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    assert client.put(f"/api/v1/evaluations/{draft['id']}", json={}).status_code == 422
    item = client.get(f"/api/v1/review/items/{item_id}").json()["item"]
    assert item["status"] == "done" and item["evaluation_id"] == draft["id"]
    assert client.get("/api/v1/review/queue").json()["items"][0]["interaction_id"] == ids["i2"]


def test_agents_and_team_leads_cannot_review(
    client: TestClient, engine: Engine, ids: dict[str, int]
) -> None:
    item_id = _item_of(engine, "reviewer", ids["i1"])
    for username in ("agent1", "lead"):
        log_in(client, username)
        assert client.get("/review").status_code == 403
        assert client.get(f"/review/items/{item_id}").status_code == 403
        assert client.get(f"/interactions/{ids['i1']}/evaluate").status_code == 403
        assert client.get(f"/api/v1/review/items/{item_id}").status_code == 403
        assert client.get("/api/v1/review/agreement").status_code == 403
        assert client.get("/review/agreement").status_code == 403
        created = client.post(f"/api/v1/interactions/{ids['i1']}/evaluations", json={})
        assert created.status_code == 403
        assert client.put("/api/v1/evaluations/1", json={"version": 1}).status_code == 403
        token = form_token(client, "/interactions")
        posted = client.post(
            f"/interactions/{ids['i1']}/evaluate",
            data={"csrf_token": token, "action": "draft"},
        )
        assert posted.status_code == 403
        assert 'href="/review"' not in client.get("/interactions").text
        assert 'id="evaluate-start"' not in client.get(f"/interactions/{ids['i1']}").text
        client.post("/logout", data={"csrf_token": token})
    # Another reviewer's item is not there at all; one's own interaction is refused.
    log_in(client, "reviewer2")
    assert client.get(f"/review/items/{item_id}").status_code == 404
    assert client.get(f"/api/v1/review/items/{item_id}").status_code == 404
    client.post("/logout", data={"csrf_token": form_token(client, "/review")})
    log_in(client, "reviewer_a2")
    own = _item_of(engine, "reviewer_a2", ids["i2"])
    assert client.get(f"/review/items/{own}").status_code == 403
    refused = client.post(f"/api/v1/interactions/{ids['i2']}/evaluations", json={})
    assert refused.status_code == 403 and "own" in refused.json()["detail"]


def test_agreement_page_and_api(client: TestClient, engine: Engine, ids: dict[str, int]) -> None:
    log_in(client, "reviewer")
    item_id = _item_of(engine, "reviewer", ids["i4"])
    form = client.get(f"/api/v1/review/items/{item_id}").json()["form"]
    answers = {
        c["criterion"]: {"result": c["result"] or ("3" if c["scale"] == "1-5" else "pass")}
        for c in form["criteria"]
    }
    machine = answers["greeting"]["result"]
    answers["greeting"] = {"result": "fail" if machine == "pass" else "pass"}
    made = client.post(
        f"/api/v1/interactions/{ids['i4']}/evaluations",
        json={"items": answers, "submit": True, "item_id": item_id},
    )
    assert made.status_code == 201, made.text
    report = client.get("/api/v1/review/agreement").json()
    assert report["evaluations"] == 1
    greeting = next(c for c in report["criteria"] if c["criterion"] == "greeting")
    assert greeting["compared"] == 1 and greeting["overturned"] == 1
    assert greeting["pass_to_fail" if machine == "pass" else "fail_to_pass"] == 1
    assert greeting["percent_agreement"] == 0.0
    assert client.get("/api/v1/review/agreement?date_from=2026-13-01").status_code == 422
    other = viewer_of(engine, "reviewer2").account.id
    assert client.get(f"/api/v1/review/agreement?reviewer={other}").status_code == 403
    page = client.get("/review/agreement")
    assert page.status_code == 200
    assert re.search(r'<tr data-criterion="greeting">', page.text)


def test_recordings_play_from_http_urls_and_the_recordings_folder_only(
    client: TestClient,
    engine: Engine,
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = [
        {
            "id": f"rec{n}",
            "channel": "call",
            "started_at": "2026-11-06T10:00:00+00:00",
            "agent_id": "a3",
            "team": "L2",
            "customer_id": "c9",
            "recording": recording,
            "messages": [
                {"role": "agent", "text": "Здравствуйте!", "start": 0.0, "end": 2.5},
                {"role": "customer", "text": "Добрый день", "start": 65.0, "end": 67.0},
            ],
        }
        for n, recording in enumerate(
            [
                "https://media.example.com:8443/calls/1.mp3",
                "javascript:alert(1)",
                "calls/ok.wav",
                "../secret.wav",
            ]
        )
    ]
    source = tmp_path / "calls.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in calls) + "\n", encoding="utf-8")
    import_file(engine=engine, workspace=workspace, path=source)
    folder = tmp_path / "recordings"
    (folder / "calls").mkdir(parents=True)
    (folder / "calls" / "ok.wav").write_bytes(b"RIFF0000WAVEfmt ")
    (tmp_path / "secret.wav").write_bytes(b"RIFF secret")
    monkeypatch.setenv("KONTROL_RECORDINGS_DIR", str(folder))
    log_in(client, "qa")
    found = client.get("/api/v1/interactions?channel=call&customer=c9").json()["items"]
    by_external = {item["external_id"]: item["id"] for item in found}

    url_page = client.get(f"/interactions/{by_external['rec0']}/evaluate")
    assert (
        '<audio controls preload="metadata" src="https://media.example.com:8443/calls/1.mp3"'
        in (url_page.text)
    )
    assert (
        "media-src 'self' https://media.example.com:8443"
        in (url_page.headers["content-security-policy"])
    )
    assert "1:05–1:07" in url_page.text  # the call segment's start and end

    bad = client.get(f"/interactions/{by_external['rec1']}/evaluate")
    assert "<audio" not in bad.text and "media-src" not in bad.headers["content-security-policy"]

    local = client.get(f"/interactions/{by_external['rec2']}/evaluate")
    assert f'src="/review/recordings/{by_external["rec2"]}"' in local.text
    served = client.get(f"/review/recordings/{by_external['rec2']}")
    assert served.status_code == 200 and served.content == b"RIFF0000WAVEfmt "
    assert served.headers["content-type"].startswith("audio/")
    escaped = client.get(f"/review/recordings/{by_external['rec3']}")
    assert escaped.status_code == 404
    assert "<audio" not in client.get(f"/interactions/{by_external['rec3']}/evaluate").text
    client.post("/logout", data={"csrf_token": form_token(client, "/review")})
    log_in(client, "agent1")
    assert client.get(f"/review/recordings/{by_external['rec2']}").status_code == 403


def test_submitting_with_unanswered_criteria_says_which_in_russian(
    client: TestClient, engine: Engine, ids: dict[str, int]
) -> None:
    log_in(client, "reviewer")
    item_id = _item_of(engine, "reviewer", ids["i1"])
    fields = _form_fields(client.get(f"/review/items/{item_id}").text)
    refused = client.post(
        f"/interactions/{ids['i1']}/evaluate", data={**fields, "action": "submit"}
    )
    assert refused.status_code == 422
    assert "Ответьте на все критерии, прежде чем отправлять оценку качества" in refused.text
    assert "answer every criterion" not in refused.text
