"""The people page in headless Chromium: an admin adds an agent, who then sees their own work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.accounts.world import World
from tests.factories import PASSWORD
from tests.web.test_browser import ARTIFACTS, browser, follow_menu, serve_app  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def people_server(database_url: str, world: World) -> Iterator[str]:
    """The app on the policy world, served by uvicorn on a loopback port."""
    with serve_app(database_url) as url:
        yield url


def _log_in(page: Page, server: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{server}/home")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_admin_adds_an_agent_and_cannot_demote_the_last_admin(
    browser: Browser,  # noqa: F811 - the fixture imported above
    people_server: str,
    backend: str,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, people_server, "admin")
    follow_menu(page, "Сотрудники")
    expect(page).to_have_url(f"{people_server}/admin/people")
    expect(page.locator("tr[data-user]")).to_have_count(10)

    form = page.locator("#add-person")
    form.get_by_label("Логин", exact=True).fill("maria")
    form.get_by_label("Имя", exact=True).fill("Maria Kim")
    form.get_by_label("Пароль", exact=True).fill("a long secret 9")
    form.locator('select[name="role"]').select_option("agent")
    form.get_by_label("Группа").fill("L1")
    form.get_by_label("ID оператора").fill("a2")
    form.get_by_role("button", name="Пригласить").click()
    expect(page.locator("#people-invited")).to_contain_text("maria")
    expect(page.locator('tr[data-invited="maria"]')).to_contain_text("Maria Kim")

    # Demoting the only admin is refused with the reason; the choice stays visible.
    me = page.locator('tr[data-user="admin"]')
    me.get_by_label("Роль: admin").select_option("qa_lead")
    me.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#people-error")).to_contain_text("последний администратор")
    expect(page.locator('tr[data-user="admin"]').get_by_label("Роль: admin")).to_have_value(
        "qa_lead"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people.png"), full_page=True)
    context.close()

    # The new agent accepts, then sees their own interaction (i2 of agent a2) and no People link.
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.goto(f"{people_server}/login")
    page.get_by_label("Логин").fill("maria")
    page.get_by_label("Пароль").fill("a long secret 9")
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{people_server}/invitations")
    page.get_by_role("button", name="Принять").click()
    expect(page).to_have_url(f"{people_server}/evaluations")  # an agent starts there
    page.goto(f"{people_server}/interactions")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Сотрудники", include_hidden=True)).to_have_count(0)
    assert page.goto(f"{people_server}/admin/people").status == 403  # type: ignore[union-attr]
    context.close()
