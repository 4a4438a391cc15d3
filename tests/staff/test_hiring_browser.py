"""Hiring in a real headless Chromium: two interviewers score blind, then see the agreement."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.staff.hiring import add_candidate, add_guide_question, create_profile
from tests.factories import PASSWORD
from tests.staff.staff_world import World, build_world
from tests.web.test_browser import _shot
from tests.web.test_browser import browser as browser  # noqa: F401  (the Chromium fixture)
from tests.web.test_browser import server as server  # noqa: F401  (uvicorn in a thread)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(engine: Engine, workspace: Workspace) -> World:
    built = build_world(engine, workspace)
    qa = built.viewer("qa")
    with engine.begin() as connection:
        profile = create_profile(connection, qa, title="Оператор чата")
        for text in ("Клиент кричит. Что ответите?", "Как оформить возврат?"):
            profile = add_guide_question(
                connection,
                qa,
                profile.id,
                text=text,
                anchors=("Не слышит клиента", "Формально", "Признаёт эмоцию и решает"),
            )
        add_candidate(
            connection,
            qa,
            profile_id=profile.id,
            name="Мария Лебедева",
            interviewer_ids=[built.accounts["qa"].id, built.accounts["lead"].id],
        )
    return built


@pytest.fixture
def populated(world: World) -> Workspace:
    """What the shared ``server`` fixture serves: this module's workspace."""
    return world.workspace


def log_in(browser: Browser, server: str, username: str) -> Page:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    return page


def score(page: Page, server: str, ratings: list[int]) -> None:
    page.goto(f"{server}/staff/hiring")
    page.get_by_role("link", name="Мария Лебедева").click()
    expect(page.locator("#scores")).to_have_count(0)
    for question, rating in zip(page.locator("fieldset.question").all(), ratings, strict=True):
        question.get_by_label(str(rating), exact=True).check()
    page.get_by_role("button", name="Сдать оценки").click()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_two_interviewers_score_blind_and_see_the_agreement(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    world: World,
    backend: str,
) -> None:
    first = log_in(browser, server, "qa")
    score(first, server, [5, 4])
    # Alone, the first interviewer sees their own scores; agreement needs two.
    expect(first.locator("#agreement")).to_contain_text("нужно хотя бы две")
    second = log_in(browser, server, "lead")
    score(second, server, [5, 3])
    expect(second.locator("#agreement")).to_contain_text("α =")
    expect(second.locator("#scores tbody tr").nth(1)).to_contain_text("1")
    _shot(second, "staff-interview-agreement")
    first.reload()
    expect(first.locator("#agreement")).to_contain_text("α =")
    expect(first.locator("#scores")).to_contain_text("Lead")
    # The QA lead hires her as agent a1: the interview joins that agent's profile.
    decision = first.locator("#decision form")
    decision.get_by_label("Решение").select_option("hire")
    decision.get_by_label("Причина").fill("Спокойна в конфликте, точна в возвратах.")
    decision.get_by_label("Оператор", exact=True).fill("a1")
    decision.get_by_role("button", name="Сохранить").click()
    expect(first.locator("#hired-agent")).to_have_text("учётная запись оператора: Agent a1")
    _shot(first, "staff-hiring-decision")
    first.locator("#decision").get_by_role("link", name="Профиль компетенций").click()
    expect(first).to_have_url(f"{server}/staff/profile/a1")
