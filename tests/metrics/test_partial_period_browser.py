"""A chart's last period that holds only some of its days is drawn dashed and hollow,
with a note saying so: a month still running must not read as a crash."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.web.test_browser import _shot, browser, server, sign_in  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAST_POINT = """c => { const meta = Chart.getChart(c).getDatasetMeta(0);
  return meta.data.map(p => p.options.backgroundColor).slice(-2); }"""


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_partial_month_is_marked_not_drawn_as_a_drop(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    backend: str,
) -> None:
    page = sign_in(browser, server, "qa")
    page.goto(f"{server}/dashboard?period=month&date_from=2026-11-01&date_to=2026-11-05")
    canvas = page.locator("#chart-contacts")
    expect(canvas).to_have_attribute("data-drawn", "true")
    expect(page.locator("#partial-note")).to_have_text(
        "Последний период неполный: ноябрь 2026 — 1–5 нояб., 5 из 30 дней. "
        "Его точка нарисована пунктиром: меньшее число здесь — не спад."
    )
    last = canvas.get_attribute("data-partial")
    assert last is not None and int(last) >= 0
    before, partial = canvas.evaluate(LAST_POINT)
    assert partial == "#ffffff" and before != "#ffffff"
    _shot(page, "dashboard-partial-month")

    # A whole month: no note, every point filled.
    page.goto(f"{server}/dashboard?period=month&date_from=2026-11-01&date_to=2026-11-30")
    expect(canvas).to_have_attribute("data-drawn", "true")
    expect(page.locator("#partial-note")).to_have_count(0)
    assert canvas.get_attribute("data-partial") is None
    assert "#ffffff" not in canvas.evaluate(LAST_POINT)
    page.context.close()
