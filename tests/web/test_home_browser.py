"""The start page and the grouped menu in real headless Chromium, desktop and phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_lands_on_the_day_s_work_and_the_menu_fits_one_line(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _log_in(page, server, "qa")
    expect(page).to_have_url(f"{server}/home")
    expect(page.locator("h1")).to_have_text("Что требует внимания сегодня")
    menu = page.locator("nav.menu")
    box = menu.bounding_box()
    assert box is not None and box["height"] < 40, "the menu wraps onto a second line"
    _shot(page, "home-qa-lead")

    # A group opens on a click, one at a time, and leads to its page.
    page.locator("details.nav-group", has_text="Работа").locator("summary").click()
    page.locator("details.nav-group", has_text="Настройки").locator("summary").click()
    expect(page.locator("details.nav-group[open]")).to_have_count(1)
    _shot(page, "menu-settings-open")
    page.get_by_role("link", name="Оценочные листы").click()
    expect(page).to_have_url(f"{server}/scorecards")
    expect(page.locator("details.nav-group.current > summary")).to_have_text("Настройки")
    expect(page.locator('nav.menu a[aria-current="page"]')).to_have_count(1)

    # A tile of the start page is one click from its work.
    page.goto(f"{server}/home")
    page.locator("#attention-disputes").click()
    expect(page).to_have_url(f"{server}/disputes")
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_a_phone_the_menu_opens_inside_the_screen(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    context = browser.new_context(
        locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    _log_in(page, server, "admin")
    expect(page).to_have_url(f"{server}/home")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The sections fold behind the menu button on a phone (issue 15).
    expect(page.locator("nav.menu")).to_be_hidden()
    page.get_by_role("button", name="☰ Меню").tap()
    page.locator("details.nav-group", has_text="Настройки").locator("summary").tap()
    panel = page.locator("details.nav-group[open] .nav-menu")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    _shot(page, "menu-phone")
    panel.get_by_role("link", name="Сотрудники").tap()
    expect(page).to_have_url(f"{server}/admin/people")
    context.close()
