"""The nightly training of the learned models (``learning.train``) on a demo database.

What the job does for each workspace (kontrol.learning.jobs.train_and_apply): train
every criterion bound to a check, store the models' verdicts on the newest
conversations and every reviewed one, apply the switched-on models. Timed twice on a
copy of the database (the given file is only read, through SQLite's backup API):

- ``fresh``: the stored models and verdicts deleted first (the first training);
- ``again``: right after, on the same reviews (the daily run at start-up when nothing
  was reviewed since: the models come out the same).

Also the models' figures (samples, held-back reviews, agreement of the model and of
the rule) so that two versions of the code can be compared on the same data.

    python -m bench.learning_train --db /path/to/a/demo/kontrol.db

Without ``--db`` a demo database is built first (``kontrol demo``, minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, select, update

from kontrol.learning.jobs import train_and_apply
from kontrol.store.database import make_engine
from kontrol.store.tables import job_runs, learned_models, learned_verdicts, workspaces


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file in WAL mode, the source opened read-only."""
    reading = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writing = sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def train_all(url: str) -> tuple[float, int]:
    """Seconds for ``train_and_apply`` over every workspace, and how many models it trained."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            ids = [int(i) for i in connection.execute(select(workspaces.c.id)).scalars()]
        began = time.perf_counter()
        trained = 0
        for workspace_id in ids:
            with engine.begin() as connection:
                trained += sum(
                    1 for t in train_and_apply(connection, workspace_id) if t.model is not None
                )
        return time.perf_counter() - began, trained
    finally:
        engine.dispose()


def figures(url: str) -> str:
    """A digest of every model's figures (equal digests: the same models learned)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    learned_models.c.scorecard,
                    learned_models.c.criterion,
                    learned_models.c.samples,
                    learned_models.c.held_back,
                    learned_models.c.model_agreed,
                    learned_models.c.rule_agreed,
                    learned_models.c.model,
                ).order_by(learned_models.c.scorecard, learned_models.c.criterion)
            ).all()
    finally:
        engine.dispose()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="a demo SQLite database (only read)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-train-") as folder:
        copy = Path(folder) / "kontrol.db"
        if args.db is None:
            subprocess.run(
                [str(Path(sys.executable).parent / "kontrol"), "demo", "--db", f"sqlite:///{copy}"],
                check=True,
            )
        else:
            copy_database(args.db, copy)
        url = f"sqlite:///{copy}"
        engine = make_engine(url)
        with engine.begin() as connection:
            # Nothing waits to be run by someone else; no model stored: a first training.
            connection.execute(
                update(job_runs).where(job_runs.c.status == "running").values(status="done")
            )
            connection.execute(delete(learned_verdicts))
            connection.execute(delete(learned_models))
        engine.dispose()
        fresh, trained = train_all(url)
        learned = figures(url)
        again, _ = train_all(url)
        same = figures(url) == learned
    table = [
        "| run | seconds | models | figures digest |",
        "|---|---:|---:|---|",
        f"| fresh (no model stored) | {fresh:.1f} | {trained} | `{learned}` |",
        f"| again (same reviews) | {again:.1f} | {trained} | {'same' if same else 'DIFFERENT'} |",
    ]
    text = "\n".join(table)
    print(text)
    return text


if __name__ == "__main__":
    main()
