"""In real headless Chromium: a customer's low rating lands in the reviewer's queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.review.routing.rules import create_default_rules
from kontrol.store.tables import interactions
from kontrol.surveys.links import create_link
from tests import webapp as web_fixtures
from tests.factories import PASSWORD
from tests.review.routing_data import person
from tests.web import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
populated = web_fixtures.populated
browser = test_browser.browser
server = test_browser.server


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_low_rating_appears_in_the_reviewers_queue(
    browser: Browser, server: str, database_url: str, populated: Workspace, backend: str
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        create_default_rules(connection, populated.id)
        target = connection.execute(
            select(interactions.c.id).where(interactions.c.external_id == "i1")
        ).scalar_one()
        link = create_link(connection, workspace=populated, interaction_id=target, created_by="t")
    person(engine, populated, "rev", WorkspaceRole.REVIEWER)

    customer = browser.new_context(viewport={"width": 390, "height": 844})
    page = customer.new_page()
    page.goto(server + link.path())
    page.locator("label.choice").first.click()  # the saddest face: CSAT 1
    page.locator("button.send").click()
    expect(page.locator(".survey-done h1")).to_be_visible()
    customer.close()

    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("rev")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    test_browser.follow_menu(page, "Очереди проверки")
    row = page.locator("#queues tr", has_text="Low ratings")
    expect(row.locator("td").nth(1)).to_have_text("1")
    test_browser._shot(page, "review-queues-reviewer")
    row.get_by_role("link", name="Low ratings").click()
    item = page.locator("#items tbody tr")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("i1")
    expect(item).to_contain_text("CSAT = 1")
    expect(item).to_contain_text("Низкий CSAT")
    test_browser._shot(page, "review-queue-items")
    context.close()

    lead = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = lead.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("qa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{server}/queues")
    expect(page.locator("#reviewer-load")).to_contain_text("rev")
    test_browser._shot(page, "review-queues-lead")
    page.goto(f"{server}/review-rules")
    expect(page.locator("#rules tbody tr")).to_have_count(5)
    test_browser._shot(page, "review-rules")
    lead.close()
