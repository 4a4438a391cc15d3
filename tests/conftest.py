"""Shared fixtures: every database test runs on SQLite and on the real PostgreSQL.

``--backends=sqlite`` (or ``postgresql``) narrows the run; the default, used by
``make test`` and CI, is both. PostgreSQL is reached at
``KONTROL_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``);
each pytest worker gets a database of its own, created and dropped here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import CompoundSelect, Engine, exists, literal, select, text, union_all

# Cheap password hashing in tests (production keeps argon2-cffi's defaults).
os.environ.setdefault("KONTROL_ARGON2_TIME_COST", "1")
os.environ.setdefault("KONTROL_ARGON2_MEMORY_KIB", "1024")
# Audit evidence uploaded by tests goes to a scratch folder, never the working directory.
os.environ.setdefault("KONTROL_EVIDENCE_DIR", tempfile.mkdtemp(prefix="kontrol-evidence-"))
# The dictionaries' answers that commands keep between runs: a scratch folder too.
os.environ.setdefault("KONTROL_CACHE_DIR", tempfile.mkdtemp(prefix="kontrol-cache-"))

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, Workspace, ensure_workspace
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import metadata

pytest_plugins = ["tests.webapp", "tests.s3store", "tests.chromium", "tests.demos"]

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get(
    "KONTROL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated database backends to run database tests on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    explicit = any(
        "backend" in str(marker.args[0])
        for marker in metafunc.definition.iter_markers("parametrize")
    )
    if "backend" in metafunc.fixturenames and not explicit:
        backends = metafunc.config.getoption("--backends").split(",")
        metafunc.parametrize("backend", [b.strip() for b in backends if b.strip()])


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; the test is skipped when it is absent."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this pytest worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"kontrol_test_{worker}_{os.getpid()}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    admin.dispose()
    # Dropping a database makes PostgreSQL write a checkpoint, which took up to two
    # minutes at the end of a run on a busy machine: a detached process drops it while
    # the run ends (nothing waits for it; a name holds the worker's pid, so no run
    # reuses it).
    subprocess.Popen(
        [sys.executable, "-c", _DROP, POSTGRES_ADMIN_URL, name],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


_DROP = """
import sys
from sqlalchemy import text
from kontrol.store.database import make_engine
admin = make_engine(sys.argv[1]).execution_options(isolation_level="AUTOCOMMIT")
with admin.connect() as connection:
    connection.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[2]))
"""


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database on ``backend``."""
    if backend == "sqlite":
        path = tmp_path / "kontrol.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(request.getfixturevalue("postgres_engine"))
    yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on this worker's PostgreSQL database, for emptying it between tests."""
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def _rows_of_each_table() -> CompoundSelect[tuple[str]]:
    """The names of the tables that hold at least one row (one query for all of them)."""
    probes = [
        select(literal(table.name)).where(exists().select_from(table))
        for table in metadata.sorted_tables
    ]
    return union_all(*probes)


def empty_postgres(engine: Engine) -> None:
    """Every table empty and every sequence back at its start, as TRUNCATE ... RESTART
    IDENTITY leaves them, at a fraction of its cost.

    A TRUNCATE of all 100-odd tables gives each table and index a new file: 1.5-1.8 s
    per test on the shared two-core machine, for the few rows a test writes. Only the
    tables holding rows are emptied here (children before their parents) and only the
    sequences that were used are reset.
    """
    with engine.begin() as connection:
        filled = set(connection.execute(_rows_of_each_table()).scalars())
        for table in reversed(metadata.sorted_tables):
            if table.name in filled:
                connection.execute(table.delete())
        used = connection.execute(
            text(
                "SELECT format('%I.%I', schemaname, sequencename), start_value "
                "FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()
        for sequence, start in used:
            connection.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :start, false)"),
                {"sequence": sequence, "start": start},
            )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database with the ``default`` workspace."""
    engine = make_engine(database_url)
    ensure_workspace(engine, DEFAULT_WORKSPACE)
    yield engine
    engine.dispose()


@pytest.fixture
def workspace(engine: Engine) -> Workspace:
    """The ``default`` workspace (UTC)."""
    return ensure_workspace(engine, DEFAULT_WORKSPACE)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploaded files (KONTROL_DATA_DIR) go to the test's own folder, never the checkout."""
    folder = tmp_path / "data"
    monkeypatch.setenv("KONTROL_DATA_DIR", str(folder))
    return folder
