"""Onboarding in a real headless Chromium: a team lead starts it, the new agent reads it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.metrics.facts import rebuild
from kontrol.staff.certification import create_certification
from kontrol.staff.knowledge import create_question, create_test
from kontrol.staff.training import assign_module, create_module
from tests.staff.staff_world import START, World, build_world
from tests.staff.test_staff_browser import PHONE, log_in
from tests.web.test_browser import _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 900}
# The first day: when a1's evaluated history starts, while that is within the year a
# start date may lie in the past (later the figures are simply empty).
FIRST_DAY = max(START.date(), date.today() - timedelta(days=300))


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    built = build_world(engine, workspace)
    # The interactions were stored directly: build their KPI facts as an import would.
    rebuild(engine, workspace.id)
    qa = built.viewer("qa")
    with engine.begin() as connection:
        module = create_module(
            connection,
            qa,
            title="Эмпатия в чате",
            kind="text",
            body="Назовите чувство клиента и предложите шаг.",
        )
        assign_module(
            connection,
            qa,
            module_id=module.id,
            agent="a1",
            due=(date.today() + timedelta(days=14)).isoformat(),
        )
        question = create_question(
            connection,
            qa,
            topic="standards",
            kind="single",
            text="Как начать чат по стандарту?",
            options=["Здравствуйте! Меня зовут Анна.", "Слушаю"],
            correct=[0],
        )
        test = create_test(
            connection, qa, title="Стандарты обслуживания", question_ids=[question.id]
        )
        create_certification(connection, qa, name="Допуск к линии", test_ids=[test.id])
    return built


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_lead_starts_an_onboarding_records_a_session_and_the_agent_reads_the_plan(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    lead = log_in(browser, server, "lead", DESKTOP)
    lead.goto(f"{server}/staff")
    lead.get_by_role("link", name="Адаптация", exact=True).click()
    expect(lead.get_by_text("Сейчас никто не проходит адаптацию.")).to_be_visible()
    _shot(lead, "staff-onboarding-empty")
    form = lead.locator("form[action='/staff/onboarding']")
    form.get_by_label("Оператор").select_option("a1")
    form.get_by_label("Начало").fill(FIRST_DAY.isoformat())
    form.get_by_label("Наставник").select_option("admin")
    form.get_by_role("button", name="Начать").click()
    expect(lead).to_have_url(f"{server}/staff/onboarding/a1")
    expect(lead.locator("#mentor")).to_have_text("Admin")
    expect(lead.locator("#kpis tr[data-metric='qa_score']")).to_be_visible()
    expect(lead.locator("#training")).to_contain_text("Эмпатия в чате")
    expect(lead.locator("#tests")).to_contain_text("Допуск к линии")
    lead.get_by_text("Записать встречу").click()
    sessions = lead.locator("#sessions form")
    sessions.get_by_label("Кто провёл").select_option("admin")
    sessions.get_by_label("Что обсудили").fill(
        "Первая неделя: тон ровный, но извинения звучат шаблонно."
    )
    sessions.get_by_label("Договорённости, следующие шаги").fill(
        "Пройти модуль «Эмпатия в чате», разобрать с наставником два чата."
    )
    sessions.get_by_role("button", name="Сохранить").click()
    session = lead.locator("article.session")
    expect(session).to_have_count(1)
    expect(session).to_contain_text("Admin")
    expect(session).to_contain_text("разобрать с наставником два чата")
    _shot(lead, "staff-onboarding-lead")
    lead.goto(f"{server}/staff/onboarding")
    row = lead.locator("#onboardings tr[data-agent='a1']")
    expect(row).to_contain_text("Admin")
    expect(row.locator("td[data-qa]")).to_contain_text("75 n=16")
    expect(row.locator("td[data-qa]")).to_contain_text("команда 75")
    expect(row.locator("td[data-sessions]")).to_have_text("1")
    _shot(lead, "staff-onboarding-list")

    agent = log_in(browser, server, "agent1", PHONE)
    agent.goto(f"{server}/staff")
    agent.get_by_role("link", name="Адаптация", exact=True).click()
    expect(agent).to_have_url(f"{server}/staff/onboarding/a1")
    expect(agent.locator("#mentor")).to_have_text("Admin")
    expect(agent.locator("#training")).to_contain_text("Эмпатия в чате")
    expect(agent.locator("#tests")).to_contain_text("Стандарты обслуживания")
    expect(agent.locator("article.session")).to_contain_text("извинения звучат шаблонно")
    # Read only for the agent: no forms to change the mentor or record a session.
    expect(agent.locator("form[action$='/mentor']")).to_have_count(0)
    expect(agent.get_by_text("Записать встречу")).to_have_count(0)
    width = agent.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    _shot(agent, "staff-onboarding-agent-phone")
