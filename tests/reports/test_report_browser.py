"""The QA lead sets up a scheduled report, previews it, sends it now and reads the log."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from kontrol.accounts.workspaces import Workspace
from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_qa_lead_creates_previews_sends_and_reads_the_delivery_log(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    populated: Workspace,
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _log_in(page, server, "qa")
    follow_menu(page, "Отчёты")
    expect(page.locator("h1")).to_have_text("Регламент отчётности")
    page.locator("#new-report").click()
    page.get_by_label("Название").fill("Сервис за неделю")
    page.get_by_label("Адреса e-mail").fill("not an address")
    page.locator("select[name=weekday]").select_option("1")
    page.locator("input[name=formats][value=xlsx]").check()
    # No interactions last week in this workspace: skip the import-gap check to send anyway.
    page.locator("input[name=checks][value=import_gap]").uncheck()
    _shot(page, "reports-form-desktop")
    page.locator("#save-report").click()
    # A bad address is named, and nothing typed is lost.
    expect(page.locator("#form-error")).to_contain_text("not an address")
    expect(page.get_by_label("Название")).to_have_value("Сервис за неделю")
    page.get_by_label("Адреса e-mail").fill("")
    page.locator("#save-report").click()
    expect(page.locator("h1")).to_have_text("Сервис за неделю")
    expect(page.locator("dl.facts")).to_contain_text("по понедельникам в 09:00")

    page.locator("#preview").click()
    expect(page.locator("#report-preview .report-title")).to_have_text(
        "Еженедельный отчёт о сервисе"
    )
    expect(page.locator("#report-preview img").first).to_be_visible()
    _shot(page, "reports-preview-desktop")
    page.go_back()

    page.locator("#send-now").click()
    status = page.locator("#delivery-log tr.run .run-status").first
    for _ in range(60):
        if status.count() and status.inner_text() in ("отправлен", "задержан", "ошибка"):
            break
        time.sleep(0.5)
        page.reload()
    expect(status).to_have_text("отправлен")
    log = page.locator("#delivery-log ol.steps").first
    expect(log).to_contain_text("сформирован")
    expect(log).to_contain_text("проверен")
    expect(page.locator("#delivery-log a[download]")).to_have_count(2)
    _shot(page, "reports-log-desktop")
    page.goto(f"{server}/reports")
    expect(page.locator("table.reports")).to_contain_text("отправлен")
    _shot(page, "reports-register-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/reports")
    _shot(page, "reports-register-phone")
    page.locator("table.reports a").first.click()
    _shot(page, "reports-log-phone")
    context.close()
