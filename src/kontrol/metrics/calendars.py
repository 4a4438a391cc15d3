"""Business-hours calendars of a workspace: for the whole workspace, a team or a channel.

The calendar that applies to an interaction is its team's, else its channel's,
else the workspace's; without any, clocks run around the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.business_hours import BusinessCalendar, parse_clock
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.store.tables import business_calendars

CALENDAR_SCOPES = ("workspace", "team", "channel")


@dataclass(frozen=True)
class StoredCalendar:
    """A calendar and what it applies to."""

    id: int
    scope: str
    scope_value: str | None
    calendar: BusinessCalendar

    def as_json(self) -> dict[str, Any]:
        """The calendar as plain data (CLI ``--json``, API)."""
        cal = self.calendar
        return {
            "id": self.id,
            "scope": self.scope,
            "scope_value": self.scope_value,
            "days": sorted(cal.days),
            "opens": cal.opens.strftime("%H:%M"),
            "closes": cal.closes.strftime("%H:%M"),
            "lunch": [t.strftime("%H:%M") for t in cal.lunch] if cal.lunch else None,
            "holidays": sorted(day.isoformat() for day in cal.holidays),
        }


@dataclass(frozen=True)
class Calendars:
    """The calendars of one workspace, to look up the one an interaction follows."""

    workspace: BusinessCalendar | None
    teams: dict[str, BusinessCalendar]
    channels: dict[str, BusinessCalendar]

    def for_contact(self, *, team: str | None, channel: str) -> BusinessCalendar | None:
        """The team's calendar, else the channel's, else the workspace's, else none."""
        if team is not None and team in self.teams:
            return self.teams[team]
        return self.channels.get(channel, self.workspace)


def make_calendar(
    *,
    days: Iterable[int],
    opens: str,
    closes: str,
    lunch: tuple[str, str] | None = None,
    holidays: Iterable[str | date] = (),
) -> BusinessCalendar:
    """A calendar from user input; raises ``InvalidInput`` naming the bad field."""
    parsed_holidays = set()
    for value in holidays:
        if isinstance(value, date):
            parsed_holidays.add(value)
            continue
        try:
            parsed_holidays.add(date.fromisoformat(value.strip()))
        except ValueError:
            raise InvalidInput(
                f"holidays: expected YYYY-MM-DD, got {value!r}",
                key="metrics.error.holiday",
                params={"value": value},
                where_key="error.where.field",
                where_params={"field": "holidays"},
            ) from None
    return BusinessCalendar(
        days=frozenset(days),
        opens=parse_clock(opens, "opens"),
        closes=parse_clock(closes, "closes"),
        lunch=(
            (parse_clock(lunch[0], "lunch start"), parse_clock(lunch[1], "lunch end"))
            if lunch
            else None
        ),
        holidays=frozenset(parsed_holidays),
    )


def _from_row(row: Any) -> StoredCalendar:
    lunch = (row.lunch_start, row.lunch_end) if row.lunch_start and row.lunch_end else None
    calendar = make_calendar(
        days=[int(part) for part in row.days.split(",") if part],
        opens=row.opens,
        closes=row.closes,
        lunch=lunch,
        holidays=row.holidays or [],
    )
    return StoredCalendar(row.id, row.scope, row.scope_value or None, calendar)


def _check_scope(scope: str, scope_value: str | None) -> str:
    if scope not in CALENDAR_SCOPES:
        raise InvalidInput(
            f"calendar scope: one of {', '.join(CALENDAR_SCOPES)}, not {scope!r}",
            key="metrics.error.calendar_scope",
            params={"choices": ", ".join(CALENDAR_SCOPES), "scope": scope},
        )
    if scope == "workspace":
        return ""
    if not scope_value:
        raise InvalidInput(
            f"a {scope} calendar needs the {scope} it applies to",
            key="metrics.error.calendar_value",
            params={"scope": scope},
        )
    return scope_value


def list_calendars(connection: Connection, workspace: Workspace) -> list[StoredCalendar]:
    """Every calendar of the workspace."""
    rows = connection.execute(
        select(business_calendars)
        .where(business_calendars.c.workspace_id == workspace.id)
        .order_by(business_calendars.c.scope, business_calendars.c.scope_value)
    )
    return [_from_row(row) for row in rows]


def save_calendar(
    connection: Connection,
    workspace: Workspace,
    *,
    scope: str,
    scope_value: str | None,
    calendar: BusinessCalendar,
) -> StoredCalendar:
    """Create or replace the calendar of a scope. Facts must be rebuilt afterwards."""
    value = _check_scope(scope, scope_value)
    row = {
        "days": ",".join(str(day) for day in sorted(calendar.days)),
        "opens": calendar.opens.strftime("%H:%M"),
        "closes": calendar.closes.strftime("%H:%M"),
        "lunch_start": calendar.lunch[0].strftime("%H:%M") if calendar.lunch else None,
        "lunch_end": calendar.lunch[1].strftime("%H:%M") if calendar.lunch else None,
        "holidays": sorted(day.isoformat() for day in calendar.holidays),
        "updated_at": utcnow(),
    }
    where = (
        (business_calendars.c.workspace_id == workspace.id)
        & (business_calendars.c.scope == scope)
        & (business_calendars.c.scope_value == value)
    )
    existing = connection.execute(select(business_calendars.c.id).where(where)).first()
    if existing is None:
        connection.execute(
            business_calendars.insert().values(
                workspace_id=workspace.id, scope=scope, scope_value=value, **row
            )
        )
    else:
        connection.execute(business_calendars.update().where(where).values(**row))
    stored = connection.execute(select(business_calendars).where(where)).one()
    return _from_row(stored)


def delete_calendar(
    connection: Connection, workspace: Workspace, *, scope: str, scope_value: str | None
) -> None:
    """Remove the calendar of a scope."""
    value = _check_scope(scope, scope_value)
    deleted = connection.execute(
        delete(business_calendars).where(
            (business_calendars.c.workspace_id == workspace.id)
            & (business_calendars.c.scope == scope)
            & (business_calendars.c.scope_value == value)
        )
    )
    if not deleted.rowcount:
        raise NotFound(
            f"no {scope} calendar {value!r}",
            key="metrics.error.no_calendar",
            params={"scope": scope, "value": value},
        )


def load_calendars(connection: Connection, workspace_id: int) -> Calendars:
    """The calendars of a workspace, ready for look-ups."""
    rows = connection.execute(
        select(business_calendars).where(business_calendars.c.workspace_id == workspace_id)
    )
    stored = [_from_row(row) for row in rows]
    return Calendars(
        workspace=next((s.calendar for s in stored if s.scope == "workspace"), None),
        teams={s.scope_value or "": s.calendar for s in stored if s.scope == "team"},
        channels={s.scope_value or "": s.calendar for s in stored if s.scope == "channel"},
    )
