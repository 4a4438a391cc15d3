"""What a rules import did, printed the same way for alert rules and routing rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import typer


class RulesReport(Protocol):
    """The outcome of a rules import: names created and updated, rules refused."""

    @property
    def created(self) -> Sequence[str]: ...
    @property
    def updated(self) -> Sequence[str]: ...
    @property
    def errors(self) -> Sequence[object]: ...


def rules_report(report: RulesReport) -> None:
    """Print what a rules import did (alert or routing rules); exit 1 if a rule was refused."""
    for error in report.errors:
        typer.echo(f"error: {error}", err=True)
    typer.echo(
        f"{len(report.created)} rules created, {len(report.updated)} updated, "
        f"{len(report.errors)} refused"
    )
    if report.errors:
        raise typer.Exit(1)
