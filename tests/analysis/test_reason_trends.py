"""A reason is not called growing on a week still running, nor on a handful of contacts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.analysis.costs import CostSettings
from kontrol.analysis.reasons import flag_of, reason_rows, unfinished_period
from kontrol.analysis.scope import make_scope
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.figures import MIN_SAMPLE
from kontrol.web.app import create_app
from tests.analysis.builders import contact
from tests.factories import add_people, import_records, log_in

# Four whole weeks (2–29 Nov 2026) of ten contacts, one of them about delivery; then on
# Monday 30 Nov, the first day of the next week, a burst of delivery contacts.
FIRST_MONDAY = date(2026, 11, 2)
BURST_DAY = date(2026, 11, 30)
BURST = MIN_SAMPLE + 5


def _records() -> list[dict[str, Any]]:
    found = []
    for week in range(4):
        for n in range(10):
            day = FIRST_MONDAY + timedelta(days=7 * week + n % 5)
            found.append(
                contact(
                    f"w{week}-{n}",
                    started=f"{day.isoformat()}T{9 + n:02d}:00:00+00:00",
                    text="Вопрос",
                    topic="delivery" if n == 0 else "refund",
                    customer=f"c{week}-{n}",
                )
            )
    for n in range(BURST):
        found.append(
            contact(
                f"b{n}",
                started=f"{BURST_DAY.isoformat()}T{8 + n // 6:02d}:{n % 6 * 10:02d}:00+00:00",
                text="Где заказ?",
                topic="delivery",
                customer=f"b{n}",
            )
        )
    return found


@pytest.fixture
def burst(engine: Engine, workspace: Workspace, tmp_path: Path) -> Workspace:
    import_records(engine, workspace, tmp_path, _records())
    return workspace


def _delivery(engine: Engine, workspace: Workspace, date_to: date) -> Any:
    with engine.connect() as connection:
        scope = make_scope(
            connection, workspace.id, date_from=FIRST_MONDAY, date_to=date_to, period="week"
        )
        rows = {r.code: r for r in reason_rows(connection, scope, costs=CostSettings())}
    return scope, rows["delivery"]


def test_a_week_still_running_is_shown_but_not_judged(engine: Engine, burst: Workspace) -> None:
    scope, delivery = _delivery(engine, burst, BURST_DAY)
    partial = unfinished_period(scope)
    assert partial is not None and (partial.key, partial.days, partial.total) == ("2026-W49", 1, 7)
    # The running week is in the trend (100 % of its contacts) but not behind a flag.
    assert delivery.trend[-1] == ("2026-W49", float(BURST), 100.0)
    assert delivery.flag is None and delivery.flag_period is None
    # The same contacts in a whole week: the burst is growth.
    scope, whole = _delivery(engine, burst, BURST_DAY + timedelta(days=6))
    assert unfinished_period(scope) is None
    assert whole.flag == "growing" and whole.flag_period == "2026-W49"
    assert whole.flag_share == 100.0


def test_no_growth_is_read_from_a_handful_of_contacts() -> None:
    periods = ["w1", "w2", "w3", "w4", "w5"]
    totals = {**dict.fromkeys(periods[:-1], 200.0), "w5": float(MIN_SAMPLE - 1)}
    # Every contact of the small last period is about the reason: still no flag.
    trend = [(p, c, None) for p, c in zip(periods, [10, 12, 9, 11, MIN_SAMPLE - 1], strict=True)]
    assert flag_of(trend, totals, periods)[0] is None
    totals["w5"] = 200.0
    trend[-1] = ("w5", 60, None)
    assert flag_of(trend, totals, periods)[0] == "growing"


@pytest.fixture
def client(database_url: str, engine: Engine, burst: Workspace) -> Iterator[TestClient]:
    with engine.begin() as connection:
        add_people(connection, burst, [("qa", WorkspaceRole.QA_LEAD, None, None)])
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def test_the_page_says_the_last_week_is_incomplete(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/analysis/reasons?date_from=2026-11-02&date_to=2026-11-30&period=week")
    assert page.status_code == 200
    text = " ".join(page.text.replace("\u00a0", " ").split())
    assert "Последний период неполный: нед. 49 · 30.11–06.12 — 30.11.2026, 1 из 7 дней." in text
    assert 'id="reason-flags"' not in page.text
    whole = client.get("/analysis/reasons?date_from=2026-11-02&date_to=2026-12-06&period=week")
    assert 'id="partial-note"' not in whole.text
    flags = whole.text[whole.text.index('id="reason-flags"') :].split("</div>", 1)[0]
    assert "в последнем законченном периоде (нед. 49 · 30.11–06.12) — 100,0 % обращений" in flags
