"""The whole pipeline against the checks alone, on the same chats in one run (issue 21).

Generates N chat interactions (the demo generator's chats, as ``checks_speed``;
ids made unique) as one JSON Lines file, then measures, one after the other in
this process tree:

- ``engine``: the checks alone (``prepare`` + ``run_checks``) on every chat, in
  this process after one warm-up pass, CPU time (one core), as ``checks_speed``;
- ``kontrol score FILE --scorecard default``: import into a temporary SQLite
  database, checks, evaluations, facts and rollups, the lines written out;
  with ``--jobs 1`` and ``--jobs 2``;
- ``kontrol import`` (scoring, facts and rollups included: the queued scoring
  runs before the command ends) into a fresh SQLite file and a fresh PostgreSQL
  database, ``--jobs 1`` and ``--jobs 2``;
- scale-out: the same file imported into PostgreSQL with Redis, its scoring left
  queued; then the scoring of every interaction queued again and run by one and
  by two ``kontrol worker --threads 1`` processes, timed from their start until
  the last run is done, with the CPU time PostgreSQL's backends spent meanwhile.

Each command's rate is interactions per second of wall time and per second of
CPU time of the command's process tree (PostgreSQL's server processes not
included), and each is shown as a ratio to the engine's rate. On a shared
machine wall time depends on what else runs: the load average is printed.

    python -m bench.pipeline_speed --count 100000 [--skip postgresql,workers]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from bench import import_throughput
from bench.checks_speed import chats
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.checks.engine import MessageTuple, prepare, record_messages, run_checks

DATABASE = "kontrol_bench_pipeline"
REDIS_URL = "redis://127.0.0.1:6379/0"
# How long a ``kontrol worker`` is given to start before the queue is filled.
WORKER_START_SECONDS = 20.0
# The ``kontrol`` command of this environment (``python -m kontrol.cli.main`` has no
# ``__main__`` block: it would import the module and do nothing).
KONTROL = [sys.executable, "-c", "from kontrol.cli.main import main; main()"]


@dataclass
class Row:
    """One measured stage."""

    name: str
    count: int
    wall: float
    cpu: float
    note: str = ""


def write_chats(path: Path, count: int) -> tuple[list[list[MessageTuple]], list[str | None]]:
    """Write the chats to ``path``; their messages and languages for the engine."""
    messages: list[list[MessageTuple]] = []
    languages: list[str | None] = []
    with path.open("w", encoding="utf-8") as handle:
        for number, record in enumerate(chats(count)):
            record["id"] = f"chat-{number}"
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            messages.append(record_messages(record))
            languages.append(record.get("language"))
    return messages, languages


def engine_row(messages: list[list[MessageTuple]], languages: list[str | None]) -> Row:
    """The checks alone, after a warm-up pass (as ``bench.checks_speed``)."""
    pairs = list(zip(messages, languages, strict=True))
    for ms, lang in pairs:
        run_checks(prepare(channel="chat", messages=ms, language=lang))
    began_wall, began_cpu = time.perf_counter(), time.process_time()
    for ms, lang in pairs:
        run_checks(prepare(channel="chat", messages=ms, language=lang))
    return Row(
        "engine: the checks alone (one core)",
        len(pairs),
        time.perf_counter() - began_wall,
        time.process_time() - began_cpu,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(
    name: str, count: int, arguments: list[str], env: dict[str, str] | None = None
) -> Row:
    """Run ``kontrol ARGUMENTS`` to the end; its wall time and its tree's CPU time."""
    began_cpu = _children_cpu()
    began = time.perf_counter()
    done = subprocess.run(
        [*KONTROL, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        check=False,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{name}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    row = Row(name, count, wall, _children_cpu() - began_cpu)
    print(f"{name}: {wall:.1f} s wall, {row.cpu:.1f} s CPU", flush=True)
    return row


def fresh_postgres() -> str:
    """A new, migrated PostgreSQL database with the ``default`` workspace; its URL."""
    engine = import_throughput.postgres_engine(DATABASE)
    ensure_workspace(engine, DEFAULT_WORKSPACE)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    return url


def drop_postgres() -> None:
    """Remove the bench database."""
    import_throughput.drop_postgres(DATABASE)


def _backend_cpu(engine: Engine) -> float:
    """CPU seconds the server processes of this database used so far (same machine)."""
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": DATABASE}
        ).scalars()
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _waiting_runs(engine: Engine) -> int:
    from kontrol.store.tables import job_runs

    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).where(job_runs.c.status.in_(("queued", "failed", "running")))
            ).scalar()
            or 0
        )


def _requeue_scoring(engine: Engine) -> None:
    """Queue the scoring of every interaction again, in the import's batches of 1,000."""
    from kontrol.checks.scoring import score_imported
    from kontrol.events import background_job_name
    from kontrol.jobs import enqueue
    from kontrol.store.tables import interactions

    with engine.connect() as connection:
        (workspace_id,) = connection.execute(select(func.min(interactions.c.workspace_id))).one()
        ids = list(
            connection.execute(select(interactions.c.id).order_by(interactions.c.id)).scalars()
        )
    name = background_job_name(score_imported)
    for start in range(0, len(ids), 1000):
        enqueue(engine, name, workspace_id=workspace_id, ids=ids[start : start + 1000])


def scale_out(path: Path, count: int, workers: list[int]) -> tuple[list[Row], list[str]]:
    """Scoring by 1, 2... ``kontrol worker`` processes through Redis, on PostgreSQL."""
    from kontrol.store.database import make_engine

    namespace = f"kontrol-bench-{uuid.uuid4().hex[:8]}"
    url = fresh_postgres()
    env = {"KONTROL_REDIS_URL": REDIS_URL, "KONTROL_REDIS_NAMESPACE": namespace}
    rows: list[Row] = []
    notes: list[str] = []
    os.environ.update(env)
    engine = make_engine(url)
    try:
        # The import leaves its scoring queued on Redis: no worker runs yet.
        run_command("import (scoring left queued)", count, ["import", str(path), "--db", url], env)
        # The import's own queue first (its evaluations are inserted), by the most
        # workers; then every interaction scored again (updated in place) by 1, 2...
        passes = [(max(workers), True)] + [(number, False) for number in workers]
        for number, first in passes:
            processes = [
                subprocess.Popen(
                    [*KONTROL, "worker", "--db", url, "--threads", "1"],
                    env={**os.environ, **env},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(number)
            ]
            if not first:
                # Timed from a queue filled once the workers are up (started, jobs loaded).
                time.sleep(WORKER_START_SECONDS)
                _requeue_scoring(engine)
            pending = _waiting_runs(engine)
            began_cpu, began_db = _children_cpu(), _backend_cpu(engine)
            began = time.perf_counter()
            try:
                deadline = time.monotonic() + 3600
                while _waiting_runs(engine) and time.monotonic() < deadline:
                    time.sleep(0.2)
                wall = time.perf_counter() - began
                db_cpu = _backend_cpu(engine) - began_db
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(60)
            label = "the import's queue, start-up included" if first else "scored again"
            rows.append(
                Row(
                    f"scale-out: {number} worker(s), {label}",
                    count,
                    wall,
                    _children_cpu() - began_cpu,
                    f"{pending} runs; PostgreSQL backends {db_cpu:.1f} CPU s",
                )
            )
    finally:
        engine.dispose()
        drop_postgres()
        _forget_redis(namespace)
        for key in env:
            os.environ.pop(key, None)
    return rows, notes


def _forget_redis(namespace: str) -> None:
    """Delete the bench's own keys (its namespace only)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; return the Markdown table for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="chat interactions")
    parser.add_argument(
        "--skip", default="", help="comma-separated: score, sqlite, postgresql, workers, jobs"
    )
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    rows: list[Row] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-pipeline-") as name:
        folder = Path(name)
        path = folder / "chats.jsonl"
        messages, languages = write_chats(path, args.count)
        count = len(messages)
        engine = engine_row(messages, languages)
        print(f"engine: {engine.cpu:.1f} s CPU, {engine.count / engine.cpu:,.0f}/s", flush=True)
        del messages, languages
        rows.append(engine)
        jobs = [1] if "jobs" in skip else [1, 2]
        if "score" not in skip:
            for number in jobs:
                rows.append(
                    run_command(
                        f"kontrol score FILE --jobs {number}",
                        count,
                        ["score", str(path), "--scorecard", "default", "--jobs", str(number)],
                    )
                )
        if "sqlite" not in skip:
            for number in jobs:
                db = f"sqlite:///{folder / f'import-{number}.db'}"
                rows.append(
                    run_command(
                        f"kontrol import --jobs {number}, SQLite",
                        count,
                        ["import", str(path), "--db", db, "--jobs", str(number)],
                    )
                )
        if "postgresql" not in skip:
            for number in jobs:
                try:
                    url = fresh_postgres()
                    rows.append(
                        run_command(
                            f"kontrol import --jobs {number}, PostgreSQL",
                            count,
                            ["import", str(path), "--db", url, "--jobs", str(number)],
                        )
                    )
                finally:
                    drop_postgres()
        scale_rows: list[Row] = []
        if "workers" not in skip:
            scale_rows, _ = scale_out(path, count, [1, 2])
            rows.extend(scale_rows)
    load_after = os.getloadavg()
    return _table(rows, engine, scale_rows, args.count, load_before, load_after)


def _table(
    rows: list[Row],
    engine: Row,
    scale_rows: list[Row],
    asked: int,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    engine_rate, engine_wall = engine.count / engine.cpu, engine.count / engine.wall
    lines = [
        "### Latest figures: the pipeline against the checks alone",
        "",
        f"{engine.count:,} generated chats (`python -m bench.pipeline_speed --count {asked}`), "
        f"one run; {os.cpu_count()} cores, load average {load_before[0]:.1f} before and "
        f"{load_after[0]:.1f} after (the machine is shared: wall time counts what else ran). "
        "CPU: the command's process tree (PostgreSQL's server not included; for the "
        "workers, their start-up and idle time too). Ratios: wall rate to the engine's wall "
        "rate, CPU rate to the engine's CPU rate.",
        "",
        "| what | interactions/s (wall) | interactions/s (CPU) | wall / engine | CPU / engine "
        "| note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        wall_rate, cpu_rate = row.count / row.wall, row.count / row.cpu
        lines.append(
            f"| {row.name} | {wall_rate:,.0f} | {cpu_rate:,.0f} | {wall_rate / engine_wall:.0%} "
            f"| {cpu_rate / engine_rate:.0%} | {row.note} |"
        )
    again = [row for row in scale_rows if "again" in row.name]
    if again:
        one = again[0]
        per_worker = one.count / one.wall
        lines += ["", f"One worker scores {per_worker:,.0f} interactions/s."]
        if len(again) > 1:
            two = again[1]
            lines.append(
                f"Two workers: {two.count / two.wall:,.0f}/s, "
                f"{one.wall / two.wall:.2f}× one worker."
            )
        db_cpu = float(one.note.split("backends ")[1].split(" ")[0])
        if db_cpu > 0:
            per_db_core = one.count / db_cpu
            lines.append(
                f"PostgreSQL spent {db_cpu / one.count * 1000:.2f} ms of CPU per interaction "
                f"scored: one database core serves about {per_db_core:,.0f} interactions/s, "
                f"so each extra machine of k single-threaded workers adds about "
                f"k × {per_worker:,.0f}/s until the database's cores run out "
                f"(about {per_db_core / per_worker:.0f} workers per database core)."
            )
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
