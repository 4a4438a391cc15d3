"""A workspace's brand: the name, colour and logo its customers see.

Survey pages, QR codes and kiosks speak for the company, not for Kontrol: they
show the brand's display name (the workspace's internal name when none is set),
its logo and its colour. The logo is untrusted input: it must decode as a PNG,
JPEG or WebP image, and is stored re-encoded as a PNG of at most
``LOGO_MAX_SIDE`` pixels a side, so what is served is an image Kontrol wrote
itself (no metadata, no payload riding along).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection, insert, select, update

from kontrol.accounts.audit import AuditAction, record_audit
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.store.tables import workspace_brands, workspaces

DISPLAY_NAME_MAX = 100
LOGO_MAX_BYTES = 1_000_000
LOGO_MAX_SIDE = 400
LOGO_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
# Larger images are refused before decoding (a decompression bomb stops here).
LOGO_MAX_PIXELS = 25_000_000
_COLOUR = re.compile(r"#[0-9a-f]{6}")
# The two inks text on a brand colour is written in.
DARK_INK = "#1d2330"
LIGHT_INK = "#ffffff"


@dataclass(frozen=True)
class Brand:
    """What a workspace's customer pages show; ``name`` is never empty."""

    name: str
    display_name: str | None
    colour: str | None
    logo_sha256: str | None


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink_on(colour: str) -> str:
    """The text colour (dark ink or white) that contrasts more with ``colour``."""
    luminance = _luminance(colour)
    on_white = (1.0 + 0.05) / (luminance + 0.05)
    on_dark = (luminance + 0.05) / (_luminance(DARK_INK) + 0.05)
    return LIGHT_INK if on_white >= on_dark else DARK_INK


def brand_of(connection: Connection, workspace_id: int) -> Brand:
    """The brand of workspace ``workspace_id``; ``name`` is its internal name when none is set.

    Customers' pages show ``display_name`` only: without one they name no company.
    """
    row = connection.execute(
        select(
            workspaces.c.name,
            workspace_brands.c.display_name,
            workspace_brands.c.colour,
            workspace_brands.c.logo_sha256,
        )
        .select_from(workspaces)
        .outerjoin(workspace_brands, workspace_brands.c.workspace_id == workspaces.c.id)
        .where(workspaces.c.id == workspace_id)
    ).first()
    if row is None:
        raise NotFound("no such workspace", key="accounts.error.no_workspace")
    return Brand(
        name=row.display_name or row.name,
        display_name=row.display_name,
        colour=row.colour,
        logo_sha256=row.logo_sha256,
    )


def brand_display_names(connection: Connection, workspace_ids: list[int]) -> dict[int, str]:
    """The brand display names set for these workspaces (those without one are left out).

    The page frame names a workspace by it, so people see the company's name,
    not the internal slug (``default``).
    """
    if not workspace_ids:
        return {}
    rows = connection.execute(
        select(workspace_brands.c.workspace_id, workspace_brands.c.display_name).where(
            workspace_brands.c.workspace_id.in_(workspace_ids),
            workspace_brands.c.display_name.is_not(None),
        )
    )
    return {int(row.workspace_id): str(row.display_name) for row in rows if row.display_name}


def clean_colour(value: str) -> str | None:
    """``#rrggbb`` in lower case, ``None`` for empty; ``InvalidInput`` otherwise."""
    value = value.strip().lower()
    if not value:
        return None
    if not _COLOUR.fullmatch(value):
        raise InvalidInput(
            f"colour: {value[:20]!r} is not a colour like #2458d6",
            key="brand.error.colour",
            params={"value": value[:20]},
        )
    return value


def clean_display_name(value: str) -> str | None:
    """The display name trimmed, ``None`` for empty; at most ``DISPLAY_NAME_MAX`` characters."""
    value = " ".join(value.split())
    if len(value) > DISPLAY_NAME_MAX:
        raise InvalidInput(
            f"display_name: at most {DISPLAY_NAME_MAX} characters",
            key="brand.error.display_name",
            params={"limit": DISPLAY_NAME_MAX},
        )
    return value or None


def clean_logo(data: bytes, filename: str) -> bytes:
    """``data`` decoded as an image and re-encoded as a PNG of at most LOGO_MAX_SIDE a side."""
    name = filename[:100] or "logo"
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput(
            f"{name}: larger than {LOGO_MAX_BYTES // 1000} KB",
            key="brand.error.logo_size",
            params={"file": name, "limit": LOGO_MAX_BYTES // 1000},
        )
    refused = InvalidInput(
        f"{name}: not a PNG, JPEG or WebP image",
        key="brand.error.logo_type",
        params={"file": name},
    )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in LOGO_FORMATS:
                raise refused
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise refused
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise refused from error
    picture.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_brand(
    connection: Connection,
    workspace_id: int,
    *,
    display_name: str,
    colour: str,
    logo: bytes | None,
    logo_filename: str = "",
    remove_logo: bool = False,
    by: str,
    address: str | None = None,
) -> Brand:
    """Set the workspace's brand; a new ``logo`` replaces the old, ``remove_logo`` drops it."""
    values: dict[str, object] = {
        "display_name": clean_display_name(display_name),
        "colour": clean_colour(colour),
        "updated_by": by[:100],
        "updated_at": utcnow(),
    }
    if logo:
        png = clean_logo(logo, logo_filename)
        values.update(logo=png, logo_type="image/png", logo_sha256=hashlib.sha256(png).hexdigest())
    elif remove_logo:
        values.update(logo=None, logo_type=None, logo_sha256=None)
    exists = connection.execute(
        select(workspace_brands.c.workspace_id).where(
            workspace_brands.c.workspace_id == workspace_id
        )
    ).first()
    if exists is None:
        connection.execute(insert(workspace_brands).values(workspace_id=workspace_id, **values))
    else:
        connection.execute(
            update(workspace_brands)
            .where(workspace_brands.c.workspace_id == workspace_id)
            .values(**values)
        )
    brand = brand_of(connection, workspace_id)
    record_audit(
        connection,
        workspace_id=workspace_id,
        actor=by,
        action=AuditAction.BRAND_CHANGED,
        target=brand.name,
        details={
            "display_name": brand.display_name,
            "colour": brand.colour,
            "logo": "replaced" if logo else "removed" if remove_logo else "kept",
        },
        address=address,
    )
    return brand


def logo_by_digest(connection: Connection, digest: str) -> bytes:
    """The stored logo whose SHA-256 is ``digest``; ``NotFound`` when none is."""
    data = connection.execute(
        select(workspace_brands.c.logo)
        .where(workspace_brands.c.logo_sha256 == digest.lower()[:64])
        .limit(1)
    ).scalar()
    if data is None:
        raise NotFound("no such logo", key="accounts.error.no_logo")
    return bytes(data)
