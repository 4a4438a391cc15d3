"""In a real Chromium: a self-service session no scorecard fits waits in "my queue" with
the reason it cannot be scored; "start" passes over it; opened by its URL its page says
why, and it is passed on to a QA lead from there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import PASSWORD
from tests.review.routing_data import chat, interaction_id, load, recent
from tests.review.test_review_service import queue_item, set_up
from tests.web.test_browser import _shot, browser, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def unscorable(engine: Engine, workspace: Workspace, tmp_path: Path) -> int:
    set_up(engine, workspace, tmp_path)
    session = chat("self-1", started=recent(), channel="self_service", survey={"csat": 1})
    load(engine, workspace, tmp_path, [session])
    # First in the queue by priority.
    return queue_item(engine, workspace, interaction_id(engine, "self-1"), "reviewer", 99)


@pytest.fixture
def populated(workspace: Workspace, unscorable: int) -> Workspace:
    """The review set-up with the self-service session, for the shared ``server`` fixture."""
    return workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_reviewer_sees_why_a_session_cannot_be_scored_and_starts_past_it(
    browser: Browser,  # noqa: F811 (the shared fixture)
    server: str,  # noqa: F811
    backend: str,
    unscorable: int,
) -> None:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("reviewer")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{server}/review")
    rows = page.locator("#review-queue tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first.locator(".review-unscorable")).to_contain_text(
        "ни одна действующая оценочная форма не подходит к каналу «Самообслуживание»"
    )
    expect(rows.first.get_by_role("link", name="Оценить")).to_have_count(0)
    _shot(page, "review-queue-unscorable")
    page.get_by_role("link", name="Начать по очереди").click()
    expect(page).to_have_url(re.compile(r"/review/items/\d+$"))
    assert not page.url.endswith(f"/review/items/{unscorable}")
    expect(page.locator("main")).not_to_contain_text("self_service")
    expect(page.get_by_role("button", name="Отправить и к следующему")).to_be_visible()
    # Opened by its URL, the item's page says why in Russian, with the way to pass it on.
    page.goto(f"{server}/review/items/{unscorable}")
    note = page.locator("#review-unscorable")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Это обращение оценить нельзя")
    expect(note).to_contain_text("Канал «Самообслуживание»")
    expect(note).to_contain_text("попросите его добавить этот канал")
    expect(page.locator("#review-form")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("self_service")
    _shot(page, "review-item-unscorable")
    note.get_by_role("button", name="Передать руководителю ОКК").click()
    expect(page).to_have_url(f"{server}/review")
    expect(rows).to_have_count(4)
    expect(page.locator(".review-unscorable")).to_have_count(0)
    context.close()
