"""The whole review loop in a real headless Chromium, as the people who use it do it.

A customer gives a low rating on the survey page (phone-sized), the interaction
appears in the reviewer's queue, the reviewer scores it, the agent disputes one
criterion, the QA lead changes it, and the evaluation's score and the KPI move.
Screenshots of every step go to test-artifacts/screenshots/walkthrough-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.review.routing.rules import create_default_rules
from kontrol.store.tables import interactions
from kontrol.surveys.links import create_link
from tests import webapp as web_fixtures
from tests.review.routing_data import person
from tests.web import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
populated = web_fixtures.populated
browser = test_browser.browser
server = test_browser.server
shot = test_browser._shot

CRITERION = "specific_answer"
CRITERION_TITLE = "Дал конкретный ответ: срок, сумма, место"


def qa_score(page: Page, server: str) -> Any:
    """QA score of agent a1's chats in November (i1 alone) from the KPI API, as this user."""
    answer = page.request.get(
        f"{server}/api/v1/kpi?metrics=qa_score&agent=a1&channel=chat"
        "&date_from=2026-11-01&date_to=2026-11-30"
    )
    assert answer.status == 200, answer.text()
    (row,) = answer.json()["rows"]
    return row["qa_score"]


def evaluation_score(page: Page) -> float:
    return float(page.locator("#evaluation-score").inner_text().split()[0].replace(",", "."))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_low_rating_to_review_dispute_and_resolution(
    browser: Browser, server: str, database_url: str, populated: Workspace, backend: str
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        create_default_rules(connection, populated.id)
        target = connection.execute(
            select(interactions.c.id).where(interactions.c.external_id == "i1")
        ).scalar_one()
        link = create_link(connection, workspace=populated, interaction_id=target, created_by="t")
    person(engine, populated, "rev", WorkspaceRole.REVIEWER)
    engine.dispose()

    # 1. The customer rates the conversation 1 of 5 on a phone.
    customer = browser.new_context(viewport={"width": 390, "height": 844})
    page = customer.new_page()
    page.goto(server + link.path())
    page.locator("label.choice").first.click()
    page.locator("button.send").click()
    expect(page.locator(".survey-done h1")).to_be_visible()
    shot(page, "walkthrough-1-survey")
    customer.close()

    lead = test_browser.sign_in(browser, server, "qa")
    before_review = qa_score(lead, server)

    # 2. The item is in the reviewer's queue; the reviewer scores it.
    reviewer = test_browser.sign_in(browser, server, "rev")
    reviewer.goto(f"{server}/review")
    queued = reviewer.locator("tbody tr", has_text="CSAT = 1")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("Low ratings")
    shot(reviewer, "walkthrough-2-queue")
    queued.get_by_role("link", name="Оценить").click()
    form = reviewer.locator("#review-form")
    expect(form).to_be_visible()
    form.locator(f'input[name="result.{CRITERION}"][value="fail"]').check()
    form.locator('input[name="result.solution_correct"][value="pass"]').check()
    form.locator('input[name="result.overall"][value="3"]').check()
    form.locator(f'textarea[name="comment.{CRITERION}"]').fill("Срок доставки не назван")
    form.locator("#review-overall").fill("Клиент <b>недоволен</b>: нет срока")
    shot(reviewer, "walkthrough-3-review")
    reviewer.locator("#review-submit").click()
    expect(reviewer.locator("#review-saved")).to_be_visible()
    reviewer.context.close()

    after_review = qa_score(lead, server)
    assert after_review is not None
    assert after_review != before_review

    # 3. The agent sees the evaluation and disputes the one criterion.
    agent = test_browser.sign_in(browser, server, "agent1")
    agent.goto(f"{server}/evaluations")
    agent.locator("a", has_text="i1").first.click()
    reviewed_score = evaluation_score(agent)
    assert reviewed_score == pytest.approx(after_review, abs=0.05)
    row = agent.locator(f'tr[data-criterion="{CRITERION}"]')
    row.get_by_text("Оспорить").click()
    row.get_by_label("Причина").fill("Я назвала срок: завтра до 12:00")
    row.get_by_role("button", name="Отправить апелляцию").click()
    expect(agent.locator("#disputes")).to_contain_text("завтра до 12:00")
    shot(agent, "walkthrough-4-dispute")
    evaluation_url = agent.url.split("#")[0]
    agent.context.close()

    # 4. The QA lead changes the disputed answer; the score and the KPI follow.
    lead.goto(f"{server}/disputes")
    lead.get_by_role("link", name="Рассмотреть").click()
    lead.get_by_label(CRITERION_TITLE).select_option("pass")
    lead.get_by_label("Изменить оценку").check()
    lead.locator('textarea[name="comment"]').fill("Срок был назван, засчитано")
    shot(lead, "walkthrough-5-resolve")
    lead.get_by_role("button", name="Рассмотреть").click()
    expect(lead.locator("#history")).to_contain_text("апелляция рассмотрена")
    resolved_score = evaluation_score(lead)
    assert resolved_score > reviewed_score
    after_dispute = qa_score(lead, server)
    assert after_dispute == pytest.approx(resolved_score, abs=0.05)
    assert after_dispute > after_review
    shot(lead, "walkthrough-6-resolved")

    # The agent sees the outcome on the same evaluation.
    agent = test_browser.sign_in(browser, server, "agent1")
    agent.goto(evaluation_url)
    assert evaluation_score(agent) == pytest.approx(resolved_score)
    expect(agent.locator("#history")).to_contain_text("апелляция рассмотрена")
    agent.context.close()
    lead.context.close()
