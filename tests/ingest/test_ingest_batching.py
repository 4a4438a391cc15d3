"""Requests that arrive together have their events published together."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontrol import events
from kontrol.accounts.apikeys import ApiKey, create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.events import InteractionsStored
from kontrol.ingest import pushes as ingest_api
from kontrol.ingest.group_commits import EventBatcher
from kontrol.ingest.pushes import IngestAnswer, ingest
from kontrol.store.tables import evaluations, interaction_facts, interactions, kpi_rollups

Spy = Callable[[Engine, InteractionsStored], None]


@pytest.fixture
def batcher(monkeypatch: pytest.MonkeyPatch) -> EventBatcher:
    mine = EventBatcher()
    monkeypatch.setattr(ingest_api, "_BATCHER", mine)
    return mine


@pytest.fixture
def spy_on_stored() -> Iterator[Callable[[Spy], None]]:
    """Add a subscriber to InteractionsStored for one test (it runs after the real ones)."""
    with events.subscribers.temporarily():
        yield lambda handler: events.subscriber(InteractionsStored)(handler)


def _key(engine: Engine, workspace: Workspace) -> ApiKey:
    with engine.begin() as connection:
        return create_api_key(connection, workspace=workspace, name="pbx", created_by="t").key


def _body(number: int) -> bytes:
    return json.dumps(
        {
            "source": "pbx",
            "id": f"call-{number}",
            "channel": "chat",
            "started_at": "2026-11-25T10:00:00Z",
            "agent_id": f"a{number % 2}",
            "customer_id": f"c{number}",
            "messages": [
                {"role": "customer", "text": "Где мой заказ?", "at": "2026-11-25T10:00:00Z"},
                {"role": "agent", "text": "Сейчас проверю.", "at": "2026-11-25T10:00:30Z"},
            ],
        }
    ).encode()


def _until(condition: Callable[[], bool]) -> None:
    """Wait for another thread to get somewhere (a hang fails the join below, not this)."""
    done = threading.Event()
    while not condition():
        done.wait(0.01)


def _push_in_thread(
    engine: Engine, key: ApiKey, number: int, answers: dict[int, Any]
) -> threading.Thread:
    def run() -> None:
        try:
            answers[number] = ingest(
                engine=engine, key=key, endpoint="interactions", body=_body(number), wait=True
            )
        except Exception as error:  # noqa: BLE001 - asserted by the test
            answers[number] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _one_then_together(
    engine: Engine,
    key: ApiKey,
    batcher: EventBatcher,
    count: int,
    first_published: threading.Event,
    go_on: threading.Event,
) -> dict[int, Any]:
    """Push request 0; while its events are held, push 1..count-1 and let them queue."""
    answers: dict[int, Any] = {}
    threads = [_push_in_thread(engine, key, 0, answers)]
    first_published.wait(60)
    threads.extend(_push_in_thread(engine, key, number, answers) for number in range(1, count))
    _until(lambda: batcher.waiting() == count - 1)
    go_on.set()
    for thread in threads:
        thread.join(120)
    return answers


def test_requests_waiting_together_are_published_as_one_event(
    engine: Engine,
    workspace: Workspace,
    batcher: EventBatcher,
    spy_on_stored: Callable[[Spy], None],
) -> None:
    key = _key(engine, workspace)
    seen: list[tuple[int, ...]] = []
    first_published = threading.Event()
    go_on = threading.Event()

    def hold_the_first(_engine: Engine, event: InteractionsStored) -> None:
        seen.append(event.interaction_ids)
        if len(seen) == 1:
            first_published.set()
            go_on.wait(60)

    spy_on_stored(hold_the_first)
    answers = _one_then_together(engine, key, batcher, 6, first_published, go_on)
    assert all(isinstance(answer, IngestAnswer) for answer in answers.values()), answers
    assert [answers[n].status for n in range(6)] == [200] * 6
    # The first request alone, the five that waited meanwhile in one event.
    assert [len(ids) for ids in seen] == [1, 5]
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(interactions)).scalar()
        facts = connection.execute(select(func.count()).select_from(interaction_facts)).scalar()
        scored = connection.execute(select(func.count()).select_from(evaluations)).scalar()
        counted = connection.execute(select(func.sum(kpi_rollups.c.rows))).scalar()
    assert stored == facts == counted == 6
    assert scored == 6


def test_a_failure_in_a_batch_reaches_only_the_request_at_fault(
    engine: Engine,
    workspace: Workspace,
    batcher: EventBatcher,
    spy_on_stored: Callable[[Spy], None],
) -> None:
    key = _key(engine, workspace)
    first_published = threading.Event()
    go_on = threading.Event()
    bad: list[int] = []
    calls: list[int] = []

    def fail_on_the_bad_one(connection_source: Engine, event: InteractionsStored) -> None:
        calls.append(len(event.interaction_ids))
        if len(calls) == 1:
            first_published.set()
            go_on.wait(60)
            return
        if not bad:
            with connection_source.connect() as connection:
                bad.append(
                    connection.execute(
                        select(interactions.c.id).where(interactions.c.external_id == "call-3")
                    ).scalar_one()
                )
        if bad[0] in event.interaction_ids:
            raise RuntimeError("subscriber failed on call-3")

    spy_on_stored(fail_on_the_bad_one)
    answers = _one_then_together(engine, key, batcher, 5, first_published, go_on)
    # The merged event failed, then each request's own: only call-3's failed.
    assert calls[:2] == [1, 4]
    assert isinstance(answers[3], RuntimeError)
    assert [answers[n].status for n in (0, 1, 2, 4)] == [200] * 4
    with engine.connect() as connection:
        facts = connection.execute(select(func.count()).select_from(interaction_facts)).scalar()
    assert facts == 5, "the subscribers before the failing one did their work for everyone"


def test_batches_stay_within_the_background_threshold(
    engine: Engine,
    workspace: Workspace,
    batcher: EventBatcher,
    spy_on_stored: Callable[[Spy], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Merged requests are scored inline, as each alone would be: never more ids
    in one event than the threshold above which scoring goes to the job queue."""
    monkeypatch.setenv("KONTROL_BACKGROUND_THRESHOLD", "2")
    key = _key(engine, workspace)
    seen: list[int] = []
    first_published = threading.Event()
    go_on = threading.Event()

    def hold_the_first(_engine: Engine, event: InteractionsStored) -> None:
        seen.append(len(event.interaction_ids))
        if len(seen) == 1:
            first_published.set()
            go_on.wait(60)

    spy_on_stored(hold_the_first)
    answers = _one_then_together(engine, key, batcher, 5, first_published, go_on)
    assert [answers[n].status for n in range(5)] == [200] * 5
    assert seen == [1, 2, 2]
    with engine.connect() as connection:
        scored = connection.execute(select(func.count()).select_from(evaluations)).scalar()
    assert scored == 5, "every request's interaction was scored before it was answered"
