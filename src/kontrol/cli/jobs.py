"""Commands of the job queue: the worker and the job runs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.cli.options import DbOption, fail, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
jobs_app = typer.Typer(help="Background job runs and the dead-letter list.", no_args_is_help=True)


@commands.command()
@reports_errors
def worker(
    db: DbOption = None,
    threads: Annotated[int, typer.Option(help="Jobs run at once by this process.")] = 2,
) -> None:
    """Run background jobs until stopped (Ctrl-C or SIGTERM).

    With KONTROL_REDIS_URL: consume the Redis queue (start any number of
    workers on any number of machines). Without: run the database's own queue.
    Either way it also runs the effects of records the ingest API stored
    (scoring, KPI facts, alerts, routing: docs/api.md).
    """
    import signal
    import threading

    from kontrol.heap import freeze_startup_objects
    from kontrol.ingest.effects_backlog import BacklogDrainer
    from kontrol.jobs import load_jobs, uses_redis
    from kontrol.jobs.backends import serve_in_process, serve_redis
    from kontrol.plugins import freeze_all
    from kontrol.settings import Settings

    settings = Settings()
    engine = open_database(database_url(db))
    load_jobs()
    # The jobs this worker can run are fixed now, before it takes any.
    freeze_all()
    stop = threading.Event()

    def finish(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    where = "Redis" if uses_redis(settings) else "the database queue (no KONTROL_REDIS_URL)"
    typer.echo(f"kontrol worker: {threads} threads on {where}", err=True)
    serve = serve_redis if uses_redis(settings) else serve_in_process
    freeze_startup_objects()
    # The ingest API's effects backlog (ingest/effects_backlog.py) is drained here too.
    drainer = BacklogDrainer(engine, kind="worker-effects")
    drainer.start()
    try:
        serve(engine, settings, threads=max(threads, 1), stop=stop)
    finally:
        drainer.stop()
    typer.echo("kontrol worker: stopped", err=True)


@jobs_app.command("list")
@reports_errors
def jobs_list(
    db: DbOption = None,
    status: Annotated[
        str | None, typer.Option(help="queued, running, done, failed or dead (dead letters).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List job runs of every workspace, newest first (and, on stderr, how many
    pushed records wait in the effects backlog)."""
    from kontrol.ingest.effects_backlog import backlog_state
    from kontrol.jobs.runs import list_runs

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        backlog = backlog_state(connection)
        typer.echo(
            f"effects backlog: {backlog.waiting} records waiting"
            + (f", the oldest for {backlog.age_seconds():.0f} s" if backlog.waiting else ""),
            err=True,
        )
        for run in list_runs(connection, status=status, limit=limit):
            if as_json:
                typer.echo(json.dumps(run.as_json(), ensure_ascii=False))
            else:
                error = (run.last_error or "").splitlines()[0] if run.last_error else ""
                typer.echo(
                    f"{run.id}\t{run.name}\t{run.status}\t{run.attempts}/{run.max_attempts}"
                    f"\t{run.created_at.isoformat(' ', 'seconds')}\t{error}"
                )


@jobs_app.command("retry")
@reports_errors
def jobs_retry(
    run_id: Annotated[int, typer.Argument(help="Number of a dead or failed run.")],
    db: DbOption = None,
) -> None:
    """Queue a dead or failed job run again (with a fresh set of attempts)."""
    from kontrol.jobs import retry, run_due_jobs

    engine = open_database(database_url(db))
    run = retry(engine, run_id)
    ran = run_due_jobs(engine)
    typer.echo(f"job run {run.id} ({run.name}) queued again" + (f"; ran {ran} due" if ran else ""))


@jobs_app.command("run")
@reports_errors
def jobs_run(db: DbOption = None) -> None:
    """Without Redis: run every job that is due now, here, and return."""
    from kontrol.jobs import run_due_jobs, uses_redis

    if uses_redis():
        raise fail("KONTROL_REDIS_URL is set: `kontrol worker` processes run the jobs")
    typer.echo(f"{run_due_jobs(open_database(database_url(db)))} job runs run")
