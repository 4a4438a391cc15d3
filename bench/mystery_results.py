"""How long a mystery-shopping programme's results take as its shops pile up.

Fills a database with one programme (5 targets, 2 scenarios, 7 criteria) and
``--shops`` shops spread over 24 months with their checklist answers, then
times ``programme_results`` (every table of the programme page: by target,
scenario, criterion, kind, month, the plan) over all months and over one
month, and the programme page's shop list; median of ``--runs`` runs.

    python -m bench.mystery_results [--shops 20000] [--runs 7] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, Workspace, ensure_workspace
from kontrol.demo.seed.mystery import PROGRAMME_RU
from kontrol.domain.clock import utcnow
from kontrol.domain.scorecard import compute_score
from kontrol.mystery.programmes import Programme, save_programme
from kontrol.mystery.results import programme_results
from kontrol.mystery.submissions import programme_submissions
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import mystery_answers, mystery_assignments, mystery_submissions


def fill(engine: Engine, workspace: Workspace, shops: int, seed: int = 3) -> Programme:
    """One programme and ``shops`` shops with answers, inserted in batches."""
    dice = random.Random(seed)
    with engine.begin() as connection:
        programme, _new = save_programme(connection, workspace, PROGRAMME_RU, created_by="bench")
    spec = programme.spec
    start = datetime(2025, 1, 1)
    now = utcnow()
    for first in range(0, shops, 2000):
        assignments, submissions, answers = [], [], []
        for number in range(first, min(shops, first + 2000)):
            target = spec.targets[number % len(spec.targets)]
            scenario = spec.scenarios_for(target)[number % len(spec.scenarios_for(target))]
            moment = start + timedelta(minutes=number * 52)
            month = f"{moment.year:04d}-{moment.month:02d}"
            values = {
                c.id: (dice.randint(1, 5) if c.scale == "1-5" else dice.choice(("pass", "fail")))
                for c in scenario.checklist.criteria
            }
            score = compute_score(scenario.checklist, values)
            assignments.append(
                {
                    "id": number + 1,
                    "workspace_id": workspace.id,
                    "programme_id": programme.id,
                    "month": month,
                    "target_key": target.key,
                    "scenario_key": scenario.key,
                    "visit_no": number + 1,
                    "status": "done",
                    "created_at": now,
                }
            )
            submissions.append(
                {
                    "id": number + 1,
                    "workspace_id": workspace.id,
                    "programme_id": programme.id,
                    "assignment_id": number + 1,
                    "target_key": target.key,
                    "scenario_key": scenario.key,
                    "target_kind": target.kind,
                    "team": target.team,
                    "happened_at": moment,
                    "month": month,
                    "channel": scenario.channel,
                    "score": score.score,
                    "passed": score.passed,
                    "critical_failed": score.critical_failed,
                    "submitted_at": moment,
                }
            )
            answers += [
                {
                    "submission_id": number + 1,
                    "criterion_key": o.criterion.id,
                    "value": str(o.result),
                    "fraction": o.fraction,
                }
                for o in score.outcomes
            ]
        with engine.begin() as connection:
            connection.execute(mystery_assignments.insert(), assignments)
            connection.execute(mystery_submissions.insert(), submissions)
            connection.execute(mystery_answers.insert(), answers)
    return programme


def median_ms(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def measure(engine: Engine, shops: int, runs: int) -> list[tuple[str, float]]:
    workspace = ensure_workspace(engine, DEFAULT_WORKSPACE)
    programme = fill(engine, workspace, shops)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    with engine.connect() as connection:
        return [
            (
                "results, all months",
                median_ms(lambda: programme_results(connection, programme), runs),
            ),
            (
                "results, one month",
                median_ms(
                    lambda: programme_results(
                        connection, programme, month_from="2025-06", month_to="2025-06"
                    ),
                    runs,
                ),
            ),
            (
                "latest 30 shops",
                median_ms(
                    lambda: programme_submissions(connection, workspace, programme.id, limit=30),
                    runs,
                ),
            ),
        ]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        rows = measure(engine, args.shops, args.runs)
        engine.dispose()
    backend = url.split(":", 1)[0]
    lines = [
        f"## Mystery-shopping results (`bench/mystery_results.py`, {args.shops} shops, {backend})",
        "",
        "| query | ms (median) |",
        "|---|---:|",
        *(f"| {name} | {ms} |" for name, ms in rows),
    ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
