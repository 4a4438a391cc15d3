"""Ten million interactions on PostgreSQL: pages, lists, KPIs and reports at full size.

Fills a fresh PostgreSQL database with N interactions (default ten million,
one million a month over ten months) with ``bench/scale_data.py``'s generator
(``COPY`` through the storage layer, facts and rollups included), then times,
each figure the median of several runs after a warm-up:

- the dashboard pages, end to end through the web app as an admin, a team lead
  and an agent (``bench/dashboard_pages.py``'s pages);
- the interaction list and its search (``bench/interaction_list.py``'s cases);
- every metric by agent × month on the last month (one million interactions),
  exact from the facts and from the rollups;
- each built-in report's content for the last month (``bench/report_generation``).

With ``--partitions`` the same list, dashboard and KPI figures are taken again
with ``interaction_facts`` and ``messages`` swapped for copies partitioned by
month (``PARTITION BY RANGE``, one partition a month, the same indexes), so the
decision to partition is measured, not guessed (docs/benchmarks.md).

Not in the default ``make bench`` (a ten-million fill is an hour on the shared
machine): ``KONTROL_BENCH_SCALE=1 make bench`` or ``python -m bench.run_all
--scale`` runs it, or alone:

    python -m bench.scale_postgres [--count 10000000] [--partitions] [--keep]
    python -m bench.scale_postgres --reuse [--partitions]   # on the kept database

``--database NAME`` works on another database than ``kontrol_bench_10m`` (two
people measuring at once); ``--no-reports`` leaves out the reports (minutes at
a million); ``--pages-only`` times the dashboard pages alone.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import date
from typing import Any

os.environ.setdefault("KONTROL_ARGON2_TIME_COST", "1")
os.environ.setdefault("KONTROL_ARGON2_MEMORY_KIB", "1024")

from sqlalchemy import Connection, Engine, text

import bench.dashboard_pages as dashboard_bench
import bench.interaction_list as list_bench
import bench.report_generation as report_bench
from bench.scale_data import generate, month_first
from kontrol.accounts.logins import add_user
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.kpis import compute
from kontrol.store.database import make_engine
from kontrol.store.tables import percentile_cache

NAME = "kontrol_bench_10m"
ADMIN_URL = dashboard_bench.POSTGRES_ADMIN
DASHBOARD_PAGES = list(dashboard_bench.PAGES)
PARTITIONED = ("interaction_facts", "messages")
# The column each copy is partitioned on (messages without a time go to the default).
PARTITION_KEYS = {"interaction_facts": "day", "messages": "at"}


def _url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _admin(statement: str) -> None:
    admin = make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(statement))
    admin.dispose()


def _logins(engine: Engine) -> None:
    """The dashboard bench's three logins (admin, a team lead of team 1, agent a01)."""
    workspace = ensure_workspace(engine, "default")
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM users WHERE username IN ('admin', 'lead', 'agent', 'bench-owner')")
        )
        for username, role, agent, team in (
            ("admin", WorkspaceRole.ADMIN, None, None),
            ("lead", WorkspaceRole.TEAM_LEAD, None, "team 1"),
            ("agent", WorkspaceRole.AGENT, "a01", None),
        ):
            add_user(
                connection,
                username=username,
                password=f"{username}-kontrol",
                workspace_name=workspace.name,
                role=role,
                agent_external_id=agent,
                team=team,
            )


def _pages(months: int) -> dict[str, float]:
    """Median milliseconds of the dashboard bench's pages, on the last month of the data."""
    first = month_first(months - 1)
    last = date.fromordinal(month_first(months).toordinal() - 1)
    dates = f"date_from={first.isoformat()}&date_to={last.isoformat()}"
    pages = [
        (user, name, f"{path}{'&' if '?' in path else '?'}{dates}")
        if path.startswith(("/dashboard", "/interactions"))
        else (user, name, path)
        for user, name, path in DASHBOARD_PAGES
    ]
    dashboard_bench.PAGES = pages
    # Cold: nothing kept from an earlier run (the exact percentiles of closed ranges).
    cleaner = make_engine(_url(NAME))
    with cleaner.begin() as connection:
        connection.execute(percentile_cache.delete())
    cleaner.dispose()
    try:
        found = dashboard_bench.measure(_url(NAME), runs=5)
    finally:
        dashboard_bench.PAGES = DASHBOARD_PAGES
    results = {f"page: {name}": value for name, (value, _) in found.items()}
    results.update(
        (f"page: {name}, first request", value) for name, value in dashboard_bench.FIRST.items()
    )
    return results


def _lists(engine: Engine) -> dict[str, float]:
    return {f"list: {name}": value for name, value in list_bench.measure(engine).items()}


def _kpis(engine: Engine, months: int) -> dict[str, float]:
    """Every metric by agent × month on the last month, exact and from the rollups."""
    workspace = ensure_workspace(engine, "default")
    first = month_first(months - 1)
    last = date.fromordinal(month_first(months).toordinal() - 1)

    def run(**request: Any) -> Callable[[], object]:
        def action() -> object:
            with engine.connect() as connection:
                return compute(connection, workspace=workspace, **request)

        return action

    month: dict[str, Any] = {"date_from": first, "date_to": last}
    cases = {
        "kpi: every metric, agent × month, 1 month (exact)": run(
            by=["agent"], period="month", exact=True, **month
        ),
        "kpi: every metric, agent × month, 1 month (rollups)": run(
            by=["agent"], period="month", exact=False, **month
        ),
        "kpi: every metric, agent × month, all months (rollups)": run(
            by=["agent"], period="month", exact=False
        ),
        "kpi: dashboard tiles, 1 month (default)": run(**month),
    }
    results = {}
    for name, action in cases.items():
        results[name] = list_bench._median_ms(action, runs=3)
        print(f"  {name}: {results[name]:.0f} ms", flush=True)
    return results


def _reports(engine: Engine, months: int) -> dict[str, float]:
    report_bench.MONTH = DateRange(
        month_first(months - 1), date.fromordinal(month_first(months).toordinal() - 1)
    )
    found = report_bench.measure(engine)
    found.pop("interactions in the month", None)
    found.pop("evaluations", None)
    return {f"report: {name}": value * 1000 for name, value in found.items()}


def _indexes(connection: Connection, table: str) -> list[tuple[str, str]]:
    return [
        (row.indexname, row.indexdef)
        for row in connection.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table}
        )
    ]


def build_partitioned(engine: Engine, months: int) -> dict[str, float]:
    """Copies of the facts and messages partitioned by month; seconds each took."""
    spent: dict[str, float] = {}
    with engine.begin() as connection:
        for table in PARTITIONED:
            began = time.perf_counter()
            copy, key = f"{table}_bymonth", PARTITION_KEYS[table]
            connection.execute(text(f"DROP TABLE IF EXISTS {copy}"))
            connection.execute(
                text(
                    f"CREATE TABLE {copy} (LIKE {table} INCLUDING DEFAULTS)"
                    f" PARTITION BY RANGE ({key})"
                )
            )
            for number in range(months):
                first, after = month_first(number), month_first(number + 1)
                bounds = (first.isoformat(), after.isoformat())
                connection.execute(
                    text(
                        f"CREATE TABLE {copy}_{number:02d} PARTITION OF {copy}"
                        f" FOR VALUES FROM ('{bounds[0]}') TO ('{bounds[1]}')"
                    )
                )
            connection.execute(text(f"CREATE TABLE {copy}_other PARTITION OF {copy} DEFAULT"))
            connection.execute(text(f"INSERT INTO {copy} SELECT * FROM {table}"))
            for name, definition in _indexes(connection, table):
                # A unique index of a partitioned table must hold the partition key:
                # a plain one reads the same.
                made = definition.replace("UNIQUE INDEX", "INDEX")
                made = made.replace(f"INDEX {name} ON", f"INDEX {name}_bm ON")
                made = made.replace(f" ON public.{table} ", f" ON public.{copy} ")
                connection.execute(text(made))
            connection.execute(text(f"ANALYZE {copy}"))
            spent[table] = time.perf_counter() - began
    return spent


def swap(engine: Engine) -> None:
    """Swap each table with its partitioned copy (run again to swap back)."""
    with engine.begin() as connection:
        for table in PARTITIONED:
            connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_swap"))
            connection.execute(text(f"ALTER TABLE {table}_bymonth RENAME TO {table}"))
            connection.execute(text(f"ALTER TABLE {table}_swap RENAME TO {table}_bymonth"))


def measure(
    engine: Engine, months: int, *, reports: bool = True, pages_only: bool = False
) -> dict[str, float]:
    """Milliseconds of every page, list, KPI and report case."""
    results: dict[str, float] = {}
    _logins(engine)
    results.update(_pages(months))
    print("  pages done", flush=True)
    if pages_only:
        return results
    results.update(_lists(engine))
    print("  lists done", flush=True)
    results.update(_kpis(engine, months))
    if reports:
        results.update(_reports(engine, months))
    return results


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown it prints."""
    global NAME
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="Measure the kept database again.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument(
        "--partitions", action="store_true", help="Also measure with monthly partitions."
    )
    parser.add_argument(
        "--database", default=NAME, help="The database to create (or reuse) and drop."
    )
    parser.add_argument(
        "--no-reports", action="store_true", help="Leave out the reports (minutes at 1M)."
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="Only the dashboard pages (no lists, KPIs)."
    )
    args = parser.parse_args(argv)
    NAME = args.database
    steps: dict[str, float] = {}
    if not args.reuse:
        _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{NAME}"')
    engine = make_engine(_url(NAME))
    if not args.reuse:
        print(f"postgresql: generating {args.count:,} interactions", flush=True)
        steps = generate(engine, args.count, months=args.months)
        print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()), flush=True)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM interactions")).scalar() or 0)
        size = connection.execute(
            text("SELECT pg_size_pretty(pg_database_size(current_database()))")
        ).scalar()
    columns = {
        "plain tables": measure(
            engine, args.months, reports=not args.no_reports, pages_only=args.pages_only
        )
    }
    built: dict[str, float] = {}
    if args.partitions:
        print("building the monthly partitions", flush=True)
        built = build_partitioned(engine, args.months)
        swap(engine)
        try:
            columns["partitioned by month"] = measure(engine, args.months, reports=False)
        finally:
            swap(engine)
    engine.dispose()
    if not (args.keep or args.reuse):
        _admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    names = list(columns["plain tables"])
    lines = [
        f"{count:,} interactions over {args.months} months on PostgreSQL ({size}): "
        "median milliseconds",
        "",
        "| case | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        cells = [f"{column[name]:,.0f}" if name in column else "—" for column in columns.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    if steps:
        lines.append("- generated: " + ", ".join(f"{k} in {v:,.0f} s" for k, v in steps.items()))
    if built:
        lines.append(
            "- partitioned copies built: "
            + ", ".join(f"{k} in {v:,.0f} s" for k, v in built.items())
        )
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
