"""Load test of the ingest API: ``POST /api/v1/interactions`` from another process.

Starts the app with uvicorn (``--workers``) on a loopback port on a fresh
SQLite file or PostgreSQL database (``kontrol_bench_ingest``), makes an API
key, and runs a load generator in a separate process: ``--connections``
keep-alive HTTP/1.1 connections (plain asyncio sockets, so the generator
costs little CPU), each sending one interaction per request, either as fast
as the answers come or on a schedule (``--rates``), for ``--seconds`` after a
short warm-up. It
reports sustained requests/s and p50/p99 latency, then counts the rows in the
database: every request answered 200 must have left exactly one interaction.

The effects of the stored records (scoring, KPI facts, alerts, routing) run
from the effects backlog: on SQLite in the web processes (the embedded
default, no Redis), on PostgreSQL in a ``kontrol worker`` process with Redis
(production's layout; ``nice -n 10``, so that answering requests comes
first on this shared machine). After the load the bench waits until the
backlog is empty and reports how long that took and that every stored
interaction was scored.

    python -m bench.ingest_load [--seconds 20] [--connections 16] [--workers 2]
        [--backends sqlite,postgresql] [--wait] [--rates 0,500] [--write-docs]

``--wait`` sends ``?wait=true``: every answer waits for its effects.
``--rates``: each backend runs once per rate. ``0`` sends each connection's
next request as soon as the answer comes (closed loop: the most the server
answers); ``R`` offers R requests/s on a fixed schedule (open loop: latency
and backlog at that rate, the issue's aim being 500).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.installation import initialize
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, find_workspace
from kontrol.ingest.effects_backlog import backlog_state, wait_until_drained
from kontrol.store.database import make_engine
from kontrol.store.tables import check_outcomes, interactions

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "kontrol_bench_ingest"
REDIS_URL = "redis://127.0.0.1:6379/0"
WARM_UP = 3.0
# How often the stand-in for autovacuum runs (see ``_Upkeep``).
UPKEEP_SECONDS = 10.0


# -- the load generator (runs in its own process) -----------------------------


def _record(tag: str, connection: int, number: int) -> bytes:
    return json.dumps(
        {
            "source": tag,
            "id": f"{connection}-{number}",
            "channel": "chat",
            "started_at": "2026-11-25T10:00:00+03:00",
            "agent_id": f"a{number % 10}",
            "customer_id": f"c{number % 997}",
            "topic": "delivery",
            "messages": [
                {"role": "customer", "text": "Здравствуйте, где мой заказ?"},
                {"role": "agent", "text": "Добрый день! Сейчас проверю."},
                {"role": "agent", "text": "Заказ у курьера, привезут сегодня до 18:00."},
                {"role": "customer", "text": "Спасибо!"},
            ],
        },
        ensure_ascii=False,
    ).encode()


async def _connection(
    host: str,
    port: int,
    key: str,
    tag: str,
    index: int,
    stop_at: float,
    counted_from: float,
    path: str,
    interval: float,
    offset: float,
) -> tuple[list[float], int, int]:
    """One keep-alive connection's requests: as fast as the answers come
    (``interval`` 0), or one every ``interval`` seconds on a fixed schedule.

    On a schedule, a request's latency counts from the moment it was due, not
    from when it was sent: when the server falls behind, the wait for the
    connection is part of what a caller would see (no coordinated omission).
    """
    reader, writer = await asyncio.open_connection(host, port)
    latencies: list[float] = []
    ok = errors = 0
    number = 0
    due = time.perf_counter() + offset - interval  # the connections take turns
    while time.perf_counter() < stop_at:
        body = _record(tag, index, number)
        number += 1
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        if interval:
            due += interval
            await asyncio.sleep(max(due - time.perf_counter(), 0.0))
            began = due
        else:
            began = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        if status == 200:
            ok += 1
        else:
            errors += 1
        if began >= counted_from:
            latencies.append(time.perf_counter() - began)
    writer.close()
    return latencies, ok, errors


async def _generate(
    host: str,
    port: int,
    key: str,
    tag: str,
    seconds: float,
    conns: int,
    path: str,
    rate: float,
) -> Any:
    start = time.perf_counter()
    counted_from = start + WARM_UP
    stop_at = counted_from + seconds
    results = await asyncio.gather(
        *(
            _connection(
                host,
                port,
                key,
                tag,
                i,
                stop_at,
                counted_from,
                path,
                interval=conns / rate if rate else 0.0,
                offset=i / rate if rate else 0.0,
            )
            for i in range(conns)
        )
    )
    latencies = sorted(value for result in results for value in result[0])

    def percentile(share: float) -> float:
        return latencies[min(int(share * len(latencies)), len(latencies) - 1)] * 1000

    return {
        "measured_requests": len(latencies),
        "ok": sum(result[1] for result in results),
        "errors": sum(result[2] for result in results),
        "rps": len(latencies) / seconds,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "max_ms": latencies[-1] * 1000,
    }


# -- the harness ----------------------------------------------------------------


def _cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants so far (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _postgres_cpu_seconds(database: str) -> float:
    """CPU so far of the PostgreSQL backends serving ``database`` (the server's share of
    the work; other databases on the same server, such as test runs, are left out)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "(postgres)" in stat and f" {database} " in title:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class _Upkeep:
    """A stand-in for autovacuum where the server has it switched off.

    PostgreSQL's default, and any production server, runs autovacuum: it
    vacuums the effects backlog (a queue table: every row is inserted and
    deleted within seconds) and keeps the planner's statistics current as the
    tables grow from empty. This machine's server runs with ``autovacuum =
    off``; without a stand-in the plans of a long run go on assuming the
    empty tables of its start. So, only when the server says ``off``, this
    thread runs ``VACUUM (ANALYZE)`` on the bench database every
    ``UPKEEP_SECONDS``, throttled by autovacuum's own cost delay, in a backend
    of that database (its CPU is counted in the PostgreSQL column, where
    autovacuum's would not be).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs = 0
        self._stop = threading.Event()
        with engine.connect() as connection:
            self.needed = connection.execute(text("SHOW autovacuum")).scalar_one() == "off"
            # Throttled as autovacuum is (a manual VACUUM is not, by default): a burst
            # of unthrottled vacuuming stalled the answers for 150 ms.
            self.delay = connection.execute(text("SHOW autovacuum_vacuum_cost_delay")).scalar_one()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        if self.needed:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(UPKEEP_SECONDS):
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.execute(
                    text("SELECT set_config('vacuum_cost_delay', :delay, false)"),
                    {"delay": self.delay},
                )
                connection.execute(text("VACUUM (ANALYZE)"))
            self.runs += 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'ingest.db'}"
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + DATABASE


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


def _scored(engine: Engine, tag: str) -> int:
    """Interactions of the run that have their checks' outcomes (their effects ran)."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(check_outcomes.join(interactions))
                .where(interactions.c.source == tag)
            ).scalar_one()
        )


def run_one(
    backend: str,
    *,
    seconds: float,
    connections: int,
    workers: int,
    wait: bool = False,
    rate: float = 0.0,
) -> dict[str, Any]:
    """One load run against a fresh database; the figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = _database(backend, Path(folder))
        engine = initialize(url)
        with engine.begin() as connection:
            key = create_api_key(
                connection,
                workspace=find_workspace(connection, DEFAULT_WORKSPACE),
                name="load test",
                created_by="bench",
            ).secret
        port = _free_port()
        env = {**os.environ, "KONTROL_DATABASE_URL": url}
        env.pop("KONTROL_REDIS_URL", None)
        # PostgreSQL: production's layout, effects in a worker process fed through Redis.
        with_worker = backend == "postgresql"
        if with_worker:
            env["KONTROL_REDIS_URL"] = REDIS_URL
            env["KONTROL_REDIS_NAMESPACE"] = f"kontrol-bench-{os.getpid()}"
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "kontrol.web.app:app_from_environment",
                "--factory", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--no-access-log", "--log-level", "warning",
            ],
            env=env,
        )  # fmt: skip
        worker = (
            subprocess.Popen(
                [
                    "nice",
                    "-n",
                    "10",
                    str(Path(sys.executable).parent / "kontrol"),
                    "worker",
                    "--threads",
                    "1",
                ],  # fmt: skip
                env=env,
                stderr=subprocess.DEVNULL,
            )
            if with_worker
            else None
        )
        tag = f"load-{backend}"
        upkeep = _Upkeep(engine) if backend == "postgresql" else None
        try:
            _wait_for(f"http://127.0.0.1:{port}/login", server)
            if upkeep is not None:
                upkeep.start()
            path = "/api/v1/interactions" + ("?wait=true" if wait else "")
            generator = subprocess.Popen(
                [
                    sys.executable, "-m", "bench.ingest_load", "--generate",
                    f"127.0.0.1:{port}", key, tag, str(seconds), str(connections), path, str(rate),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            # CPU is read over the timed window only (after the warm-up, which
            # includes each worker's one-off start: phrase lists, caches).
            time.sleep(WARM_UP)
            load_before = os.getloadavg()[0]
            cpu_before = (
                _cpu_seconds(server.pid),
                _postgres_cpu_seconds(DATABASE),
                _cpu_seconds(worker.pid) if worker else 0.0,
            )
            out, err = generator.communicate()
            ended = time.perf_counter()
            app_cpu = _cpu_seconds(server.pid) - cpu_before[0]
            database_cpu = _postgres_cpu_seconds(DATABASE) - cpu_before[1]
            load_after = os.getloadavg()[0]
            if generator.returncode != 0:
                raise RuntimeError(f"the load generator failed:\n{err[-3000:]}")
            figures: dict[str, Any] = json.loads(out)
            with engine.connect() as connection:
                figures["backlog_at_end"] = backlog_state(connection).waiting
            if worker is not None and worker.poll() is not None:
                raise RuntimeError("the effects worker (kontrol worker) stopped")
            drained = wait_until_drained(engine, timeout=600)
            figures["catch_up_s"] = time.perf_counter() - ended if drained else float("nan")
            effects_cpu = _cpu_seconds(worker.pid) - cpu_before[2] if worker else 0.0
        finally:
            if upkeep is not None:
                upkeep.stop()
            for process in (server, worker):
                if process is not None:
                    process.terminate()
                    process.wait(30)
        with engine.connect() as connection:
            stored = connection.execute(
                select(func.count()).where(interactions.c.source == tag)
            ).scalar_one()
        figures["scored"] = _scored(engine, tag)
        engine.dispose()
    figures.update(
        backend=backend,
        workers=workers,
        connections=connections,
        offered=f"{rate:,.0f}/s" if rate else "closed loop",
        stored=stored,
        effects="answer waits" if wait else ("worker process" if with_worker else "web processes"),
    )
    # CPU per timed request, by the app and by PostgreSQL (its backends for this database).
    timed = max(figures["measured_requests"], 1)
    figures["app_cpu_ms"] = 1000 * app_cpu / timed
    figures["worker_cpu_ms"] = 1000 * effects_cpu / timed
    figures["db_cpu_ms"] = 1000 * database_cpu / timed if backend == "postgresql" else 0.0
    figures["load"] = f"{load_before:.1f}–{load_after:.1f}"
    figures["lost"] = figures["ok"] - stored
    figures["upkeep_runs"] = upkeep.runs if upkeep is not None else 0
    return figures


def table(rows: list[dict[str, Any]], seconds: float) -> str:
    """The Markdown the docs show."""
    lines = [
        f"Ingest API, one interaction (4 messages) per request, {seconds:.0f} s after a "
        f"{WARM_UP:.0f} s warm-up; uvicorn on 127.0.0.1, generator in another process; "
        f"Python {platform.python_version()}, {os.cpu_count()} cores; "
        "CPU per timed request (web = uvicorn processes, worker = the effects worker "
        "over the load and its catch-up); load average (1 min) at the window's start and end"
        + (
            "; PostgreSQL: the server runs with autovacuum off, so VACUUM (ANALYZE) every "
            f"{UPKEEP_SECONDS:.0f} s, throttled as autovacuum is, stood in for it"
            if any(row.get("upkeep_runs") for row in rows)
            else ""
        ),
        "",
        "| database | effects run in | uvicorn workers | connections | offered | requests/s "
        "| p50 ms | p99 ms | max ms | answered 200 | errors | rows stored | lost | backlog at end "
        "| caught up after s | scored | web CPU ms | worker CPU ms | PostgreSQL CPU ms "
        "| load average |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
        "|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['backend']} | {row['effects']} | {row['workers']} | {row['connections']} "
            f"| {row['offered']} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['max_ms']:.0f} | {row['ok']:,} | {row['errors']} | {row['stored']:,} "
            f"| {row['lost']} | {row['backlog_at_end']:,} | {row['catch_up_s']:.1f} "
            f"| {row['scored']:,} | {row['app_cpu_ms']:.1f} | {row['worker_cpu_ms']:.1f} "
            f"| {row['db_cpu_ms']:.1f} | {row['load']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    """Run the load test (or, with ``--generate``, be the load generator)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--generate"]:
        address, key, tag, seconds, connections, path, rate = argv[1:8]
        host, port = address.rsplit(":", 1)
        figures = asyncio.run(
            _generate(
                host, int(port), key, tag, float(seconds), int(connections), path, float(rate)
            )
        )
        sys.stdout.write(json.dumps(figures))
        return ""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--wait", action="store_true", help="send ?wait=true")
    parser.add_argument(
        "--rates",
        default="0,500",
        help="comma-separated: 0 sends as fast as the answers come, R offers R requests/s "
        "on a fixed schedule; each backend runs once per rate",
    )
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    for backend in [name.strip() for name in args.backends.split(",") if name.strip()]:
        for rate in rates:
            row = run_one(
                backend,
                seconds=args.seconds,
                connections=args.connections,
                workers=args.workers,
                wait=args.wait,
                rate=rate,
            )
            print(json.dumps(row), flush=True)
            rows.append(row)
    result = table(rows, args.seconds)
    print(result)
    if args.write_docs:
        from bench.run_all import write_section

        write_section("ingest_load", result)
    return result


if __name__ == "__main__":
    main()
