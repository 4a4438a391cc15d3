"""The QA lead drills down from the scores to one sloppy item, in real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import PASSWORD, import_records
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401 - fixtures
from tests.worktools.builders import work_item

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CRM = [
    work_item("deal-1", type="deal", owner_id="a1", owner_name="Анна Смирнова", team="L1",
              title="Годовой контракт", customer_phone="+7 900 111-22-33",
              fields={"amount": 250000, "next_step": "Договор"}),
    work_item("task-7", owner_id="a3", owner_name="Игорь Волков", team="L2",
              title="Перезвонить клиенту", due_at="2026-11-10T10:00:00+00:00"),
    work_item("ticket-9", type="ticket", owner_id="a3", owner_name="Игорь Волков", team="L2",
              title="Возврат средств", status="closed", closed_at="2026-11-25T10:00:00+00:00",
              fields={"category": "refund"}),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_qa_lead_drills_down_from_an_owner_to_an_item_and_its_violations(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    tmp_path: Path,
    backend: str,
) -> None:
    engine = create_engine(database_url)
    import_records(engine, populated, tmp_path, CRM, name="crm.jsonl")
    engine.dispose()
    context = browser.new_context(locale="ru-RU", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("qa")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    follow_menu(page, "CRM и задачи")
    expect(page.locator("h1")).to_have_text("Качество работы в CRM и задачах")
    owners = page.locator("#work-owners tbody tr")
    expect(owners).to_have_count(2)
    # Worst first: Igor's two items both break a rule.
    expect(owners.first).to_contain_text("Игорь Волков")
    expect(owners.first.locator("td.num").first).to_have_text("0")
    _shot(page, "work-overview")

    owners.first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Игорь Волков")
    rows = page.locator("#work-items tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#work-group-trend rect")).to_have_count(8)
    expect(page.locator("tr[data-item='task-7']")).to_contain_text("Просроченная задача")
    expect(page.locator("tr[data-item='ticket-9']")).to_contain_text("Закрыто без итога")
    _shot(page, "work-items")

    page.get_by_role("link", name="Перезвонить клиенту").click()
    violations = page.locator("#work-item-violations tbody tr")
    expect(violations).to_have_count(1)
    expect(violations.first).to_contain_text("Просроченная задача")
    expect(violations.first).to_contain_text("10.11.2026 10:00")  # since the due time
    _shot(page, "work-item")

    phone = browser.new_context(
        locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    small = phone.new_page()
    small.goto(f"{server}/login")
    small.get_by_label("Логин").fill("lead")
    small.get_by_label("Пароль").fill(PASSWORD)
    small.get_by_role("button", name="Войти").click()
    small.goto(f"{server}/work")
    # The team lead of L1 sees their team only: Anna, not Igor.
    expect(small.locator("#work-owners tbody tr")).to_have_count(1)
    expect(small.locator("#work-owners")).to_contain_text("Анна Смирнова")
    expect(small.locator("#work-score")).to_be_visible()
    _shot(small, "work-overview-phone")
    # The page itself fits the phone (tables scroll inside their cards).
    assert small.evaluate("document.querySelector('main').scrollWidth") <= 390
    phone.close()
    context.close()
