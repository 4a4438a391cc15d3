"""The scorecard editor in real headless Chromium: desktop 1440×900 and phone 390×844."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.web.test_browser import ARTIFACTS, _shot, browser, follow_menu, server, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _criteria_titles(page: Page, section: int) -> list[str]:
    inputs = page.locator(".sc-section").nth(section).locator('input[name="criterion_title"]')
    return [inputs.nth(i).input_value() for i in range(inputs.count())]


def _criterion(page: Page, section: int, index: int) -> Locator:
    return page.locator(".sc-section").nth(section).locator(".sc-criterion").nth(index)


def _fill_criterion(row: Locator, title: str, weight: str, check: str) -> None:
    row.get_by_label("Что проверяем").fill(title)
    row.get_by_label("Вес").fill(weight)
    row.get_by_label("Автопроверка").select_option(label=check)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_builds_reorders_previews_and_exports_a_scorecard(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa", width=1440)
    follow_menu(page, "Оценочные листы")
    expect(page.locator("table.list")).to_contain_text("Стандарт обслуживания")
    _shot(page, "scorecards-list")
    page.get_by_role("link", name="+ Новый оценочный лист").click()
    expect(page.locator("h1")).to_have_text("Новый оценочный лист")

    page.get_by_label("Название", exact=True).fill("Чат поддержки")
    page.locator(".sc-channels").get_by_label("Визит").uncheck()
    page.get_by_label("Название раздела").fill("Начало разговора")
    _fill_criterion(_criterion(page, 0, 0), "Поприветствовал клиента", "10", "Приветствие")
    page.get_by_role("button", name="+ Добавить критерий").click()
    _fill_criterion(_criterion(page, 0, 1), "Представился", "пять", "Представился")
    page.get_by_role("button", name="+ Добавить раздел").click()
    second = page.locator(".sc-section").nth(1)
    second.get_by_label("Название раздела").fill("Завершение")
    _fill_criterion(
        _criterion(page, 1, 0), "Поблагодарил за обращение", "5", "Благодарность в конце"
    )
    second.get_by_role("button", name="+ Добавить критерий").click()
    _fill_criterion(_criterion(page, 1, 1), "Без грубости", "10", "Без грубости")
    _criterion(page, 1, 1).get_by_label("Критичный").check()

    # Up and down work from the keyboard; the handle drags.
    _criterion(page, 0, 1).get_by_role("button", name="Выше").click()
    assert _criteria_titles(page, 0) == ["Представился", "Поприветствовал клиента"]
    # Clear of the save bar that stays at the bottom of the window.
    _criterion(page, 1, 0).evaluate("row => row.scrollIntoView({block: 'center'})")
    _criterion(page, 1, 1).locator(".sc-handle").drag_to(
        _criterion(page, 1, 0), target_position={"x": 40, "y": 5}
    )
    assert _criteria_titles(page, 1) == ["Без грубости", "Поблагодарил за обращение"]
    # «пять» is not a weight: the total does not count it as 0 and names the criterion.
    expect(page.locator("#sc-total-weight")).to_have_text("—")
    expect(page.locator("#sc-weight-problem")).to_have_text(
        "критерий 1.1 «Представился» · Вес: нужно число, например 1 или 2,5"
    )

    # A mistake comes back in Russian, naming the field, with everything typed kept.
    page.get_by_role("button", name="Создать лист").click()
    alert = page.locator("#scorecard-error")
    expect(alert).to_contain_text(
        "Раздел 1 «Начало разговора» · критерий 1 «Представился» · Вес: нужно число"
    )
    wrong = page.locator("#f-sections-0-criteria-0-weight")
    expect(wrong).to_have_attribute("aria-invalid", "true")
    assert _criteria_titles(page, 1) == ["Без грубости", "Поблагодарил за обращение"]
    _shot(page, "scorecard-editor-error")
    wrong.fill("5")
    page.get_by_role("button", name="Создать лист").click()
    expect(page).to_have_url(f"{server}/scorecards/chat_podderzhki")
    expect(page.locator("main")).to_contain_text("Представился")

    # The preview scores a checked conversation chosen by date and people.
    page.get_by_role("link", name="Изменить").click()
    expect(page.locator("h1")).to_contain_text("Изменение листа: Чат поддержки")
    page.locator("#sample").select_option(index=0)
    page.get_by_role("button", name="Посчитать на примере").click()
    result = page.locator("#preview-result")
    expect(result).to_contain_text("Оценка")
    expect(result.locator("li")).to_have_count(4)
    _shot(page, "scorecard-editor")

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать YAML").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "title: Чат поддержки" in text and "critical: true" in text
    assert text.index("Представился") < text.index("Поприветствовал клиента")
    page.context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_a_phone_the_editor_fits_and_reorders_with_buttons(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa", width=390)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/scorecards/default-ru/edit")
    expect(page.locator("h1")).to_contain_text("Стандарт обслуживания")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = _criterion(page, 0, 0)
    first.get_by_role("button", name="Ниже").click()
    assert _criteria_titles(page, 0)[:2] == ["Представился", "Поприветствовал клиента"]
    page.screenshot(path=str(ARTIFACTS / "scorecard-editor-phone.png"))
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "scorecard-editor-phone-criterion.png"))
    page.get_by_role("button", name="Сохранить новую версию").click()
    expect(page).to_have_url(f"{server}/scorecards/default-ru")
    expect(page.locator("h1")).to_contain_text("v2")
    _shot(page, "scorecard-phone")
    page.context.close()
