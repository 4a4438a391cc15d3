"""A calibration session in real headless Chromium: a QA lead starts it, two reviewers
score blind and hand in, the lead sees the differences and records the reference.

Screenshots of the pages go to test-artifacts/screenshots (not committed).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.web.app import create_app
from tests.chromium import module_browser
from tests.review.calibration_fixtures import Setup, build
from tests.web.test_browser import follow_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    return build(engine, workspace, tmp_path)


@pytest.fixture
def server(database_url: str, setup: Setup) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        create_app(database_url), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[Browser]:
    yield from module_browser(chromium)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(browser: Browser, server: str, username: str) -> Page:
    return sign_in(browser, server, username, width=1360)


def score_interaction(page: Page, answers: dict[str, str]) -> None:
    for criterion, value in answers.items():
        page.check(f'input[name="c.{criterion}"][value="{value}"]')
    page.click("#save-next")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_calibration_session_in_the_browser(
    browser: Browser, server: str, setup: Setup, backend: str
) -> None:
    qa = log_in(browser, server, "qa")
    follow_menu(qa, "Калибровка")
    qa.click("#new-session")
    qa.fill("input[name=name]", "November refunds")
    # The form offers the workspace's own-language scorecard first; this session
    # calibrates on the fixture's card.
    qa.select_option("select[name=scorecard_id]", str(setup.scorecard_id))
    qa.check("text=REV1")
    qa.check("text=REV2")
    qa.check(f"#pick-{setup.interactions['k1']}")
    qa.check(f"#pick-{setup.interactions['k2']}")
    shot(qa, "calibration-new")
    qa.click("#create-session")
    expect(qa.locator("h1")).to_contain_text("November refunds")
    session_url = qa.url

    rev1 = log_in(browser, server, "rev1")
    rev1.goto(session_url)
    expect(rev1.locator("#results-hidden")).to_be_visible()
    shot(rev1, "calibration-session")
    rev1.click("#score-next")
    expect(rev1.locator(".transcript")).to_contain_text("Hello! Let me check.")
    shot(rev1, "calibration-scoring")
    score_interaction(rev1, {"greeting": "pass", "solution": "pass", "overall": "5"})
    expect(rev1.locator("#score-saved")).to_be_visible()
    score_interaction(rev1, {"greeting": "pass", "solution": "fail", "overall": "3"})
    expect(rev1.locator("#submit-scores")).to_be_visible()
    rev1.click("#submit-scores")
    expect(rev1.locator("#agreement")).to_be_visible()

    rev2 = log_in(browser, server, "rev2")
    rev2.goto(session_url)
    rev2.click("#score-next")
    score_interaction(rev2, {"greeting": "fail", "solution": "pass", "overall": "4"})
    score_interaction(rev2, {"greeting": "pass", "solution": "fail", "overall": "3"})
    rev2.click("#submit-scores")

    qa.goto(session_url + "/results")
    first_item = qa.locator(".item-result").first
    expect(first_item.locator('tr[data-criterion="greeting"]')).to_have_class("differs")
    expect(qa.locator('tr[data-scale="pass_fail"] td[data-figure="cohen"]')).not_to_be_empty()
    first_item.locator('select[name="c.greeting"]').select_option("pass")
    first_item.locator('select[name="c.overall"]').select_option("5")
    first_item.locator("button[type=submit]").click()
    expect(qa.locator(".item-result").first.locator(".reference-cell").first).to_be_visible()
    shot(qa, "calibration-results")
    qa.goto(session_url)
    qa.click("#close-session")
    expect(qa.locator("#session-status")).to_have_text("закрыта")
    qa.goto(f"{server}/calibration/reviewers")
    expect(qa.locator(".reviewer")).to_have_count(2)
    shot(qa, "calibration-reviewers")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_reviewer_scores_a_calibration_item_with_the_keyboard(
    browser: Browser, server: str, setup: Setup, backend: str
) -> None:
    """Walk-through 4: the calibration scoring page had none of the queue's shortcuts."""
    qa = log_in(browser, server, "qa")
    qa.goto(f"{server}/calibration/new")
    qa.fill("input[name=name]", "Keys")
    qa.check("text=REV1")
    qa.check("text=REV2")
    qa.check(f"#pick-{setup.interactions['k1']}")
    qa.check(f"#pick-{setup.interactions['k2']}")
    qa.click("#create-session")
    expect(qa.locator("h1")).to_contain_text("Keys")
    session_url = qa.url

    rev1 = log_in(browser, server, "rev1")
    rev1.goto(session_url)
    rev1.click("#score-next")
    expect(rev1).to_have_url(re.compile(r"/calibration/\d+/items/\d+$"))
    first_url = rev1.url
    expect(rev1.locator(".review-legend")).to_contain_text("Ctrl")
    expect(rev1.locator("#review-keys-submit")).to_have_text(
        "сохранить и открыть следующее взаимодействие"
    )
    # The first criterion is current; keys are physical: on a Russian layout P is «з».
    fieldsets = rev1.locator("fieldset.criterion-answer")
    first, second = (fieldsets.nth(i).get_attribute("data-criterion") for i in (0, 1))
    current = rev1.locator("fieldset.criterion-answer.review-current")
    expect(current).to_have_attribute("data-criterion", str(first))
    rev1.locator("body").dispatch_event("keydown", {"key": "з", "code": "KeyP", "bubbles": True})
    expect(rev1.locator(f'input[name="c.{first}"][value="pass"]')).to_be_checked()
    rev1.keyboard.press("j")
    expect(current).to_have_attribute("data-criterion", str(second))
    rev1.keyboard.press("f")
    expect(rev1.locator(f'input[name="c.{second}"][value="fail"]')).to_be_checked()
    rev1.keyboard.press("0")
    expect(rev1.locator(f'input[name="c.{second}"]:checked')).to_have_count(0)
    rev1.keyboard.press("n")
    rev1.keyboard.press("k")
    expect(current).to_have_attribute("data-criterion", str(first))
    rev1.keyboard.press("c")
    rev1.keyboard.type("Клавишами")
    rev1.keyboard.press("Escape")
    shot(rev1, "calibration-keys")
    # Ctrl+Enter: «Сохранить и дальше», the next interaction of the session opens.
    rev1.keyboard.press("Control+Enter")
    expect(rev1).not_to_have_url(first_url)
    expect(rev1.locator("#score-saved")).to_be_visible()
    rev1.goto(first_url)
    expect(rev1.locator(f'input[name="c.{first}"][value="pass"]')).to_be_checked()
    expect(rev1.locator(f'input[name="c.{second}"][value="na"]')).to_be_checked()
    expect(rev1.locator("#score-comment")).to_have_value("Клавишами")
