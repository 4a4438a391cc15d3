"""Requests that arrive at once: the same record from two pushes, new agents in both."""

from __future__ import annotations

import json
import threading

from sqlalchemy import Engine, func, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.pushes import IngestAnswer, ingest
from kontrol.store.tables import agents, interactions


def test_simultaneous_requests_store_each_record_once(engine: Engine, workspace: Workspace) -> None:
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="pbx", created_by="t").key

    def body(number: int) -> bytes:
        # Every request names the same new agent; pairs of requests send the same call.
        return json.dumps(
            {
                "source": "pbx",
                "id": f"call-{number // 2}",
                "channel": "call",
                "started_at": "2026-11-25T10:00:00Z",
                "agent_id": "new-agent",
                "messages": [{"role": "agent", "text": "Слушаю вас", "start": 0, "end": 1.2}],
            }
        ).encode()

    answers: list[IngestAnswer] = []
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def push(number: int) -> None:
        start.wait()
        try:
            answers.append(
                ingest(
                    engine=engine, key=key, endpoint="interactions", body=body(number), wait=True
                )
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [answer.status for answer in answers] == [200] * 8
    assert sum(answer.body["imported"] for answer in answers) == 4
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(interactions)).scalar() == 4
        assert connection.execute(select(func.count()).select_from(agents)).scalar() == 1


def test_simultaneous_contacts_of_one_customer_are_counted_once(
    engine: Engine, workspace: Workspace
) -> None:
    """Each push rewrites the facts of the customer's recent contacts and the day's
    rollups; pushes at once must neither collide nor count a contact twice."""
    from kontrol.store.tables import interaction_facts, kpi_rollups

    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="chat", created_by="t").key

    def body(number: int) -> bytes:
        return json.dumps(
            {
                "source": "chat",
                "id": f"chat-{number}",
                "channel": "chat",
                "started_at": f"2026-11-25T10:{number:02d}:00Z",
                "agent_id": "a1",
                "customer_id": "same-customer",
                "messages": [{"role": "customer", "text": "Где мой заказ?"}],
            }
        ).encode()

    failures: list[BaseException] = []
    statuses: list[int] = []
    start = threading.Barrier(8)

    def push(number: int) -> None:
        start.wait()
        try:
            statuses.append(
                ingest(
                    engine=engine, key=key, endpoint="interactions", body=body(number), wait=True
                ).status
            )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert statuses == [200] * 8
    with engine.connect() as connection:
        facts = connection.execute(select(func.count()).select_from(interaction_facts)).scalar()
        counted = connection.execute(select(func.sum(kpi_rollups.c.rows))).scalar()
    assert facts == 8
    assert counted == 8, "the day's rollups count every contact exactly once"
