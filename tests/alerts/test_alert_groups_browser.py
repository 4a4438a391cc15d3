"""The grouped alerts page in headless Chromium: many critics of one rule are one row
that opens on its newest few, leads to the rule's own list, and is acknowledged at once."""

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

CRITICS = 24


@pytest.fixture
def alerts_server(
    database_url: str, populated: Workspace, engine: Engine, tmp_path: Path
) -> Iterator[str]:
    """The app with 24 open NPS critic alerts and one complaint, on a loopback port."""
    with engine.begin() as connection:
        save_alert_rule(
            connection, populated, AlertRuleInput(name="Критик NPS", kind="nps_detractor")
        )
        save_alert_rule(connection, populated, AlertRuleInput(name="Жалобы", kind="complaint"))
    records = [chat(f"n{i}", survey={"nps": i % 7}) for i in range(CRITICS)]
    import_records(engine, populated, tmp_path, [*records, chat("c1", tags=["complaint"])])
    with serve_app(database_url) as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite"])
def test_many_alerts_of_one_rule_are_one_row_that_opens(
    browser: Browser,  # noqa: F811 - the fixture imported above
    alerts_server: str,
    backend: str,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, alerts_server, "qa")
    context = page.context
    # The start page counts what the alerts page shows, and lists each rule once.
    page.goto(f"{alerts_server}/home")
    expect(page.locator("#attention-alerts .attention-count")).to_have_text(str(CRITICS + 1))
    expect(page.locator("#home-alerts li")).to_have_count(2)
    page.locator("#attention-alerts").click()
    page.wait_for_url("**/alerts")
    rows = page.locator("tr.alert-group")
    expect(rows).to_have_count(2)
    expect(page.locator("h1")).to_contain_text("25 оповещений · 2 правила")
    critics = rows.filter(has_text="Критик NPS")
    expect(critics.locator("a.alert-group-count")).to_have_text(str(CRITICS))
    # The row is closed: its newest five are hidden until it is opened.
    peek = critics.locator("details.alert-group-peek li")
    expect(peek).to_have_count(5)
    expect(peek.first).to_be_hidden()
    critics.get_by_text("Показать последние (5)").click()
    for index in range(5):
        expect(peek.nth(index)).to_be_visible()
        expect(peek.nth(index)).to_contain_text("NPS")
    page.screenshot(path=str(ARTIFACTS / "alerts-grouped.png"), full_page=True)
    # The rule's own list: each of its alerts, one by one.
    critics.get_by_role("link", name=f"Все оповещения правила ({CRITICS})").click()
    page.wait_for_url("**/alerts?show=open&rule=*")
    expect(page.locator("input.pick-alert")).to_have_count(CRITICS)
    page.go_back()
    # The whole rule at once, after a confirmation naming how many and which rule.
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.locator("tr.alert-group", has_text="Критик NPS").get_by_role(
        "button", name=f"Принять все: {CRITICS} оповещения"
    ).click()
    expect(page.locator("#alerts-done")).to_have_text(f"Принято {CRITICS} оповещения.")
    assert asked and asked[0].startswith(f"Принять {CRITICS} открытых оповещения правила «Критик")
    expect(page.locator("tr.alert-group")).to_have_count(1)
    expect(page.locator("tr.alert-group")).to_contain_text("Жалобы")
    expect(page.locator("#alert-badge")).to_have_text("1")
    context.close()
