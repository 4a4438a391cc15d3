"""The "machine vs human" page in Chromium: a QA lead reads the rule, the learned model
and a language-model criterion against the reviewers and turns the model on."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.judging.criteria import import_criteria_yaml
from kontrol.learning.jobs import train_and_apply
from kontrol.store.tables import judging_answers
from tests.learning.build import review, rule_wrong_set
from tests.web.test_browser import _shot, browser, follow_menu, server, sign_in  # noqa: F401
from tests.webapp import populated  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOLVED = """criteria:
  - name: solved
    title: Решил вопрос клиента
    question: Did the agent solve the customer's problem or give a clear next step?
    scorecard: default-ru
    criterion: solution_correct
"""


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_qa_lead_compares_the_machines_and_turns_the_learned_model_on(
    browser: Browser,  # noqa: F811
    server: str,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
    tmp_path: Path,
    backend: str,
) -> None:
    ids = rule_wrong_set(engine, populated, tmp_path)
    # A language-model criterion answered "pass" on the first 20, reviewers failing 5 of them.
    first = dict(sorted(ids.items())[:20])
    review(engine, populated, first, lambda k: "fail" if k < "r005" else "pass", "solution_correct")
    with engine.begin() as connection:
        [criterion] = import_criteria_yaml(connection, populated.id, SOLVED, user_id=None)
        connection.execute(
            judging_answers.insert(),
            [
                {
                    "workspace_id": populated.id,
                    "interaction_id": stored,
                    "criterion_id": criterion.id,
                    "criterion_version": criterion.version,
                    "model": "qwen-test",
                    "content_hash": f"{stored:064d}",
                    "state": "answered",
                    "verdict": "pass",
                    "reason": "-",
                    "quote": "",
                    "created_at": utcnow(),
                }
                for stored in first.values()
            ],
        )
        train_and_apply(connection, populated.id)

    page = sign_in(browser, server, "qa")
    follow_menu(page, "Машина и проверяющие")
    expect(page.locator("h1")).to_have_text("Машина и проверяющие")
    greeting = page.locator('tr[data-criterion="default-ru/greeting"]')
    expect(greeting).to_contain_text("перевёрнуто 50,0%")
    expect(greeting.locator(".machine-learned")).to_contain_text("перевёрнуто 0,0%")
    solved = page.locator('tr[data-criterion="default-ru/solution_correct"]')
    expect(solved).to_contain_text("перевёрнуто 25,0%")
    greeting.locator("details summary").first.click()
    expect(greeting.locator("details li").first).to_contain_text("да → нет")
    _shot(page, "learning-machine-vs-human")

    greeting.get_by_role("button", name="Использовать модель").click()
    expect(page.locator("#learning-done")).to_contain_text("Обученная модель включена")
    expect(page.locator('tr[data-criterion="default-ru/greeting"]')).to_contain_text("используется")
    _shot(page, "learning-model-on")
    page.locator("#language-switch").click()
    expect(page.locator("h1")).to_have_text("Machine vs human")
    expect(page.locator('tr[data-criterion="default-ru/greeting"]')).to_contain_text("in use")
    _shot(page, "learning-machine-vs-human-en")
    page.context.close()
