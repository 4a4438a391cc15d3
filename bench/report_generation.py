"""Report generation for a month of N interactions (default one million) on PostgreSQL.

Fills a fresh PostgreSQL database with N generated interactions in one month
(the generator of ``bench/kpi_metrics.py``, its 330 days squeezed into 30),
one automatic evaluation per handled interaction (score, pass/fail) and a
failed check on about one in eight; builds facts and rollups the way imports
do. Then times, end to end as a scheduled run does it:

- building each built-in report's content for the month (the owner's
  dashboard figures, the QA breakdowns, one agent's report);
- building the monthly service report and writing it as PDF (with its
  charts), XLSX and CSV;
- the data-quality checks of the month.

Each figure is the median of 3 runs after a warm-up.

    python -m bench.report_generation --count 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text

import bench.kpi_metrics as kpi_bench
from kontrol.accounts.logins import add_user
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.facts import rebuild
from kontrol.reports.definitions import ReportInput, save_report
from kontrol.reports.formats import render_report
from kontrol.reports.quality import run_quality_checks
from kontrol.reports.runs import build_content
from kontrol.store.tables import agents, check_failures, evaluations, interactions, scorecards

SCORECARD = (
    "name: bench\ntitle: Bench\nsections:\n  - id: main\n    title: Main\n    criteria:\n"
    "      - {id: greeting, title: Greeting, check: greeting, weight: 10}\n"
)
MONTH = DateRange(date(2026, 10, 1), date(2026, 10, 31))


def _median(action: Callable[[], object], runs: int = 3) -> float:
    action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def _evaluate(engine: Engine, seed: int = 5) -> int:
    """One automatic evaluation per handled interaction, failed checks on some."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 1)
    with engine.begin() as connection:
        card = connection.execute(
            scorecards.insert().values(
                workspace_id=1,
                name="bench",
                version=1,
                title="Bench",
                yaml=SCORECARD,
                is_active=True,
                created_at=now,
            )
        ).inserted_primary_key
        assert card is not None
        ids = [
            int(row.id)
            for row in connection.execute(
                select(interactions.c.id).where(interactions.c.agent_external_id.is_not(None))
            )
        ]
    checks = ["greeting", "introduction", "empathy", "closing", "hold_etiquette", "politeness"]
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        scored = [(i, rng.random()) for i in chunk]
        with engine.begin() as connection:
            connection.execute(
                evaluations.insert(),
                [
                    {
                        "workspace_id": 1,
                        "interaction_id": i,
                        "scorecard_id": int(card[0]),
                        "kind": "auto",
                        "score": round(60 + 40 * r, 1),
                        "passed": r > 0.2,
                        "items": [
                            {
                                "criterion": "greeting",
                                "check": "greeting",
                                "result": "pass" if r > 0.1 else "fail",
                                "fraction": 1.0 if r > 0.1 else 0.0,
                            }
                        ],
                        "created_at": now,
                        "status": "submitted",
                        "version": 1,
                    }
                    for i, r in scored
                ],
            )
            failed = [
                {
                    "interaction_id": i,
                    "check_id": checks[int(r * 1000) % len(checks)],
                    "workspace_id": 1,
                }
                for i, r in scored
                if r < 0.125
            ]
            if failed:
                connection.execute(check_failures.insert(), failed)
    return len(ids)


def prepare(engine: Engine, count: int) -> dict[str, float]:
    """Fill, evaluate, build facts and rollups; seconds of each step."""
    kpi_bench.START = datetime(2026, 10, 1)
    kpi_bench.DAYS = 30
    steps: dict[str, float] = {}
    began = time.perf_counter()
    kpi_bench.fill(engine, count)
    steps["fill"] = time.perf_counter() - began
    with engine.begin() as connection:
        connection.execute(
            agents.insert(),
            [
                {
                    "workspace_id": 1,
                    "external_id": f"a{n:02d}",
                    "name": f"Agent {n:02d}",
                    "team": f"team {n % 5}",
                    "meta": {},
                }
                for n in range(40)
            ],
        )
    began = time.perf_counter()
    _evaluate(engine)
    steps["evaluations"] = time.perf_counter() - began
    began = time.perf_counter()
    rebuild(engine, 1)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    steps["facts and rollups"] = time.perf_counter() - began
    return steps


def measure(engine: Engine) -> dict[str, float]:
    """Seconds to build each report for the month (median of 3)."""
    workspace = ensure_workspace(engine, "default")
    with engine.begin() as connection:
        owner = add_user(
            connection,
            username="bench-owner",
            password="bench password 1",
            workspace_name=workspace.name,
            role=WorkspaceRole.ADMIN,
        )
        reports = {
            name: save_report(
                connection,
                workspace,
                ReportInput(name=name, kind=kind, params=params, owner_id=owner.id),
            )
            for name, kind, params in (
                ("service, month", "service_weekly", {"period": "month"}),
                ("QA, month", "qa_monthly", {}),
                ("agent a07, month", "agent", {"agent": "a07"}),
            )
        }
    now = datetime(2026, 11, 2, 9)
    results: dict[str, float] = {}

    def content(name: str) -> Callable[[], Any]:
        def run() -> Any:
            with engine.connect() as connection:
                return build_content(connection, reports[name], MONTH, now=now)

        return run

    for name in reports:
        results[f"content: {name}"] = _median(content(name))
        print(f"  {name}: {results[f'content: {name}']:.2f} s", flush=True)

    def whole() -> None:
        built = content("service, month")()
        for file_format in ("pdf", "xlsx", "csv"):
            render_report(built, file_format, locale="ru")

    results["service, month: content + PDF + XLSX + CSV"] = _median(whole)

    def checks() -> None:
        with engine.connect() as connection:
            run_quality_checks(connection, 1, MONTH, ["import_gap", "rollups_current"])

    results["data-quality checks of the month"] = _median(checks)
    with engine.connect() as connection:
        in_month = connection.execute(
            text("SELECT count(*) FROM interaction_facts WHERE day BETWEEN :a AND :b"),
            {"a": MONTH.first.isoformat(), "b": MONTH.last.isoformat()},
        ).scalar()
        evaluated = connection.execute(select(func.count()).select_from(evaluations)).scalar()
    results["interactions in the month"] = float(in_month or 0)
    results["evaluations"] = float(evaluated or 0)
    return results


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    engine = kpi_bench._postgres_engine("kontrol_bench_reports")
    print(f"postgresql: filling {args.count:,} interactions in one month", flush=True)
    steps = prepare(engine, args.count)
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()), flush=True)
    results = measure(engine)
    engine.dispose()
    count = int(results.pop("interactions in the month"))
    evaluated = int(results.pop("evaluations"))
    lines = [
        f"Report generation for a month of {count:,} interactions ({evaluated:,} evaluations), "
        "PostgreSQL: median seconds of 3 runs",
        "",
        "| report | seconds |",
        "|---|---:|",
        *(f"| {name} | {value:.2f} |" for name, value in results.items()),
        "",
        "- prepared: " + ", ".join(f"{k} in {v:.0f} s" for k, v in steps.items()),
    ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
