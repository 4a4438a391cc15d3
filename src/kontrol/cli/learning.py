"""Commands of the checks that learn from reviewers: train now, show the models."""

from __future__ import annotations

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

learning_app = typer.Typer(
    help="Checks that learn from reviewers (docs/learning.md).", no_args_is_help=True
)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@learning_app.command("train")
@reports_errors
def learning_train(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Learn every criterion bound to a check from the reviews now, in this process."""
    from kontrol.learning.jobs import train_and_apply

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        trainings = train_and_apply(connection, target.id)
    for t in trainings:
        line = f"{t.scorecard}/{t.criterion}\t{t.status}\treviews {t.reviews}"
        if t.model is not None:
            m = t.model
            line += (
                f"\theld back {m.held_back}\tmodel {_percent(m.model_percent)} "
                f"kappa {_kappa(m.model_kappa)}\trule {_percent(m.rule_percent)} "
                f"kappa {_kappa(m.rule_kappa)}"
            )
        typer.echo(line)


@learning_app.command("status")
@reports_errors
def learning_status(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """The stored models: agreement with reviewers on held-back reviews, model and rule."""
    from kontrol.learning.training import learned_models_of

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        models = learned_models_of(connection, target.id)
    if not models:
        typer.echo("no learned models yet: run 'kontrol learning train' once reviews exist")
    for m in models:
        state = "on" if m.enabled else "may be turned on" if m.beats_rule else "off"
        typer.echo(
            f"{m.scorecard}/{m.criterion}\t{state}\ttrained on {m.samples}, held back "
            f"{m.held_back}\tmodel {_percent(m.model_percent)} kappa {_kappa(m.model_kappa)}"
            f"\trule {_percent(m.rule_percent)} kappa {_kappa(m.rule_kappa)}"
            f"\t{m.trained_at:%Y-%m-%d %H:%M} UTC"
        )
