"""Ingest pages: the records an import rejected, with file, line, field and reason."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kontrol.accounts.access import require_rejects
from kontrol.ingest.rejects import list_rejects
from kontrol.web.deps import CurrentPage, CurrentViewer, Db
from kontrol.web.params import Offset

router = APIRouter(include_in_schema=False)


@router.get("/rejects")
def rejects_page(
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    show_all: bool = False,
    offset: Offset = 0,
) -> Response:
    """Records an import rejected, with file, line, field and reason."""
    require_rejects(viewer)
    rejects = list(
        list_rejects(db, viewer.workspace, include_resolved=show_all, limit=101, offset=offset)
    )
    context = {
        "rejects": rejects[:100],
        "show_all": show_all,
        "next_offset": offset + 100 if len(rejects) > 100 else None,
    }
    return page.render("ingest/rejects.html", context)
