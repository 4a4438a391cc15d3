"""Commands of service audits: templates (YAML import and export), audits, answers, reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.improvement import AsOption, acting
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

audits_app = typer.Typer(
    help="Service audits: templates, audits, answers and reports.", no_args_is_help=True
)


@audits_app.command("templates")
@reports_errors
def templates_command(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the workspace's audit templates (the shipped ones are added on first use)."""
    from kontrol.audits.templates import ensure_shipped_templates, list_templates

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_shipped_templates(connection, target.id)
        found = list_templates(connection, target.id)
    for stored in found:
        items = len(stored.template.items)
        typer.echo(f"{stored.name}\tv{stored.version}\t{items} items\t{stored.template.title}")


@audits_app.command("import-template")
@reports_errors
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Template YAML files.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Save templates from YAML files (a known name gets a new version); errors name the
    file, the line and the field, and nothing is saved then."""
    from kontrol.audits.templates import save_template

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                from kontrol.domain.errors import Unreadable

                raise Unreadable(
                    f"{path}: {error}", key="cli.error.file", params={"load": path, "error": error}
                ) from None
            stored = save_template(connection, target.id, text, file=str(path))
            typer.echo(f"{path}: {stored.name} v{stored.version}")


@audits_app.command("export-template")
@reports_errors
def export_command(
    name: Annotated[str, typer.Argument(help="The template's name.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    output: Annotated[Path | None, typer.Option("-o", help="Write here, not to stdout.")] = None,
) -> None:
    """Print (or write) the YAML of a template's newest version."""
    from kontrol.audits.templates import ensure_shipped_templates, export_template

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_shipped_templates(connection, target.id)
        text = export_template(connection, target.id, name)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@audits_app.command("list")
@reports_errors
def list_audits_command(
    person: AsOption, db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE
) -> None:
    """The workspace's audits, newest first."""
    from kontrol.audits.conduct import list_audits

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        items = list_audits(connection, acting(connection, target, person))
    for audit in items:
        score = f"{audit.score:g}" if audit.score is not None else "-"
        typer.echo(f"#{audit.id}\t{audit.held_on}\t{audit.status}\t{score}\t{audit.title}")


@audits_app.command("create")
@reports_errors
def create_audit_command(
    person: AsOption,
    template: Annotated[str, typer.Option(help="The template's name.")],
    period_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD.")],
    period_to: Annotated[str, typer.Option("--to", help="YYYY-MM-DD.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    title: Annotated[str, typer.Option(help="Default: the template's title.")] = "",
    scope: Annotated[str, typer.Option(help="company, team, place or channel.")] = "company",
    scope_value: Annotated[str, typer.Option(help="Which team, place or channel.")] = "",
    competitor: Annotated[list[str] | None, typer.Option(help="A competitor (repeat).")] = None,
) -> None:
    """Create a draft audit; measurable items are pre-filled from Kontrol's figures."""
    from kontrol.audits.conduct import create_audit
    from kontrol.audits.templates import ensure_shipped_templates

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ensure_shipped_templates(connection, target.id)
        viewer = acting(connection, target, person)
        values = {
            "template": template,
            "title": title,
            "scope_kind": scope,
            "scope_value": scope_value,
            "period_from": period_from,
            "period_to": period_to,
            "competitors": "\n".join(competitor or []),
        }
        audit = create_audit(connection, viewer, values)
    typer.echo(f"audit #{audit.id}: {audit.title}")


@audits_app.command("answer")
@reports_errors
def answer_command(
    person: AsOption,
    audit_id: Annotated[int, typer.Argument(help="The audit's number.")],
    item: Annotated[str, typer.Argument(help="The item's key.")],
    answer: Annotated[str, typer.Argument(help="yes/partly/no, 1-5, a number or na.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    subject: Annotated[str, typer.Option(help="A competitor's name (competitor area).")] = "",
    comment: Annotated[str, typer.Option(help="The auditor's comment.")] = "",
    evidence: Annotated[Path | None, typer.Option(help="A photo, PDF or audio file.")] = None,
) -> None:
    """Answer one item of a draft audit (optionally with an evidence file)."""
    from kontrol.audits.conduct import add_evidence, save_answer

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting(connection, target, person)
        save_answer(
            connection,
            viewer,
            audit_id,
            item_key=item,
            subject=subject,
            answer=answer,
            comment=comment,
        )
        if evidence is not None:
            add_evidence(
                connection,
                viewer,
                audit_id,
                item_key=item,
                subject=subject,
                filename=evidence.name,
                data=evidence.read_bytes(),
            )
    typer.echo(f"audit #{audit_id}: {item} = {answer}")


@audits_app.command("complete")
@reports_errors
def complete_command(
    person: AsOption,
    audit_id: Annotated[int, typer.Argument(help="The audit's number.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Complete an audit (every item answered, evidence where the template requires it)."""
    from kontrol.audits.conduct import complete_audit, get_audit

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting(connection, target, person)
        version = get_audit(connection, viewer, audit_id).version
        audit = complete_audit(connection, viewer, audit_id, version=version)
    typer.echo(f"audit #{audit.id}: completed, score {audit.score}")


@audits_app.command("report")
@reports_errors
def report_command(
    person: AsOption,
    audit_id: Annotated[int, typer.Argument(help="The audit's number.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF report here.")] = None,
    language: Annotated[str, typer.Option(help="ru or en (the PDF's language).")] = "ru",
) -> None:
    """Print an audit's results as JSON, or write its PDF report."""
    from kontrol.audits.conduct import get_audit
    from kontrol.audits.report_pdf import audit_pdf
    from kontrol.audits.results import audit_results

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        viewer = acting(connection, target, person)
        results = audit_results(connection, get_audit(connection, viewer, audit_id))
    if pdf is not None:
        pdf.write_bytes(audit_pdf(results, language))
        typer.echo(f"{pdf}: written")
        return
    typer.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
