"""Report generation for a month of N interactions (default one million) on PostgreSQL.

Fills a fresh PostgreSQL database with N generated interactions in one month
(the generator of ``bench/kpi_metrics.py``, its 330 days squeezed into 30),
one automatic evaluation per handled interaction (score, pass/fail) and a
failed check on about one in eight, written in batches through the storage
layer's ``bulk_insert`` (``COPY``), so memory stays flat; builds facts and
rollups with ``kontrol rollup``'s rebuild. Then times, end to end as a
scheduled run does it:

- building each built-in report's content for the month (the owner's
  dashboard figures, the QA breakdowns, one agent's report);
- building the monthly service report and writing it as PDF (with its
  charts), XLSX and CSV;
- the data-quality checks of the month.

Each figure is the median of 3 runs after a warm-up.

    python -m bench.report_generation --count 1000000 [--keep]
    python -m bench.report_generation --reuse   # time again on the kept database
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
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import (
    agents,
    check_failures,
    evaluations,
    interactions,
    messages,
    scorecards,
    surveys,
)
from kontrol.store.upsert import bulk_insert

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


# Rows per COPY batch: memory stays constant whatever the count.
BATCH = 20_000
CHECKS = ("greeting", "introduction", "empathy", "closing", "hold_etiquette", "politeness")
INTERACTION_COLUMNS = (
    "id",
    "workspace_id",
    "source",
    "external_id",
    "channel",
    "direction",
    "queued_at",
    "started_at",
    "ended_at",
    "wrap_seconds",
    "status",
    "agent_external_id",
    "team",
    "customer_id",
    "topic",
    "tags",
    "is_complaint",
    "cost",
    "meta",
    "message_count",
    "content_hash",
    "imported_at",
    "updated_at",
)
MESSAGE_COLUMNS = ("interaction_id", "seq", "role", "text", "at")
SURVEY_COLUMNS = (
    "workspace_id",
    "source",
    "interaction_external_id",
    "interaction_id",
    "csat",
    "nps",
    "content_hash",
    "updated_at",
)
EVALUATION_COLUMNS = (
    "workspace_id",
    "interaction_id",
    "scorecard_id",
    "kind",
    "score",
    "passed",
    "items",
    "created_at",
    "status",
    "version",
)
FAILURE_COLUMNS = ("interaction_id", "check_id", "workspace_id")


def _scorecard(engine: Engine, now: datetime) -> int:
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
    return int(card[0])


def fill(engine: Engine, count: int, seed: int = 5) -> int:
    """Store ``count`` interactions of the month with their messages, surveys and evaluations.

    The rows of ``bench/kpi_metrics.py``'s generator go in through the storage
    layer's ``bulk_insert`` (``COPY`` on PostgreSQL) in batches of ``BATCH``, so
    memory stays flat at one million; one automatic evaluation per handled
    interaction (score, pass/fail) and a failed check on about one in eight are
    written in the same batch. Returns the number of evaluations.
    """
    kpi_bench.START = datetime(2026, 10, 1)
    kpi_bench.DAYS = 30
    upgrade(engine)
    ensure_workspace(engine, "default")
    now = datetime(2026, 11, 1)
    card = _scorecard(engine, now)
    rng = random.Random(seed)
    evaluated = 0
    batch: list[tuple[dict[str, Any], list[dict[str, Any]], int | None]] = []

    def flush() -> int:
        rated = [(row, rng.random()) for row, _, _ in batch if row["agent_external_id"]]
        with engine.begin() as connection:
            bulk_insert(
                connection,
                interactions,
                INTERACTION_COLUMNS,
                [tuple(row[name] for name in INTERACTION_COLUMNS) for row, _, _ in batch],
            )
            bulk_insert(
                connection,
                messages,
                MESSAGE_COLUMNS,
                [tuple(m[name] for name in MESSAGE_COLUMNS) for _, ms, _ in batch for m in ms],
            )
            bulk_insert(
                connection,
                surveys,
                SURVEY_COLUMNS,
                [
                    (1, "bench", row["external_id"], row["id"], csat, min(10, csat * 2), "-")
                    + (row["started_at"],)
                    for row, _, csat in batch
                    if csat is not None
                ],
            )
            bulk_insert(
                connection,
                evaluations,
                EVALUATION_COLUMNS,
                [
                    (
                        1,
                        row["id"],
                        card,
                        "auto",
                        round(60 + 40 * r, 1),
                        r > 0.2,
                        [
                            {
                                "criterion": "greeting",
                                "check": "greeting",
                                "result": "pass" if r > 0.1 else "fail",
                                "fraction": 1.0 if r > 0.1 else 0.0,
                            }
                        ],
                        now,
                        "submitted",
                        1,
                    )
                    for row, r in rated
                ],
            )
            bulk_insert(
                connection,
                check_failures,
                FAILURE_COLUMNS,
                [
                    (row["id"], CHECKS[int(r * 1000) % len(CHECKS)], 1)
                    for row, r in rated
                    if r < 0.125
                ],
            )
        batch.clear()
        return len(rated)

    for item in kpi_bench._rows(count, 11):
        batch.append(item)
        if len(batch) == BATCH:
            evaluated += flush()
    if batch:
        evaluated += flush()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The ids were given explicitly: move the sequence past them.
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('interactions', 'id'), :n)"),
                {"n": max(count, 1)},
            )
    return evaluated


def prepare(engine: Engine, count: int) -> dict[str, float]:
    """Fill (with evaluations), build facts and rollups; seconds of each step."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    fill(engine, count)
    steps["fill with evaluations"] = time.perf_counter() - began
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


def _drop(name: str) -> None:
    admin = make_engine(kpi_bench.POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _engine(name: str, reuse: bool) -> Engine:
    if reuse:
        engine = make_engine(kpi_bench.POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")
        with engine.connect() as connection:
            connection.execute(text("DELETE FROM users WHERE username = 'bench-owner'"))
            connection.commit()
        return engine
    return kpi_bench._postgres_engine(name)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Time the reports on the database a previous run filled (kept; no fill).",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args(argv)
    name = "kontrol_bench_reports"
    engine = _engine(name, args.reuse)
    steps: dict[str, float] = {}
    if not args.reuse:
        print(f"postgresql: filling {args.count:,} interactions in one month", flush=True)
        steps = prepare(engine, args.count)
        print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()), flush=True)
    results = measure(engine)
    engine.dispose()
    if not (args.keep or args.reuse):
        _drop(name)
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
    ]
    if steps:
        lines.append("- prepared: " + ", ".join(f"{k} in {v:.0f} s" for k, v in steps.items()))
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
