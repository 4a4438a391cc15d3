"""The team lead's start page in a real headless Chromium, desktop and phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.feedback import team_overview
from kontrol.feedback.task_changes import TaskInput, create_task
from tests.factories import PASSWORD
from tests.feedback.feedback_world import ALL_PASS, World, build_world
from tests.web.test_browser import _shot
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
def test_team_lead_start_page_on_desktop_and_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(team_overview, "MIN_EVALUATIONS", 1)
    world.evaluation("f1", ALL_PASS)
    world.evaluation("f5", {**ALL_PASS, "empathy": "fail", "accuracy": "fail"})
    with world.engine.begin() as connection:
        create_task(
            connection,
            world.viewer("lead"),
            TaskInput(kind="coaching", title="Разобрать эмпатию", agent="a2"),
        )
    sizes = {"desktop": (1440, 900, False), "phone": (390, 844, True)}
    for name, (width, height, mobile) in sizes.items():
        context = browser.new_context(
            locale="ru-RU",
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
        )
        page = context.new_page()
        page.goto(f"{server}/login")
        page.get_by_label("Логин").fill("lead")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        expect(page).to_have_url(f"{server}/coaching")
        figures = page.locator("#team-figures [data-metric='qa_score']")
        expect(figures).to_contain_text("по 2 оценкам")
        expect(page.locator("#team-to-coach tr[data-agent]").first).to_have_attribute(
            "data-agent", "a2"
        )
        expect(page.locator("#team-tasks")).to_contain_text("Разобрать эмпатию")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"team-lead-home-{name}")
        if name == "desktop":
            page.locator("#team-to-coach").get_by_role("link", name="Agent a2").click()
            expect(page).to_have_url(f"{server}/coaching/a2")
        context.close()
