"""How fast the interaction list answers on a million interactions.

Fills a fresh SQLite file and a fresh PostgreSQL database with N interactions
(one message each, a survey on 30 %), then times the queries behind the list
page and its API: the first page, a page deep in the list (keyset cursor), each
filter, text search, and the filter drop-downs. Each figure is the median of
several runs after one warm-up.

    python -m bench.interaction_list --count 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, Membership
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.interactions.filters import InteractionFilter
from kontrol.interactions.listing import filter_choices, list_interactions
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import interactions, messages, surveys

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CHANNELS = ["chat"] * 4 + ["call"] * 3 + ["email", "messenger", "social", "app", "visit"]
TOPICS = ["delivery", "refund", "payment", "account", "product", "warranty", "promo", "other"]
WORDS = "заказ доставка оплата возврат курьер адрес карта скидка order parcel refund card".split()
START = datetime(2026, 8, 1)


def _rows(count: int, seed: int) -> Iterator[tuple[dict[str, Any], str, int | None]]:
    rng = random.Random(seed)
    for number in range(count):
        agent = rng.randrange(12)
        started = START + timedelta(seconds=rng.randrange(90 * 24 * 3600))
        row = {
            "id": number + 1,
            "workspace_id": 1,
            "source": "bench",
            "external_id": f"b{number}",
            "channel": rng.choice(CHANNELS),
            "direction": "inbound",
            "started_at": started,
            "ended_at": started + timedelta(seconds=rng.randrange(60, 1800)),
            "status": "resolved",
            "agent_external_id": f"a{agent:02d}",
            "team": f"team {agent % 3}",
            "customer_id": f"c{rng.randrange(count // 4 + 1)}",
            "topic": rng.choice(TOPICS),
            "tags": [],
            "is_complaint": rng.random() < 0.03,
            "meta": {},
            "message_count": 1,
            "content_hash": "-",
            "imported_at": started,
            "updated_at": started,
        }
        words = " ".join(rng.choice(WORDS) for _ in range(6))
        if number % 10_000 == 7:
            words += " уникальноеслово"
        csat = rng.randint(1, 5) if rng.random() < 0.3 else None
        yield row, words, csat


def fill(engine: Engine, count: int, seed: int = 7) -> float:
    """Insert ``count`` interactions straight into the tables; returns seconds taken."""
    upgrade(engine)
    ensure_workspace(engine, "default")
    began = time.perf_counter()
    batch: list[tuple[dict[str, Any], str, int | None]] = []

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(interactions.insert(), [row for row, _, _ in batch])
            connection.execute(
                messages.insert(),
                [
                    {"interaction_id": row["id"], "seq": 0, "role": "customer", "text": words}
                    for row, words, _ in batch
                ],
            )
            answered = [
                {
                    "workspace_id": 1,
                    "source": "bench",
                    "interaction_external_id": row["external_id"],
                    "interaction_id": row["id"],
                    "csat": csat,
                    "content_hash": "-",
                    "updated_at": row["started_at"],
                }
                for row, _, csat in batch
                if csat is not None
            ]
            if answered:
                connection.execute(surveys.insert(), answered)
        batch.clear()

    for item in _rows(count, seed):
        batch.append(item)
        if len(batch) == 20_000:
            flush()
    if batch:
        flush()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def _median_ms(action: Callable[[], object], runs: int = 7) -> float:
    action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def measure(engine: Engine) -> dict[str, float]:
    """Median milliseconds of each list query."""
    workspace = ensure_workspace(engine, "default")
    viewer = Viewer(
        Account(0, "bench", "bench", "en"),
        Membership(workspace, WorkspaceRole.ADMIN, None, None),
    )
    results: dict[str, float] = {}

    def page(filters: InteractionFilter, cursor: str | None = None) -> Callable[[], object]:
        def run() -> object:
            with engine.connect() as connection:
                return list_interactions(connection, viewer, filters, cursor=cursor, limit=50)

        return run

    with engine.connect() as connection:
        cursor = None
        for _ in range(20):
            cursor = list_interactions(
                connection, viewer, InteractionFilter(), cursor=cursor, limit=50
            ).next_cursor
    cases: dict[str, Callable[[], object]] = {
        "first page, no filter": page(InteractionFilter()),
        "page 21 (keyset cursor)": page(InteractionFilter(), cursor),
        "channel = email": page(InteractionFilter(channel="email")),
        "agent = a03": page(InteractionFilter(agent="a03")),
        "team + channel": page(InteractionFilter(team="team 1", channel="call")),
        "one week": page(InteractionFilter(date_from=date(2026, 9, 1), date_to=date(2026, 9, 7))),
        "has survey": page(InteractionFilter(has_survey=True)),
        "text search, common word": page(InteractionFilter(q="курьер")),
        "text search, two words": page(InteractionFilter(q="курьер адрес")),
        "text search, rare word": page(InteractionFilter(q="уникальноеслово")),
        "customer's interactions": page(InteractionFilter(customer="c123")),
    }
    for name, action in cases.items():
        results[name] = _median_ms(action)

    def choices() -> object:
        with engine.connect() as connection:
            return filter_choices(connection, viewer)

    results["filter drop-downs"] = _median_ms(choices)
    return results


def _postgres_engine(name: str) -> Engine:
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, float]] = {}
    fills: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                engine = make_engine(f"sqlite:///{Path(folder) / 'list.db'}")
            else:
                engine = _postgres_engine("kontrol_bench_list")
            fills[backend] = fill(engine, args.count)
            columns[backend] = measure(engine)
            engine.dispose()
    names = list(next(iter(columns.values())))
    lines = [
        f"Interaction list on {args.count:,} interactions: median ms per page of 50",
        "",
        "| query | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{columns[b][name]:.1f}" for b in columns) + " |")
    lines.append("")
    lines.append("Filled in: " + ", ".join(f"{b} {seconds:.0f} s" for b, seconds in fills.items()))
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
