"""How fast the dashboard pages answer, timed end to end through the web app.

Loads N generated demo interactions (the demo generator, through the ordinary
import path, so facts, surveys, agents and targets are all there) into a fresh
SQLite file and a fresh PostgreSQL database, logs in with the app's test client
and times whole requests: routing, access rules, every KPI query, templates.
Each figure is the median of several requests after one warm-up. The number
of SQL statements one request runs is counted too.

    python -m bench.dashboard_pages --count 20000 [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The three logins of the run need no production-strength password hashing.
os.environ.setdefault("KONTROL_ARGON2_TIME_COST", "1")
os.environ.setdefault("KONTROL_ARGON2_MEMORY_KIB", "1024")

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from kontrol.accounts.workspaces import ensure_workspace
from kontrol.demo.seeding import load_demo
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.web.app import create_app

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PAGES = [
    ("admin", "dashboard, month (default)", "/dashboard"),
    ("admin", "dashboard, week, by team", "/dashboard?period=week&by=team"),
    ("admin", "dashboard, quarter, by topic", "/dashboard?period=quarter&by=topic"),
    ("admin", "dashboard, one channel", "/dashboard?channel=chat&by=channel"),
    ("admin", "breakdown export XLSX", "/dashboard?format=xlsx"),
    ("lead", "dashboard, team lead", "/dashboard"),
    ("agent", "dashboard, agent (own + team)", "/dashboard"),
    ("admin", "drill-down: agent's CSAT 1-3", "/interactions?agent=a02&csat_max=3"),
    ("admin", "drill-down: SLA missed", "/interactions?sla=missed"),
    ("admin", "API /api/v1/kpi by agent and month", "/api/v1/kpi?by=agent&period=month"),
    ("admin", "targets page", "/targets"),
]


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def wall_and_cpu(send: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and median CPU milliseconds of ``runs`` calls of ``send``."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        send()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _client(url: str, username: str) -> TestClient:
    client = TestClient(create_app(url))
    page = client.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no login form"
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": f"{username}-kontrol",
            "csrf_token": found.group(1),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, f"login of {username} failed"
    return client


# The first (warm-up) request of each page in the last ``measure``: milliseconds. It
# pays what later requests find kept (the exact percentiles of a closed range).
FIRST: dict[str, float] = {}


def measure(url: str, runs: int) -> dict[str, tuple[float, int]]:
    """Median milliseconds and SQL statements of each page (the first request, a
    warm-up, is not in the median: its time is in ``FIRST``)."""
    clients = {name: _client(url, name) for name in ("admin", "lead", "agent")}
    results: dict[str, tuple[float, int]] = {}
    FIRST.clear()
    for username, name, path in PAGES:
        client = clients[username]
        engine: Engine = client.app.state.kontrol.engine  # type: ignore[attr-defined]
        with counting(engine) as statements:
            began = time.perf_counter()
            answer = client.get(path)
            FIRST[name] = (time.perf_counter() - began) * 1000
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
        results[name] = (statistics.median(timings), len(statements))
    for client in clients.values():
        client.close()
    return results


def _postgres_url(name: str) -> str:
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(name: str) -> None:
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill(url: str, count: int) -> float:
    """Generated demo data through the import path; returns seconds taken."""
    engine = make_engine(url)
    upgrade(engine)
    workspace = ensure_workspace(engine, "default")
    began = time.perf_counter()
    load_demo(engine, workspace, count=count)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, tuple[float, int]]] = {}
    fills: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(folder) / 'dashboard.db'}"
            else:
                url = _postgres_url("kontrol_bench_dashboard")
            fills[backend] = fill(url, args.count)
            columns[backend] = measure(url, args.runs)
            if backend != "sqlite":
                _drop_postgres("kontrol_bench_dashboard")
    lines = [
        f"Dashboard pages on {args.count:,} generated interactions (demo generator, "
        f"months of data): median ms of a whole request (SQL statements per request)",
        "",
        "| page | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for _, name, _ in PAGES:
        cells = [f"{columns[b][name][0]:.0f} ({columns[b][name][1]})" for b in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Loaded in: " + ", ".join(f"{b} {seconds:.0f} s" for b, seconds in fills.items()))
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
