"""Feedback in a real headless Chromium: the agent disputes a criterion, the lead changes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.feedback.feedback_world import ALL_PASS, World, build_world
from tests.web.test_browser import _shot, follow_menu, sign_in
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    return build_world(engine, workspace, tmp_path)


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_dispute_and_resolution_in_the_browser(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    evaluation_id = world.evaluation("f1", {**ALL_PASS, "empathy": "fail"})
    agent = sign_in(browser, server, "agent1")
    follow_menu(agent, "Оценки качества")
    _shot(agent, "feedback-evaluations")
    agent.get_by_role("link", name=f"#{evaluation_id} · f1").click()
    expect(agent.locator("#evaluation-score")).to_contain_text("60")
    row = agent.locator('tr[data-criterion="empathy"]')
    row.get_by_text("Оспорить").click()
    row.get_by_label("Причина").fill("Я извинилась во втором сообщении")
    row.get_by_role("button", name="Отправить апелляцию").click()
    expect(agent.locator("#disputes")).to_contain_text("Я извинилась во втором сообщении")
    expect(row.locator(".chip-bad")).to_contain_text("открыта")
    _shot(agent, "feedback-evaluation-disputed")
    agent.context.close()

    lead = sign_in(browser, server, "qa")
    lead.goto(f"{server}/disputes")
    lead.get_by_role("link", name="Рассмотреть").click()
    lead.get_by_label("Showed empathy").select_option("pass")
    lead.get_by_label("Изменить оценку").check()
    lead.locator('textarea[name="comment"]').fill("Извинение есть во втором сообщении")
    _shot(lead, "feedback-dispute-resolve")
    lead.get_by_role("button", name="Рассмотреть").click()
    expect(lead).to_have_url(f"{server}/evaluations/{evaluation_id}#history")
    expect(lead.locator("#evaluation-score")).to_contain_text("100")
    expect(lead.locator("#history")).to_contain_text("апелляция рассмотрена")
    _shot(lead, "feedback-evaluation-resolved")
    lead.goto(f"{server}/coaching/a1")
    expect(lead.locator("#weakest")).to_contain_text("Greeted the customer")
    _shot(lead, "feedback-coaching")
    lead.context.close()
