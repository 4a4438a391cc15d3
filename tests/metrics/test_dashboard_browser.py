"""The dashboard in headless Chromium: charts drawn, targets beside values, sorting,
and a click from a number to the interactions behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from kontrol.metrics import figures
from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NOVEMBER = "period=month&date_from=2026-11-01&date_to=2026-11-30"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_lead_sets_a_target_reads_the_dashboard_and_drills_down(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Four contacts are judged here: the badge's sample floor (30) is lowered to one.
    monkeypatch.setattr(figures, "MIN_SAMPLE", 1)
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and "favicon" not in str(message.location.get("url"))
            else None
        ),
    )
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("qa")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    # A CSAT target for the company, set through the form.
    page.goto(f"{server}/targets")
    page.locator("#new-target").click()
    page.locator("select[name=metric]").select_option("csat")
    page.locator("input[name=target]").fill("80")
    page.locator("input[name=warning]").fill("60")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#targets tbody tr")).to_have_count(1)
    _shot(page, "targets")

    follow_menu(page, "Показатели")
    expect(page).to_have_url(f"{server}/dashboard")
    page.goto(f"{server}/dashboard?{NOVEMBER}")
    canvas = page.locator("#chart-contacts")
    expect(canvas).to_have_attribute("data-drawn", "true")
    # Chart.js really painted something: the canvas is not blank.
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
                  return false; }"""
    )
    assert painted
    csat = page.locator('article.tile[data-metric="csat"]')
    expect(csat).to_contain_text("Цель")
    expect(csat).to_contain_text("80,0 %")
    expect(csat).to_contain_text("не достигнута")
    expect(csat).to_have_class("tile tile-bad")
    _shot(page, "dashboard")

    rows = page.locator("#breakdown tbody tr")
    expect(rows).to_have_count(3)
    contacts_header = page.locator('#breakdown thead a[data-sort="contacts"]')
    contacts_header.click()  # contacts is sorted high to low already: this turns it round
    expect(page).to_have_url(f"{server}/dashboard?{NOVEMBER}&by=agent&sort=contacts&order=asc")
    expect(rows.last.locator("th")).to_have_text("a1")
    contacts_header = page.locator('#breakdown thead a[data-sort="contacts"]')
    contacts_header.click()
    expect(rows.first.locator("th")).to_have_text("a1")

    # a2's CSAT: the dissatisfied customer behind the number.
    a2 = rows.filter(has=page.locator("th", has_text="a2"))
    a2.locator("a.kpi-problems").first.click()
    expect(page).to_have_url(re.compile(r"/interactions\?.*agent=a2.*csat_max=3"))
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("#drill-down")).to_contain_text("CSAT не выше 3")
    expect(page.locator("table.list tbody")).to_contain_text("1/5")
    _shot(page, "dashboard-drill-down")
    assert errors == []
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_agent_dashboard_on_a_phone(browser: Browser, server: str, backend: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("agent1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{server}/dashboard?{NOVEMBER}")
    expect(page.locator("#chart-csat")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#breakdown tbody tr")).to_have_count(1)
    expect(page.locator('select[name="agent"]')).to_have_count(0)
    _shot(page, "dashboard-agent-phone")
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("size", "phone"),
    [({"width": 1440, "height": 900}, False), ({"width": 390, "height": 844}, True)],
)
def test_wrong_dates_keep_the_dashboard_and_say_which_field(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
    size: dict[str, int],
    phone: bool,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("qa")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{server}/dashboard?channel=chat&date_from=2026-12-31&date_to=2026-12-01")
    problem = page.locator("#date-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("«По» (01.12.2026) раньше, чем «С» (31.12.2026)")
    expect(page.locator("nav.menu")).to_have_count(1)
    expect(page.locator("select[name=channel]")).to_have_value("chat")
    expect(page.locator("#range")).to_be_visible()
    # The line fits the screen: on a phone it wraps rather than running off the side.
    box = problem.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    _shot(page, f"dashboard-wrong-dates-{'phone' if phone else 'desktop'}")
    context.close()
