"""``kontrol``: the command line. Thin: parse, call a service, print."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, Protocol

import typer

from kontrol.accounts.installation import database_url, initialize, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.domain.errors import KontrolError, Unreadable
from kontrol.domain.roles import WorkspaceRole

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kontrol.accounts.workspaces import Workspace

P = ParamSpec("P")
app = typer.Typer(
    help="Kontrol: quality control of customer service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
workspace_app = typer.Typer(help="Workspaces: one per company or client.", no_args_is_help=True)
user_app = typer.Typer(help="People who log in to the web app.", no_args_is_help=True)
rejects_app = typer.Typer(
    help="Records an import rejected, kept to be fixed.", no_args_is_help=True
)
app.add_typer(workspace_app, name="workspace")
app.add_typer(user_app, name="user")
app.add_typer(rejects_app, name="rejects")
target_app = typer.Typer(help="KPI targets: goal, warning level, owner.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Business-hours calendars for SLA and response clocks.", no_args_is_help=True
)
app.add_typer(target_app, name="target")
app.add_typer(calendar_app, name="calendar")
scorecard_app = typer.Typer(
    help="Scorecards: weighted criteria that turn check results into a score.",
    no_args_is_help=True,
)
phrases_app = typer.Typer(
    help="Phrase lists of the checks and custom checks of a workspace.", no_args_is_help=True
)
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(phrases_app, name="checks")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: KONTROL_DATABASE_URL, else sqlite:///kontrol.db).",
        show_default=False,
    ),
]
WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace name.")]


def _reports_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Show a domain error as one line on stderr and exit 2, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except KontrolError as error:
            raise _fail(str(error)) from None

    return run


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _open_workspace(db: str | None, workspace: str) -> tuple[Engine, Workspace]:
    """The database of ``--db`` (upgraded if needed) and the workspace named ``workspace``."""
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        return engine, find_workspace(connection, workspace)


class _RulesReport(Protocol):
    @property
    def created(self) -> Sequence[str]: ...
    @property
    def updated(self) -> Sequence[str]: ...
    @property
    def errors(self) -> Sequence[object]: ...


def _rules_report(report: _RulesReport) -> None:
    """Print what a rules import did (alert or routing rules); exit 1 if a rule was refused."""
    for error in report.errors:
        typer.echo(f"error: {error}", err=True)
    typer.echo(
        f"{len(report.created)} rules created, {len(report.updated)} updated, "
        f"{len(report.errors)} refused"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command()
@_reports_errors
def init(db: DbOption = None) -> None:
    """Create the database or upgrade it to the newest schema."""
    url = database_url(db)
    initialize(url)
    typer.echo(f"database ready: {url}")


@app.command("import")
@_reports_errors
def import_(
    files: Annotated[list[Path], typer.Argument(help="JSONL, JSONL.gz or CSV files.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    format_name: Annotated[
        str | None, typer.Option("--format", help="Importer to use (default: by file name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Import interactions, surveys, agents and orders (spec/FORMAT.md).

    Exit code 0: everything imported; 1: some records were rejected (the rest
    imported); 2: a file could not be read at all.
    """
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.importing import ImportReport, import_file

    engine = open_database(database_url(db))
    try:
        with engine.connect() as connection:
            target = find_workspace(connection, workspace)
    except KontrolError as error:
        raise _fail(str(error)) from None
    total = ImportReport()
    unreadable: list[str] = []
    for path in files:
        try:
            report = import_file(
                engine=engine, workspace=target, path=path, format_name=format_name
            )
        except Unreadable as error:
            unreadable.append(str(error))
            continue
        except KontrolError as error:
            raise _fail(str(error)) from None
        total.add(report)
        if not as_json:
            typer.echo(
                f"{path}: {report.imported} imported, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.rejected} rejected"
            )
            for reject in report.rejects[:20]:
                typer.echo(f"  {reject.file}:{reject.line}: {reject.error}")
            if report.rejected > 20:
                typer.echo(f"  … {report.rejected - 20} more: kontrol rejects list")
    from kontrol.jobs import run_due_jobs

    # Without Redis, the background work the import queued runs here before exiting.
    run_due_jobs(engine)
    for message in unreadable:
        typer.echo(f"error: {message}", err=True)
    if as_json:
        typer.echo(json.dumps(total.as_json(), ensure_ascii=False))
    if unreadable:
        raise typer.Exit(2)
    if total.rejected:
        raise typer.Exit(1)


@app.command()
@_reports_errors
def demo(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 42,
    count: Annotated[int, typer.Option(help="How many interactions.")] = 400,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the workspace has data.")
    ] = False,
) -> None:
    """Generate realistic demo data and demo logins (known passwords: demo only)."""
    from kontrol.accounts.workspaces import ensure_workspace
    from kontrol.demo.seeding import DEMO_LOGINS, has_interactions, load_demo

    engine = initialize(database_url(db))
    target = ensure_workspace(engine, workspace, "Europe/Moscow")
    if if_empty and has_interactions(engine, target):
        typer.echo(f"workspace {target.name!r} has data already; demo data not loaded")
    else:
        report = load_demo(engine, target, seed=seed, count=count)
        typer.echo(f"demo data: {report.imported} records imported into workspace {target.name!r}")
    typer.echo("demo logins (username / password):")
    for login in DEMO_LOGINS:
        typer.echo(
            f"  {login.username} / {login.password}  ({login.role.value}: {login.display_name})"
        )


@app.command()
@_reports_errors
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo_mode: Annotated[
        bool, typer.Option("--demo", help="Show the demo logins on the login page.")
    ] = False,
    workers: Annotated[
        int, typer.Option(help="Web processes (more than 1 needs PostgreSQL to pay off).")
    ] = 1,
) -> None:
    """Serve the web app and the JSON API."""
    import os

    import uvicorn

    from kontrol.web.app import create_app

    url = database_url(db)
    typer.echo(f"Kontrol is at http://{host}:{port}/  (database: {url})")
    if workers > 1:
        # Each process builds its own app from the environment; migrate once, here.
        open_database(url).dispose()
        os.environ["KONTROL_DATABASE_URL"] = url
        if demo_mode:
            os.environ["KONTROL_DEMO"] = "true"
        uvicorn.run(
            "kontrol.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
        return
    application = create_app(url, demo=demo_mode or None)
    uvicorn.run(application, host=host, port=port, log_level="info")


@workspace_app.command("create")
@_reports_errors
def workspace_create(
    name: str,
    db: DbOption = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Moscow.")] = "UTC",
) -> None:
    """Create a workspace (with the default review queues and routing rules)."""
    from kontrol.accounts.workspaces import create_workspace
    from kontrol.review.routing.rules import create_default_rules

    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            created = create_workspace(connection, name=name, timezone=timezone)
            create_default_rules(connection, created.id)
    except KontrolError as error:
        raise _fail(str(error)) from None
    typer.echo(f"workspace {created.name!r} created (time zone {created.timezone})")


@workspace_app.command("list")
@_reports_errors
def workspace_list(db: DbOption = None) -> None:
    """List workspaces."""
    from kontrol.accounts.workspaces import list_workspaces

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_workspaces(connection):
            typer.echo(f"{item.name}\t{item.timezone}")


@user_app.command("add")
@_reports_errors
def user_add(
    username: str,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    role: Annotated[WorkspaceRole, typer.Option(help="Role in the workspace.")] = (
        WorkspaceRole.ADMIN
    ),
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    agent_id: Annotated[
        str | None, typer.Option(help="For agents: their agent id in the data.")
    ] = None,
    team: Annotated[str | None, typer.Option(help="For team leads: their team.")] = None,
    locale: Annotated[str, typer.Option(help="Interface language: ru or en.")] = "ru",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="KONTROL_NEW_PASSWORD",
            help="Password (default: asked for, hidden). Also KONTROL_NEW_PASSWORD.",
        ),
    ] = None,
) -> None:
    """Create an account with a role in a workspace."""
    from kontrol.accounts.logins import add_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            add_user(
                connection,
                username=username,
                password=password,
                workspace_name=workspace,
                role=role,
                display_name=name,
                locale=locale,
                agent_external_id=agent_id,
                team=team,
            )
    except KontrolError as error:
        raise _fail(str(error)) from None
    typer.echo(f"user {username!r} added to {workspace!r} as {role.value}")


@rejects_app.command("list")
@_reports_errors
def rejects_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Also rejects fixed by a later import.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List rejected records: file, line, field and reason."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.rejects import list_rejects

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        try:
            target = find_workspace(connection, workspace)
        except KontrolError as error:
            raise _fail(str(error)) from None
        for reject in list_rejects(connection, target, include_resolved=include_resolved):
            if as_json:
                typer.echo(json.dumps(reject.as_json(), ensure_ascii=False))
            else:
                state = " (fixed)" if reject.resolved else ""
                typer.echo(f"{reject.file}:{reject.line}: {reject.error}{state}")


@rejects_app.command("export")
@_reports_errors
def rejects_export(
    out: Annotated[Path, typer.Argument(help="File to write the original lines to.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Write the original text of open rejects to a file, to fix and import again."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.ingest.rejects import list_rejects

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        try:
            target = find_workspace(connection, workspace)
        except KontrolError as error:
            raise _fail(str(error)) from None
        count = 0
        with out.open("w", encoding="utf-8") as handle:
            for reject in list_rejects(connection, target):
                handle.write(reject.raw.rstrip("\n") + "\n")
                count += 1
    typer.echo(f"{count} rejected records written to {out}")


# -- ingest API keys and the job queue (docs/api.md, docs/jobs.md) -------------

apikey_app = typer.Typer(
    help="API keys: how a helpdesk or telephony system writes into a workspace.",
    no_args_is_help=True,
)
jobs_app = typer.Typer(help="Background job runs and the dead-letter list.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(jobs_app, name="jobs")


@apikey_app.command("create")
@_reports_errors
def apikey_create(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. helpdesk.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    created_by: Annotated[
        str, typer.Option("--by", help="Who made it (shown in lists).")
    ] = "command line",
) -> None:
    """Make an API key for a workspace and print it (shown this once only)."""
    from kontrol.accounts.apikeys import create_api_key
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        made = create_api_key(
            connection,
            workspace=find_workspace(connection, workspace),
            name=name,
            created_by=created_by,
        )
    typer.echo(made.secret)
    typer.echo(
        f"API key {name!r} for workspace {workspace!r}: copy it now, it is not shown again",
        err=True,
    )


@apikey_app.command("list")
@_reports_errors
def apikey_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List a workspace's API keys (name, start of the key, state; never the key)."""
    from kontrol.accounts.apikeys import list_api_keys
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for key in list_api_keys(connection, find_workspace(connection, workspace)):
            used = key.last_used_at.isoformat(" ", "seconds") if key.last_used_at else "never"
            state = "active" if key.active else "revoked"
            typer.echo(f"{key.name}\t{key.prefix}…\t{state}\tlast used {used}")


@apikey_app.command("revoke")
@_reports_errors
def apikey_revoke(
    name: Annotated[str, typer.Argument(help="Name of the key, or the start the list shows.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    from kontrol.accounts.apikeys import find_api_key, revoke_api_key
    from kontrol.accounts.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        key = find_api_key(connection, find_workspace(connection, workspace), name.rstrip("…"))
        revoke_api_key(connection, key)
    typer.echo(f"API key {key.name!r} revoked")


@app.command()
@_reports_errors
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
@_reports_errors
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
@_reports_errors
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
@_reports_errors
def jobs_run(db: DbOption = None) -> None:
    """Without Redis: run every job that is due now, here, and return."""
    from kontrol.jobs import run_due_jobs, uses_redis

    if uses_redis():
        raise _fail("KONTROL_REDIS_URL is set: `kontrol worker` processes run the jobs")
    typer.echo(f"{run_due_jobs(open_database(database_url(db)))} job runs run")


# --- customer surveys and alerts (docs/surveys.md, docs/alerts.md) -------------

survey_app = typer.Typer(help="Customer surveys: links, places and QR codes.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alert rules and the alerts they raise.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")
app.add_typer(alerts_app, name="alerts")


@survey_app.command("link")
@_reports_errors
def survey_link(
    interaction: Annotated[
        str, typer.Argument(help="The interaction's id (external, else number).")
    ],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    kind: Annotated[str, typer.Option(help="csat, nps or ces.")] = "csat",
    hours: Annotated[int | None, typer.Option(help="Valid for (default 72 h).")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Default: KONTROL_PUBLIC_URL.")
    ] = None,
) -> None:
    """Print a signed, single-use, expiring survey link for one interaction."""
    from kontrol.settings import Settings
    from kontrol.surveys.links import create_link, find_interaction_id

    settings = Settings()
    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        link = create_link(
            connection,
            workspace=target,
            interaction_id=find_interaction_id(connection, target, interaction),
            created_by="cli",
            kind=kind,
            hours=hours or settings.survey_link_hours,
        )
    typer.echo((base_url or settings.public_url).rstrip("/") + link.path())


@survey_app.command("place")
@_reports_errors
def survey_place(
    name: Annotated[str, typer.Argument(help="Where the QR code hangs: a counter, an office.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    kind: Annotated[str, typer.Option(help="csat, nps or ces.")] = "csat",
    language: Annotated[str, typer.Option(help="ru or en.")] = "ru",
    team: Annotated[str | None, typer.Option(help="The team answers count for.")] = None,
    agent: Annotated[str | None, typer.Option(help="The agent answers count for.")] = None,
    qr: Annotated[Path | None, typer.Option(help="Write the QR code here (.png or .svg).")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Default: KONTROL_PUBLIC_URL.")
    ] = None,
) -> None:
    """Create a survey place; print its QR and kiosk addresses (and write the QR code)."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.settings import Settings
    from kontrol.surveys.places import create_place, qr_code

    base = (base_url or Settings().public_url).rstrip("/")
    engine = open_database(database_url(db))
    with engine.begin() as connection:
        place = create_place(
            connection,
            workspace=find_workspace(connection, workspace),
            name=name,
            kind=kind,
            language=language,
            team=team,
            agent_id=agent,
            created_by="cli",
        )
    typer.echo(f"QR code: {base}{place.public_path}")
    typer.echo(f"kiosk:   {base}{place.kiosk_path}")
    if qr is not None:
        fmt = "svg" if qr.suffix.lower() == ".svg" else "png"
        qr.write_bytes(qr_code(base + place.public_path, kind=fmt))
        typer.echo(f"QR code written to {qr}")


@alerts_app.command("import")
@_reports_errors
def alerts_import(
    file: Annotated[Path, typer.Argument(help="A YAML file of rules (docs/alerts.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update (by name) alert rules from YAML; exit 1 if a rule was refused."""
    from kontrol.alerts.raising import import_rules

    engine, target = _open_workspace(db, workspace)
    _rules_report(import_rules(engine, target, file))


@alerts_app.command("list")
@_reports_errors
def alerts_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="As a rules file for `alerts import`.")
    ] = False,
) -> None:
    """List the alert rules of a workspace."""
    from kontrol.alerts.raising import list_rules, rules_as_yaml

    engine, target = _open_workspace(db, workspace)
    with engine.connect() as connection:
        if as_yaml:
            typer.echo(rules_as_yaml(connection, target), nl=False)
            return
        for rule in list_rules(connection, target):
            params = ", ".join(f"{k}={v:g}" for k, v in rule.params.items())
            scope = f"team={rule.scope_team or '*'} channel={rule.scope_channel or '*'}"
            recipients = len(rule.webhooks) + len(rule.emails) + len(rule.telegram_chats)
            state = "" if rule.enabled else " (disabled)"
            typer.echo(
                f"{rule.id}\t{rule.name}\t{rule.kind}({params})\t{scope}\t"
                f"{recipients} recipients{state}"
            )


@alerts_app.command("check")
@_reports_errors
def alerts_check(db: DbOption = None) -> None:
    """Run the periodic alert kinds (complaints spike) now; run it from cron or a timer."""
    from kontrol.alerts.raising import check_scheduled

    engine = open_database(database_url(db))
    raised = check_scheduled(engine)
    typer.echo(f"{len(raised)} alerts raised")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: expected YYYY-MM-DD, got {value!r}") from None


def _filters(values: list[str] | None) -> dict[str, str]:
    found = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _fail(f"--filter: expected NAME=VALUE, got {item!r}")
        found[name.strip()] = value.strip()
    return found


@app.command()
@_reports_errors
def kpi(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Interchange files; without files, the database (--db) is used."),
    ] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    by: Annotated[
        str | None, typer.Option(help="Group by: agent,team,channel,topic,language.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="day, week, month or quarter.")] = None,
    metrics: Annotated[
        str | None, typer.Option(help="Metric ids, comma-separated (default: all).")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First local day, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last local day, YYYY-MM-DD.")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Only rows where NAME=VALUE (agent, team, channel, …)."),
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="With files: the time zone of periods and offset-less times.")
    ] = "UTC",
    output: Annotated[str, typer.Option("--format", help="json, csv or table.")] = "json",
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Count from the per-interaction facts: exact medians and p90 at any size "
            "(slower). Files are always exact.",
        ),
    ] = False,
) -> None:
    """KPIs (spec/METRICS.md) of the database, or of files through a temporary database."""
    from kontrol.cli.kpi_output import as_csv, as_json, as_table
    from kontrol.metrics.kpis import chosen_metrics, compute, kpi_for_files
    from kontrol.metrics.targets import Target, list_targets

    if output not in ("json", "csv", "table"):
        raise _fail(f"--format: json, csv or table, not {output!r}")
    request = {
        "metrics": _split(metrics) or None,
        "by": _split(by),
        "period": period,
        "date_from": _day(date_from, "--from"),
        "date_to": _day(date_to, "--to"),
        "filters": _filters(filters),
    }
    targets: list[Target] = []
    if files:
        for path in files:
            if not path.exists():
                raise _fail(f"{path}: no such file")
        rows, problems = kpi_for_files(files, timezone=timezone, **request)  # type: ignore[arg-type]
        for problem in problems[:20]:
            typer.echo(f"rejected: {problem}", err=True)
        if len(problems) > 20:
            typer.echo(f"rejected: … {len(problems) - 20} more", err=True)
    else:
        engine, target = _open_workspace(db, workspace)
        with engine.connect() as connection:
            rows = compute(
                connection,
                workspace=target,
                exact=True if exact else None,
                **request,  # type: ignore[arg-type]
            )
            targets = list_targets(connection, target)
    if output == "json":
        typer.echo(as_json(rows))
    elif output == "csv":
        typer.echo(as_csv(rows), nl=False)
    else:
        selected = chosen_metrics(request["metrics"])  # type: ignore[arg-type]
        typer.echo(
            as_table(rows, selected, targets=targets, period=period, colour=sys.stdout.isatty())
        )


@app.command()
@_reports_errors
def rollup(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Recompute the per-interaction facts and the daily rollups KPIs are counted from."""
    import time

    from kontrol.metrics.facts import rebuild

    engine, target = _open_workspace(db, workspace)
    started = time.perf_counter()
    facts, orders = rebuild(engine, target.id)
    took = time.perf_counter() - started
    typer.echo(
        f"{facts} interaction facts and {orders} order facts rebuilt "
        f"(with the daily rollups) in {took:.1f} s"
    )


@target_app.command("set")
@_reports_errors
def target_set(
    metric: Annotated[str, typer.Argument(help="Metric id, e.g. sla.")],
    target: Annotated[float, typer.Option(help="The value to reach.")],
    warning: Annotated[float, typer.Option(help="Beyond this the value is bad.")],
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    scope: Annotated[str, typer.Option(help="company, team, agent or channel.")] = "company",
    value: Annotated[
        str | None, typer.Option(help="The team, agent id or channel of the scope.")
    ] = None,
    direction: Annotated[
        str | None, typer.Option(help="higher or lower is better (default: the metric's).")
    ] = None,
    period: Annotated[str, typer.Option(help="day, week, month or quarter.")] = "month",
) -> None:
    """Set the target of a metric for a scope and period (replaces an existing one)."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import save_target

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        saved = save_target(
            connection,
            find_workspace(connection, workspace),
            metric=metric,
            scope=scope,
            scope_value=value,
            target=target,
            warning=warning,
            direction=direction,
            owner=owner,
            period=period,
        )
    typer.echo(
        f"target {saved.id}: {saved.metric} {saved.scope} {saved.scope_value or ''} "
        f"{saved.direction} is better, target {saved.target:g}, warning {saved.warning:g}, "
        f"per {saved.period}, owner {saved.owner}"
    )


@target_app.command("list")
@_reports_errors
def target_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the targets of a workspace."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import list_targets

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_targets(connection, find_workspace(connection, workspace)):
            if as_json:
                typer.echo(json.dumps(item.as_json(), ensure_ascii=False))
            else:
                typer.echo(
                    f"{item.id}\t{item.metric}\t{item.scope}\t{item.scope_value or ''}\t"
                    f"{item.direction}\t{item.target:g}\t{item.warning:g}\t{item.period}\t"
                    f"{item.owner}"
                )


@target_app.command("delete")
@_reports_errors
def target_delete(
    target_id: int, db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE
) -> None:
    """Delete a target by id."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.targets import delete_target

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        delete_target(connection, find_workspace(connection, workspace), target_id)
    typer.echo(f"target {target_id} deleted")


def _clock_span(value: str, option: str) -> tuple[str, str]:
    start, sep, end = value.partition("-")
    if not sep:
        raise _fail(f"{option}: expected HH:MM-HH:MM, got {value!r}")
    return start.strip(), end.strip()


def _weekdays(value: str) -> list[int]:
    days: list[int] = []
    try:
        for part in _split(value):
            first, sep, last = part.partition("-")
            days.extend(range(int(first), int(last) + 1) if sep else [int(first)])
    except ValueError:
        raise _fail(f"--days: ISO weekday numbers like 1-5 or 1,2,3, got {value!r}") from None
    return days


@calendar_app.command("set")
@_reports_errors
def calendar_set(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    scope: Annotated[str, typer.Option(help="workspace, team or channel.")] = "workspace",
    value: Annotated[str | None, typer.Option(help="The team or channel.")] = None,
    days: Annotated[str, typer.Option(help="ISO weekdays: 1-5 = Monday to Friday.")] = "1-5",
    hours: Annotated[str, typer.Option(help="Working hours, HH:MM-HH:MM.")] = "09:00-18:00",
    lunch: Annotated[str | None, typer.Option(help="Lunch break, HH:MM-HH:MM.")] = None,
    holiday: Annotated[
        list[str] | None, typer.Option(help="A holiday, YYYY-MM-DD (repeat the option).")
    ] = None,
) -> None:
    """Set a business-hours calendar and recount the response clocks with it."""
    from kontrol.metrics.calendars import make_calendar, save_calendar
    from kontrol.metrics.facts import rebuild

    opens, closes = _clock_span(hours, "--hours")
    calendar = make_calendar(
        days=_weekdays(days),
        opens=opens,
        closes=closes,
        lunch=_clock_span(lunch, "--lunch") if lunch else None,
        holidays=holiday or [],
    )
    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        saved = save_calendar(connection, target, scope=scope, scope_value=value, calendar=calendar)
    facts, _orders = rebuild(engine, target.id)
    typer.echo(f"calendar {saved.scope} {saved.scope_value or ''} saved; {facts} facts recounted")


@calendar_app.command("list")
@_reports_errors
def calendar_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the business-hours calendars as JSON lines."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.calendars import list_calendars

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_calendars(connection, find_workspace(connection, workspace)):
            typer.echo(json.dumps(item.as_json(), ensure_ascii=False))


@calendar_app.command("delete")
@_reports_errors
def calendar_delete(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    scope: Annotated[str, typer.Option(help="workspace, team or channel.")] = "workspace",
    value: Annotated[str | None, typer.Option(help="The team or channel.")] = None,
) -> None:
    """Delete a calendar; its clocks run around the clock again."""
    from kontrol.metrics.calendars import delete_calendar
    from kontrol.metrics.facts import rebuild

    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        delete_calendar(connection, target, scope=scope, scope_value=value)
    rebuild(engine, target.id)
    typer.echo(f"calendar {scope} {value or ''} deleted")


@app.command()
@_reports_errors
def score(
    file: Annotated[Path, typer.Argument(help="JSONL, JSONL.gz or CSV file of interactions.")],
    scorecard: Annotated[
        str | None,
        typer.Option(
            help="Scorecard name (default: default-ru / default-en by language) or a YAML file; "
            "without it only the checks run (score: null)."
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="jsonl (one JSON object per interaction) or text.")
    ] = "jsonl",
    format_name: Annotated[
        str | None, typer.Option("--importer", help="Importer to use (default: by file name).")
    ] = None,
) -> None:
    """Check and score the interactions of a file, without touching any database.

    The file is imported into a temporary SQLite database and scored there, the
    same way as an import; rejected records are reported on stderr (exit 1).
    """
    from kontrol.checks.file_scoring import score_file

    if output_format not in ("jsonl", "text"):
        raise _fail("--format: expected jsonl or text")
    result = score_file(file, scorecard=scorecard, format_name=format_name)
    for line in result.lines:
        if output_format == "jsonl":
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            failed = [k for k, v in line["checks"].items() if v["result"] == "fail"]
            score_text = "-" if line["score"] is None else f"{line['score']:.1f}"
            typer.echo(f"{line['id']}\t{score_text}\tfailed: {', '.join(failed) or '-'}")
    for reject in result.report.rejects[:20]:
        typer.echo(f"{reject.file}:{reject.line}: {reject.error}", err=True)
    if result.report.rejected:
        raise typer.Exit(1)


@app.command()
@_reports_errors
def rescore(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Check and score every interaction of a workspace again (newest scorecard versions)."""
    from kontrol.checks.scoring import rescore_workspace

    engine, target = _open_workspace(db, workspace)
    count = rescore_workspace(engine, target.id)
    typer.echo(f"{count} interactions scored in workspace {target.name!r}")


@scorecard_app.command("import")
@_reports_errors
def scorecard_import(
    file: Annotated[Path, typer.Argument(help="Scorecard YAML (docs/checks.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add a scorecard, or a new version of the scorecard with the same name."""
    from kontrol.checks.scoring import ensure_default_scorecards, save_scorecard
    from kontrol.domain.errors import InvalidInput

    if not file.exists():
        raise _fail(f"{file}: no such file")
    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_default_scorecards(connection, target.id)
        try:
            stored = save_scorecard(connection, target.id, file.read_text(encoding="utf-8"))
        except InvalidInput as error:
            raise _fail(f"{file}: {error}") from None
    typer.echo(f"scorecard {stored.name!r} version {stored.version} saved")


@scorecard_app.command("list")
@_reports_errors
def scorecard_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the scorecards of a workspace (newest versions)."""
    from kontrol.checks.scoring import ensure_default_scorecards, list_scorecards

    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_default_scorecards(connection, target.id)
        for card in list_scorecards(connection, target.id):
            state = "active" if card.is_active else "inactive"
            typer.echo(f"{card.name}\tv{card.version}\t{state}\t{card.scorecard.title}")


@phrases_app.command("phrases")
@_reports_errors
def checks_phrases(
    list_name: Annotated[str, typer.Argument(help="List name, e.g. greeting, jargon, upsell.")],
    file: Annotated[Path, typer.Argument(help="Text file: one phrase per line, # comments.")],
    language: Annotated[str, typer.Option("--lang", help="ru or en.")] = "ru",
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the built-in list instead of extending it.")
    ] = False,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Extend or replace one phrase list of the checks for a workspace."""
    from kontrol.checks.scoring import save_phrase_override

    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        save_phrase_override(
            connection,
            target.id,
            language=language,
            list_name=list_name,
            mode="replace" if replace else "extend",
            phrases=file.read_text(encoding="utf-8"),
        )
    typer.echo(f"list {list_name!r} ({language}) saved; run 'kontrol rescore' to apply it")


@phrases_app.command("add")
@_reports_errors
def checks_add(
    file: Annotated[Path, typer.Argument(help="Custom check YAML (docs/checks.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add or change a custom check (phrases, regular expressions, all/any/not)."""
    from kontrol.checks.scoring import save_custom_check
    from kontrol.domain.errors import InvalidInput

    engine, target = _open_workspace(db, workspace)
    with engine.begin() as connection:
        try:
            check = save_custom_check(connection, target.id, file.read_text(encoding="utf-8"))
        except InvalidInput as error:
            raise _fail(f"{file}: {error}") from None
    typer.echo(f"custom check {check.id!r} saved; run 'kontrol rescore' to apply it")


review_rules_app = typer.Typer(
    help="Routing rules that fill the review queues (docs/routing.md).", no_args_is_help=True
)
app.add_typer(review_rules_app, name="review-rules")


@review_rules_app.command("export")
@_reports_errors
def review_rules_export(
    file: Annotated[Path, typer.Argument(help="YAML file to write; '-' for the screen.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Write the routing rules of a workspace as YAML (for review-rules import)."""
    from kontrol.review.routing.rules import rules_as_yaml

    engine, target = _open_workspace(db, workspace)
    with engine.connect() as connection:
        text = rules_as_yaml(connection, target.id)
    if str(file) == "-":
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"routing rules written to {file}")


@review_rules_app.command("import")
@_reports_errors
def review_rules_import(
    file: Annotated[Path, typer.Argument(help="Routing rules YAML (docs/routing.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or update (by name) routing rules from YAML; exit 1 if a rule was refused."""
    from kontrol.review.routing.rules import import_rules

    engine, target = _open_workspace(db, workspace)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as unreadable:
        raise _fail(f"{file}: cannot be read: {unreadable}") from None
    _rules_report(import_rules(engine, target.id, text, label=str(file)))


@app.command("review-route")
@_reports_errors
def review_route(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    recent_days: Annotated[
        int,
        typer.Option(
            "--recent-days",
            min=0,
            max=365,
            help="Also run the immediate rules (ratings, critical, complaints) "
            "over the interactions of the last N days.",
        ),
    ] = 0,
) -> None:
    """Run the scheduled routing rules now (random sample, handle time, repeat contact)."""
    from kontrol.review.routing.queues import route_recent, route_scheduled

    engine, target = _open_workspace(db, workspace)
    recent = route_recent(engine, target.id, days=recent_days) if recent_days else 0
    report = route_scheduled(engine, workspace_id=target.id)
    typer.echo(f"{report.created + recent} items queued, {report.assigned} waiting items assigned")


def main() -> None:  # pragma: no cover - console entry
    """Run the command line."""
    try:
        app()
    except KontrolError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
