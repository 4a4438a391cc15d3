"""The agent's progress page in a real headless Chromium, desktop and phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from tests.factories import PASSWORD
from tests.feedback.feedback_world import World, build_world
from tests.feedback.progress_world import last_two_weeks
from tests.web.test_browser import _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(engine: Engine, workspace: Workspace, tmp_path: Path) -> World:
    found = build_world(engine, workspace, tmp_path)
    last_two_weeks(found)
    return found


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_agent_sees_their_progress_on_desktop_and_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
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
        page.get_by_label("Логин").fill("agent1")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.goto(f"{server}/coaching")
        expect(page).to_have_url(f"{server}/coaching/a1")
        score = page.locator("#progress-score")
        expect(score).to_contain_text("42,5")
        expect(score).to_contain_text("+5 к прошлой неделе")
        expect(score).to_contain_text("по 2 оценкам")
        well = page.locator("#going-well")
        expect(well).to_contain_text("Greeted the customer")
        expect(well).to_contain_text("выполнено в 3 из 4 оценок")
        expect(page.locator("#to-work-on")).to_contain_text("Showed empathy")
        # What went well is read first: left of (desktop) or above (phone) what to work on.
        first = well.bounding_box()
        then = page.locator("#to-work-on").bounding_box()
        assert first is not None and then is not None
        assert first["y"] < then["y"] if mobile else first["x"] < then["x"]
        if not mobile:
            # The newest weeks come first: last week's score is visible in the card at 1440
            # without scrolling the table sideways, left of the week before's.
            box = page.locator("#weakest").locator("xpath=..").bounding_box()
            cells = page.locator("#score-row td")
            newest = cells.filter(has_text="42,5").bounding_box()
            before = cells.filter(has_text="37,5").bounding_box()
            assert box is not None and newest is not None and before is not None
            assert newest["x"] < before["x"]
            assert newest["x"] + newest["width"] <= box["x"] + box["width"]
            assert page.evaluate("document.querySelector('#weakest').parentElement.scrollLeft") == 0
        # The page never scrolls sideways; the wide table scrolls inside its card.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"agent-progress-{name}")
        context.close()
