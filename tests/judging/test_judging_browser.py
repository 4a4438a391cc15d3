"""The model criteria page and the answers on an interaction page, in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.judging.answering import judge_interactions
from kontrol.judging.criteria import import_criteria_yaml
from kontrol.judging.endpoint import save_endpoint
from kontrol.store.tables import interactions
from tests.factories import PASSWORD
from tests.judging.llm_server import ChatServer, verdict
from tests.web.test_browser import _shot, browser, follow_menu, server  # noqa: F401  (fixtures)
from tests.webapp import populated  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CRITERIA = """criteria:
  - name: solved
    title: Решил вопрос клиента
    question: Did the agent solve the customer's problem or give a clear next step?
    scorecard: default-ru
    criterion: solution_correct
  - name: polite
    title: Вежливое приветствие
    question: Did the agent greet the customer politely?
  - name: discount
    title: Не обещал скидок
    question: Did the agent avoid promising a discount?
"""


@pytest.fixture
def llm() -> Iterator[ChatServer]:  # noqa: F811
    def answer(body: dict[str, Any]) -> str:
        asked = body["messages"][1]["content"]
        if "greet" in asked:
            return verdict("pass", "The agent greeted the customer.", "Здравствуйте!")
        if "discount" in asked:
            return verdict("fail", "The agent promised a discount.", "скидка 50% на всё")
        return verdict(
            "fail",
            "The agent only said they would check; no answer or next step.",
            "Сейчас проверю",
        )

    chat = ChatServer(answer).start()
    yield chat
    chat.stop()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_reads_the_models_answers_and_the_criteria_page(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    llm: ChatServer,
    backend: str,
) -> None:
    with engine.begin() as connection:
        save_endpoint(
            connection,
            populated.id,
            base_url=llm.url,
            model="qwen2.5:7b-instruct",
            api_key="sk-demo-key-9876",
            mask_personal_data=True,
            daily_budget=500,
            timeout_seconds=30,
            enabled=True,
            user_id=None,
        )
        import_criteria_yaml(connection, populated.id, CRITERIA, user_id=None)
        i1 = (
            connection.execute(interactions.select().where(interactions.c.external_id == "i1"))
            .one()
            .id
        )
    judge_interactions(engine, populated.id, [i1])

    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    page.goto(f"{server}/interactions/{i1}")
    answers = page.locator("#judging-answers")
    expect(answers.locator("li")).to_have_count(3)
    expect(answers.locator("li.judging-void")).to_contain_text("недействителен")
    expect(answers.locator('li[data-judging="solved"] mark')).to_have_text("Сейчас проверю")
    expect(answers.locator("li.judging-void del")).to_have_text("скидка 50% на всё")
    _shot(page, "judging-interaction")

    follow_menu(page, "Вопросы к модели")
    expect(page.locator("#criteria-table tbody tr")).to_have_count(3)
    expect(page.locator("#judging-endpoint")).to_contain_text("Сегодня запросов: 3 из 500")
    _shot(page, "judging-page")
    page.locator('tr[data-criterion="solved"] button').click()
    expect(page.locator("#judging-done")).to_be_visible()
    expect(page.locator('tr[data-criterion="solved"]')).to_contain_text("в оценке")
    context.close()
