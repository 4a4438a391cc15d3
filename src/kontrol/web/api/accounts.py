"""The JSON API of accounts under /api/v1: who is calling."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kontrol.web.deps import CurrentViewer

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/me")
def me(viewer: CurrentViewer) -> dict[str, Any]:
    """Who is calling, in which workspace, with which role."""
    return {
        "username": viewer.account.username,
        "display_name": viewer.account.display_name,
        "workspace": viewer.workspace.name,
        "timezone": viewer.workspace.timezone,
        "role": viewer.role.value,
    }
