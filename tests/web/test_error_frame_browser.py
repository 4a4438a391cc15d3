"""Error pages keep the person's frame, in real headless Chromium (issue 15)."""

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
def test_an_agent_refused_a_page_keeps_the_menu_and_reads_why(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/no-such-page")
    expect(page.locator("h1")).to_have_text("404 · Что-то не так")
    expect(page.locator("nav.menu")).to_have_count(0)  # logged out: the simple frame

    _log_in(page, server, "agent1")
    page.goto(f"{server}/learning")
    expect(page.locator("h1")).to_have_text("403 · Что-то не так")
    expect(page.locator("nav.menu")).to_be_visible()
    expect(page.locator("#workspace-name")).to_have_text("Рабочее пространство")
    expect(page.locator("#error-detail")).to_contain_text("«Машина и проверяющие»")
    expect(page.locator("#error-roles")).to_have_text(
        "Нужна роль: администратор или руководитель ОКК. Ваша роль — оператор."
    )
    _shot(page, "error-403-in-frame")
    # The menu works from the error page.
    page.locator("details.nav-group", has_text="Работа").locator("summary").click()
    page.locator("nav.menu").get_by_role("link", name="Обращения", exact=True).click()
    expect(page).to_have_url(f"{server}/interactions")

    page.goto(f"{server}/interactions?score_min=abc&channel=chat")
    expect(page.locator("#number-problem")).to_contain_text(
        "«Балл от»: нужно число от 0 до 100, а введено «abc»"
    )
    expect(page.locator("#filters select[name=channel]")).to_have_value("chat")
    expect(page.locator("nav.menu")).to_be_visible()
    context.close()
