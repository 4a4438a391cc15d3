"""The workspace's brand (admins) and what customers' pages load of it.

``/admin/brand`` sets the name, colour and logo that survey pages, QR codes
and kiosks show. Customers' pages load the logo by its digest
(``/brand/logo/<sha256>``) and the colour as a one-rule stylesheet
(``/brand/colour/<rrggbb>.css``): the pages' security policy allows no inline
style, and neither address says which workspace it belongs to.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from kontrol.accounts.brands import LOGO_MAX_BYTES, brand_of, ink_on, logo_by_digest, save_brand
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import NotFound
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.render import Page
from kontrol.web.security import check_csrf, client_address

router = APIRouter(include_in_schema=False)

_DIGEST = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]{6}")
# Logos and colours never change under one address: browsers may keep them.
_FOR_A_YEAR = "public, max-age=31536000, immutable"


def _brand_page(
    page: Page,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Response:
    brand = brand_of(page.connection, page.viewer.workspace.id)
    context = {
        "brand": brand,
        "form": form
        or {"display_name": brand.display_name or "", "colour": brand.colour or "#2458d6"},
        "workspace_name": page.viewer.workspace.name,
        "logo_limit_kb": LOGO_MAX_BYTES // 1000,
        "error": error,
        "saved": saved,
    }
    return page.render("accounts/brand.html", context, status=status)


@router.get("/admin/brand")
def brand_page(viewer: CurrentViewer, page: CurrentPage, saved: str | None = None) -> Response:
    """The brand customers see: display name, colour and logo."""
    require(viewer, Action.MANAGE_WORKSPACE)
    return _brand_page(page, saved=saved == "1")


@router.post("/admin/brand")
async def save_brand_page(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    logo: UploadFile | None = None,
    display_name: Annotated[str, Form(max_length=500)] = "",
    colour: Annotated[str, Form(max_length=50)] = "",
    remove_logo: Annotated[str, Form(max_length=5)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Save the brand; a new logo replaces the old one."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_WORKSPACE)
    data = await logo.read(LOGO_MAX_BYTES + 1) if logo is not None else b""
    try:
        with attempt(db):
            save_brand(
                db,
                viewer.workspace.id,
                display_name=display_name,
                colour=colour,
                logo=data or None,
                logo_filename=(logo.filename or "") if logo is not None else "",
                remove_logo=remove_logo == "1",
                by=viewer.account.username,
                address=client_address(request),
            )
    except REFUSALS as error:
        posted = {"display_name": display_name, "colour": colour}
        return _brand_page(
            page,
            error=page.says(error),
            form=posted,
            status=status_of(error),
        )
    return RedirectResponse("/admin/brand?saved=1", status_code=303)


@router.get("/brand/logo/{digest}")
def brand_logo(db: Db, digest: str) -> Response:
    """A workspace's logo, as the PNG Kontrol re-encoded it."""
    if not _DIGEST.fullmatch(digest):
        return Response(status_code=404)
    try:
        data = logo_by_digest(db, digest)
    except NotFound:
        return Response(status_code=404)
    return Response(
        data,
        media_type="image/png",
        headers={"Cache-Control": _FOR_A_YEAR, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/brand/colour/{hex_colour}.css")
def brand_colour(hex_colour: str) -> Response:
    """The customer pages' accent in a brand colour (and the ink readable on it)."""
    if not _HEX.fullmatch(hex_colour):
        return Response(status_code=404)
    colour = f"#{hex_colour}"
    css = f":root {{ --brand: {colour}; --brand-ink: {ink_on(colour)}; }}\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": _FOR_A_YEAR})
