"""A workspace's brand on its customers' pages: name, colour and logo (issue 15, item 9)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select

from kontrol.accounts.brands import (
    LOGO_MAX_SIDE,
    brand_of,
    clean_colour,
    clean_logo,
    ink_on,
    save_brand,
)
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import InvalidInput
from kontrol.domain.roles import WorkspaceRole
from kontrol.i18n.messages import error_text
from kontrol.store.tables import audit_log
from kontrol.surveys.places import create_place
from kontrol.web.app import create_app
from tests.factories import add_person, form_token, log_in


def _png(width: int = 900, height: int = 300, colour: str = "#aa3300") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def test_a_logo_is_stored_as_a_png_kontrol_wrote_and_at_most_its_size() -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (1200, 600), "#2458d6").save(jpeg, format="JPEG")
    stored = clean_logo(jpeg.getvalue(), "logo.jpg")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert max(image.size) == LOGO_MAX_SIDE
        assert image.size == (LOGO_MAX_SIDE, LOGO_MAX_SIDE // 2)


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\x00" * 40,
        _png()[:60],
    ],
    ids=["svg", "gif-header", "truncated-png"],
)
def test_anything_but_a_png_jpeg_or_webp_image_is_refused_naming_the_file(data: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_logo(data, "brand.svg")
    assert refused.value.key == "brand.error.logo_type"
    assert error_text(refused.value, "ru") == "brand.svg: это не изображение PNG, JPEG или WebP."


def test_a_colour_is_six_hex_digits_and_its_ink_is_readable() -> None:
    assert clean_colour(" #AA3300 ") == "#aa3300"
    assert clean_colour("") is None
    with pytest.raises(InvalidInput) as refused:
        clean_colour("red;x")
    assert error_text(refused.value, "ru").startswith("Цвет: «red;x» — не цвет")
    assert ink_on("#ffe066") == "#1d2330"
    assert ink_on("#1b3a8a") == "#ffffff"


def test_saving_a_brand_keeps_the_old_logo_until_removed_and_is_audited(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        first = save_brand(
            connection,
            workspace.id,
            display_name="  Пекарня   «Колос» ",
            colour="#AA3300",
            logo=_png(),
            logo_filename="logo.png",
            by="admin",
        )
        kept = save_brand(
            connection, workspace.id, display_name="", colour="", logo=None, by="admin"
        )
        removed = save_brand(
            connection,
            workspace.id,
            display_name="Колос",
            colour="",
            logo=None,
            remove_logo=True,
            by="admin",
        )
        actions = connection.execute(select(audit_log.c.action)).scalars().all()
    assert (first.name, first.colour) == ("Пекарня «Колос»", "#aa3300")
    assert first.logo_sha256 is not None
    # An empty name falls back to the workspace's own; the logo stays.
    assert (kept.name, kept.colour, kept.logo_sha256) == (workspace.name, None, first.logo_sha256)
    assert (removed.name, removed.logo_sha256) == ("Колос", None)
    assert actions.count("brand_changed") == 3


@pytest.fixture
def admin_client(engine: Engine, workspace: Workspace, database_url: str) -> Iterator[TestClient]:
    with engine.begin() as connection:
        add_person(connection, workspace, "boss", WorkspaceRole.ADMIN)
    with TestClient(create_app(database_url)) as client:
        log_in(client, "boss")
        yield client


def test_the_admin_sets_the_brand_and_the_kiosk_shows_it(
    engine: Engine, workspace: Workspace, admin_client: TestClient, tmp_path: Path
) -> None:
    saved = admin_client.post(
        "/admin/brand",
        data={
            "display_name": "Пекарня «Колос»",
            "colour": "#aa3300",
            "csrf_token": form_token(admin_client, "/admin/brand"),
        },
        files={"logo": ("logo.png", _png(), "image/png")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with engine.begin() as connection:
        digest = brand_of(connection, workspace.id).logo_sha256
        place = create_place(
            connection, workspace=workspace, name="Касса 1", kind="csat", created_by="boss"
        )
    kiosk = admin_client.get(f"/k/{place.kiosk_token}")
    assert kiosk.status_code == 200
    assert 'class="survey-body kiosk"' in kiosk.text
    assert "Пекарня «Колос»" in kiosk.text
    assert workspace.name not in kiosk.text
    assert f'src="/brand/logo/{digest}"' in kiosk.text
    assert 'href="/brand/colour/aa3300.css"' in kiosk.text
    logo = admin_client.get(f"/brand/logo/{digest}")
    assert logo.headers["content-type"] == "image/png"
    assert logo.content.startswith(b"\x89PNG")
    css = admin_client.get("/brand/colour/aa3300.css")
    assert "--brand: #aa3300" in css.text and "--brand-ink: #ffffff" in css.text
    # A QR code's page is not a kiosk.
    qr = admin_client.get(f"/p/{place.public_token}")
    assert "kiosk" not in re.search(r'<body class="([^"]*)"', qr.text).group(1)  # type: ignore[union-attr]


def test_a_bad_colour_is_told_in_russian_and_the_typed_name_is_kept(
    admin_client: TestClient,
) -> None:
    answer = admin_client.post(
        "/admin/brand",
        data={
            "display_name": "Колос",
            "colour": "красный",
            "csrf_token": form_token(admin_client, "/admin/brand"),
        },
    )
    assert answer.status_code == 422
    assert "Цвет: «красный» — не цвет вида #2458d6." in answer.text
    assert 'value="Колос"' in answer.text


@pytest.mark.parametrize(
    "path", ["/brand/logo/" + "0" * 64, "/brand/logo/x", "/brand/colour/zzzzzz.css"]
)
def test_unknown_or_malformed_brand_addresses_are_not_found(
    admin_client: TestClient, path: str
) -> None:
    assert admin_client.get(path).status_code == 404


def test_without_a_display_name_customers_never_see_the_internal_name(
    engine: Engine, workspace: Workspace, admin_client: TestClient
) -> None:
    with engine.begin() as connection:
        place = create_place(
            connection, workspace=workspace, name="Касса 1", kind="csat", created_by="boss"
        )
    page = admin_client.get(f"/k/{place.kiosk_token}").text
    head = page.split('<span class="brand">')[1].split("</header>")[0]
    assert 'class="company"' not in head and workspace.name not in head
