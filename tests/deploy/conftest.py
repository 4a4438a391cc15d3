"""Private servers the deployment tests may stop and start: never the shared ones.

:class:`PrivatePostgres` is a throwaway PostgreSQL cluster (``initdb``/``pg_ctl``
from the system's PostgreSQL binaries) in a temporary folder on a free port;
:class:`PrivateRedis` a ``redis-server`` likewise. Tests kill and restart them
at will; the shared PostgreSQL (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(found[0]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of one test: ``stop()`` kills it, ``start()`` brings it back."""

    def __init__(
        self, directory: Path, port: int, binaries: Path, listen: str = "127.0.0.1"
    ) -> None:
        self.listen = listen
        self.directory = directory
        self.data = directory / "data"
        self.port = port
        self.binaries = binaries
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *command: str) -> None:
        args = [str(self.binaries / command[0]), *command[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            args = ["runuser", "-u", "postgres", "--", *args]
        subprocess.run(args, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        """Create the cluster (trust authentication, fsync off: a test's throwaway).

        ``--no-sync``: initdb does not wait for its files to reach the disk, as the
        server started with ``fsync=off`` does not either.
        """
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        if self.listen != "127.0.0.1":  # the test's own private networks (10.x) may connect
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host all all 10.0.0.0/8 trust\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses='{self.listen}' "
            "-c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop at once, as a crash or a lost host would (open connections are cut)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        """True while the server's pid file exists."""
        return (self.data / "postmaster.pid").exists()

    def database(self, name: str) -> str:
        """Create database ``name`` and return its URL."""
        from sqlalchemy import text

        from kontrol.store.database import make_engine

        admin = make_engine(self.url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL cluster of this test alone; removed afterwards."""
    yield from _private_postgres("127.0.0.1")


def _private_postgres(listen: str) -> Iterator[PrivatePostgres]:
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    directory = Path(tempfile.mkdtemp(prefix="kontrol-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = PrivatePostgres(directory, free_port(), binaries, listen)
    server.init()
    server.start()
    try:
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


class PrivateRedis:
    """A redis-server of one test, without persistence: a restart forgets everything."""

    def __init__(self, directory: Path, port: int, bind: str = "127.0.0.1") -> None:
        self.directory = directory
        self.bind = bind
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        command = [
            "redis-server", "--port", str(self.port), "--bind", self.bind, "--protected-mode", "no",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL the server: every queued message it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running redis-server of this test alone."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()
