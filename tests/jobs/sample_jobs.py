"""Jobs used by the tests; a worker subprocess loads them via KONTROL_JOB_MODULES."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Connection, select

from kontrol.jobs import JobContext, job
from kontrol.store.database import commit_point
from kontrol.store.tables import app_settings


def bump(connection: Connection, name: str) -> None:
    """Add one to the counter ``name`` (kept in app_settings: a real table)."""
    key = f"test-counter:{name}"
    current = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == key)
    ).scalar()
    if current is None:
        connection.execute(app_settings.insert().values(key=key, value="1"))
    else:
        connection.execute(
            app_settings.update()
            .where(app_settings.c.key == key)
            .values(value=str(int(current) + 1))
        )


def counter(connection: Connection, name: str) -> int:
    """The value of counter ``name`` (0 when never bumped)."""
    value = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == f"test-counter:{name}")
    ).scalar()
    return int(value) if value is not None else 0


@job("test.count")
def count(ctx: JobContext, *, name: str) -> None:
    bump(ctx.connection, name)


@job("test.flaky", max_attempts=4)
def flaky(ctx: JobContext, *, name: str, succeed_at: int) -> None:
    if ctx.attempt < succeed_at:
        raise RuntimeError(f"attempt {ctx.attempt} fails on purpose")
    bump(ctx.connection, name)


@job("test.broken", max_attempts=3)
def broken(ctx: JobContext, *, name: str, workspace_id: int | None = None) -> None:
    bump(ctx.connection, name)  # rolled back with the failure
    raise ValueError("broken on purpose")


@job("test.blocks")
def blocks(ctx: JobContext, *, name: str, marker_dir: str) -> None:
    """Counts, then tells it started and waits for the release file."""
    folder = Path(marker_dir)
    bump(ctx.connection, name)
    (folder / f"started-{ctx.attempt}").write_text(str(ctx.run_id))
    deadline = time.monotonic() + 120
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)


@job("test.sleeps")
def sleeps(ctx: JobContext, *, name: str, seconds: float) -> None:
    """Works ``seconds`` before writing anything, then counts (a long run, no lock held)."""
    time.sleep(seconds)
    bump(ctx.connection, name)


@job("test.parts")
def parts(ctx: JobContext, *, name: str, marker_dir: str) -> None:
    """A long job of two parts: writes the first, commits it, then waits (computing the next)."""
    folder = Path(marker_dir)
    bump(ctx.connection, name)
    commit_point(ctx.connection)
    (folder / "started").write_text(str(ctx.run_id))
    deadline = time.monotonic() + 120
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    bump(ctx.connection, name)


@job("test.training", long=True)
def training(ctx: JobContext, *, name: str, marker_dir: str) -> None:
    """A long job (the long lane): says it started, then works until a short job has
    run beside it (the file ``short``); it fails if none could."""
    folder = Path(marker_dir)
    (folder / "training").write_text(str(ctx.run_id))
    deadline = time.monotonic() + 60
    while not (folder / "short").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no short job ran while the training went on")
        time.sleep(0.05)
    bump(ctx.connection, name)


@job("test.short")
def short(ctx: JobContext, *, name: str, marker_dir: str) -> None:
    """A short job: counts and leaves the file ``short``."""
    bump(ctx.connection, name)
    (Path(marker_dir) / "short").write_text(str(ctx.run_id))
