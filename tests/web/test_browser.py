"""The web app in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.chromium import module_browser
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(database_url: str, populated: Workspace) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, in a thread."""
    with serve_app(database_url) as url:
        yield url


@contextmanager
def serve_app(database_url: str) -> Iterator[str]:
    """Serve the app on ``database_url`` with uvicorn in a thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(database_url), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[Browser]:
    """The worker's headless Chromium (tests/chromium.py), for this module."""
    yield from module_browser(chromium)


def sign_in(
    browser: Browser, server: str, username: str, *, width: int = 1280, height: int = 900
) -> Page:
    """A new Russian-language browser window signed in as ``username``, on their start page."""
    viewport: ViewportSize = {"width": width, "height": height}
    page = browser.new_context(locale="ru-RU", viewport=viewport).new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # Each role lands on its own start page (HOME_PAGES), never back on the login form.
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def follow_menu(page: Page, name: str) -> None:
    """Follow the menu link ``name`` as a person would: open its group first when it has one."""
    menu = page.locator("nav.menu")
    button = page.locator("#menu-button")
    if button.is_visible() and not menu.is_visible():
        button.click()  # on a phone the sections fold behind the menu button
    link = menu.get_by_role("link", name=name, exact=True, include_hidden=True)
    if not link.is_visible():
        # ``has`` is looked for inside each group, so it starts from the group, not the page.
        inside = page.get_by_role("link", name=name, exact=True, include_hidden=True)
        menu.locator("details.nav-group", has=inside).locator("summary").click()
    link.click()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reviewer_logs_in_filters_and_reads_a_conversation(
    browser: Browser, server: str, backend: str
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/interactions")
    expect(page).to_have_url(f"{server}/login")
    page.get_by_label("Логин").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{server}/home")
    follow_menu(page, "Обращения")
    expect(page).to_have_url(f"{server}/interactions")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(4)
    _shot(page, "interactions")

    # Choosing a channel filters the table in place (HTMX) and updates the address.
    page.get_by_label("Канал").select_option("call")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(
        f"{server}/interactions?channel=call&agent=&team=&topic=&date_from=&date_to=&has_survey=&q="
        "&score_min=&score_max=&failed=&signal="
    )

    page.goto(f"{server}/interactions?q=деньги")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    transcript = page.locator(".transcript")
    # Customer text is shown as text, never run as markup.
    expect(transcript).to_contain_text("Верните деньги <script>alert(1)</script>")
    expect(page.locator(".msg-customer")).to_have_count(1)
    expect(page.locator(".msg-agent")).to_have_count(1)
    expect(page.locator("aside")).to_contain_text("1/5")
    _shot(page, "interaction")

    page.get_by_role("button", name="English").click()
    expect(page.locator("h2").first).to_have_text("Conversation")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_phone_sized_screen_shows_the_list(browser: Browser, server: str, backend: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("agent1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    _shot(page, "interactions-phone")
    context.close()
