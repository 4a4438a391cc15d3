"""Pages write a count with its word in the right form ("21 фраза", "2 открытых обращения")."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.review.routing.rules import create_default_rules
from tests import webapp as web_fixtures
from tests.factories import form_token, log_in
from tests.review.routing_data import chat, recent

populated = web_fixtures.populated
client = web_fixtures.client
# The words do not depend on the database: SQLite alone is enough.
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def two_low_ratings(engine: Engine, populated: Workspace, client: TestClient) -> Workspace:
    """The default routing rules and two low ratings pushed in: two items in "Low ratings"."""
    with engine.begin() as connection:
        create_default_rules(connection, populated.id)
        key = create_api_key(connection, workspace=populated, name="desk", created_by="t").secret
    at = recent()
    records = [
        chat("low-1", started=at, agent="a1", survey={"csat": 1}),
        chat("low-2", started=at, agent="a2", survey={"csat": 2}),
    ]
    pushed = client.post(
        "/api/v1/interactions?wait=true",
        content=json.dumps(records).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert pushed.status_code == 200, pushed.text
    return populated


def _speak(client: TestClient, locale: str) -> None:
    token = form_token(client, "/queues")
    client.post("/locale", data={"csrf_token": token, "locale": locale, "next": "/queues"})


@ON_SQLITE
def test_a_queue_counts_its_open_items(
    two_low_ratings: Workspace, client: TestClient, backend: str
) -> None:
    log_in(client, "qa")
    queues = client.get("/api/v1/queues").json()["queues"]
    low = next(queue["id"] for queue in queues if queue["name"] == "Low ratings")
    assert "· 2 открытых обращения" in client.get(f"/queues/{low}").text
    _speak(client, "en")
    assert "· 2 open items" in client.get(f"/queues/{low}").text


@ON_SQLITE
def test_the_home_tiles_name_their_numbers(
    two_low_ratings: Workspace, client: TestClient, backend: str
) -> None:
    log_in(client, "qa")
    page = client.get("/home").text
    tile = re.search(r'id="attention-queues">\s*<span[^>]*>(\d+)</span><span>([^<·]+)', page)
    assert tile is not None
    words = ("обращение", "обращения", "обращений")
    count = int(tile.group(1))
    assert count >= 2  # the two low ratings at least
    assert tile.group(2).strip() == f"{_russian(count, words)} в очередях проверки"
    disputes = re.search(r'id="attention-disputes">\s*<span[^>]*>0</span><span>([^<]+)', page)
    assert disputes is not None and disputes.group(1) == "апелляций ждут решения"


def _russian(count: int, words: tuple[str, str, str]) -> str:
    """The word after ``count`` by its last two digits, written out here as a reader checks it."""
    one, few, many = words
    if count % 10 == 1 and count % 100 != 11:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


@ON_SQLITE
def test_the_phrase_lists_count_their_phrases(client: TestClient, backend: str) -> None:
    log_in(client, "qa")
    counts = re.findall(r"· (\d+) (фраза|фразы|фраз)</span>", client.get("/phrases").text)
    assert len(counts) > 10
    words = ("фраза", "фразы", "фраз")
    assert [word for _, word in counts] == [_russian(int(n), words) for n, _ in counts]
    # The built-in lists are of several sizes: more than one form shows.
    assert len({word for _, word in counts}) > 1
