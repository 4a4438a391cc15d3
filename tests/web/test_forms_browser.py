"""Forms of a new user's walk-through in headless Chromium (phone 390×844): the routing
rule form's filters as checkboxes, kept after a refusal; the scorecard editor's save bar
leaving room for «+ Добавить раздел»."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.test_browser import _shot, browser, server, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _clear_of_the_save_bar(page: Page, selector: str) -> bool:
    """Scrolled just enough to be seen (from the top of the page), the last element matching
    ``selector`` is in the window and wholly above the sticky save bar."""
    return bool(
        page.evaluate(
            """(selector) => {
                window.scrollTo(0, 0);
                const found = document.querySelectorAll(selector);
                const element = found[found.length - 1];
                element.scrollIntoView({block: 'nearest'});
                const box = element.getBoundingClientRect();
                const bar = document.querySelector('.sc-actions').getBoundingClientRect();
                return box.top >= 0 && box.bottom <= bar.top;
            }""",
            selector,
        )
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_routing_rule_filters_are_ticked_and_stay_ticked_after_a_refusal(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa", width=390)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/review-rules/new?kind=csat_low")
    page.get_by_label("Название", exact=True).fill("Плохие оценки в чате")
    page.get_by_label("Куда складывать обращения").select_option(label="Новая очередь…")
    page.get_by_label("Название новой очереди").fill("Чаты")
    page.locator("#filter-channel").get_by_label("Чат").check()
    page.locator("#filter-team").get_by_label("L1").check()
    page.locator("#filter-language").get_by_label("русский").check()
    leads = page.get_by_label("Руководители ОКК тоже получают обращения по этому правилу")
    expect(leads).not_to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator('input[name="param_max"]').fill("9")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#routing-errors")).to_be_visible()
    _shot(page, "routing-rule-refused-phone")
    expect(page.get_by_label("Название новой очереди")).to_have_value("Чаты")
    expect(page.locator("#filter-channel").get_by_label("Чат")).to_be_checked()
    expect(page.locator("#filter-channel").get_by_label("Звонок")).not_to_be_checked()
    expect(page.locator("#filter-team").get_by_label("L1")).to_be_checked()
    expect(page.locator("#filter-language").get_by_label("русский")).to_be_checked()
    page.locator('input[name="param_max"]').fill("2")
    page.get_by_role("button", name="Сохранить").click()
    expect(page).to_have_url(f"{server}/review-rules")
    expect(page.get_by_role("link", name="Плохие оценки в чате")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_save_bar_leaves_room_for_adding_a_section(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa", width=390)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/scorecards/new")
    add = page.get_by_role("button", name="+ Добавить раздел")
    add.click()
    add.click()
    assert _clear_of_the_save_bar(page, '.sc-sections input[name="section_title"]')
    assert _clear_of_the_save_bar(page, ".sc-add-section")
    page.context.close()
