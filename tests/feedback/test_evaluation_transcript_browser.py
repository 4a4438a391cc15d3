"""The agent reads an evaluation of their conversation beside the conversation itself.

Issue 15 (third walk-through, finding 10): the agent's evaluation page had the
criteria and comments but no transcript, and acknowledging it gave up the appeal.
In a real headless Chromium, as the reviewer browser tests do.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, update

from kontrol.accounts.workspaces import Workspace
from kontrol.review.saving import AnswerInput, create_evaluation
from kontrol.store.tables import messages
from tests.review.test_review_service import complete_answers, set_up, viewer_of
from tests.web.test_browser import browser, server, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HOSTILE = "Где мой заказ? <script>alert(1)</script><b>жирный</b>"


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    found = set_up(engine, workspace, tmp_path)
    with engine.begin() as connection:
        connection.execute(
            update(messages)
            .where(messages.c.interaction_id == found["i1"], messages.c.seq == 0)
            .values(text=HOSTILE)
        )
    return found


@pytest.fixture
def populated(workspace: Workspace, ids: dict[str, int]) -> Workspace:
    """The review set-up instead of the web sample, for the shared ``server`` fixture."""
    return workspace


@pytest.fixture
def evaluation_id(engine: Engine, ids: dict[str, int]) -> int:
    """The reviewer's evaluation of agent a1's i1: the greeting failed, against the checks."""
    reviewer = viewer_of(engine, "reviewer")
    answers = complete_answers(engine, reviewer, ids["i1"])
    assert "greeting" in answers, "the scorecard has a greeting bound to its check"
    answers["greeting"] = AnswerInput("fail", "Приветствие оборвано")
    with engine.begin() as connection:
        evaluation = create_evaluation(
            connection, reviewer, ids["i1"], answers=answers, comment="Итог", submit=True
        )
    return evaluation.id


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_agent_reads_the_evaluation_beside_the_conversation(
    browser: Browser,  # noqa: F811 (the shared fixture)
    server: str,  # noqa: F811
    backend: str,
    evaluation_id: int,
) -> None:
    page = sign_in(browser, server, "agent1", width=1400)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{server}/evaluations/{evaluation_id}")
    transcript = page.locator("#evaluation-conversation .transcript")
    expect(transcript).to_be_visible()
    # The customer's words as they were typed: escaped, never run or rendered.
    expect(transcript).to_contain_text(HOSTILE)
    expect(transcript.locator("script, b")).to_have_count(0)
    expect(transcript).to_contain_text("Здравствуйте! Сейчас проверю.")
    # The greeting the reviewer failed (the checks passed it) is marked as failed.
    failed = transcript.locator("mark.evidence-fail[data-checks~='greeting']")
    expect(failed.first).to_have_text("Здравствуйте")
    # Beside the criteria and the reviewer's comment, not below them, on a wide screen.
    criteria = page.locator("section.evaluation-criteria")
    expect(criteria).to_contain_text("Приветствие оборвано")
    left, right = transcript.bounding_box(), criteria.bounding_box()
    assert left is not None and right is not None
    assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 40
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation-agent-transcript.png"), full_page=True)

    # Acknowledging says it keeps the appeal open, and it does.
    expect(page.locator("#acknowledge-hint")).to_contain_text("оспорить оценку можно и после")
    page.locator("#acknowledge").click()
    expect(page.locator("#acknowledgement")).to_contain_text("прочитана")
    page.locator("#disputes summary").click()
    page.locator("#dispute-whole textarea").fill("Приветствие было полным")
    page.locator("#dispute-whole button").click()
    expect(page.locator("#disputes")).to_contain_text("Приветствие было полным")
    expect(page).to_have_url(re.compile(rf"/evaluations/{evaluation_id}"))
    assert errors == []
    page.context.close()
