"""How fast the analysis pages answer, timed end to end through the web app.

Loads the demo (N generated interactions through the ordinary import path,
plus the analysis seed: web-form conversations, repeat orders, the trained
model) into a fresh SQLite file (and PostgreSQL when asked), logs in as the
admin and times whole requests. Each figure is the median of several requests
after one warm-up; the SQL statements of one request are counted too. Beside
the wall time, the CPU time of the process (``time.process_time``: the app's
threads, and on SQLite the database's work too, which runs in-process) shows
what a request costs when the machine is shared: on a loaded machine the wall
time is mostly waiting for a core.

    python -m bench.analysis_pages --count 400 [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from bench.dashboard_pages import (
    _client,
    _drop_postgres,
    _postgres_url,
    counting,
    fill,
    wall_and_cpu,
)

PAGES = [
    ("reasons, 12 weeks", "/analysis/reasons"),
    ("complaint types", "/analysis/reasons?kind=complaint"),
    ("reason drill-down", "/analysis/reasons/delivery"),
    ("bottlenecks", "/analysis/bottlenecks"),
    ("quality and business, weekly", "/analysis/business?period=week"),
    ("quality and business, monthly", "/analysis/business?period=month"),
    ("API reasons", "/api/v1/analysis/reasons"),
    ("API business", "/api/v1/analysis/business"),
]


def measure(url: str, runs: int) -> dict[str, tuple[float, int, float]]:
    """Median wall milliseconds, SQL statements and median CPU milliseconds of each page."""
    client = _client(url, "admin")
    engine: Engine = client.app.state.kontrol.engine  # type: ignore[attr-defined]
    results: dict[str, tuple[float, int, float]] = {}
    for name, path in PAGES:
        with counting(engine) as statements:
            answer = client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        wall, cpu = wall_and_cpu(partial(client.get, path), runs)
        results[name] = (wall, len(statements), cpu)
    client.close()
    return results


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown table it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, tuple[float, int, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(folder) / 'analysis.db'}"
            else:
                url = _postgres_url("kontrol_bench_analysis")
            fill(url, args.count)
            columns[backend] = measure(url, args.runs)
            if backend != "sqlite":
                _drop_postgres("kontrol_bench_analysis")
    lines = [
        f"Analysis pages on the demo ({args.count:,} generated interactions and the "
        "analysis seed): median ms of a whole request (SQL statements per request; "
        "CPU ms of the process)",
        "",
        "| page | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name, _ in PAGES:
        cells = [
            f"{columns[b][name][0]:.0f} ({columns[b][name][1]}; CPU {columns[b][name][2]:.0f})"
            for b in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"- load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
