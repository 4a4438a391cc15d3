"""Running the due job runs of a database in several processes at once.

``kontrol import --jobs N`` without Redis: the import queues its scoring (and
the other heavy effects) as job runs, then this process and ``N - 1`` others
claim and run them side by side. A run is claimed through its ``job_runs`` row,
exactly as ``kontrol worker`` processes claim them, so none runs twice and a
process killed mid-run leaves its run to be taken up again when its claim runs
out (docs/jobs.md).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine

from kontrol.jobs.backends import drain
from kontrol.jobs.registry import load_jobs
from kontrol.settings import current_settings
from kontrol.store.database import make_engine


def _drain_child(url: str) -> int:
    engine = make_engine(url)
    try:
        load_jobs()
        return drain(engine, current_settings())
    finally:
        engine.dispose()


def drain_in_processes(engine: Engine, url: str, processes: int) -> int:
    """Run every due run in this process and ``processes - 1`` others; how many ran.

    Without Redis only (with it, ``kontrol worker`` processes run them: 0).
    """
    settings = current_settings()
    if settings.redis_url:
        return 0
    load_jobs()
    if processes <= 1:
        return drain(engine, settings)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes - 1, mp_context=context) as pool:
        children = [pool.submit(_drain_child, url) for _ in range(processes - 1)]
        done = drain(engine, settings)
        done += sum(child.result() for child in children)
    # Runs queued by the last runs of the others (alerts, judging) while this one looked.
    return done + drain(engine, settings)
