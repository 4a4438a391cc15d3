"""Feedback in a real headless Chromium: the agent disputes a criterion, the lead changes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from kontrol.services.workspaces import Workspace
from kontrol.web.app import create_app
from tests.review.feedback_world import ALL_PASS, PASSWORD, World, build_world
from tests.web.test_browser import _free_port, _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(engine: object, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)  # type: ignore[arg-type]


@pytest.fixture
def server(database_url: str, world: World) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, in a thread."""
    port = _free_port()
    instance = uvicorn.Server(
        uvicorn.Config(create_app(database_url), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def log_in(browser: Browser, server: str, username: str) -> Page:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{server}/interactions")
    return page


@pytest.mark.parametrize("backend", ["sqlite"])
def test_dispute_and_resolution_in_the_browser(
    browser: Browser,  # noqa: F811
    server: str,
    world: World,
    backend: str,
) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    agent = log_in(browser, server, "agent1")
    agent.get_by_role("link", name="Оценки").click()
    _shot(agent, "feedback-evaluations")
    agent.get_by_role("link", name=f"#{evaluation_id} · f1").click()
    expect(agent.locator("#evaluation-score")).to_contain_text("60.0")
    row = agent.locator('tr[data-criterion="empathy"]')
    row.get_by_text("Оспорить").click()
    row.get_by_label("Причина").fill("Я извинилась во втором сообщении")
    row.get_by_role("button", name="Отправить апелляцию").click()
    expect(agent.locator("#disputes")).to_contain_text("Я извинилась во втором сообщении")
    expect(row.locator(".chip-bad")).to_contain_text("открыта")
    _shot(agent, "feedback-evaluation-disputed")
    agent.context.close()

    lead = log_in(browser, server, "qa")
    lead.goto(f"{server}/disputes")
    lead.get_by_role("link", name="Рассмотреть").click()
    lead.get_by_label("Showed empathy").select_option("pass")
    lead.get_by_label("Изменить оценку").check()
    lead.locator('textarea[name="comment"]').fill("Извинение есть во втором сообщении")
    _shot(lead, "feedback-dispute-resolve")
    lead.get_by_role("button", name="Рассмотреть").click()
    expect(lead).to_have_url(f"{server}/evaluations/{evaluation_id}#history")
    expect(lead.locator("#evaluation-score")).to_contain_text("100.0")
    expect(lead.locator("#history")).to_contain_text("рассмотрел(а) апелляцию")
    _shot(lead, "feedback-evaluation-resolved")
    lead.goto(f"{server}/coaching/a1")
    expect(lead.locator("#weakest")).to_contain_text("Greeted the customer")
    _shot(lead, "feedback-coaching")
    lead.context.close()
