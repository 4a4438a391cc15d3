"""A reviewer scores a queue item with the keyboard in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.review.saving import create_evaluation
from kontrol.store.tables import evaluations, review_items
from tests.factories import PASSWORD
from tests.review.test_review_service import complete_answers, queue_item, set_up, viewer_of
from tests.web.test_browser import browser, follow_menu, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def ids(engine: Engine, workspace: Workspace, tmp_path: Path) -> dict[str, int]:
    return set_up(engine, workspace, tmp_path)


@pytest.fixture
def populated(workspace: Workspace, ids: dict[str, int]) -> Workspace:
    """The review set-up instead of the web sample, for the shared ``server`` fixture."""
    return workspace


def _move_to(page: Page, criterion: str, key: str) -> None:
    """Press ``key`` (j or k) until ``criterion`` is the current one."""
    current = page.locator(".review-criterion.review-current")
    for _ in range(40):
        if current.get_attribute("data-criterion") == criterion:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {criterion}")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reviewer_scores_an_item_with_the_keyboard_and_submits(
    browser: Browser,  # noqa: F811 (the shared fixture)
    server: str,  # noqa: F811
    backend: str,
    engine: Engine,
    workspace: Workspace,
    ids: dict[str, int],
) -> None:
    # i3 already scored by this reviewer, and a second queue's item for it still open.
    reviewer = viewer_of(engine, "reviewer")
    with engine.begin() as connection:
        create_evaluation(
            connection,
            reviewer,
            ids["i3"],
            answers=complete_answers(engine, reviewer, ids["i3"]),
            submit=True,
        )
    queue_item(engine, workspace, ids["i3"], "reviewer", priority=10, due_hours=1, queue="Жалобы")
    with engine.connect() as connection:
        i1_item = connection.execute(
            select(review_items.c.id).where(
                review_items.c.interaction_id == ids["i1"],
                review_items.c.assignee_id == reviewer.account.id,
            )
        ).scalar_one()
    errors: list[str] = []
    context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every script and style the pages use loads (the browser's own favicon request aside).
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("reviewer")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    follow_menu(page, "Проверка")
    expect(page.locator("#review-queue tbody tr")).to_have_count(4)  # i3 done, i3 again
    page.get_by_role("link", name="Начать по очереди").click()
    expect(page).to_have_url(re.compile(r"/review/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#review-reason")).to_contain_text("CSAT 1 <script>x</script>")
    expect(page.locator(".transcript")).to_contain_text("Верните деньги <script>alert(1)</script>")
    expect(page.locator(".review-legend")).to_contain_text("Ctrl")

    # The workspace opens on the first criterion still waiting for an answer.
    current = page.locator(".review-criterion.review-current")
    expect(current).to_have_attribute("data-criterion", "solution_correct")
    # On a Russian layout the key P types "з": the shortcut follows the physical key.
    page.locator("body").dispatch_event("keydown", {"key": "з", "code": "KeyP", "bubbles": True})
    expect(page.locator('input[name="result.solution_correct"][value="pass"]')).to_be_checked()

    # Up to the greeting: its evidence lights up in the transcript; overturn it.
    _move_to(page, "greeting", "k")
    expect(page.locator(".transcript mark.evidence-focus").first).to_have_text("Здравствуйте")
    page.keyboard.press("f")
    expect(page.locator("#criterion-greeting")).to_have_class(re.compile("review-overturned"))
    page.keyboard.press("c")
    page.keyboard.type("Приветствие оборвано")
    page.keyboard.press("Escape")
    _move_to(page, "overall", "j")
    page.keyboard.press("4")
    expect(page.locator('input[name="result.overall"][value="4"]')).to_be_checked()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-workspace.png"), full_page=True)

    # Ctrl+Enter does what «Отправить и к следующему» does (issue 15: it stayed on the
    # item): submitted, and the next item of the queue opens. i3 comes next by due
    # time, but its second item (another queue's) is of an interaction already scored
    # by this reviewer: it is passed over for i1.
    expect(page.locator("#review-keys-submit")).to_have_text(
        "отправить оценку и открыть следующую в очереди"
    )
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(rf"/review/items/{i1_item}$"))
    expect(page.locator("#review-status")).to_have_text("новая оценка")
    # Walk-through 4: the address is the item shown, so a refresh opens it again (not
    # the item just scored), and so does the address of the form the page submits.
    expect(page.locator('#review-form input[name="item_id"]')).to_have_value(str(i1_item))
    expect(page.locator("#review-form")).to_have_attribute(
        "data-item-url", f"/review/items/{i1_item}"
    )
    page.reload()
    expect(page).to_have_url(re.compile(rf"/review/items/{i1_item}$"))
    expect(page.locator('#review-form input[name="item_id"]')).to_have_value(str(i1_item))
    expect(page.locator("#review-status")).to_have_text("новая оценка")
    with engine.connect() as connection:
        stored = connection.execute(
            select(evaluations).where(
                evaluations.c.kind == "manual",
                evaluations.c.reviewer_id == viewer_of(engine, "reviewer").account.id,
                evaluations.c.review_item_id == item_id,
            )
        ).one()
        item_status = connection.execute(
            select(review_items.c.status).where(review_items.c.id == item_id)
        ).scalar_one()
    answers = {entry["criterion"]: entry for entry in stored.items}
    assert stored.status == "submitted" and stored.score is not None
    assert answers["greeting"]["auto_result"] == "pass"
    assert answers["greeting"]["result"] == "fail"
    assert answers["greeting"]["comment"] == "Приветствие оборвано"
    assert answers["overall"]["result"] == "4"
    assert item_status == "done"

    # Shift+N: the next item of the queue.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Shift+N")
    expect(page).to_have_url(re.compile(r"/review/items/\d+$"))
    assert int(page.url.rsplit("/", 1)[1]) != item_id
    page.screenshot(path=str(ARTIFACTS / "review-next.png"), full_page=True)
    assert errors == []
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(("width", "folded"), [(390, True), (1440, False)])
def test_the_keys_legend_is_folded_on_a_phone(
    browser: Browser,  # noqa: F811 (the shared fixture)
    server: str,  # noqa: F811
    backend: str,
    width: int,
    folded: bool,
) -> None:
    """Issue 15: on a phone the shortcuts' legend was open and cut off («да / н», «убрат»)."""
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Логин").fill("reviewer")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{server}/review")
    page.get_by_role("link", name="Начать по очереди").click()
    expect(page).to_have_url(re.compile(r"/review/items/\d+$"))
    legend = page.locator("details.review-legend")
    expect(legend).to_have_js_property("open", not folded)
    legend.locator("summary").click()  # it still opens on demand, inside the screen
    expect(legend).to_have_js_property("open", folded)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-legend-{width}.png"), full_page=True)
    # Walk-through 4: a refused submit (a criterion unanswered) is answered to the
    # form's POST; the address goes back to the item's, so a refresh reloads it.
    item_url = page.url
    page.locator('.review-criterion input[type=radio][value=""]').first.check()
    page.locator("#review-submit").click()
    expect(page.locator("#review-error")).to_be_visible()
    expect(page).to_have_url(item_url)
    context.close()
