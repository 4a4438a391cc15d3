"""``kontrol``: the command line. Thin: parse, call a service, print."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec

import typer

from kontrol.domain.errors import KontrolError, Unreadable
from kontrol.domain.roles import WorkspaceRole
from kontrol.services.database import database_url, initialize, open_database
from kontrol.services.workspaces import DEFAULT_WORKSPACE

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
    from kontrol.services.importing import ImportReport, import_file
    from kontrol.services.workspaces import find_workspace

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
    from kontrol.services.demo import DEMO_LOGINS, has_interactions, load_demo
    from kontrol.services.workspaces import ensure_workspace

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
) -> None:
    """Serve the web app and the JSON API."""
    import uvicorn

    from kontrol.web.app import create_app

    url = database_url(db)
    application = create_app(url, demo=demo_mode or None)
    typer.echo(f"Kontrol is at http://{host}:{port}/  (database: {url})")
    uvicorn.run(application, host=host, port=port, log_level="info")


@workspace_app.command("create")
@_reports_errors
def workspace_create(
    name: str,
    db: DbOption = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Moscow.")] = "UTC",
) -> None:
    """Create a workspace."""
    from kontrol.services.workspaces import create_workspace

    engine = open_database(database_url(db))
    try:
        with engine.begin() as connection:
            created = create_workspace(connection, name=name, timezone=timezone)
    except KontrolError as error:
        raise _fail(str(error)) from None
    typer.echo(f"workspace {created.name!r} created (time zone {created.timezone})")


@workspace_app.command("list")
@_reports_errors
def workspace_list(db: DbOption = None) -> None:
    """List workspaces."""
    from kontrol.services.workspaces import list_workspaces

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
    from kontrol.services.accounts import add_user

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
    from kontrol.services.rejects import list_rejects
    from kontrol.services.workspaces import find_workspace

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
    from kontrol.services.rejects import list_rejects
    from kontrol.services.workspaces import find_workspace

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
    from kontrol.services.file_scoring import score_file

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
    from kontrol.services.scoring import rescore_workspace
    from kontrol.services.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        target = find_workspace(connection, workspace)
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
    from kontrol.domain.errors import InvalidInput
    from kontrol.services.scoring import ensure_default_scorecards, save_scorecard
    from kontrol.services.workspaces import find_workspace

    if not file.exists():
        raise _fail(f"{file}: no such file")
    engine = open_database(database_url(db))
    with engine.begin() as connection:
        target = find_workspace(connection, workspace)
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
    from kontrol.services.scoring import ensure_default_scorecards, list_scorecards
    from kontrol.services.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        target = find_workspace(connection, workspace)
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
    from kontrol.services.scoring import save_phrase_override
    from kontrol.services.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        target = find_workspace(connection, workspace)
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
    from kontrol.domain.errors import InvalidInput
    from kontrol.services.scoring import save_custom_check
    from kontrol.services.workspaces import find_workspace

    engine = open_database(database_url(db))
    with engine.begin() as connection:
        target = find_workspace(connection, workspace)
        try:
            check = save_custom_check(connection, target.id, file.read_text(encoding="utf-8"))
        except InvalidInput as error:
            raise _fail(f"{file}: {error}") from None
    typer.echo(f"custom check {check.id!r} saved; run 'kontrol rescore' to apply it")


def main() -> None:  # pragma: no cover - console entry
    """Run the command line."""
    try:
        app()
    except KontrolError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
