"""Survey places: a counter, a shop, a team or an agent that asks by QR code or kiosk.

Each place has two unguessable tokens: the public one printed in its QR code
(``/p/<token>``) and the kiosk one, known only to the tablet at the counter
(``/k/<token>``). Both are kept in the clear because people must be able to
print the code again; neither reveals anything but the place's survey.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from sqlalchemy import Connection, Row, select, update

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.store.tables import survey_places
from kontrol.surveys.links import check_kind, new_token

LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class SurveyPlace:
    """Where customers rate the service by QR code or kiosk."""

    id: int
    name: str
    team: str | None
    agent_id: str | None
    kind: str
    language: str
    public_token: str
    kiosk_token: str
    is_active: bool
    created_at: datetime

    @property
    def public_path(self) -> str:
        """The path the QR code opens."""
        return f"/p/{self.public_token}"

    @property
    def kiosk_path(self) -> str:
        """The path of the kiosk page for a tablet."""
        return f"/k/{self.kiosk_token}"


def _place(row: Row[Any]) -> SurveyPlace:
    return SurveyPlace(
        id=row.id,
        name=row.name,
        team=row.team,
        agent_id=row.agent_external_id,
        kind=row.kind,
        language=row.language,
        public_token=row.public_token,
        kiosk_token=row.kiosk_token,
        is_active=row.is_active,
        created_at=row.created_at,
    )


def _optional(value: str | None, field: str) -> str | None:
    text = (value or "").strip()
    if len(text) > 200:
        raise InvalidInput(
            f"{field}: at most 200 characters",
            key="error.at_most_200",
            where_key="error.where.field",
            where_params={"field": field},
        )
    return text or None


def create_place(
    connection: Connection,
    *,
    workspace: Workspace,
    name: str,
    kind: str = "csat",
    language: str = "ru",
    team: str | None = None,
    agent_id: str | None = None,
    created_by: str,
) -> SurveyPlace:
    """A new place; its name must be unused in the workspace."""
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput(
            "name: 1 to 200 characters",
            key="error.name_length",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    check_kind(kind)
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language: one of {', '.join(LANGUAGES)}",
            key="error.one_of",
            params={"choices": ", ".join(LANGUAGES)},
            where_key="error.where.field",
            where_params={"field": "language"},
        )
    exists = connection.execute(
        select(survey_places.c.id).where(
            survey_places.c.workspace_id == workspace.id, survey_places.c.name == clean
        )
    ).first()
    if exists is not None:
        raise Conflict(
            f"a survey place named {clean!r} exists already",
            key="surveys.error.place_taken",
            params={"name": clean},
        )
    values = {
        "workspace_id": workspace.id,
        "name": clean,
        "team": _optional(team, "team"),
        "agent_external_id": _optional(agent_id, "agent"),
        "kind": kind,
        "language": language,
        "public_token": new_token(),
        "kiosk_token": new_token(),
        "is_active": True,
        "created_by": created_by[:100],
        "created_at": utcnow(),
    }
    new_id = connection.execute(survey_places.insert().values(**values)).inserted_primary_key
    assert new_id is not None
    return get_place(connection, workspace, int(new_id[0]))


def list_places(connection: Connection, workspace: Workspace) -> list[SurveyPlace]:
    """The workspace's places, by name."""
    rows = connection.execute(
        select(survey_places)
        .where(survey_places.c.workspace_id == workspace.id)
        .order_by(survey_places.c.name)
    )
    return [_place(row) for row in rows]


def get_place(connection: Connection, workspace: Workspace, place_id: int) -> SurveyPlace:
    """One place of the workspace."""
    row = connection.execute(
        select(survey_places).where(
            survey_places.c.workspace_id == workspace.id, survey_places.c.id == place_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no survey place {place_id}",
            key="surveys.error.no_place",
            params={"place_id": place_id},
        )
    return _place(row)


def set_active(
    connection: Connection, workspace: Workspace, place_id: int, *, active: bool
) -> None:
    """Switch a place's QR code and kiosk on or off."""
    get_place(connection, workspace, place_id)
    connection.execute(
        update(survey_places).where(survey_places.c.id == place_id).values(is_active=active)
    )


def qr_code(url: str, *, kind: str) -> bytes:
    """The QR code of ``url`` as PNG (``kind="png"``) or SVG (``kind="svg"``), for printing."""
    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    if kind == "png":
        code.save(buffer, kind="png", scale=12, border=4)
    elif kind == "svg":
        code.save(buffer, kind="svg", scale=10, border=4, xmldecl=True, svgclass=None)
    else:
        raise InvalidInput("QR code format: png or svg", key="surveys.error.qr_format")
    return buffer.getvalue()
