"""Audits in real headless Chromium: an auditor completes an audit with a photo on a phone;
the QA lead turns a finding into an action and sees it overdue on the plan."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.conduct import add_evidence, complete_audit, save_answer
from kontrol.audits.templates import save_template
from kontrol.domain.clock import utcnow
from kontrol.store.tables import audit_evidence, audits, improvement_actions, users
from tests.audits.builders import PNG, SMALL, small_audit
from tests.factories import PASSWORD, viewer_of
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _photo(path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_auditor_completes_an_audit_with_a_photo_on_a_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
    tmp_path: Path,
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        save_template(connection, populated.id, SMALL)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ru-RU"
    )
    page = context.new_page()
    _log_in(page, server, "qa")
    page.goto(f"{server}/audits/new")
    page.select_option("select[name=template]", "small")
    page.fill("input[name=title]", "Аудит точки на Тверской")
    page.fill("input[name=period_from]", "2026-11-01")
    page.fill("input[name=period_to]", "2026-11-30")
    page.locator("#create-audit").tap()
    expect(page.locator("h1")).to_have_text("Аудит точки на Тверской")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Kontrol measured the greeting of November's interactions itself.
    greeting = page.locator("form.item-form[data-item='greeting']")
    expect(greeting.locator(".measured")).to_contain_text("Контроль измерил")
    _shot(page, "audit-phone-start")

    intake = page.locator("form.item-form[data-item='intake']")
    choice = intake.locator("label.choice", has_text="Да")
    box = choice.bounding_box()
    assert box is not None and box["height"] >= 40
    choice.tap()
    intake.locator("textarea[name=comment]").fill("Регламент висит у стойки, фото приложено")
    intake.locator("input[type=file]").set_input_files(str(_photo(tmp_path / "stoika.jpg")))
    intake.locator("button.save-item").tap()
    intake = page.locator("form.item-form[data-item='intake']")
    thumb = intake.locator("img.thumb")
    expect(thumb).to_be_visible()
    # The photo decodes (a loaded machine may take a moment to fetch it). Polled from
    # here: wait_for_function evaluates a string in the page, which the CSP forbids.
    for _ in range(200):
        if thumb.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert thumb.evaluate("img => img.naturalWidth") == 64

    offer = page.locator("form.item-form[data-item='offer']")
    offer.locator("label.choice", has_text="4").tap()
    offer.locator("button.save-item").tap()
    bots = page.locator("form.item-form[data-item='bots']")
    bots.locator("input[name=answer]").fill("na")
    bots.locator("button.save-item").tap()
    speed = page.locator("form.item-form[data-item='speed']")
    speed.locator("input[name=answer]").fill("90")
    speed.locator("button.save-item").tap()
    expect(page.locator("#audit-progress")).to_contain_text("5 / 5")
    _shot(page, "audit-phone-answered")
    page.locator("#complete-audit").tap()
    expect(page.locator(".page-head h1")).to_contain_text("Завершён")
    expect(page.locator("#total-score .tile-value")).not_to_have_text("—")
    expect(page.locator("tr[data-item='intake'] img.thumb")).to_be_visible()
    _shot(page, "audit-phone-report")
    context.close()
    with engine.connect() as connection:
        audit = connection.execute(select(audits)).one()
        stored = connection.execute(select(audit_evidence)).one()
    engine.dispose()
    assert audit.status == "completed" and audit.score is not None
    assert (stored.item_key, stored.content_type, stored.filename) == (
        "intake",
        "image/jpeg",
        "stoika.jpg",
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_qa_lead_turns_a_finding_into_an_action_and_sees_it_overdue(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,
    backend: str,
) -> None:
    from kontrol.accounts.logins import get_account

    engine = create_engine(database_url)
    with engine.begin() as connection:
        qa_id = connection.execute(select(users.c.id).where(users.c.username == "qa")).scalar_one()
        qa = viewer_of(connection, get_account(connection, int(qa_id)), populated)
        audit = small_audit(connection, qa, title="Ноябрьский аудит")
        for item, answer, comment in (
            ("intake", "no", "Обращения из мессенджеров не заводятся в CRM"),
            ("offer", "5", ""),
            ("greeting", "100", ""),
            ("bots", "na", ""),
            ("speed", "60", ""),
        ):
            save_answer(connection, qa, audit.id, item_key=item, answer=answer, comment=comment)
        add_evidence(connection, qa, audit.id, item_key="intake", filename="crm.png", data=PNG)
        complete_audit(connection, qa, audit.id, version=audit.version)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    _log_in(page, server, "qa")
    page.goto(f"{server}/audits/{audit.id}/report")
    finding = page.locator("#findings li[data-item='intake']")
    expect(finding).to_contain_text("Обращения из мессенджеров не заводятся в CRM")
    _shot(page, "audit-report-findings")
    finding.locator("a.create-action").click()
    expect(page.locator("input[name=title]")).to_have_value("Приём обращений по регламенту")
    expect(page.locator("input[name=source]")).to_have_value(f"audit:{audit.id}:item:intake")
    expect(page.locator("input[name=audit_item]")).to_have_value("intake")
    page.select_option("select[name=owner_id]", label="lead (руководитель группы)")
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    page.fill("input[name=due]", yesterday)
    page.locator("#save-action").click()
    expect(page.locator("#action-overdue")).to_be_visible()
    page.goto(f"{server}/actions")
    first = page.locator("#plan tbody tr").first
    expect(first).to_contain_text("Приём обращений по регламенту")
    expect(first).to_contain_text("Просрочено")
    expect(page.locator("#overdue-count")).to_contain_text("1")
    _shot(page, "plan-overdue")
    page.goto(f"{server}/audits/{audit.id}/report")
    expect(page.locator("#findings li[data-item='intake']")).to_contain_text("Действие: Приём")
    context.close()
    with engine.connect() as connection:
        action = connection.execute(select(improvement_actions)).one()
    engine.dispose()
    assert action.source == f"audit:{audit.id}:item:intake"
    assert (action.audit_template, action.audit_item, action.target) == ("small", "intake", 1.0)
