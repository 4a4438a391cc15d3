"""Surveys and alerts: what a survey answer costs, and what alert rules add to an import.

    python -m bench.live_loop [--interactions 2000] [--answers 100] [--db URL]

Measures on a fresh SQLite file (or ``--db``): (1) importing N recent chats
(10% complaints, 20% with CSAT 1–2) without rules, then the same into a fresh
database with the five built-in kinds enabled; (2) survey link answers stored
one after the other (claim + import batch + alert evaluation).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kontrol.accounts.installation import initialize
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions
from kontrol.surveys.links import answer_link, create_link

RULES = ("csat_at_most", "nps_detractor", "complaint", "sla_breached", "complaints_spike")


def _records(count: int) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    out: list[dict[str, object]] = []
    for n in range(count):
        start = now - timedelta(minutes=n)
        record: dict[str, object] = {
            "id": f"b-{n}",
            "channel": "chat",
            "started_at": start.isoformat(),
            "agent_id": f"a{n % 10}",
            "team": f"T{n % 3}",
            "messages": [
                {"role": "customer", "text": "Где заказ?", "at": start.isoformat()},
                {
                    "role": "agent",
                    "text": "Проверяю.",
                    "at": (start + timedelta(seconds=20 + n % 90)).isoformat(),
                },
            ],
        }
        if n % 10 == 0:
            record["tags"] = ["complaint"]
        if n % 5 == 0:
            record["survey"] = {"csat": 1 + n % 2, "nps": n % 11}
        out.append(record)
    return out


def _import_seconds(url: str, path: Path, with_rules: bool) -> tuple[float, int]:
    engine = initialize(url)
    workspace = ensure_workspace(engine, "default")
    if with_rules:
        with engine.begin() as connection:
            for kind in RULES:
                save_alert_rule(connection, workspace, AlertRuleInput(name=kind, kind=kind))
    began = time.perf_counter()
    import_file(engine=engine, workspace=workspace, path=path)
    seconds = time.perf_counter() - began
    with engine.connect() as connection:
        from sqlalchemy import func, select

        from kontrol.store.tables import alerts

        raised = int(connection.execute(select(func.count()).select_from(alerts)).scalar_one())
    engine.dispose()
    return seconds, raised


def main(argv: list[str] | None = None) -> str:
    """Run and return a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=100)
    args = parser.parse_args(argv)
    # Evaluate inline (not through the job queue), so the import time includes it.
    os.environ["KONTROL_BACKGROUND_THRESHOLD"] = str(10**9)
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-live-") as folder:
        root = Path(folder)
        warm = root / "warm.jsonl"
        warm.write_text("\n".join(json.dumps(r) for r in _records(200)), encoding="utf-8")
        _import_seconds(f"sqlite:///{root / 'warm.db'}", warm, True)
        path = root / "chats.jsonl"
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in _records(args.interactions)),
            encoding="utf-8",
        )
        plain, _ = _import_seconds(f"sqlite:///{root / 'a.db'}", path, False)
        ruled, raised = _import_seconds(f"sqlite:///{root / 'b.db'}", path, True)
        engine = initialize(f"sqlite:///{root / 'b.db'}")
        workspace = ensure_workspace(engine, "default")
        from sqlalchemy import select

        with engine.begin() as connection:
            ids = list(connection.execute(select(interactions.c.id).limit(args.answers)).scalars())
            tokens = [
                create_link(
                    connection, workspace=workspace, interaction_id=i, created_by="bench"
                ).token
                for i in ids
            ]
        began = time.perf_counter()
        for n, token in enumerate(tokens):
            answer_link(engine, token, score=1 + n % 5, comment=None)
        answering = time.perf_counter() - began
        engine.dispose()
    n = args.interactions
    return "\n".join(
        [
            "## Surveys and alerts (bench/live_loop.py)",
            "",
            f"SQLite, 2 shared cores, {n} recent chats (10% complaints, 20% rated), "
            "rules evaluated inline, after a warm-up import; "
            f"`python -m bench.live_loop --interactions {n} --answers {len(tokens)}`.",
            "",
            "| measure | figure |",
            "|---|---|",
            f"| import without rules | {plain:.2f} s ({n / plain:,.0f} interactions/s) |",
            f"| import with the 5 built-in rules | {ruled:.2f} s "
            f"({n / ruled:,.0f} interactions/s), {raised} alerts raised |",
            f"| alert evaluation overhead | {(ruled - plain) / n * 1000:.2f} ms per interaction |",
            f"| survey link answers, one after another | {len(tokens) / answering:.0f} answers/s "
            f"({answering / len(tokens) * 1000:.1f} ms each) |",
        ]
    )


if __name__ == "__main__":
    print(main())
