"""People in a real headless Chromium: an agent takes a knowledge test on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.staff.knowledge import create_question, create_test
from tests.factories import PASSWORD
from tests.staff.staff_world import World, build_world
from tests.web.test_browser import _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    built = build_world(engine, workspace)
    lead = built.viewer("qa")
    with engine.begin() as connection:
        ids = [
            create_question(
                connection,
                lead,
                topic="standards",
                kind="single",
                text="Как начать чат по стандарту?",
                options=["Здравствуйте! Меня зовут Анна.", "Слушаю", "Что у вас?"],
                correct=[0],
            ).id,
            create_question(
                connection,
                lead,
                topic="standards",
                kind="multiple",
                text="Что обязательно в конце разговора?",
                options=["Поблагодарить", "Попросить оценку", "Положить трубку"],
                correct=[0, 1],
            ).id,
        ]
        create_test(
            connection,
            lead,
            title="Стандарты обслуживания",
            question_ids=ids,
            pass_mark=80,
            time_limit_minutes=10,
            max_attempts=2,
            shuffle=True,
        )
    return built


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


def log_in(browser: Browser, server: str, username: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="ru-RU", viewport=viewport, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    return page


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_agent_takes_a_test_on_a_phone(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    agent = log_in(browser, server, "agent1", PHONE)
    agent.goto(f"{server}/staff")
    agent.get_by_role("link", name="Тесты и аттестация").first.click()
    card = agent.locator("li.test-card")
    expect(card).to_contain_text("Стандарты обслуживания")
    expect(card).to_contain_text("Осталось попыток: 2")
    card.get_by_role("button", name="Начать тест").click()
    expect(agent.locator("#timer")).to_contain_text("Осталось")
    _shot(agent, "staff-test-phone")
    # The whole question fits the phone's width: no sideways scrolling to answer.
    width = agent.evaluate("document.querySelector('#quiz').scrollWidth")
    assert width <= PHONE["width"]
    agent.get_by_label("Здравствуйте! Меня зовут Анна.").check()
    agent.get_by_label("Поблагодарить").check()
    agent.get_by_label("Попросить оценку").check()
    agent.get_by_role("button", name="Сдать тест").click()
    expect(agent.locator("#score")).to_have_text("100%")
    expect(agent.locator("#result")).to_contain_text("сдан")
    _shot(agent, "staff-test-result-phone")
    agent.goto(f"{server}/staff/tests")
    expect(agent.locator("li.test-card")).to_contain_text("Осталось попыток: 1")
