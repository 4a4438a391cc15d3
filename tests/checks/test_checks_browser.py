"""The automatic checks in a real headless Chromium: verdicts, highlights, filters."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_qa_lead_sees_verdicts_highlighted_and_filters_by_failed_check(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("qa")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{server}/home")
    follow_menu(page, "Обращения")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(4)
    # Every row has an automatic score; filtering by a failed check narrows the list.
    expect(page.locator("td .qa-score")).to_have_count(4)
    page.get_by_label("Не пройдена проверка").select_option("specific_answer")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    # The evaluation lists criteria with verdicts, and the evidence is marked in the text.
    expect(page.locator("#qa-score")).to_be_visible()
    greeting = page.locator('li[data-criterion="greeting"] .verdict')
    expect(greeting).to_have_text("да")
    mark = page.locator("mark.evidence").first
    expect(mark).to_be_visible()
    expect(page.locator('mark.evidence[data-checks~="greeting"]')).to_have_text("Здравствуйте")
    _shot(page, "interaction-checks")
    follow_menu(page, "Оценочные листы")
    # Scorecards are listed by their titles, their ids beside them.
    expect(page.get_by_role("link", name="Стандарт обслуживания")).to_be_visible()
    context.close()
