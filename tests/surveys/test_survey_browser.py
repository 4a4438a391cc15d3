"""The customer's survey page on a phone-sized screen, in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.store.tables import alerts, interactions, surveys
from kontrol.surveys.links import create_link
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures

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
