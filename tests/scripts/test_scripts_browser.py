"""Scripts in real headless Chromium: an agent on a phone, a QA lead editing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine

from kontrol.accounts.workspaces import Workspace
from kontrol.scripts.library import install_examples
from tests.factories import PASSWORD, import_records, interaction_record, message
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures
from tests.webapp import populated  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _examples(database_url: str, workspace: Workspace) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        install_examples(connection, workspace.id)
    engine.dispose()


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/scripts")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # On a phone the logout sits behind the menu button: logged in is enough.
    expect(page.get_by_role("button", name="Выйти", include_hidden=True)).to_be_attached()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_agent_finds_a_script_and_copies_a_wording_on_a_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,  # noqa: F811
    backend: str,
) -> None:
    _examples(database_url, populated)
    context = browser.new_context(
        locale="ru-RU",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    _log_in(page, server, "agent1")
    page.goto(server + "/scripts")
    page.fill("input[name=q]", "где мой заказ")
    page.locator(".script-search button[type=submit]").tap()
    cards = page.locator(".script-card-link")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_text("Где мой заказ?")
    _shot(page, "scripts-phone-library")
    cards.first.tap()
    step = page.locator("#step-ask_order")
    expect(step).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = step.locator("button.copy").first
    box = button.bounding_box()
    assert box is not None and box["height"] >= 40
    button.tap()
    expect(button).to_have_text("Скопировано")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == "Подскажите, пожалуйста, номер заказа — сейчас проверю."
    _shot(page, "scripts-phone-script")
    context.close()


def _refund_conversation(external_id: str) -> dict[str, object]:
    at = "2026-11-20T10:00:00+00:00"
    return interaction_record(
        external_id,
        started=at,
        agent_id="a1",
        team="L1",
        topic="refund",
        language="ru",
        messages=[
            message("customer", "Хочу вернуть кроссовки, не подошёл размер", at),
            message("agent", "Здравствуйте! Понимаю, неприятно. Что именно не подошло?", at),
            message("customer", "Маломерят", at),
            message("agent", "Могу обменять на другой размер, хотите?", at),
        ],
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_edits_a_script_and_sees_the_new_versions_adherence(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    database_url: str,
    populated: Workspace,  # noqa: F811
    backend: str,
    tmp_path: Path,
) -> None:
    _examples(database_url, populated)
    page = browser.new_page(locale="ru-RU", viewport={"width": 1440, "height": 900})
    _log_in(page, server, "qa")
    page.goto(server + "/scripts/refund/edit")
    rows = page.locator("fieldset.step-row")
    new = rows.last
    # Add a step...
    new.locator("input[name$=-id]").fill("offer_exchange")
    new.locator("select[name$=-kind]").select_option("solution")
    new.locator("input[name$=-title_ru]").fill("Предложить обмен")
    new.locator("input[name$=-title_en]").fill("Offer an exchange")
    new.locator("textarea[name$=-detect_ru]").fill("обменять на другой размер")
    new.locator("input[name$=-position]").fill("3.5")
    # ...link it from the customer's answer to "why"...
    ask_reason = page.locator("fieldset.step-row", has=page.locator("input[value=ask_reason]"))
    ask_reason.locator("textarea[name$=-answers]").fill(
        "Товар с браком | The item is faulty -> refund_defect\n"
        "Не подошёл размер | Wrong size -> offer_exchange"
    )
    # ...and put empathy before the greeting.
    empathy = page.locator("fieldset.step-row", has=page.locator("input[value=empathy]"))
    empathy.locator("input[name$=-position]").fill("0.5")
    page.fill("input[name=note]", "Добавлен обмен размера")
    _shot(page, "scripts-desktop-edit")
    page.locator(".script-editor button[type=submit]").click()
    page.wait_for_url("**/scripts/refund?saved=1")
    titles = page.locator(".script-step h2")
    expect(titles.nth(0)).to_have_text("Признать неудобство")
    expect(titles.nth(1)).to_have_text("Приветствие")
    expect(page.locator("#step-ask_reason .answers a").last).to_have_text("Предложить обмен")
    # A conversation scored under the new version.
    engine = create_engine(database_url)
    import_records(engine, populated, tmp_path, [_refund_conversation("r-v2")])
    engine.dispose()
    page.goto(server + "/scripts/refund/adherence")
    expect(page.locator("#version-2 td").nth(2)).to_have_text("1")
    expect(page.locator("#version-2 td").nth(1)).to_have_text("Добавлен обмен размера")
    expect(page.locator("#adh-offer_exchange td").nth(1)).to_contain_text("100%")
    _shot(page, "scripts-desktop-adherence")
    page.close()
