"""Issue 15: priorities are words on queues, queue items and rules («высокий»), not
numbers («10/30») beside the rules' words; the number stays in the tooltip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.review.routing.rules import PRIORITIES, priority_level
from kontrol.store.tables import review_items, review_queues
from kontrol.web.app import create_app
from tests.factories import log_in
from tests.review.routing_data import rule
from tests.review.test_review_service import set_up


@pytest.mark.parametrize(
    ("number", "word"),
    [
        (0, "low"),
        (14, "low"),
        (15, "normal"),
        (24, "normal"),
        (25, "high"),
        (34, "high"),
        (35, "urgent"),
        (90, "urgent"),
        (100, "urgent"),
    ],
)
def test_any_number_has_the_word_of_its_nearest_level(number: int, word: str) -> None:
    assert priority_level(number) == word


def test_each_named_level_keeps_its_word() -> None:
    assert {priority_level(number): name for name, number in PRIORITIES.items()} == {
        name: name for name in PRIORITIES
    }


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    return set_up(engine, workspace, tmp_path)


@pytest.fixture
def client(database_url: str, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _cells(page: str, table: str) -> list[str]:
    """The text of the priority cells of a table (``<span class="priority" …>``)."""
    section = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<span class="priority" title="([^"]*)">([^<]*)</span>', section)


def test_queues_items_and_rules_say_the_priority_in_words(
    client: TestClient, engine: Engine, workspace: Workspace, ids: dict[str, int]
) -> None:
    # The reviewer's queue: i2 at 90, the others at 10 (set_up).
    log_in(client, "reviewer")
    mine = _cells(client.get("/review").text, "review-queue")
    assert mine[0] == ("Приоритет 90 из 100", "срочный")
    assert set(mine[1:]) == {("Приоритет 10 из 100", "низкий")}
    item = client.get("/review/next", follow_redirects=True).text
    reason = item.split('id="review-reason"', 1)[1].split("</p>", 1)[0]
    assert "Приоритет: срочный" in reason and 'title="Приоритет 90 из 100"' in reason
    assert not re.search(r">[^<]*Приоритет:? \d", reason)  # the number is the tooltip

    # A queue's items and the rules, as the QA lead sees them.
    rule(engine, workspace, "csat_low", queue="Queue of reviewer", priority=30)
    with engine.connect() as connection:
        queue_id = connection.execute(
            select(review_queues.c.id).where(review_queues.c.name == "Queue of reviewer")
        ).scalar_one()
        stored = (
            connection.execute(
                select(review_items.c.priority).where(review_items.c.queue_id == queue_id)
            )
            .scalars()
            .all()
        )
    assert sorted(set(stored)) == [10, 90]
    client.cookies.clear()
    log_in(client, "qa")
    items = client.get(f"/queues/{queue_id}").text
    table = items.split("<table", 1)[1].split("</table>", 1)[0]
    words = re.findall(r'<span class="priority" title="[^"]*">([^<]*)</span>', table)
    assert sorted(words) == ["низкий", "низкий", "низкий", "срочный"]
    rules = client.get("/review-rules").text
    table = rules.split("<table", 1)[1].split("</table>", 1)[0]
    assert '<span class="priority" title="Приоритет 30 из 100">высокий</span>' in table
