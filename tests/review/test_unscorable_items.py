"""Items no scorecard fits (a self-service session with a low CSAT): routing leaves them
out, "start" and "next" pass over them, and a reviewer sees why and passes them on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.review.routing.runs import route_scheduled
from kontrol.store.tables import review_items
from kontrol.web.app import create_app
from tests.factories import form_token, log_in
from tests.review.routing_data import chat, interaction_id, load, person, queued, recent, rule
from tests.review.test_review_service import queue_item, set_up


def test_routing_leaves_out_what_no_scorecard_fits(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    person(engine, workspace, "r1")
    rule(engine, workspace, "csat_low")
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("chat-1", started=at, survey={"csat": 1}),
            chat("self-1", started=at, channel="self_service", survey={"csat": 1}),
        ],
    )
    assert set(queued(engine)) == {"chat-1"}
    # An item made before (or kept after its scorecard was switched off) is given to nobody.
    with engine.begin() as connection:
        connection.execute(review_items.update().values(assignee_id=None, assigned_at=None))
    route_scheduled(engine)
    assert queued(engine)["chat-1"].assignee_id is not None


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    found = set_up(engine, workspace, tmp_path)
    load(
        engine,
        workspace,
        tmp_path,
        [chat("self-1", started=recent(), channel="self_service", survey={"csat": 1})],
    )
    found["self"] = interaction_id(engine, "self-1")
    return found


@pytest.fixture
def client(database_url: str, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def test_start_and_next_pass_over_an_item_no_scorecard_fits(
    client: TestClient, engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    # The self-service session is first in the queue by priority.
    unscorable = queue_item(engine, workspace, ids["self"], "reviewer", priority=99)
    log_in(client, "reviewer")
    start = client.get("/review/next", follow_redirects=False)
    assert start.status_code == 303
    first = start.headers["location"]
    assert first != f"/review/items/{unscorable}"
    page = client.get(first)
    assert page.status_code == 200
    # "Submit and next" from the one before goes on to a scorable item, never to a 422.
    following = client.get(f"/review/next?after={first.rsplit('/', 1)[1]}")
    assert following.status_code == 200
    assert "self_service" not in following.text
    # My queue says why the session cannot be scored, in Russian, without a scoring link.
    queue = client.get("/review").text
    assert f'href="/review/items/{unscorable}"' not in queue
    assert "не подходит к каналу «Самообслуживание»" in queue
    assert "self_service" not in queue.replace('chip-self_service"', "")
    # Opening it by its URL shows the normal page saying why it cannot be scored (in
    # Russian, the channel by name) and the way to pass it on; no scoring form.
    for url in (f"/interactions/{ids['self']}/evaluate", f"/review/items/{unscorable}"):
        by_hand = client.get(url)
        assert by_hand.status_code == 200, url
        assert 'id="review-unscorable"' in by_hand.text
        assert "Это обращение оценить нельзя" in by_hand.text
        assert "ни одна действующая оценочная форма не подходит" in by_hand.text
        assert "Канал «Самообслуживание»" in by_hand.text
        assert "self_service" not in by_hand.text.replace('chip-self_service"', "")
        assert 'id="review-form"' not in by_hand.text
        assert f'action="/queues/items/{unscorable}/skip"' in by_hand.text
        # A reviewer may not edit scorecards: told to ask a QA lead.
        assert "попросите его добавить этот канал" in by_hand.text
    # The JSON API still refuses it (there is no form to fill in).
    assert client.get(f"/api/v1/review/items/{unscorable}").status_code == 422
    # Passing it on sends it to a QA lead (no other reviewer could score it either).
    version = re.search(
        rf'action="/queues/items/{unscorable}/skip".*?name="version" value="(\d+)"', queue, re.S
    )
    assert version is not None
    passed = client.post(
        f"/queues/items/{unscorable}/skip",
        data={
            "csrf_token": form_token(client, "/review"),
            "queue_id": re.findall(r'name="queue_id" value="(\d+)"', queue)[0],
            "version": version.group(1),
            "reason": "нет оценочной формы для канала «Самообслуживание»",
            "next": "/review",
        },
        follow_redirects=False,
    )
    assert passed.status_code == 303 and passed.headers["location"] == "/review"
    with engine.connect() as connection:
        row = connection.execute(
            select(review_items.c.status, review_items.c.assignee_id).where(
                review_items.c.id == unscorable
            )
        ).one()
    assert (row.status, row.assignee_id) == ("skipped", None)


def test_a_qa_lead_opening_an_unscorable_interaction_is_sent_to_the_scorecards(
    client: TestClient, ids: dict[str, int]
) -> None:
    log_in(client, "qa")
    page = client.get(f"/interactions/{ids['self']}/evaluate")
    assert page.status_code == 200
    assert "Это обращение оценить нельзя" in page.text
    assert 'id="review-unscorable-scorecards" href="/scorecards"' in page.text or (
        'href="/scorecards" id="review-unscorable-scorecards"' in page.text
    )
    assert "включите этот канал в одну из оценочных форм" in page.text
    # Not in the lead's own queue: no way to pass it on is offered.
    assert "/skip" not in page.text
