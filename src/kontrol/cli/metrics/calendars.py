"""The calendar commands: business hours for the SLA and response clocks."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kontrol.accounts.installation import database_url, open_database
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.metrics.kpi import comma_list
from kontrol.cli.options import DbOption, WorkspaceOption, fail, open_workspace, reports_errors

calendar_app = typer.Typer(
    help="Business-hours calendars for SLA and response clocks.", no_args_is_help=True
)


def _clock_span(value: str, option: str) -> tuple[str, str]:
    start, sep, end = value.partition("-")
    if not sep:
        raise fail(f"{option}: expected HH:MM-HH:MM, got {value!r}")
    return start.strip(), end.strip()


def _weekdays(value: str) -> list[int]:
    days: list[int] = []
    try:
        for part in comma_list(value):
            first, sep, last = part.partition("-")
            days.extend(range(int(first), int(last) + 1) if sep else [int(first)])
    except ValueError:
        raise fail(f"--days: ISO weekday numbers like 1-5 or 1,2,3, got {value!r}") from None
    return days


@calendar_app.command("set")
@reports_errors
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
    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        saved = save_calendar(connection, target, scope=scope, scope_value=value, calendar=calendar)
    facts, _orders = rebuild(engine, target.id)
    typer.echo(f"calendar {saved.scope} {saved.scope_value or ''} saved; {facts} facts recounted")


@calendar_app.command("list")
@reports_errors
def calendar_list(db: DbOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """List the business-hours calendars as JSON lines."""
    from kontrol.accounts.workspaces import find_workspace
    from kontrol.metrics.calendars import list_calendars

    engine = open_database(database_url(db))
    with engine.connect() as connection:
        for item in list_calendars(connection, find_workspace(connection, workspace)):
            typer.echo(json.dumps(item.as_json(), ensure_ascii=False))


@calendar_app.command("delete")
@reports_errors
def calendar_delete(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    scope: Annotated[str, typer.Option(help="workspace, team or channel.")] = "workspace",
    value: Annotated[str | None, typer.Option(help="The team or channel.")] = None,
) -> None:
    """Delete a calendar; its clocks run around the clock again."""
    from kontrol.metrics.calendars import delete_calendar
    from kontrol.metrics.facts import rebuild

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        delete_calendar(connection, target, scope=scope, scope_value=value)
    rebuild(engine, target.id)
    typer.echo(f"calendar {scope} {value or ''} deleted")
