"""The customer's survey page on a phone-sized screen, in real headless Chromium."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, select

from kontrol.accounts.brands import save_brand
from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.store.tables import alerts, interactions, surveys
from kontrol.surveys.links import create_link
from kontrol.surveys.places import create_place
from tests.web.test_browser import _shot, browser, follow_menu, server, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_customer_rates_on_a_phone_and_a_low_rating_raises_an_alert(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        target = connection.execute(
            select(interactions.c.id).where(interactions.c.external_id == "i1")
        ).scalar_one()
        link = create_link(
            connection, workspace=populated, interaction_id=target, created_by="test"
        )
        save_alert_rule(connection, populated, AlertRuleInput(name="CSAT ≤ 2", kind="csat_at_most"))
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(server + link.path())
    expect(page.locator("h1")).to_be_visible()
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    choice = page.locator("label.choice").first
    box = choice.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    _shot(page, "survey-phone-form")
    choice.tap()
    page.fill("#comment", "Долго ждал ответа <b>!</b>")
    page.locator("button.send").tap()
    expect(page.locator(".survey-done h1")).to_be_visible()
    _shot(page, "survey-phone-thanks")
    page.goto(server + link.path())
    expect(page.locator(".survey-done h1")).to_be_visible()
    context.close()
    with engine.connect() as connection:
        answer = connection.execute(select(surveys).where(surveys.c.interaction_id == target)).one()
        alert = connection.execute(select(alerts).where(alerts.c.interaction_id == target)).one()
    assert answer.csat == 1 and answer.comment == "Долго ждал ответа <b>!</b>"
    assert alert.details["csat"] == 1
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_branded_kiosk_fills_a_tablet_in_landscape(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        save_brand(
            connection,
            populated.id,
            display_name="Пекарня «Колос»",
            colour="#aa3300",
            logo=_logo(),
            logo_filename="logo.png",
            by="test",
        )
        place = create_place(
            connection, workspace=populated, name="Касса у входа", created_by="test"
        )
    engine.dispose()
    context = browser.new_context(viewport={"width": 1180, "height": 820}, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/k/{place.kiosk_token}")
    expect(page.locator(".company")).to_have_text("Пекарня «Колос»")
    expect(page.locator("img.brand-logo")).to_be_visible()
    # The card takes the whole screen and the faces are big enough to hit from arm's length.
    card = page.locator(".survey-card").bounding_box()
    face = page.locator("label.choice").first.bounding_box()
    assert card is not None and face is not None
    assert card["width"] >= 1180 - 1 and card["height"] >= 820 - 1
    assert face["height"] >= 96 and face["width"] >= 150
    # The send button wears the brand's colour.
    colour = page.locator("button.send").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(170, 51, 0)"
    _shot(page, "kiosk-tablet-branded")
    context.close()


def _logo() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (360, 120), "#aa3300")
    ImageDraw.Draw(image).ellipse((10, 10, 110, 110), fill="#ffe9c7")
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_admin_gives_the_survey_pages_a_brand(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
    tmp_path: Path,
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(_logo())
    page = sign_in(browser, server, "admin", width=1440)
    follow_menu(page, "Бренд для клиентов")
    page.get_by_label("Название для клиентов").fill("Пекарня «Колос»")
    page.locator("input[type=color]").fill("#aa3300")
    page.get_by_label("Логотип").set_input_files(str(logo))
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#brand-saved")).to_be_visible()
    sample = page.locator("#brand-sample")
    expect(sample).to_contain_text("Пекарня «Колос»")
    expect(sample.locator("img")).to_be_visible()
    colour = sample.locator(".brand-sample-button").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert colour == "rgb(170, 51, 0)"
    _shot(page, "brand-settings")
    # On a phone the form and the sample stack, with nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "brand-settings-phone")
    page.context.close()
