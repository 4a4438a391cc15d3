"""Demo data of the analysis pages: conversations without a topic, satisfied customers
who come back, and a trained reason model.

- A web form's messages arrive without a topic (90 generated conversations,
  both languages): the reason rules and the model give them their reason.
- Good service brings customers back: the happier a week's customers (CSAT),
  the more returning customers order again the next week (up to 30 a week). A
  real lagged effect, of one week, for the quality-and-business page to find
  at the weekly level and at the customer level (a test checks both on the
  demo).
"""

from __future__ import annotations

import json
import random
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.assignment import assign_reasons, train
from kontrol.analysis.costs import CostSettings, save_costs
from kontrol.domain.clock import to_utc, zone
from kontrol.domain.periods import Period, first_day, next_key
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


# How many returning customers order again the week after a week of service:
# COMEBACKS × the share, which grows with the week's CSAT from none at LOW_CSAT %
# satisfied to all at HIGH_CSAT %.
LOW_CSAT, HIGH_CSAT = 40.0, 70.0
COMEBACKS = 30


def _comeback_share(csat: float) -> float:
    return min(1.0, max(0.0, (csat - LOW_CSAT) / (HIGH_CSAT - LOW_CSAT)))


def _reorders(engine: Engine, workspace: Workspace, seed: int) -> list[dict[str, Any]]:
    """Next week's repeat orders, more the happier this week's customers were.

    For each week with ratings, its CSAT (share of 4-5 ratings) sets how many
    returning customers (with an order before the next week begins) order once
    more on a day of the next week: ``COMEBACKS × _comeback_share(CSAT)``. They are
    the week's own contacted customers first (the satisfied before the
    dissatisfied), then other returning customers (the word of the week's service
    gets around). So the next week's repeat-order share, revenue and churn follow
    this week's CSAT (a lag of one week the page finds), and customers after a
    good contact come back more often than after a bad one.
    """
    rng = random.Random(seed)
    f = interaction_facts
    local = zone(workspace.timezone)
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(orders.c.at)).where(orders.c.workspace_id == workspace.id)
        ).scalar()
        contacts = connection.execute(
            select(f.c.week, f.c.customer_id, f.c.csat)
            .where(f.c.workspace_id == workspace.id, f.c.customer_id.is_not(None))
            .order_by(f.c.week, f.c.interaction_id)
        ).all()
        bought: dict[str, list[datetime]] = defaultdict(list)
        for order in connection.execute(
            select(orders.c.customer_id, orders.c.at)
            .where(orders.c.workspace_id == workspace.id)
            .order_by(orders.c.at)
        ):
            bought[order.customer_id].append(order.at)
    if last is None:
        return []
    weeks: dict[str, list[Any]] = defaultdict(list)
    for row in contacts:
        weeks[row.week].append(row)
    unhappy = {row.customer_id for row in contacts if row.csat is not None and row.csat <= 2}
    records = []
    for week, rows in sorted(weeks.items()):
        rated = [row.csat for row in rows if row.csat is not None]
        if not rated:
            continue
        csat = sum(1 for value in rated if value >= 4) * 100.0 / len(rated)
        following = first_day(Period.WEEK, next_key(Period.WEEK, week))
        begins = to_utc(datetime.combine(following, time()), local)
        # Each customer once, with their best rating of the week (unrated in between).
        best: dict[str, float] = {}
        for row in rows:
            mood = 3.0 if row.csat is None else float(row.csat)
            best[row.customer_id] = max(best.get(row.customer_id, 0.0), mood)
        # A customer whose contact went badly (CSAT 1-2) is not won back by the
        # week's good service (the demo's orders already end for most of them).
        contacted = [c for c in best if best[c] > 2]
        rng.shuffle(contacted)
        contacted.sort(key=lambda c: -best[c])
        others = [
            c for c, at in bought.items() if at[0] < begins and c not in best and c not in unhappy
        ]
        rng.shuffle(others)
        returning = contacted + others
        for number, customer in enumerate(returning[: round(COMEBACKS * _comeback_share(csat))]):
            moment = begins + timedelta(days=rng.uniform(0.3, 6.7))
            if moment > last:
                continue
            records.append(
                {
                    "kind": "order",
                    "id": f"reorder-{week}-{number}",
                    "customer_id": customer,
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
