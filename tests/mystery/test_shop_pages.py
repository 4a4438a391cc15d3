"""The shopper's pages and the QA team's pages, through the web app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.roles import WorkspaceRole
from kontrol.mystery.assignments import generate_assignments
from kontrol.mystery.programmes import set_shoppers
from kontrol.store.tables import mystery_assignments, mystery_files, mystery_submissions, users
from kontrol.web.app import create_app
from tests.factories import add_person, form_token, log_in
from tests.mystery.builders import PROGRAMME, add_programme
from tests.mystery.world import PNG, local_now
from tests.s3store import Bucket

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def programme_id(engine: Engine, populated: Workspace, shopper_ids: list[int]) -> int:
    """The programme with anna and boris as shoppers and November's visits."""
    programme_id = add_programme(engine, populated)
    with engine.begin() as connection:
        set_shoppers(connection, populated, programme_id, ["anna", "boris"])
        generate_assignments(connection, populated, programme_id, "2026-11")
    return programme_id


@pytest.fixture
def web(database_url: str, programme_id: int) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as test_client:
        yield test_client


def _visits(engine: Engine, username: str) -> list[int]:
    with engine.connect() as connection:
        return [
            int(r.id)
            for r in connection.execute(
                select(mystery_assignments.c.id)
                .join(users, users.c.id == mystery_assignments.c.shopper_id)
                .where(users.c.username == username, mystery_assignments.c.target_key == "our-chat")
                .union_all(
                    select(mystery_assignments.c.id)
                    .join(users, users.c.id == mystery_assignments.c.shopper_id)
                    .where(
                        users.c.username == username,
                        mystery_assignments.c.target_key != "our-chat",
                    )
                )
            )
        ]


def _chat_visit(engine: Engine) -> tuple[int, str]:
    """The chat visit and the shopper it went to."""
    with engine.connect() as connection:
        row = connection.execute(
            select(mystery_assignments.c.id, users.c.username)
            .join(users, users.c.id == mystery_assignments.c.shopper_id)
            .where(mystery_assignments.c.target_key == "our-chat")
        ).one()
    return int(row.id), str(row.username)


def _form(web: TestClient, path: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": form_token(web, path),
        "happened_at": local_now(Workspace(1, "default", "UTC")),
        "channel": "chat",
        "contact": "anna@example.com",
        "answer_speed": "pass",
        "answer_correct": "fail",
        "comment": "Ответили быстро, но про паспорт не сказали.",
        **fields,
    }


def test_a_shopper_submits_a_shop_with_a_screenshot(web: TestClient, engine: Engine) -> None:
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    start = web.get("/", follow_redirects=False)
    assert start.headers["location"] == "/shop"
    listing = web.get("/shop")
    assert f'href="/shop/{visit}"' in listing.text
    path = f"/shop/{visit}"
    page = web.get(path)
    assert "Можно вернуть товар без чека?" in page.text
    answer = web.post(
        path,
        data=_form(web, path),
        files=[("files", ("../../скрин <b>чата<b>.png", PNG, "text/html"))],
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    submission_path = answer.headers["location"].split("?")[0]
    shown = web.get(submission_path)
    assert shown.status_code == 200
    with engine.connect() as connection:
        stored = connection.execute(select(mystery_submissions)).one()
        file = connection.execute(select(mystery_files)).one()
        status = connection.execute(
            select(mystery_assignments.c.status).where(mystery_assignments.c.id == visit)
        ).scalar_one()
    # speed 1 × pass, correct 2 × fail: 33.3, below the pass mark.
    assert (stored.score, stored.passed, stored.channel) == (33.3, False, "chat")
    assert status == "done"
    assert (file.content_type, file.kind, file.name) == (
        "image/png",
        "screenshot",
        "скрин_b_чата_b.png",
    )
    image = web.get(f"/mystery/files/{file.id}")
    assert image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in image.headers["content-security-policy"]
    # A visit is reported once.
    again = web.post(path, data=_form(web, "/shop"), follow_redirects=False)
    assert again.status_code == 409


def test_a_refused_shop_shows_the_form_again_with_the_reason(
    web: TestClient, engine: Engine
) -> None:
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    without_conversation = web.post(path, data=_form(web, path), follow_redirects=False)
    assert without_conversation.status_code == 422
    assert "Разговор: добавьте запись разговора" in without_conversation.text
    assert "add a recording" not in without_conversation.text
    # What was typed is kept.
    assert "Ответили быстро, но про паспорт не сказали." in without_conversation.text
    html_file = web.post(
        path,
        data=_form(web, path),
        files=[("files", ("chat.png", b"<html><script>alert(1)</script></html>", "image/png"))],
        follow_redirects=False,
    )
    assert html_file.status_code == 422
    assert "такой файл не принимается" in html_file.text
    unanswered = _form(web, path, transcript="— Здравствуйте")
    del unanswered["answer_correct"]
    missing = web.post(path, data=unanswered, follow_redirects=False)
    assert missing.status_code == 422
    # Named by the criterion's title, next to it, not by a code.
    assert "Правильный ответ: нет ответа" in missing.text
    assert "answers.correct:" not in missing.text
    with engine.connect() as connection:
        assert connection.execute(select(mystery_submissions.c.id)).first() is None
        assert connection.execute(select(mystery_files.c.id)).first() is None


def test_a_shopper_sees_nothing_but_their_own_visits(web: TestClient, engine: Engine) -> None:
    visit, shopper = _chat_visit(engine)
    other = "boris" if shopper == "anna" else "anna"
    log_in(web, other)
    assert web.get(f"/shop/{visit}").status_code == 404
    path = f"/shop/{_visits(engine, other)[0]}"
    assert web.post(f"/shop/{visit}", data=_form(web, path)).status_code == 404
    for page in ("/mystery", "/interactions", "/dashboard", "/alerts", "/scorecards"):
        assert web.get(page).status_code == 403, page
    api = web.get("/api/v1/mystery/assignments").json()["items"]
    assert visit not in {item["id"] for item in api}
    assert api and {item["status"] for item in api} == {"open"}
    assert web.get("/api/v1/mystery/programmes").status_code == 403
    # The menu shows the shopper's own page only.
    nav = re.search(r"<nav class=\"menu\"[^>]*>(.*?)</nav>", web.get("/shop").text, re.S)
    assert nav is not None
    assert re.findall(r'href="([^"]+)"', nav.group(1)) == ["/shop"]


def test_the_qa_lead_imports_a_programme_and_a_bad_one_is_explained(
    web: TestClient, engine: Engine
) -> None:
    log_in(web, "qa")
    token = form_token(web, "/mystery")
    broken = PROGRAMME.replace("channel: chat\n    visits", "channel: fax\n    visits")
    refused = web.post("/mystery/programmes", data={"yaml": broken, "csrf_token": token})
    assert refused.status_code == 422
    assert "<code>targets[1] (our-chat).channel</code>: допустимые каналы" in refused.text
    assert "expected one of" not in refused.text
    added = web.post(
        "/mystery/programmes",
        data={"csrf_token": token},
        files={"file": ("p.yaml", PROGRAMME.replace("name: retail", "name: second"), "text/yaml")},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = web.get(added.headers["location"])
    assert "Колл-центр «ТехноМир»" in page.text
    exported = web.get(added.headers["location"] + "/programme.yaml")
    assert exported.text == PROGRAMME.replace("name: retail", "name: second")
    assert exported.headers["content-disposition"] == 'attachment; filename="second.yaml"'
    # An agent has no business here.
    web.post("/logout", data={"csrf_token": token})
    log_in(web, "agent1")
    assert web.get("/mystery").status_code == 403


def test_a_low_shop_offers_an_improvement_action_to_the_qa_lead(
    web: TestClient, engine: Engine
) -> None:
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    answer = web.post(path, data=_form(web, path, transcript="— Да"), follow_redirects=False)
    submission_path = answer.headers["location"].split("?")[0]
    assert "/actions/new" not in web.get(submission_path).text
    web.post("/logout", data={"csrf_token": form_token(web, "/shop")})
    log_in(web, "qa")
    page = web.get(submission_path).text
    submission_id = submission_path.rsplit("/", 1)[1]
    assert f"source=mystery%3A{submission_id}" in page
    assert "/actions/new?title=" in page


def test_people_with_other_roles_are_not_shoppers(engine: Engine, populated: Workspace) -> None:
    programme_id = add_programme(engine, populated)
    with engine.begin() as connection:
        add_person(connection, populated, "carl", WorkspaceRole.AGENT, agent="a7")
        with pytest.raises(Exception, match="not a shopper of this workspace"):
            set_shoppers(connection, populated, programme_id, ["carl"])


def test_deleting_a_programme_deletes_its_shops_and_files(
    web: TestClient, engine: Engine, programme_id: int, data_dir: Path
) -> None:
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    sent = web.post(
        path,
        data=_form(web, path),
        files=[("files", ("chat.png", PNG, "image/png"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303
    stored = list(data_dir.rglob("*.png"))
    assert len(stored) == 1
    web.post("/logout", data={"csrf_token": form_token(web, "/shop")})
    log_in(web, "qa")
    token = form_token(web, "/mystery")
    target = f"/mystery/programmes/{programme_id}/delete"
    wrong = web.post(target, data={"confirm": "nope", "csrf_token": token})
    assert wrong.status_code == 422
    assert stored[0].exists()
    gone = web.post(target, data={"confirm": "retail", "csrf_token": token}, follow_redirects=False)
    assert gone.status_code == 303
    assert not stored[0].exists()
    with engine.connect() as connection:
        assert connection.execute(select(mystery_submissions.c.id)).first() is None
        assert connection.execute(select(mystery_files.c.id)).first() is None
    assert web.get(f"/mystery/programmes/{programme_id}").status_code == 404


def test_with_a_bucket_shop_files_are_kept_served_and_deleted_there(
    web: TestClient, engine: Engine, programme_id: int, data_dir: Path, bucket: Bucket
) -> None:
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    sent = web.post(
        path,
        data=_form(web, path),
        files=[("files", ("chat.html", PNG, "text/html"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert list(data_dir.rglob("*.png")) == []
    with engine.connect() as connection:
        file_id, key = connection.execute(select(mystery_files.c.id, mystery_files.c.path)).one()
    assert bucket.keys() == [f"kontrol/data/{key}"]
    served = web.get(f"/mystery/files/{file_id}")
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    web.post("/logout", data={"csrf_token": form_token(web, "/shop")})
    log_in(web, "qa")
    token = form_token(web, "/mystery")
    target = f"/mystery/programmes/{programme_id}/delete"
    gone = web.post(target, data={"confirm": "retail", "csrf_token": token}, follow_redirects=False)
    assert gone.status_code == 303
    assert bucket.keys() == []


def test_mystery_pages_write_numbers_and_months_the_russian_way(
    web: TestClient, engine: Engine, programme_id: int
) -> None:
    # Issue 15: «33.3» with a decimal point and «2026-11» as a code.
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    answer = web.post(path, data=_form(web, path, transcript="— Да"), follow_redirects=False)
    assert answer.status_code == 303
    submission_path = answer.headers["location"].split("?")[0]
    web.post("/logout", data={"csrf_token": form_token(web, "/shop")})
    log_in(web, "qa")
    submission = web.get(submission_path).text
    assert ">33,3<" in submission and ">33.3<" not in submission
    assert ">33.3<" not in web.get("/mystery").text
    programme = web.get(f"/mystery/programmes/{programme_id}?month=2026-11").text
    assert ">33.3<" not in programme
    assert "ноябрь 2026" in programme and ">2026-11<" not in programme


def test_a_shop_form_lists_every_error_at_once(web: TestClient, engine: Engine) -> None:
    """Issue 15: only the first mistake was shown; now all, each next to its field."""
    visit, shopper = _chat_visit(engine)
    log_in(web, shopper)
    path = f"/shop/{visit}"
    fields = _form(web, path, happened_at="вчера")
    del fields["answer_correct"]
    refused = web.post(path, data=fields, follow_redirects=False)
    assert refused.status_code == 422
    page = refused.text
    assert "Не сохранено: 3 ошибки" in page
    summary = page[page.index('id="shop-errors"') :]
    for said in ("Дата и время: ", "Разговор: добавьте запись", "Правильный ответ: нет ответа"):
        assert said in summary, said
    for field in ("happened_at", "conversation", "answers.correct"):
        assert f'<p class="error field-error" id="error-{field}">' in page, field
    assert 'id="error-channel"' not in page
