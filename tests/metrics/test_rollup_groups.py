"""Live pushes keep the rollups by group: the result must equal a full rebuild."""

from __future__ import annotations

import json
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kontrol.accounts.apikeys import ApiKey, create_api_key
from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.pushes import ingest
from kontrol.metrics.kpis import compute
from kontrol.metrics.rollup_locks import SMALL_CHANGE
from kontrol.metrics.rollups import KEYS, rebuild_rollups
from kontrol.store.tables import ROLLUP_PARTS, interaction_facts, kpi_rollup_buckets, kpi_rollups

Snapshot = tuple[dict[tuple[Any, ...], tuple[Any, ...]], dict[tuple[Any, ...], int]]


def _snapshot(engine: Engine) -> Snapshot:
    """Rollup rows summed by group and histogram counts by (group, measure, bucket).

    Summed so that the comparison is of figures, not of how rows are split; groups
    and buckets with nothing in them are left out.
    """
    parts: dict[tuple[Any, ...], list[Any]] = {}
    buckets: dict[tuple[Any, ...], int] = defaultdict(int)
    with engine.connect() as connection:
        for row in connection.execute(select(kpi_rollups)).mappings():
            key = tuple(row[name] for name in KEYS)
            values = [row["rows"], *(row[name] for name in ROLLUP_PARTS)]
            if key in parts:
                parts[key] = [
                    b if a is None else a if b is None else a + b
                    for a, b in zip(parts[key], values, strict=True)
                ]
            else:
                parts[key] = values
        for row in connection.execute(select(kpi_rollup_buckets)).mappings():
            key = (*(row[name] for name in KEYS), row["measure"], row["bucket"])
            buckets[key] += row["n"]
    return (
        {key: tuple(values) for key, values in parts.items() if values[0]},
        {key: n for key, n in buckets.items() if n},
    )


def _assert_same(live: Snapshot, rebuilt: Snapshot) -> None:
    assert live[1] == rebuilt[1], "histogram counts"
    assert live[0].keys() == rebuilt[0].keys()
    for key, values in rebuilt[0].items():
        mine = live[0][key]
        assert [value is None for value in mine] == [value is None for value in values], key
        numbers = [(a, b) for a, b in zip(mine, values, strict=True) if b is not None]
        assert [a for a, _ in numbers] == pytest.approx([b for _, b in numbers], rel=1e-9), key


def _key(engine: Engine, workspace: Workspace, name: str = "push") -> ApiKey:
    with engine.begin() as connection:
        return create_api_key(connection, workspace=workspace, name=name, created_by="t").key


def _at(moment: datetime) -> str:
    return moment.isoformat() + "Z"


def _contact(dice: random.Random, number: int) -> dict[str, Any]:
    """A random contact: days, agents, teams, topics and customers overlap on purpose."""
    started = datetime(2026, 11, 23, 21, 0) + timedelta(minutes=dice.randrange(0, 3 * 24 * 60))
    channel = dice.choice(["chat", "email", "call"])
    waited = timedelta(seconds=dice.choice([5, 40, 300, 4000]))
    record: dict[str, Any] = {
        "source": "desk",
        "id": f"c-{number}",
        "channel": channel,
        "queued_at": _at(started - waited),
        "started_at": _at(started),
        "ended_at": _at(started + timedelta(seconds=dice.randrange(30, 2000))),
        "status": dice.choice(["resolved", "resolved", "abandoned", "unresolved"]),
        "customer_id": f"cust-{dice.randrange(6)}",
        "topic": dice.choice(["delivery", "refund", None]),
    }
    if dice.random() < 0.8:
        record["agent_id"] = f"a{dice.randrange(3)}"
    if dice.random() < 0.5:
        record["team"] = dice.choice(["north", "south"])
    if dice.random() < 0.3:
        record["case_id"] = f"case-{dice.randrange(4)}"
    if channel == "call":
        record["messages"] = [{"role": "agent", "text": "Слушаю вас", "start": 0, "end": 2}]
    else:
        record["messages"] = [
            {"role": "customer", "text": "Где мой заказ?", "at": _at(started - waited)},
            {"role": "agent", "text": "Сейчас проверю.", "at": _at(started)},
        ]
    if dice.random() < 0.3:
        record["survey"] = {"csat": dice.randrange(1, 6), "nps": dice.randrange(0, 11)}
    return {key: value for key, value in record.items() if value is not None}


def _push(engine: Engine, key: ApiKey, endpoint: str, records: list[dict[str, Any]]) -> None:
    body = json.dumps(records if len(records) > 1 else records[0]).encode()
    answer = ingest(engine=engine, key=key, endpoint=endpoint, body=body, wait=True)
    assert answer.status == 200, answer.body


def push_new_and_changed(engine: Engine, workspace: Workspace, seed: int, steps: int) -> None:
    """Push ``steps`` random contacts, about a third of them changes of one already sent
    (a changed contact moves between days, agents, teams, channels and buckets)."""
    dice = random.Random(seed)
    key = _key(engine, workspace)
    sent: dict[int, dict[str, Any]] = {}
    for _ in range(steps):
        if dice.random() < 0.65 or not sent:
            number = len(sent)
        else:
            number = dice.choice(sorted(sent))
        sent[number] = _contact(dice, number)
        _push(engine, key, "interactions", [sent[number]])


def test_random_pushes_keep_rollups_equal_to_a_rebuild(
    engine: Engine, workspace: Workspace
) -> None:
    dice = random.Random(20261125)
    key = _key(engine, workspace)
    sent: dict[int, dict[str, Any]] = {}
    for step in range(70):
        roll = dice.random()
        if roll < 0.6 or not sent:
            number = len(sent)
            sent[number] = _contact(dice, number)
            _push(engine, key, "interactions", [sent[number]])
        elif roll < 0.85:
            # A changed contact: another agent, topic, day or status moves it between groups.
            number = dice.choice(sorted(sent))
            changed = _contact(dice, number)
            changed["customer_id"] = sent[number]["customer_id"]
            sent[number] = changed
            _push(engine, key, "interactions", [changed])
        elif roll < 0.95:
            number = dice.choice(sorted(sent))
            answer = {"interaction_id": f"c-{number}", "source": "desk", "csat": step % 5 + 1}
            _push(engine, key, "surveys", [answer])
        else:
            # A small batch of new contacts in one request.
            records = []
            for _ in range(3):
                number = len(sent)
                sent[number] = _contact(dice, number)
                records.append(sent[number])
            _push(engine, key, "interactions", records)
    live = _snapshot(engine)
    with engine.connect() as connection:
        measured = connection.execute(
            select(func.count()).select_from(kpi_rollup_buckets)
        ).scalar_one()
    assert measured > 0, "the random contacts must fill the histograms too"
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    _assert_same(live, _snapshot(engine))
    with engine.connect() as connection:
        facts = connection.execute(select(func.count()).select_from(interaction_facts)).scalar()
    assert facts == len(sent)
    assert sum(values[0] for values in live[0].values()) == len(sent)


def test_a_large_batch_refreshes_whole_days_and_agrees(
    engine: Engine, workspace: Workspace
) -> None:
    dice = random.Random(7)
    key = _key(engine, workspace)
    records = [_contact(dice, number) for number in range(SMALL_CHANGE + 20)]
    _push(engine, key, "interactions", records)
    # Then single pushes on top of the days the batch wrote.
    for number in range(5):
        _push(engine, key, "interactions", [_contact(dice, 1000 + number)])
    live = _snapshot(engine)
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    _assert_same(live, _snapshot(engine))


def _in_threads(count: int, work: Callable[[int, threading.Barrier], None]) -> None:
    """Run ``work(n, barrier)`` in ``count`` threads at once; fail with their first error."""
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(number: int) -> None:
        try:
            work(number, barrier)
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_concurrent_pushes_of_shared_groups_are_counted_once(
    engine: Engine, workspace: Workspace
) -> None:
    """Sixteen threads push contacts that share customers, agents and days: the group
    locks (PostgreSQL) and the write lock (SQLite) must leave the rollups exact."""
    key = _key(engine, workspace)

    def work(thread: int, start: threading.Barrier) -> None:
        dice = random.Random(thread)
        start.wait()
        for step in range(6):
            _push(engine, key, "interactions", [_contact(dice, thread * 100 + step)])

    _in_threads(16, work)
    live = _snapshot(engine)
    assert sum(values[0] for values in live[0].values()) == 16 * 6
    with engine.connect() as connection:
        before = compute(connection, workspace=workspace, by=["agent"], exact=False)
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    _assert_same(live, _snapshot(engine))
    with engine.connect() as connection:
        exact = compute(connection, workspace=workspace, by=["agent"], exact=True)
    assert [row["contacts"] for row in before] == [row["contacts"] for row in exact]
    assert [row["fcr_den"] for row in before] == [row["fcr_den"] for row in exact]


def test_simultaneous_pushes_into_one_group_are_counted_once(
    engine: Engine, workspace: Workspace
) -> None:
    """Different customers, so no two pushes share an interaction lock, but one day,
    agent, channel and topic: only the group's lock keeps their rewrites apart."""
    key = _key(engine, workspace)
    rounds = 4

    def work(thread: int, start: threading.Barrier) -> None:
        for step in range(rounds):
            record = {
                "source": "desk",
                "id": f"g-{thread}-{step}",
                "channel": "chat",
                "started_at": "2026-11-25T10:00:00Z",
                "agent_id": "a1",
                "customer_id": f"only-{thread}-{step}",
                "topic": "delivery",
                "messages": [{"role": "customer", "text": "Где мой заказ?"}],
            }
            start.wait()
            _push(engine, key, "interactions", [record])

    _in_threads(12, work)
    live = _snapshot(engine)
    assert [values[0] for values in live[0].values()] == [12 * rounds]
    with engine.begin() as connection:
        rebuild_rollups(connection, workspace.id)
    _assert_same(live, _snapshot(engine))
