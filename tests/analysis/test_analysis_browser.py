"""A QA lead in real headless Chromium: from the reasons to the conversations of a reason,
then a taxonomy edit refused with its line and fixed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_qa_lead_reads_reasons_and_edits_the_taxonomy(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("qa")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    follow_menu(page, "Анализ")
    expect(page).to_have_url(f"{server}/analysis/reasons")
    page.get_by_label("С", exact=True).fill("2026-11-01")
    page.get_by_label("По", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Показать").click()
    table = page.locator("#reasons tbody tr")
    expect(table).to_have_count(2)
    _shot(page, "analysis-reasons")
    page.get_by_role("link", name="Возврат").click()
    expect(page.locator("h1")).to_have_text("Возврат")
    expect(page.locator("#reason-interactions tbody tr")).to_have_count(1)

    page.goto(f"{server}/analysis/taxonomy")
    editor = page.locator("textarea[name=taxonomy_yaml]")
    editor.fill("reasons:\n  - code: parcel\n    ru: Посылка\n")
    page.get_by_role("button", name="Сохранить").last.click()
    expect(page.locator("#form-error")).to_contain_text("taxonomy.yaml:2: reasons[1].en")
    expect(editor).to_have_value("reasons:\n  - code: parcel\n    ru: Посылка\n")
    editor.fill("reasons:\n  - code: parcel\n    ru: Посылка\n    en: Parcel\n")
    page.get_by_role("button", name="Сохранить").last.click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("table.list").first).to_contain_text("Посылка")
    _shot(page, "analysis-taxonomy")
    context.close()
