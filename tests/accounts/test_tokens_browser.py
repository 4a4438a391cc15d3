"""Personal tokens and the audit log in headless Chromium: a team lead makes a token,
reads the API with it; the admin revokes it and finds both in the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.accounts.world import World
from tests.web.test_browser import ARTIFACTS, browser, serve_app, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def token_server(database_url: str, world: World) -> Iterator[str]:
    """The app on the policy world, served by uvicorn on a loopback port."""
    with serve_app(database_url) as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_lead_makes_a_token_and_the_admin_revokes_it(
    browser: Browser,  # noqa: F811 - the fixture imported above
    token_server: str,
    backend: str,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, token_server, "lead")
    context = page.context
    page.goto(f"{token_server}/account")
    form = page.locator("#token-form")
    form.get_by_label("Название").fill("Power BI")
    form.get_by_label("Действует").select_option("30")
    form.get_by_role("button", name="Создать токен").click()
    secret = page.locator("#new-token-secret").inner_text().strip()
    assert secret.startswith("kpt_")
    expect(page.locator("#token-list tbody tr")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "account-token.png"), full_page=True)
    headers = {"Authorization": f"Bearer {secret}"}
    seen = httpx.get(f"{token_server}/api/v1/interactions", headers=headers)
    assert seen.status_code == 200
    assert {item["agent_id"] for item in seen.json()["items"]} == {"a1", "a2"}
    context.close()

    page = sign_in(browser, token_server, "admin")
    context = page.context
    page.goto(f"{token_server}/admin/tokens")
    row = page.locator(f'tr[data-token="{secret[:12]}"]')
    expect(row).to_contain_text("lead")
    # Revoking asks first (static/confirm.js); the admin says yes.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Отозвать").click()
    expect(row).to_contain_text("отозван")
    assert asked and asked[0].startswith("Отозвать?")
    assert httpx.get(f"{token_server}/api/v1/me", headers=headers).status_code == 401
    page.get_by_role("link", name="Журнал аудита").first.click()
    expect(page).to_have_url(f"{token_server}/admin/audit")
    expect(page.locator('tr[data-action="token_revoked"]')).to_have_count(1)
    expect(page.locator('tr[data-action="token_first_use"]')).to_have_count(1)
    expect(page.locator('tr[data-action="token_created"]')).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)
    page.locator('#audit-filters select[name="action"]').select_option("login")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#audit-list tbody tr")).to_have_count(2)
    context.close()
