"""Demo data of the analysis pages: conversations without a topic, satisfied customers
who come back, and a trained reason model.

- A web form's messages arrive without a topic (90 generated conversations,
  both languages): the reason rules and the model give them their reason.
- Satisfied customers order again: the happier a week's customers (CSAT), the
  more of them order again 7 to 11 days later. A real lagged effect, of one
  week, for the quality-and-business page to find (the demo knows it is there,
  so the page must show it).
"""

from __future__ import annotations

import json
import random
import tempfile
from collections import defaultdict
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.assignment import assign_reasons, train
from kontrol.analysis.costs import CostSettings, save_costs
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interaction_facts, orders

WEBFORM_SOURCE = "webform"
WEBFORM_COUNT = 90
COST_PER_MINUTE = 25.0


def _webform_records(seed: int) -> list[dict[str, Any]]:
    from kontrol.demo.generator import generate

    records = []
    for record in generate(seed=seed + 1000, interactions=WEBFORM_COUNT):
        if record.get("kind", "interaction") != "interaction":
            continue
        record.pop("topic", None)
        record["source"] = WEBFORM_SOURCE
        record["id"] = f"wf-{record['id']}"
        records.append(record)
    return records


def _reorders(engine: Engine, workspace: Workspace, seed: int) -> list[dict[str, Any]]:
    """Next week's extra repeat orders from this week's customers, more the happier the
    week was: (CSAT % − 40) × 1.5 orders, placed 7 to 11 days after the contact of a
    customer of that week (a satisfied one where the week has any)."""
    rng = random.Random(seed)
    f = interaction_facts
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(orders.c.at)).where(orders.c.workspace_id == workspace.id)
        ).scalar()
        rated = connection.execute(
            select(f.c.week, f.c.customer_id, f.c.started_at, f.c.csat)
            .where(
                f.c.workspace_id == workspace.id,
                f.c.csat.is_not(None),
                f.c.customer_id.is_not(None),
            )
            .order_by(f.c.week, f.c.interaction_id)
        ).all()
    if last is None:
        return []
    weeks: dict[str, list[Any]] = defaultdict(list)
    for row in rated:
        weeks[row.week].append(row)
    records = []
    for week, rows in sorted(weeks.items()):
        satisfied = [row for row in rows if row.csat >= 4]
        csat = len(satisfied) * 100.0 / len(rows)
        for number in range(max(0, round((csat - 40.0) * 1.5))):
            contact = rng.choice(satisfied or rows)
            moment = contact.started_at + timedelta(days=rng.uniform(7, 11))
            if moment > last:
                continue
            records.append(
                {
                    "kind": "order",
                    "id": f"reorder-{week}-{number}",
                    "customer_id": contact.customer_id,
                    "at": moment.replace(tzinfo=UTC).isoformat(),
                    "amount": round(max(490.0, rng.gauss(3200.0, 700.0)), -1),
                }
            )
    return records


def _import(engine: Engine, workspace: Workspace, name: str, records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(prefix="kontrol-demo-analysis-") as folder:
        path = Path(folder) / name
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        import_file(engine=engine, workspace=workspace, path=path, label=name)


def seed_analysis_demo(engine: Engine, workspace: Workspace, *, seed: int = 42) -> None:
    """Web-form conversations, the lagged repeat orders, the cost setting and the models."""
    _import(engine, workspace, "webform.jsonl", _webform_records(seed))
    _import(engine, workspace, "reorders.jsonl", _reorders(engine, workspace, seed))
    with engine.begin() as connection:
        save_costs(connection, workspace.id, CostSettings(cost_per_minute=COST_PER_MINUTE))
        train(connection, workspace.id)
        assign_reasons(connection, workspace.id)
