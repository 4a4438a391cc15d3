"""How long the work-tool hygiene check and the scores take on a large CRM.

Imports ``--count`` work items (deals, tickets and tasks of 50 owners, some
sloppy) into a fresh SQLite database, then times: checking every item against
the default rules (the check after an import and the hourly job do exactly
this), the same check again with nothing changed, and loading the scores with
the weekly trend (the ``/work`` page). Median of ``--runs`` runs.

    python -m bench.work_hygiene --count 20000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import true

from kontrol.accounts.installation import initialize
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest.importing import import_file
from kontrol.worktools.evaluation import check_work_items
from kontrol.worktools.scores import load, overall, scores, trend


def _records(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    now = utcnow()
    found = []
    for number in range(count):
        created = now - timedelta(days=rng.random() * 60)
        kind = rng.choice(("deal", "ticket", "task"))
        record: dict[str, object] = {
            "kind": "work_item",
            "id": f"w-{number}",
            "type": kind,
            "owner_id": f"a{number % 50:02d}",
            "team": f"T{number % 5}",
            "status": rng.choice(("new", "open", "closed")),
            "created_at": created.isoformat() + "+00:00",
            "customer_id": f"c-{rng.randrange(count // 2 + 1)}",
            "customer_phone": f"+7 900 {rng.randrange(10**7):07d}",
            "fields": {"amount": 100, "category": "x"} if rng.random() > 0.2 else {},
        }
        if kind != "deal":
            record["due_at"] = (created + timedelta(days=rng.random() * 5)).isoformat() + "+00:00"
        if rng.random() > 0.3:
            record["resolution"] = "Done and confirmed with the customer"
        found.append(record)
    return found


def _median_ms(action: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; the Markdown table of the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-work-") as folder:
        engine = initialize(f"sqlite:///{Path(folder) / 'work.db'}")
        workspace = ensure_workspace(engine, "bench", "UTC")
        path = Path(folder) / "crm.jsonl"
        path.write_text(
            "".join(json.dumps(r) + "\n" for r in _records(args.count, 5)), encoding="utf-8"
        )
        began = time.perf_counter()
        import_file(
            engine=engine, workspace=workspace, path=path, publish_events=lambda events: None
        )
        imported = (time.perf_counter() - began) * 1000

        def first() -> None:
            with engine.begin() as connection:
                check_work_items(connection, workspace.id)

        first_ms = _median_ms(first, 1)
        again_ms = _median_ms(first, args.runs)

        def page() -> None:
            with engine.connect() as connection:
                data = load(connection, workspace.id, true())
            now = utcnow()
            overall(data, now)
            scores(data, by="owner", at=now)
            trend(data, timezone="UTC", weeks=8, now=now)

        page_ms = _median_ms(page, args.runs)
        engine.dispose()
    table = (
        f"Work-tool hygiene on {args.count:,} work items (SQLite, one process):\n\n"
        "| step | ms |\n|---|---|\n"
        f"| import the items (no check) | {imported:,.0f} |\n"
        f"| first check, default rules (opens every violation) | {first_ms:,.0f} |\n"
        f"| check again, nothing changed (the hourly job) | {again_ms:,.0f} |\n"
        f"| scores by owner + overall + 8-week trend (/work) | {page_ms:,.0f} |\n"
    )
    print(table)
    return table


if __name__ == "__main__":
    main()
