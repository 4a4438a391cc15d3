"""Survey links, QR places and kiosks: answers land in ``surveys`` like an import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from kontrol import events
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.events import SurveysStored
from kontrol.store.tables import interactions, survey_links, surveys
from kontrol.surveys.links import create_link
from kontrol.surveys.places import create_place
from kontrol.web.app import create_app
from tests.factories import import_records
from tests.surveys.builders import chat

SEEN: list[SurveysStored] = []


@events.subscriber(SurveysStored)
def _remember(engine: Engine, event: SurveysStored) -> None:
    SEEN.append(event)


@pytest.fixture
def shop(engine: Engine, workspace: Workspace, tmp_path: Path) -> int:
    """One chat of agent a1 (team L1); returns its id in Kontrol."""
    import_records(engine, workspace, tmp_path, [chat("ch-1", language="en")])
    with engine.connect() as connection:
        return int(connection.execute(select(interactions.c.id)).scalar_one())


@pytest.fixture
def app_client(database_url: str, shop: int) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        yield client


def _link(engine: Engine, workspace: Workspace, interaction_id: int, kind: str = "csat") -> str:
    with engine.begin() as connection:
        return create_link(
            connection,
            workspace=workspace,
            interaction_id=interaction_id,
            created_by="test",
            kind=kind,
        ).path()


def _form(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="form" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_a_link_answer_is_stored_for_its_interaction_once(
    engine: Engine, workspace: Workspace, shop: int, app_client: TestClient
) -> None:
    path = _link(engine, workspace, shop)
    page = app_client.get(path)
    # The customer's language (the interaction's), the company, the agent's first name only.
    assert 'lang="en"' in page.text
    assert "How did Анна do?" in page.text
    assert "Смирнова" not in page.text and "Иван" not in page.text
    SEEN.clear()
    answer = app_client.post(
        path,
        data={
            "score": "2",
            "comment": "<script>x()</script> slow",
            "form": _form(app_client, path),
        },
    )
    assert answer.status_code == 200
    assert "Thank you" in answer.text
    with engine.connect() as connection:
        row = connection.execute(select(surveys)).one()
    assert (row.interaction_id, row.csat) == (shop, 2)
    assert row.comment == "<script>x()</script> slow"
    assert any(shop in event.interaction_ids for event in SEEN)
    again = app_client.post(path, data={"score": "5", "form": _form_or_none(app_client, path)})
    assert again.status_code == 410
    with engine.connect() as connection:
        assert connection.execute(select(surveys.c.csat)).scalar_one() == 2
    assert app_client.get(path).status_code == 410


def _form_or_none(client: TestClient, path: str) -> str:
    found = re.search(r'name="form" value="([^"]+)"', client.get(path).text)
    return found.group(1) if found else "0.x"


def test_expired_unknown_and_forged_answers_are_refused(
    engine: Engine, workspace: Workspace, shop: int, app_client: TestClient
) -> None:
    path = _link(engine, workspace, shop)
    token_form = _form(app_client, path)
    other = _link(engine, workspace, shop)
    # A form token made for another link does not fit this one.
    forged = app_client.post(other, data={"score": "5", "form": token_form})
    assert forged.status_code == 422
    out_of_scale = app_client.post(path, data={"score": "9", "form": token_form})
    assert out_of_scale.status_code == 422
    assert app_client.get("/s/" + "A" * 43).status_code == 404
    with engine.begin() as connection:
        connection.execute(update(survey_links).values(expires_at=utcnow() - timedelta(minutes=1)))
    expired = app_client.post(path, data={"score": "5", "form": token_form})
    assert expired.status_code == 410
    with engine.connect() as connection:
        assert connection.execute(select(surveys.c.id)).first() is None


def test_a_place_answer_becomes_a_rated_visit_of_its_agent_and_team(
    engine: Engine, workspace: Workspace, shop: int, app_client: TestClient
) -> None:
    with engine.begin() as connection:
        place = create_place(
            connection,
            workspace=workspace,
            name="Касса 3",
            kind="nps",
            language="ru",
            team="L2",
            agent_id="a7",
            created_by="test",
        )
    page = app_client.get(place.public_path)
    assert "Касса 3" in page.text and 'lang="ru"' in page.text
    english = app_client.get(place.public_path + "?lang=en")
    assert "recommend" in english.text
    answer = app_client.post(
        place.public_path,
        data={"score": "3", "form": _form(app_client, place.public_path), "lang": "en"},
    )
    assert answer.status_code == 200
    with engine.connect() as connection:
        visit = connection.execute(
            select(interactions).where(interactions.c.channel == "visit")
        ).one()
        rating = connection.execute(
            select(surveys).where(surveys.c.interaction_id == visit.id)
        ).one()
    assert (visit.agent_external_id, visit.team, visit.language) == ("a7", "L2", "en")
    assert visit.meta["survey_place"] == "Касса 3"
    assert rating.nps == 3


def test_a_kiosk_thanks_and_resets_and_a_place_limits_answers_per_address(
    engine: Engine, workspace: Workspace, shop: int, app_client: TestClient
) -> None:
    with engine.begin() as connection:
        place = create_place(
            connection, workspace=workspace, name="Стойка", created_by="test", agent_id="a1"
        )
    form = _form(app_client, place.kiosk_path)
    thanks = app_client.post(place.kiosk_path, data={"score": "5", "form": form})
    assert thanks.status_code == 200
    assert f'url=/k/{place.kiosk_token}?lang=ru"' in thanks.text
    second = app_client.post(place.kiosk_path, data={"score": "4", "form": form})
    assert second.status_code == 200
    statuses = [
        app_client.post(
            place.public_path, data={"score": "5", "form": _form(app_client, place.public_path)}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    with engine.connect() as connection:
        rated = connection.execute(
            select(surveys.c.csat).where(surveys.c.source == "kontrol-survey")
        ).scalars()
        assert sorted(rated) == [4, 5, 5, 5, 5, 5, 5]


def test_staff_make_a_link_on_the_interaction_page(
    database_url: str, populated: Workspace, engine: Engine
) -> None:
    from tests.factories import form_token, log_in

    with TestClient(create_app(database_url)) as client:
        log_in(client, "agent1")
        with engine.connect() as connection:
            mine = (
                connection.execute(
                    select(interactions.c.id).where(interactions.c.agent_external_id == "a1")
                )
                .scalars()
                .first()
            )
            theirs = (
                connection.execute(
                    select(interactions.c.id).where(interactions.c.agent_external_id == "a2")
                )
                .scalars()
                .first()
            )
        page = client.get(f"/interactions/{mine}")
        assert "make-survey-link" in page.text
        token = form_token(client, f"/interactions/{mine}")
        made = client.post(
            f"/interactions/{mine}/survey-link",
            data={"kind": "csat", "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert made.status_code == 200
        url = re.search(r'value="(http[^"]+/s/[^"]+)"', made.text)
        assert url
        assert client.get(url.group(1).split("testserver")[1]).status_code == 200
        # An agent cannot make links for someone else's interaction.
        refused = client.post(
            f"/interactions/{theirs}/survey-link", data={"kind": "csat", "csrf_token": token}
        )
        assert refused.status_code == 404
        no_token = client.post(f"/interactions/{mine}/survey-link", data={"kind": "csat"})
        assert no_token.status_code == 403


def test_a_customers_page_speaks_their_browsers_language_when_we_have_it(
    engine: Engine, workspace: Workspace, shop: int, app_client: TestClient
) -> None:
    path = _link(engine, workspace, shop)  # an English conversation
    russian = app_client.get(path, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert 'lang="ru"' in russian.text
    # A language we do not have: the conversation's; the page's own choice wins over all.
    german = app_client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert 'lang="en"' in german.text
    chosen = app_client.get(path + "?lang=en", headers={"Accept-Language": "ru"})
    assert 'lang="en"' in chosen.text
    with engine.begin() as connection:
        place = create_place(
            connection,
            workspace=workspace,
            name="Касса 3",
            kind="csat",
            language="ru",
            created_by="test",
        )
    english = app_client.get(place.public_path, headers={"Accept-Language": "en-GB,en"})
    assert 'lang="en"' in english.text
    # A kiosk is the workspace's tablet: the place's language, whatever the tablet says.
    kiosk = app_client.get(f"/k/{place.kiosk_token}", headers={"Accept-Language": "en-GB,en"})
    assert 'lang="ru"' in kiosk.text
