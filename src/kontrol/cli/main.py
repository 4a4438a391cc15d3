"""``kontrol``: the command line. Thin: parse, call a feature, print.

The commands live with their feature (``cli/accounts.py``, ``cli/ingest.py``...);
this module puts them on one root command, in the order ``kontrol --help`` lists
them, and turns a domain error that escapes a command into ``error: ...``, exit 2.
"""

from __future__ import annotations

import sys

import typer

from kontrol.cli import (
    accounts,
    alerts,
    analysis,
    audits,
    backup,
    checks,
    demo,
    improvement,
    ingest,
    jobs,
    judging,
    learning,
    mystery,
    reports,
    review,
    scripts,
    speech,
    staff,
    surveys,
    web,
    worktools,
)
from kontrol.cli.metrics import calendars, kpi, targets
from kontrol.domain.errors import KontrolError

app = typer.Typer(
    help="Kontrol: quality control of customer service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# The commands without a group first, then the groups: the order of `kontrol --help`.
for commands in (
    accounts.commands,
    ingest.commands,
    demo.commands,
    web.commands,
    jobs.commands,
    backup.commands,
    kpi.commands,
    checks.commands,
    review.commands,
):
    app.add_typer(commands)
app.add_typer(accounts.workspace_app, name="workspace")
app.add_typer(accounts.user_app, name="user")
app.add_typer(ingest.rejects_app, name="rejects")
app.add_typer(targets.target_app, name="target")
app.add_typer(calendars.calendar_app, name="calendar")
app.add_typer(checks.scorecard_app, name="scorecard")
app.add_typer(checks.phrases_app, name="checks")
app.add_typer(accounts.apikey_app, name="apikey")
app.add_typer(accounts.token_app, name="token")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(surveys.survey_app, name="survey")
app.add_typer(speech.speech_app, name="speech")
app.add_typer(scripts.script_app, name="script")
app.add_typer(judging.judging_app, name="judging")
app.add_typer(learning.learning_app, name="learning")
app.add_typer(analysis.analysis_app, name="analysis")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(review.review_rules_app, name="review-rules")
app.add_typer(mystery.mystery_app, name="mystery")
app.add_typer(worktools.work_app, name="work")
app.add_typer(audits.audits_app, name="audits")
app.add_typer(improvement.actions_app, name="actions")
app.add_typer(staff.staff_app, name="staff")
app.add_typer(reports.report_app, name="report")


def main() -> None:  # pragma: no cover - console entry
    """Run the command line."""
    try:
        app()
    except KontrolError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
