"""A candidate completes a role play through a public link, on a phone, without logging in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import default_scorecard_text, save_scorecard
from kontrol.staff.hiring import add_candidate, create_profile
from kontrol.staff.roleplay import create_scenario, send_to_candidate
from tests.factories import PASSWORD
from tests.staff.staff_world import World, build_world
from tests.web.test_browser import _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCRIPT = (
    "Здравствуйте, мне не пришёл заказ!\nизвин, понима => 3\n\n"
    "Вы меня слышите?\n\nХорошо. Когда привезут?\n"
)


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    return build_world(engine, workspace)


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_candidate_completes_a_role_play(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    qa = world.viewer("qa")
    with world.engine.begin() as connection:
        save_scorecard(connection, world.workspace.id, default_scorecard_text("default-ru"))
        scenario = create_scenario(connection, qa, title="Заказ", language="ru", script=SCRIPT)
        profile = create_profile(connection, qa, title="Оператор чата")
        candidate = add_candidate(
            connection,
            qa,
            profile_id=profile.id,
            name="Мария Лебедева",
            interviewer_ids=[world.accounts["lead"].id],
        )
        path = send_to_candidate(connection, qa, candidate.id, scenario.id)
    phone = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{server}{path}")
    expect(page.locator("#chat")).to_contain_text("мне не пришёл заказ")
    page.get_by_label("Ваш ответ").fill("Здравствуйте! Меня зовут Мария. Понимаю, извините.")
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator("#chat")).to_contain_text("Когда привезут?")
    page.get_by_label("Ваш ответ").fill("Завтра до 18:00. Чем ещё могу помочь? Спасибо!")
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator("#finished")).to_contain_text("Спасибо")
    _shot(page, "staff-roleplay-candidate-phone")
    # The recruiter sees the transcript and the checks' score on the candidate's page.
    lead = browser.new_context(locale="ru-RU").new_page()
    lead.goto(f"{server}/login")
    lead.get_by_label("Логин").fill("qa")
    lead.get_by_label("Пароль").fill(PASSWORD)
    lead.get_by_role("button", name="Войти").click()
    expect(lead).not_to_have_url(re.compile(r"/login"))
    lead.goto(f"{server}/staff/hiring/candidates/{candidate.id}")
    expect(lead.locator("#work-test")).to_contain_text(re.compile(r"завершён · Результат\s+\d"))
