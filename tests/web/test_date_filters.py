"""Wrong dates in a page's filter: the page with its menu and filters, a line naming the field.

The walk-through of 2026-12-07: «С» 31.12.2026 and «По» 01.12.2026 on the
dashboard, or 2026-02-30, gave a bare «422 · Что-то не так» without the menu.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kontrol.web.date_filters import date_problem
from tests.factories import log_in

# The pages with a period filter, each with one other filter that must survive.
PAGES = (
    ("/dashboard", "channel=chat"),
    ("/interactions", "channel=chat"),
    ("/review/agreement", "scorecard=default"),
    ("/analysis/reasons", "channel=chat"),
    ("/analysis/bottlenecks", "channel=chat"),
    ("/analysis/business", "channel=chat"),
)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("dates", "said"),
    [
        (
            "date_from=2026-12-31&date_to=2026-12-01",
            "«По» (01.12.2026) раньше, чем «С» (31.12.2026)",
        ),
        ("date_from=2026-02-30&date_to=2026-03-10", "«С»: «2026-02-30» — такой даты нет"),
    ],
)
def test_wrong_dates_keep_the_page_and_name_the_field(
    client: TestClient, backend: str, dates: str, said: str
) -> None:
    log_in(client, "admin")
    for path, other in PAGES:
        response = client.get(f"{path}?{other}&{dates}")
        assert response.status_code == 200, (path, response.status_code)
        page = response.text
        assert 'class="menu' in page, path  # the frame: the menu is there
        assert said in page, path
        assert "after date_to" not in page and "not a date" not in page, path


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_dashboard_keeps_its_other_filters(client: TestClient, backend: str) -> None:
    log_in(client, "admin")
    page = client.get("/dashboard?channel=email&date_from=2026-12-31&date_to=2026-12-01").text
    assert '<option value="email" selected' in page


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_and_exports_still_refuse_wrong_dates(client: TestClient, backend: str) -> None:
    log_in(client, "admin")
    export = client.get("/dashboard?format=csv&date_from=2026-12-31&date_to=2026-12-01")
    assert export.status_code == 422


def test_only_the_wrong_dates_are_taken_out() -> None:
    kept, problem = date_problem(
        [("channel", "chat"), ("date_from", "2026-12-31"), ("date_to", "2026-12-01")]
    )
    assert kept == [("channel", "chat")]
    assert problem is not None and problem.field == "date_to"
    kept, problem = date_problem([("date_from", "2026-11-01"), ("date_to", "2026-02-30")])
    assert kept == [("date_from", "2026-11-01")]
    assert problem is not None and problem.field == "date_to"
    assert date_problem([("date_from", "2026-11-01"), ("date_to", "2026-11-30")])[1] is None


def test_a_day_typed_as_dd_mm_yyyy_is_taken_as_that_day() -> None:
    """Issue 15: 31.12.2026 was called «такой даты нет … (нужно ДД.ММ.ГГГГ)»."""
    kept, problem = date_problem([("date_from", "31.12.2026"), ("date_to", "2027-01-05")])
    assert problem is None
    assert kept == [("date_from", "2026-12-31"), ("date_to", "2027-01-05")]
    kept, problem = date_problem([("date_from", "31.02.2026")])
    assert kept == [] and problem is not None and problem.value == "31.02.2026"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_interactions_page_takes_dd_mm_yyyy(client: TestClient, backend: str) -> None:
    log_in(client, "admin")
    response = client.get("/interactions?channel=chat&date_from=31.12.2026")
    assert response.status_code == 200
    page = response.text
    assert "такой даты нет" not in page
    assert 'name="date_from" value="2026-12-31"' in page
