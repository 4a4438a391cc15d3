"""How fast ``kontrol import`` writes interactions, on SQLite and PostgreSQL.

Generates N interactions with about ten messages each as one ``.jsonl`` file
(the demo generator when it is importable, else the simple one below), then
times ``import_file`` into a fresh SQLite file and a fresh PostgreSQL database
(``kontrol_bench_import``): the first import, and importing the same file again
(every record unchanged). Wall-clock time of the whole call, reading and
validation included; one run each.

    python -m bench.import_throughput --count 100000 [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from kontrol.accounts.workspaces import ensure_workspace
from kontrol.ingest.importing import import_file
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "kontrol_bench_import"
CHANNELS = ["chat"] * 4 + ["call"] * 3 + ["email", "messenger", "social", "app", "visit"]
TOPICS = ["delivery", "refund", "payment", "account", "product", "warranty", "promo", "other"]
CUSTOMER = [
    "Здравствуйте, где мой заказ? Обещали доставить ещё вчера.",
    "Мне пришёл не тот товар, хочу оформить возврат.",
    "Не проходит оплата картой, пишет ошибку банка.",
    "Hello, I was charged twice for the same order.",
    "Подскажите, пожалуйста, как поменять адрес доставки?",
    "Спасибо, вопрос решён.",
]
AGENT = [
    "Здравствуйте! Меня зовут Анна, сейчас проверю информацию по заказу.",
    "Понимаю ваше беспокойство, извините за задержку.",
    "Заказ передан курьеру, он свяжется с вами до 18:00.",
    "I have refunded the second payment, it will arrive within 3 days.",
    "Могу ли я ещё чем-нибудь помочь?",
    "Спасибо за обращение, хорошего дня!",
]
START = datetime(2026, 8, 1)


def simple_records(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """FORMAT.md interactions with 6 to 14 messages each (10 on average)."""
    rng = random.Random(seed)
    for number in range(count):
        started = START + timedelta(seconds=rng.randrange(90 * 24 * 3600))
        at = started
        messages = []
        for seq in range(rng.randint(6, 14)):
            at += timedelta(seconds=rng.randrange(5, 90))
            role = "customer" if seq % 2 == 0 else "agent"
            phrases = CUSTOMER if role == "customer" else AGENT
            messages.append({"role": role, "text": rng.choice(phrases), "at": at.isoformat()})
        record: dict[str, Any] = {
            "id": f"b-{number}",
            "source": "bench",
            "channel": rng.choice(CHANNELS),
            "queued_at": (started - timedelta(seconds=rng.randrange(120))).isoformat() + "+03:00",
            "started_at": started.isoformat() + "+03:00",
            "ended_at": at.isoformat() + "+03:00",
            "status": rng.choice(["resolved", "resolved", "unresolved", "transferred"]),
            "agent_id": f"a{rng.randrange(40):02d}",
            "customer_id": f"c{rng.randrange(count // 3 + 1)}",
            "customer_name": rng.choice(["Иван", "Мария", "Олег", "Anna"]),
            "topic": rng.choice(TOPICS),
            "tags": rng.sample(["vip", "complaint", "repeat", "night"], rng.randrange(3)),
            "messages": messages,
        }
        if rng.random() < 0.3:
            record["survey"] = {"csat": rng.randint(1, 5), "comment": "Спасибо"}
        yield record


def demo_records(count: int, seed: int) -> Iterator[dict[str, Any]] | None:
    """The demo generator's records, or ``None`` when it cannot be used."""
    try:
        from kontrol.demo.generator import generate

        records = generate(seed=seed, interactions=count)
        first = next(iter(records))
    except Exception:  # noqa: BLE001 - the demo generator is optional here
        return None

    def chained() -> Iterator[dict[str, Any]]:
        yield first
        yield from records

    return chained()


def write_file(path: Path, count: int, seed: int, generator: str) -> tuple[str, int, int, int]:
    """Write the bench file; returns (generator used, interactions, messages, records)."""
    records = demo_records(count, seed) if generator in ("auto", "demo") else None
    if records is None:
        if generator == "demo":
            raise SystemExit("the demo generator (kontrol.demo.generator) cannot be used")
        used, records = "simple", simple_records(count, seed)
    else:
        used = "demo"
    interactions = messages = total = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            total += 1
            if record.get("kind", "interaction") == "interaction":
                interactions += 1
                messages += len(record.get("messages", []))
    return used, interactions, messages, total


def sqlite_engine(folder: Path) -> Engine:
    """A fresh, migrated SQLite file."""
    engine = make_engine(f"sqlite:///{folder / 'import.db'}")
    upgrade(engine)
    return engine


def postgres_engine(database: str = DATABASE) -> Engine:
    """A fresh, migrated PostgreSQL database (dropped and created again)."""
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    engine = make_engine(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{database}")
    upgrade(engine)
    return engine


def drop_postgres(database: str = DATABASE) -> None:
    """Remove the bench database."""
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def measure(engine: Engine, path: Path) -> tuple[float, float]:
    """Seconds for the first import and for importing the same file again."""
    workspace = ensure_workspace(engine, "bench", "Europe/Moscow")
    began = time.perf_counter()
    first = import_file(engine=engine, workspace=workspace, path=path)
    first_seconds = time.perf_counter() - began
    began = time.perf_counter()
    again = import_file(engine=engine, workspace=workspace, path=path)
    again_seconds = time.perf_counter() - began
    if first.rejected or again.imported or again.updated:
        raise SystemExit(f"unexpected import result: {first.as_json()} then {again.as_json()}")
    return first_seconds, again_seconds


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--generator", choices=["auto", "demo", "simple"], default="auto")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as name:
        folder = Path(name)
        path = folder / "interactions.jsonl"
        used, count, message_count, records = write_file(
            path, args.count, args.seed, args.generator
        )
        size_mb = path.stat().st_size / 1e6
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            engine = sqlite_engine(folder) if backend == "sqlite" else postgres_engine()
            try:
                results[backend] = measure(engine, path)
            finally:
                engine.dispose()
                if backend != "sqlite":
                    drop_postgres()
    lines = [
        f"Import of {count:,} interactions with {message_count:,} messages "
        f"({records:,} records, {size_mb:.0f} MB of JSON Lines, {used} generator; "
        f"Python {platform.python_version()}, {platform.machine()})",
        "",
        "| database | import s | interactions/s | messages/s | re-import s | re-import records/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend, (first, again) in results.items():
        lines.append(
            f"| {backend} | {first:.1f} | {count / first:,.0f} | {message_count / first:,.0f} "
            f"| {again:.1f} | {records / again:,.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        from bench.run_all import write_section

        write_section("import_throughput", table)
    return table


if __name__ == "__main__":
    main()
