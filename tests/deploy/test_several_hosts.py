"""Several hosts: two web processes and two workers, each in a network namespace of its
own (the test's own "hosts" on this machine), behind a small load balancer, against
one PostgreSQL and one Redis (private ones the test starts). One web process and
one worker are killed with SIGKILL under a load of ingest API requests: every
acknowledged record is stored once and gets its KPI facts (issue 20, "Several hosts").

Needs root (``ip netns``); skipped otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, ensure_workspace
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import effects_backlog, interaction_facts, interactions
from tests.deploy.conftest import PrivatePostgres, PrivateRedis, _private_postgres, free_port
from tests.deploy.test_faults import _record, _scalar, _stop, _wait

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KONTROL = Path(sys.executable).with_name("kontrol")
WEB_PORT = 8000


@dataclass
class Host:
    """A network namespace joined to this machine by a veth pair: 10.N.i.2 inside."""

    namespace: str
    address: str
    gateway: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


@contextlib.contextmanager
def _hosts(count: int) -> Iterator[list[Host]]:
    tag = uuid.uuid4().hex[:5]
    net = 200 + int(tag[:2], 16) % 50
    made: list[Host] = []
    try:
        for index in range(1, count + 1):
            namespace = f"kd{tag}{index}"
            outside, inside = f"kd{tag}{index}h", f"kd{tag}{index}n"
            gateway, address = f"10.{net}.{index}.1", f"10.{net}.{index}.2"
            _ip("netns", "add", namespace)
            made.append(Host(namespace, address, gateway))
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", namespace)
            _ip("addr", "add", f"{gateway}/24", "dev", outside)
            _ip("link", "set", outside, "up")
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", inside)
            _ip("-n", namespace, "link", "set", inside, "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
            _ip("-n", namespace, "route", "add", "default", "via", gateway)
        yield made
    finally:
        for host in made:  # deleting a namespace deletes its end of the veth, and so both
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True)


class Balancer:
    """A round-robin TCP balancer: a connection goes to the next backend that accepts it."""

    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self.port = free_port()
        self._turn = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        start = next(self._turn)
        for step in range(len(self.backends)):
            host, port = self.backends[(start + step) % len(self.backends)]
            try:
                upstream = await asyncio.wait_for(asyncio.open_connection(host, port), 1)
            except (OSError, TimeoutError):
                continue
            up_reader, up_writer = upstream
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
            return
        writer.close()

    def start(self) -> None:
        """Listen on 127.0.0.1:``port`` in a thread of its own."""
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port), self._loop
        )
        server.result(10)

    def stop(self) -> None:
        """Stop accepting (open connections end with the test)."""
        self._loop.call_soon_threadsafe(self._loop.stop)


def _in(host: Host, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            ["ip", "netns", "exec", host.namespace, *command],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def shared_servers() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    """A PostgreSQL and a Redis that listen on every address, so the namespaces reach them."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2")
    folder = Path(tempfile.mkdtemp(prefix="kontrol-redis-"))
    redis_server = PrivateRedis(folder, free_port(), bind="0.0.0.0")
    redis_server.start()
    try:
        for postgres in _private_postgres("*"):
            yield postgres, redis_server
    finally:
        redis_server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_two_web_hosts_and_two_workers_lose_nothing_when_one_of_each_is_killed(
    shared_servers: tuple[PrivatePostgres, PrivateRedis], tmp_path: Path
) -> None:
    postgres, redis_server = shared_servers
    url = postgres.database("kontrol")
    engine = make_engine(url)
    upgrade(engine)
    workspace = ensure_workspace(engine, DEFAULT_WORKSPACE)
    with engine.begin() as connection:
        key = create_api_key(connection, workspace=workspace, name="load", created_by="t").secret
    log = tmp_path / "hosts.log"
    acknowledged: set[str] = set()
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    with _hosts(4) as hosts:

        def env_of(host: Host) -> dict[str, str]:
            return {
                "KONTROL_DATABASE_URL": url.replace("127.0.0.1", host.gateway),
                "KONTROL_REDIS_URL": f"redis://{host.gateway}:{redis_server.port}/0",
                "KONTROL_JOB_HEARTBEAT_TIMEOUT_MS": "1500",
                "KONTROL_EFFECTS_LEASE_SECONDS": "3",
                "KONTROL_JOB_LEASE_SECONDS": "5",
                "KONTROL_JOB_REQUEUE_SECONDS": "5",
                "KONTROL_JOB_SWEEP_SECONDS": "1",
            }

        web = [
            _in(
                host,
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "kontrol.web.app:app_from_environment",
                    "--host",
                    host.address,
                    "--port",
                    str(WEB_PORT),
                    "--no-access-log",
                ],
                env_of(host),
                log,
            )  # fmt: skip
            for host in hosts[:2]
        ]
        workers = [
            _in(host, [str(KONTROL), "worker", "--threads", "2"], env_of(host), log)
            for host in hosts[2:]
        ]
        balancer = Balancer([(host.address, WEB_PORT) for host in hosts[:2]])
        balancer.start()
        front = f"http://127.0.0.1:{balancer.port}"

        def sender(lane: int) -> None:
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            number = 0
            while not stop.is_set():
                external_id = f"host-{lane}-{number}"
                number += 1
                try:  # a new connection each time, so the balancer spreads the load
                    answer = httpx.post(
                        f"{front}/api/v1/interactions",
                        content=_record(external_id),
                        headers=headers,
                        timeout=10,
                    )
                except httpx.HTTPError:
                    continue  # not acknowledged
                with lock:
                    if answer.status_code == 200:
                        acknowledged.add(external_id)
                    else:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

        lanes = [threading.Thread(target=sender, args=(lane,)) for lane in range(4)]
        try:
            for host in hosts[:2]:
                _wait(lambda h=host: _ready(f"http://{h.address}:{WEB_PORT}"), "web", log, 240)
            for lane in lanes:
                lane.start()
            _wait(lambda: len(acknowledged) >= 100, "100 acknowledged records", log)
            web[0].send_signal(signal.SIGKILL)
            workers[0].send_signal(signal.SIGKILL)
            at_kill = len(acknowledged)
            _wait(lambda: len(acknowledged) >= at_kill + 100, "the survivors to take load", log)
        finally:
            stop.set()
            for lane in lanes:
                if lane.ident is not None:
                    lane.join(30)
            try:
                if lanes[0].ident is not None:
                    backlog = select(func.count()).select_from(effects_backlog)
                    _wait(lambda: _scalar(engine, backlog) == 0, "the worker to drain", log, 90)
            finally:
                balancer.stop()
                for process in (*web, *workers):
                    _stop(process)
    assert failures == []
    with engine.connect() as connection:
        stored = {
            str(name): int(count)
            for name, count in connection.execute(
                select(interactions.c.external_id, func.count()).group_by(
                    interactions.c.external_id
                )
            )
        }
    assert acknowledged - set(stored) == set(), "every acknowledged record is stored"
    assert {name for name, count in stored.items() if count != 1} == set(), "each once"
    assert _scalar(engine, select(func.count()).select_from(effects_backlog)) == 0
    assert _scalar(engine, select(func.count()).select_from(interaction_facts)) == len(stored)
    engine.dispose()
