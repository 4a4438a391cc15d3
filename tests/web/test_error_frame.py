"""Error pages in the person's frame, reasons that name the field and the role (issue 15).

The walk-through of a new user: a 404 or 403 page lost the menu, ``score_min=abc``
answered «Некорректный запрос» without saying what, an agent refused ``/learning``
read that scorecards are changed by others, and the header said «default».
"""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from kontrol.accounts.brands import save_brand
from kontrol.accounts.workspaces import Workspace
from kontrol.web.filter_guard import number_problem
from kontrol.web.render import workspace_label
from tests.factories import log_in

MENU = '<nav class="menu"'


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_logged_in_person_s_404_keeps_the_menu_and_a_logged_out_one_gets_the_simple_frame(
    client: TestClient, backend: str
) -> None:
    bare = client.get("/no-such-page")
    assert bare.status_code == 404
    assert "Не найдено." in bare.text and MENU not in bare.text
    log_in(client, "agent1")
    framed = client.get("/no-such-page")
    assert framed.status_code == 404
    assert "Не найдено." in framed.text
    assert MENU in framed.text
    assert 'action="/logout"' in framed.text  # the person's menu: name and log-out
    assert 'href="/account"' in framed.text
    unknown = client.get("/interactions/999999")
    assert unknown.status_code == 404 and MENU in unknown.text
    assert "Обращение 999999 не найдено." in unknown.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_403_of_learning_names_the_page_and_the_roles_it_needs(
    client: TestClient, backend: str
) -> None:
    log_in(client, "agent1")
    page = client.get("/learning")
    assert page.status_code == 403
    assert MENU in page.text
    assert "Страница «Машина и проверяющие» — для администраторов и руководителей ОКК" in page.text
    assert "Нужна роль: администратор или руководитель ОКК. Ваша роль — оператор." in page.text
    # The rule of changing scorecards is not the reason one may not see this page.
    assert "меняют только" not in page.text
    # Another route names its own roles, from the same policy.
    targets = client.get("/targets")
    assert targets.status_code == 403
    assert (
        "Нужна роль: администратор, руководитель ОКК, контролёр или руководитель группы."
        in targets.text
    )
    api = client.get("/api/v1/rejects")
    assert api.status_code == 403 and api.json()["detail"].startswith("only admins")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_wrong_number_in_a_filter_keeps_the_page_and_names_the_field(
    client: TestClient, backend: str
) -> None:
    log_in(client, "admin")
    page = client.get("/interactions?channel=chat&score_min=abc")
    assert page.status_code == 200
    assert MENU in page.text and 'id="filters"' in page.text
    assert "«Балл от»: нужно число от 0 до 100, а введено «abc»" in page.text
    assert '<option value="chat" selected' in page.text  # the other filter is kept
    reversed_range = client.get("/interactions?score_min=80&score_max=20")
    assert reversed_range.status_code == 200
    assert "«Балл до» (20) меньше, чем «Балл от» (80)" in reversed_range.text
    # The API still refuses it: a program must not get other rows silently.
    assert client.get("/api/v1/interactions?score_min=abc").status_code == 422


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_wrong_typed_parameter_gives_a_framed_422_that_names_the_field(
    client: TestClient, backend: str
) -> None:
    log_in(client, "admin")
    page = client.get("/interactions?limit=abc")
    assert page.status_code == 422
    assert MENU in page.text
    assert "«Строк на странице»: нужно целое число" in page.text
    too_many = client.get("/interactions?limit=500")
    assert too_many.status_code == 422
    assert "«Строк на странице»: можно не больше 200" in too_many.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_503_keeps_the_frame_of_a_logged_in_person(
    client: TestClient, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kontrol.web.pages import interactions as pages

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    log_in(client, "admin")
    monkeypatch.setattr(pages, "list_interactions", locked)
    page = client.get("/interactions")
    assert page.status_code == 503 and page.headers["retry-after"]
    assert "База данных временно недоступна" in page.text
    assert MENU in page.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_header_names_the_workspace_not_its_slug(
    client: TestClient, backend: str, engine: Engine, populated: Workspace
) -> None:
    log_in(client, "admin")
    page = client.get("/interactions")
    assert '<span class="muted" id="workspace-name">Рабочее пространство</span>' in page.text
    assert ">default<" not in page.text
    assert workspace_label(populated, None, "en") == "Workspace"
    with engine.begin() as connection:
        save_brand(
            connection, populated.id, display_name="Ромашка", colour="", logo=None, by="admin"
        )
    branded = client.get("/interactions")
    assert '<span class="muted" id="workspace-name">Ромашка</span>' in branded.text


def test_only_the_wrong_numbers_are_taken_out() -> None:
    kept, problem = number_problem([("channel", "chat"), ("score_min", "abc")])
    assert kept == [("channel", "chat")]
    assert problem is not None and problem.field == "score_min"
    kept, problem = number_problem([("score_min", "7,5"), ("csat_max", "4")])
    assert kept == [("score_min", "7.5"), ("csat_max", "4")] and problem is None
    kept, problem = number_problem([("csat_min", "2.5"), ("score_max", "101")])
    assert kept == [] and problem is not None and problem.field == "score_max"
