"""The small demo, built once per test run and copied for each test that asks for it.

Loading the demo costs 14-17 CPU seconds (the import with its checks, the
assignment classifier, the report PDFs); a dozen test files loaded the same one.
``demo_copy(count=...)`` builds each distinct demo once per run and backend,
shared by the xdist workers, and gives the test a copy of its own to read and
change: tests stay independent.

- The built demos live in ``demos/`` beside the workers' temporary folders (the
  run's base temporary folder), so they last one run and no other run sees them.
  A file lock per demo makes the first worker that needs it build it while the
  others wait.
- SQLite: the built database file is copied into the test's folder.
- PostgreSQL: the demo is built into a template database nobody may connect to
  once it is built; each test gets ``CREATE DATABASE ... TEMPLATE`` of it. The
  copies and the templates are dropped when the run ends, by a detached process
  (a drop makes PostgreSQL write a checkpoint; nothing should wait for it).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, Workspace, ensure_workspace
from kontrol.demo.seeding import load_demo
from kontrol.demo.sizes import SMALL
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade

ADMIN_URL = os.environ.get(
    "KONTROL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
_DATABASES = "postgres-databases"
"""The file in the demos folder listing the PostgreSQL databases made for the run."""


@dataclass(frozen=True)
class Demo:
    """A test's own copy of the small demo, in the ``default`` workspace (UTC)."""

    url: str
    engine: Engine
    workspace: Workspace


DemoCopy = Callable[..., Demo]


def _demos_folder(factory: pytest.TempPathFactory) -> Path:
    """One folder per run, shared by its workers (an xdist worker's base folder is
    inside the run's)."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "demos"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_token(folder: Path) -> str:
    """A name part shared by the run's workers and no other run's."""
    with _locked(folder / "run.lock"):
        path = folder / "run"
        if not path.exists():
            path.write_text(secrets.token_hex(4))
        return path.read_text()


def _load(url: str, count: int | None) -> None:
    engine = make_engine(url)
    try:
        load_demo(engine, ensure_workspace(engine, DEFAULT_WORKSPACE), count=count, size=SMALL)
    finally:
        engine.dispose()


def _sqlite_demo(folder: Path, key: str, template: Path, count: int | None) -> Path:
    built = folder / f"{key}.db"
    with _locked(folder / f"{key}.lock"):
        if not built.exists():
            building = folder / f"{key}.building.db"
            shutil.copy(template, building)
            _load(f"sqlite:///{building}", count)
            building.rename(built)
    return built


def _admin() -> Engine:
    return make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")


def _postgres_url(name: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _remember(folder: Path, name: str) -> None:
    with _locked(folder / f"{_DATABASES}.lock"), (folder / _DATABASES).open("a") as handle:
        handle.write(name + "\n")


def _postgres_template(folder: Path, key: str, count: int | None) -> str:
    name = f"kontrol_demo_{_run_token(folder)}_{key}"
    built = folder / f"{key}.postgresql"
    with _locked(folder / f"{key}.lock"):
        if not built.exists():
            admin = _admin()
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            _remember(folder, name)
            engine = make_engine(_postgres_url(name))
            upgrade(engine)
            engine.dispose()
            _load(_postgres_url(name), count)
            with admin.connect() as connection:
                # Copying a database needs nobody connected to it: nobody will be.
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            admin.dispose()
            built.write_text(name)
    return name


@pytest.fixture
def demo_copy(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[DemoCopy]:
    """``demo_copy(count=None)``: this test's own copy of the small demo (seed 42,
    the generator's fixed dates; ``count`` contacts, the size's 400 when left out)."""
    folder = _demos_folder(tmp_path_factory)
    engines: list[Engine] = []

    def copy(count: int | None = None) -> Demo:
        key = f"small_s42_{count or 'all'}"
        if backend == "sqlite":
            path = tmp_path / f"demo-{len(engines)}.db"
            shutil.copy(_sqlite_demo(folder, key, sqlite_template, count), path)
            url = f"sqlite:///{path}"
        else:
            template = _postgres_template(folder, key, count)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            name = f"{template}_{worker}_{secrets.token_hex(3)}"
            _remember(folder, name)
            admin = _admin()
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            admin.dispose()
            url = _postgres_url(name)
        engine = make_engine(url)
        engines.append(engine)
        return Demo(url, engine, ensure_workspace(engine, DEFAULT_WORKSPACE))

    yield copy
    for engine in engines:
        engine.dispose()


_DROP = """
import sys
from sqlalchemy import text
from kontrol.store.database import make_engine
admin = make_engine(sys.argv[1]).execution_options(isolation_level="AUTOCOMMIT")
with admin.connect() as connection:
    for name in sys.argv[2:]:
        connection.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
"""


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's end (the xdist controller's, after every worker): the demo databases go."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    factory: pytest.TempPathFactory | None = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or getattr(factory, "_basetemp", None) is None:
        return  # no temporary folder made, so no demo either
    listed = _demos_folder(factory) / _DATABASES
    if not listed.exists():
        return
    names = listed.read_text().split()
    # Copies first: a template is dropped once nothing is made from it.
    subprocess.Popen(
        [sys.executable, "-c", _DROP, ADMIN_URL, *reversed(names)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
