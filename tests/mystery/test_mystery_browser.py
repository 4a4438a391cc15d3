"""A shopper submits a shop on a phone, in real headless Chromium (390 × 844)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.mystery.assignments import generate_assignments
from kontrol.mystery.programmes import set_shoppers
from kontrol.store.tables import mystery_assignments, mystery_files, mystery_submissions
from tests.factories import PASSWORD
from tests.mystery.builders import add_programme
from tests.mystery.world import PNG
from tests.web.test_browser import _shot, browser, server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_shopper_submits_a_shop_with_a_screenshot_on_a_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    engine: Engine,
    populated: Workspace,
    shopper_ids: list[int],
    tmp_path: Path,
    backend: str,
) -> None:
    programme_id = add_programme(engine, populated)
    with engine.begin() as connection:
        set_shoppers(connection, populated, programme_id, ["anna"])
        generate_assignments(connection, populated, programme_id, "2026-11")
        visit = connection.execute(
            select(mystery_assignments.c.id).where(mystery_assignments.c.target_key == "our-chat")
        ).scalar_one()
    screenshot = tmp_path / "chat.png"
    screenshot.write_bytes(PNG)

    context = browser.new_context(
        locale="ru-RU",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("anna")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # A shopper starts on their own visits, and sees nothing else in the menu.
    expect(page).to_have_url(f"{server}/shop")
    expect(page.locator("nav a")).to_have_count(1)
    _shot(page, "mystery-phone-visits")
    page.locator(f'a[href="/shop/{visit}"]').tap()
    expect(page.locator("h1")).to_have_text("Наш чат на сайте")
    expect(page.locator(".brief")).to_contain_text("Можно вернуть товар без чека?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    yes = page.locator("label.choice:has(input[name=answer_speed][value=pass]) span")
    box = yes.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    page.get_by_label("Ваш контакт").fill("anna@example.com")
    page.locator("input[name=files]").set_input_files(str(screenshot))
    yes.tap()
    page.locator("label.choice:has(input[name=answer_correct][value=fail]) span").tap()
    page.get_by_label("Комментарий").fill("Про возврат по паспорту не сказали <b>!</b>")
    _shot(page, "mystery-phone-form")
    page.get_by_role("button", name="Отправить отчёт").tap()
    expect(page.locator("p.notice")).to_have_text("Отчёт отправлен. Спасибо!")
    expect(page.locator(".shots img")).to_have_count(1)
    page.wait_for_function("document.querySelector('.shots img').naturalWidth === 120")
    # Untrusted text is shown as text.
    expect(page.locator("dd.comment").last).to_have_text(
        "Про возврат по паспорту не сказали <b>!</b>"
    )
    _shot(page, "mystery-phone-submitted")
    forbidden = page.goto(f"{server}/mystery")
    assert forbidden is not None and forbidden.status == 403
    context.close()

    with engine.connect() as connection:
        shop = connection.execute(select(mystery_submissions)).one()
        stored = connection.execute(select(mystery_files)).one()
    assert (shop.assignment_id, shop.score, shop.contact) == (visit, 33.3, "anna@example.com")
    assert stored.size == len(PNG)
    assert stored.content_type == "image/png"
