"""Mystery-shopping rows of the policy tests' world (tests/accounts/routes.py)."""

from __future__ import annotations

import itertools
import struct
import zlib
from typing import Any

from sqlalchemy import select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.mystery.programmes import save_programme, set_shoppers
from kontrol.mystery.uploads import Upload, check_upload, write_file
from kontrol.store.tables import mystery_assignments, mystery_files, mystery_programmes
from tests.accounts.world import World
from tests.mystery.builders import PROGRAMME, add_shop


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (a chat screenshot stand-in)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG = _png(120, 200, (220, 235, 250))
_serial = itertools.count(1)


def _programme_id(w: World) -> int:
    """The world's programme "retail", with the world's shopper (made once)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(mystery_programmes.c.id).where(
                mystery_programmes.c.workspace_id == w.workspace.id,
                mystery_programmes.c.name == "retail",
            )
        ).scalar()
        if found is not None:
            return int(found)
        programme, _new = save_programme(connection, w.workspace, PROGRAMME, created_by="test")
        set_shoppers(connection, w.workspace, programme.id, ["shopper"])
        return programme.id


def programme(w: World) -> dict[str, int]:
    return {"programme_id": _programme_id(w)}


def fresh_programme(w: World) -> dict[str, int]:
    """A programme of its own, to delete."""
    name = f"gone-{next(_serial)}"
    with w.engine.begin() as connection:
        made, _new = save_programme(
            connection,
            w.workspace,
            PROGRAMME.replace("name: retail", f"name: {name}"),
            created_by="test",
        )
    return {"programme_id": made.id}


def delete_form(w: World, ids: dict[str, Any]) -> dict[str, str]:
    with w.engine.connect() as connection:
        name = connection.execute(
            select(mystery_programmes.c.name).where(mystery_programmes.c.id == ids["programme_id"])
        ).scalar_one()
    return {"confirm": str(name)}


def open_assignment(w: World) -> dict[str, int]:
    """A fresh open visit of the world's shopper (each submit uses one up)."""
    programme_id = _programme_id(w)
    with w.engine.begin() as connection:
        inserted = connection.execute(
            mystery_assignments.insert().values(
                workspace_id=w.workspace.id,
                programme_id=programme_id,
                month="2026-11",
                target_key="our-chat",
                scenario_key="return-chat",
                visit_no=100 + next(_serial),
                shopper_id=w.users["shopper"],
                status="open",
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert inserted is not None
    return {"assignment_id": int(inserted[0])}


def _shop(w: World) -> int:
    programme_id = _programme_id(w)
    with w.engine.begin() as connection:
        return add_shop(
            connection,
            w.workspace,
            programme_id,
            target="our-chat",
            scenario="return-chat",
            answers={"speed": "pass", "correct": "fail"},
            visit_no=1000 + next(_serial),
            shopper_id=w.users["shopper"],
        )


def submission(w: World) -> dict[str, int]:
    """A shop of the world's shopper."""
    return {"submission_id": _shop(w)}


def shop_file(w: World) -> dict[str, int]:
    """A screenshot of a shop of the world's shopper, on disk under the data folder."""
    submission_id = _shop(w)
    checked = check_upload(Upload("chat.png", PNG))
    with w.engine.begin() as connection:
        inserted = connection.execute(
            mystery_files.insert().values(
                workspace_id=w.workspace.id,
                submission_id=submission_id,
                kind=checked.kind,
                name=checked.name,
                content_type=checked.content_type,
                size=len(PNG),
                sha256=checked.sha256,
                path=write_file(checked, w.workspace.id),
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert inserted is not None
    return {"file_id": int(inserted[0])}


def local_now(workspace: Workspace) -> str:
    """Now in the workspace's time zone, as a datetime-local field holds it."""
    return from_utc(utcnow(), zone(workspace.timezone)).strftime("%Y-%m-%dT%H:%M")


def shop_form(w: World, ids: dict[str, Any]) -> dict[str, str]:
    return {
        "happened_at": local_now(w.workspace),
        "channel": "chat",
        "contact": "anna@example.com",
        "transcript": "— Можно вернуть без чека?\n— Да, по паспорту.",
        "answer_speed": "pass",
        "answer_correct": "pass",
    }


def shop_json(w: World, ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "happened_at": local_now(w.workspace),
        "channel": "chat",
        "transcript": "— Можно вернуть без чека?",
        "answers": {"speed": "pass", "correct": "fail"},
    }
