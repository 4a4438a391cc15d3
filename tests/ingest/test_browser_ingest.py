"""An admin makes an API key in the browser; a machine pushes an interaction with it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, expect

from tests.factories import PASSWORD
from tests.web.test_browser import _shot, browser, follow_menu, server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "server"]

CALL = {
    "source": "pbx",
    "id": "call-77",
    "channel": "call",
    "started_at": "2026-11-25T09:30:00+03:00",
    "agent_id": "a1",
    "team": "L1",
    "messages": [
        {"role": "agent", "text": "Служба поддержки, Анна, здравствуйте", "start": 0, "end": 2.5},
        {"role": "customer", "text": "Хочу отменить подписку", "start": 2.6, "end": 4.0},
    ],
}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_admin_makes_a_key_and_the_pushed_call_appears(
    browser: Browser, server: str, backend: str
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    follow_menu(page, "API-ключи")
    page.get_by_label("Название").fill("АТС")
    page.get_by_role("button", name="Создать ключ").click()
    secret = page.locator("#new-key-secret").inner_text().strip()
    assert secret.startswith("kon_")
    _shot(page, "api-keys")

    pushed = httpx.post(
        f"{server}/api/v1/interactions",
        json=CALL,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert pushed.status_code == 200, pushed.text
    page.goto(f"{server}/interactions?q=call-77")
    expect(page.locator("table.list tbody tr")).to_have_count(1)

    page.goto(f"{server}/admin/api-keys")
    expect(page.locator("#new-key-secret")).to_have_count(0)
    # Revoking asks first; saying no leaves the key working.
    questions: list[str] = []

    def answer(dialog: Dialog, accept: bool) -> None:
        questions.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Отозвать").click()
    expect(page.get_by_role("button", name="Отозвать")).to_be_visible()
    assert questions and questions[0].startswith("Отозвать?")
    kept = httpx.post(
        f"{server}/api/v1/interactions", json=CALL, headers={"Authorization": f"Bearer {secret}"}
    )
    assert kept.status_code == 200
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Отозвать").click()
    expect(page.locator("table.list")).to_contain_text("отозван")
    refused = httpx.post(
        f"{server}/api/v1/interactions",
        json=CALL,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 401
    context.close()
