"""Bulk acknowledgement in headless Chromium: pick all on the page, acknowledge the picked,
then acknowledge all that match after a confirmation naming how many."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from tests.factories import import_records
from tests.surveys.builders import chat
from tests.web.test_browser import ARTIFACTS, browser, serve_app, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def alerts_server(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> Iterator[str]:
    """The app with five open complaint alerts, served on a loopback port."""
    with engine.begin() as connection:
        save_alert_rule(connection, populated, AlertRuleInput(name="Жалобы", kind="complaint"))
    records = [chat(f"c{i}", tags=["complaint"]) for i in range(5)]
    import_records(engine, populated, tmp_path, records)
    with serve_app(database_url) as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_clears_the_alerts_list_in_two_steps(
    browser: Browser,  # noqa: F811 - the fixture imported above
    alerts_server: str,
    backend: str,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, alerts_server, "qa")
    context = page.context
    page.goto(f"{alerts_server}/alerts?view=list")
    boxes = page.locator("input.pick-alert")
    expect(boxes).to_have_count(5)
    # "Pick all on this page" ticks every row; one row is then left out by hand.
    page.get_by_label("Выбрать все на этой странице").check()
    for index in range(5):
        expect(boxes.nth(index)).to_be_checked()
    boxes.nth(0).uncheck()
    page.screenshot(path=str(ARTIFACTS / "alerts-picked.png"), full_page=True)
    page.get_by_role("button", name="Принять выбранные").click()
    expect(page.locator("#alerts-done")).to_have_text("Принято 4 оповещения.")
    expect(page.locator("input.pick-alert")).to_have_count(1)
    # All that match the filter: the confirmation names how many, the reader says yes.
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.get_by_role("button", name="Принять все: 1 оповещение").click()
    expect(page.locator("#alerts-done")).to_have_text("Принято 1 оповещение.")
    assert asked and asked[0].startswith("Принять 1 открытое оповещение")
    expect(page.locator("p.empty")).to_be_visible()
    expect(page.locator("#alert-badge")).to_have_count(0)
    context.close()
