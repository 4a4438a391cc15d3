"""Commands of checks: scoring files and workspaces, scorecards, phrase lists, custom checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, fail, open_workspace, reports_errors

# Commands without a group: main.py puts them on the root command as they are.
commands = typer.Typer()
scorecard_app = typer.Typer(
    help="Scorecards: weighted criteria that turn check results into a score.",
    no_args_is_help=True,
)
phrases_app = typer.Typer(
    help="Phrase lists of the checks and custom checks of a workspace.", no_args_is_help=True
)


@commands.command()
@reports_errors
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
    jobs: Annotated[
        int,
        typer.Option("--jobs", min=1, help="Processes that run the checks (default: 1)."),
    ] = 1,
) -> None:
    """Check and score the interactions of a file, without touching any database.

    The file is imported into a temporary SQLite database and every interaction is
    scored there, the same way as an import; rejected records are reported on
    stderr (exit 1). A big file shows a progress bar on stderr (a terminal only).
    The lines are written as they are read back, a page at a time, so memory
    stays flat whatever the file's size.
    """
    from kontrol.checks.file_scoring import score_file
    from kontrol.cli.progress import file_progress

    if output_format not in ("jsonl", "text"):
        raise fail("--format: expected jsonl or text")

    def emit(line: dict[str, Any]) -> None:
        out = sys.stdout
        if output_format == "jsonl":
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            failed = [k for k, v in line["checks"].items() if v["result"] == "fail"]
            score_text = "-" if line["score"] is None else f"{line['score']:.1f}"
            out.write(f"{line['id']}\t{score_text}\tfailed: {', '.join(failed) or '-'}\n")

    with file_progress() as progress:
        result = score_file(
            file,
            scorecard=scorecard,
            format_name=format_name,
            progress=progress,
            emit=emit,
            jobs=jobs,
        )
    sys.stdout.flush()
    for reject in result.report.rejects[:20]:
        typer.echo(f"{reject.file}:{reject.line}: {reject.error}", err=True)
    if result.report.rejected:
        raise typer.Exit(1)


@commands.command()
@reports_errors
def rescore(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Check and score every interaction of a workspace again (newest scorecard versions)."""
    from kontrol.checks.scoring import rescore_workspace

    engine, target = open_workspace(db, workspace)
    count = rescore_workspace(engine, target.id)
    typer.echo(f"{count} interactions scored in workspace {target.name!r}")


@scorecard_app.command("import")
@reports_errors
def scorecard_import(
    file: Annotated[Path, typer.Argument(help="Scorecard YAML (docs/checks.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add a scorecard, or a new version of the scorecard with the same name."""
    from kontrol.checks.scorecards import ensure_default_scorecards, save_scorecard
    from kontrol.domain.errors import InvalidInput

    if not file.exists():
        raise fail(f"{file}: no such file")
    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_default_scorecards(connection, target.id)
        try:
            stored = save_scorecard(connection, target.id, file.read_text(encoding="utf-8"))
        except InvalidInput as error:
            raise fail(f"{file}: {error}") from None
    typer.echo(f"scorecard {stored.name!r} version {stored.version} saved")


@scorecard_app.command("list")
@reports_errors
def scorecard_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the scorecards of a workspace (newest versions)."""
    from kontrol.checks.scorecards import ensure_default_scorecards, list_scorecards

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_default_scorecards(connection, target.id)
        for card in list_scorecards(connection, target.id):
            state = "active" if card.is_active else "inactive"
            typer.echo(f"{card.name}\tv{card.version}\t{state}\t{card.scorecard.title}")


@phrases_app.command("phrases")
@reports_errors
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
    from kontrol.checks.check_settings import save_phrase_override

    engine, target = open_workspace(db, workspace)
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
@reports_errors
def checks_add(
    file: Annotated[Path, typer.Argument(help="Custom check YAML (docs/checks.md).")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add or change a custom check (phrases, regular expressions, all/any/not)."""
    from kontrol.checks.check_settings import save_custom_check
    from kontrol.domain.errors import InvalidInput

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        try:
            check = save_custom_check(connection, target.id, file.read_text(encoding="utf-8"))
        except InvalidInput as error:
            raise fail(f"{file}: {error}") from None
    typer.echo(f"custom check {check.id!r} saved; run 'kontrol rescore' to apply it")
