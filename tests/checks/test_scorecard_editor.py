"""The scorecard form editor: form fields to a scorecard, translated errors, preview, YAML."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from kontrol.checks.registry import registered_checks
from kontrol.checks.scorecard_form import (
    check_draft,
    draft_from_form,
    draft_of,
    identifier_from,
)
from kontrol.checks.scorecards import default_scorecard_text
from kontrol.domain.errors import InvalidInput
from kontrol.domain.scorecard import ScorecardInvalid, load_scorecard
from kontrol.store.tables import agents
from kontrol.web.pages.scorecard_editor import field_id, shown_error
from tests.factories import form_token, log_in

KNOWN = frozenset(registered_checks())

# Two sections as the page posts them: every field in page order.
FORM = [
    ("csrf_token", "x"),
    ("original", ""),
    ("title", "Чат поддержки"),
    ("name", ""),
    ("language", "ru"),
    ("pass_mark", "75,5"),
    ("channels", "chat"),
    ("channels", "email"),
    ("section", "1"),
    ("section_title", "Начало разговора"),
    ("section_id", ""),
    ("criterion", "1"),
    ("criterion_title", "Поприветствовал клиента"),
    ("criterion_weight", "10"),
    ("criterion_check", "greeting"),
    ("criterion_scale", "pass_fail"),
    ("criterion_na", "skip"),
    ("criterion_description", ""),
    ("criterion_id", ""),
    ("criterion", "1"),
    ("criterion_title", "Без грубости"),
    ("criterion_weight", "5"),
    ("criterion_check", "no_rudeness"),
    ("criterion_scale", "pass_fail"),
    ("criterion_na", "skip"),
    ("criterion_critical", "1"),
    ("criterion_description", "Ни одного грубого слова"),
    ("criterion_id", ""),
    ("section", "1"),
    ("section_title", "Завершение"),
    ("section_id", "closing"),
    ("criterion", "1"),
    ("criterion_title", "Допродажа"),
    ("criterion_weight", "2.5"),
    ("criterion_check", "upsell"),
    ("criterion_scale", "pass_fail"),
    ("criterion_na", "fail"),
    ("criterion_bonus", "1"),
    ("criterion", "1"),
    ("criterion_title", "Общее впечатление"),
    ("criterion_weight", "4"),
    ("criterion_check", ""),
    ("criterion_scale", "1-5"),
    ("criterion_na", "skip"),
    ("do", "save"),
]


def _with(changes: dict[int, tuple[str, str]]) -> list[tuple[str, str]]:
    return [changes.get(i, field) for i, field in enumerate(FORM)]


def test_the_form_in_page_order_makes_the_scorecard_and_its_yaml() -> None:
    card, text = check_draft(draft_from_form(FORM), known_checks=KNOWN)
    assert card.name == "chat_podderzhki" and card.title == "Чат поддержки"
    assert card.pass_mark == 75.5 and card.language == "ru"
    assert card.channels == frozenset({"chat", "email"})
    assert [s.id for s in card.sections] == ["nachalo_razgovora", "closing"]
    greeting, rudeness, upsell, overall = card.criteria
    assert (greeting.id, greeting.check, greeting.weight) == (
        "poprivetstvoval_klienta",
        "greeting",
        10,
    )
    assert rudeness.critical and not rudeness.bonus
    assert rudeness.description == "Ни одного грубого слова"
    assert upsell.bonus and upsell.na == "fail" and upsell.weight == 2.5
    assert overall.manual and overall.scale == "1-5"
    # The YAML it writes is the same scorecard, and reads back into the same form.
    assert load_scorecard(text, known_checks=KNOWN) == card
    assert draft_of(load_scorecard(text)) == draft_of(card)


def test_moving_fields_in_the_page_reorders_the_criteria() -> None:
    # The first section's two criteria posted the other way round, as after a drag.
    moved = FORM[:11] + FORM[19:28] + FORM[11:19] + FORM[28:]
    card, _ = check_draft(draft_from_form(moved), known_checks=KNOWN)
    assert [c.title for c in card.sections[0].criteria] == [
        "Без грубости",
        "Поприветствовал клиента",
    ]


def test_the_default_scorecards_survive_the_form_unchanged() -> None:
    for name in ("default-ru", "default-en"):
        card = load_scorecard(default_scorecard_text(name))
        again, _ = check_draft(draft_of(card), known_checks=KNOWN)
        assert again == card


def test_ids_are_made_from_titles_and_kept_unique() -> None:
    assert identifier_from("Поприветствовал клиента", "x") == "poprivetstvoval_klienta"
    assert identifier_from("1–5", "c3") == "c3"
    twice = _with({30: ("section_id", "")})  # the second section is called like the first
    twice[29] = ("section_title", "Начало разговора")
    card, _ = check_draft(draft_from_form(twice), known_checks=KNOWN)
    assert [s.id for s in card.sections] == ["nachalo_razgovora", "nachalo_razgovora_2"]


@pytest.mark.parametrize(
    ("changes", "path", "russian"),
    [
        (
            {13: ("criterion_weight", "десять")},
            ("sections", 0, "criteria", 0, "weight"),
            "нужно число",
        ),
        ({21: ("criterion_weight", "0")}, ("sections", 0, "criteria", 1, "weight"), "больше нуля"),
        ({12: ("criterion_title", "")}, ("sections", 0, "criteria", 0, "title"), "заполните"),
        ({5: ("pass_mark", "120")}, ("pass_mark",), "от 0 до 100"),
        ({6: ("language", "x"), 7: ("language", "x")}, ("channels",), "хотя бы один канал"),
        ({14: ("criterion_check", "nope")}, ("sections", 0, "criteria", 0, "check"), "«nope»"),
        ({18: ("criterion_id", "Bad Id")}, ("sections", 0, "criteria", 0, "id"), "идентификатор"),
    ],
)
def test_a_mistake_names_its_field_in_russian(
    changes: dict[int, tuple[str, str]], path: tuple[str | int, ...], russian: str
) -> None:
    draft = draft_from_form(_with(changes))
    with pytest.raises(ScorecardInvalid) as caught:
        check_draft(draft, known_checks=KNOWN)
    assert caught.value.path == path
    shown = shown_error(caught.value, draft, "ru")
    assert russian in shown.text
    assert shown.field_id == field_id(path)
    if path[0] == "sections":
        assert shown.text.startswith("Раздел 1 «Начало разговора» · критерий")
    english = shown_error(caught.value, draft, "en").text
    assert english != shown.text
    if path[0] == "sections":
        assert english.startswith("Section 1 “Начало разговора” · criterion")


def test_a_section_left_without_criteria_is_refused() -> None:
    empty = [*FORM[:28], ("section", "1"), ("section_title", "Пусто"), *FORM[28:]]
    with pytest.raises(ScorecardInvalid) as caught:
        check_draft(draft_from_form(empty), known_checks=KNOWN)
    assert caught.value.path == ("sections", 1, "criteria")


def test_yaml_errors_give_the_line_and_the_field_in_russian() -> None:
    text = (
        "name: x\nsections:\n  - id: s\n    criteria:\n"
        "      - {id: a, title: A}\n      - {id: b, weight: -2}\n"
    )
    with pytest.raises(ScorecardInvalid) as caught:
        load_scorecard(text)
    assert caught.value.line == 6
    assert str(caught.value).startswith("line 6: sections[0].criteria[1] (b).weight")
    shown = shown_error(caught.value, None, "ru", in_form=False)
    assert shown.text == "Строка 6 · Раздел 1 · критерий 2 · Вес: вес должен быть больше нуля"
    with pytest.raises(InvalidInput) as broken:
        load_scorecard("name: x\nsections:\n  - id: [\n")
    assert "строка 4" in shown_error(broken.value, None, "ru").text


# --- the pages ----------------------------------------------------------------------


def _post(client: TestClient, fields: list[tuple[str, str]], token: str) -> Response:
    body = [(k, token if k == "csrf_token" else v) for k, v in fields]
    response: Response = client.post(
        "/scorecards/form",
        content="&".join(f"{k}={_quote(v)}" for k, v in body),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    return response


def _quote(value: str) -> str:
    return quote_plus(value)


def test_a_qa_lead_creates_a_scorecard_from_the_form(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/scorecards/new")
    assert page.status_code == 200 and 'name="section_title"' in page.text
    token = form_token(client, "/scorecards/new")
    wrong = _post(client, _with({13: ("criterion_weight", "много")}), token)
    assert wrong.status_code == 422
    text = wrong.text
    assert (
        "Раздел 1 «Начало разговора» · критерий 1 «Поприветствовал клиента» · Вес: нужно число"
        in text
    )
    assert 'id="f-sections-0-criteria-0-weight"' in text and 'aria-invalid="true"' in text
    assert 'value="много"' in text  # what was typed stays
    saved = _post(client, FORM, token)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/scorecards/chat_podderzhki"
    shown = client.get("/scorecards/chat_podderzhki").text
    assert "Ни одного грубого слова" in shown and "Приветствие" in shown
    again = _post(client, FORM, token)  # the same name again from "new"
    assert again.status_code == 422 and "уже есть" in again.text


def test_editing_makes_a_new_version_and_keeps_the_old_one(client: TestClient) -> None:
    log_in(client, "qa")
    client.get("/scorecards")  # the defaults are made on first sight
    editor = client.get("/scorecards/default-ru/edit").text
    assert 'value="default-ru"' in editor and "readonly" in editor
    token = form_token(client, "/scorecards/default-ru/edit")
    fields = [("original", "default-ru"), *FORM[2:]]
    saved = _post(client, [("csrf_token", ""), *fields], token)
    assert saved.headers["location"] == "/scorecards/default-ru"
    versions = client.get("/api/v1/scorecards").json()["items"]
    ru = next(v for v in versions if v["name"] == "default-ru")
    assert ru["version"] == 2
    old = client.get("/scorecards/default-ru/yaml?version=1")
    assert (
        "Стандарт обслуживания" in old.text and "attachment" in old.headers["content-disposition"]
    )
    assert "Чат поддержки" in client.get("/scorecards/default-ru/yaml").text


def test_preview_scores_a_sample_with_the_unsaved_form(client: TestClient) -> None:
    log_in(client, "qa")
    page = client.get("/scorecards/new").text
    assert "03.11.2026" in page  # samples are named by date, channel and people
    token = form_token(client, "/scorecards/new")
    interaction = client.get("/api/v1/interactions?q=i2").json()["items"][0]["id"]
    fields = [(k, v) for k, v in FORM if k != "do"] + [
        ("do", "preview"),
        ("sample", str(interaction)),
    ]
    shown = _post(client, fields, token)
    assert shown.status_code == 200
    assert 'id="preview-result"' in shown.text
    assert client.get("/scorecards/chat_podderzhki").status_code == 404  # nothing saved


def test_yaml_import_fills_the_form_or_names_line_and_field(client: TestClient) -> None:
    log_in(client, "qa")
    token = form_token(client, "/scorecards/new")
    bad = (
        "name: x\ntitle: X\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, weight: abc}\n"
    )
    refused = client.post("/scorecards/import", data={"yaml": bad, "csrf_token": token})
    assert refused.status_code == 422
    assert "Строка 7 · Раздел 1 «S» · критерий 1 · Вес: нужно число" in refused.text or (
        "Строка 7 · Раздел 1 · критерий 1 · Вес: нужно число" in refused.text
    )
    good = bad.replace("abc", "3")
    loaded = client.post(
        "/scorecards/import",
        files={"file": ("card.yaml", good.encode(), "text/yaml")},
        data={"csrf_token": token},
    )
    assert loaded.status_code == 200 and 'name="section_title" value="S"' in loaded.text


def test_agents_read_and_export_but_do_not_edit(client: TestClient) -> None:
    log_in(client, "agent1")
    client.get("/scorecards")
    assert client.get("/scorecards/default-ru/yaml").status_code == 200
    assert client.get("/scorecards/default-ru/edit").status_code == 403
    assert client.get("/scorecards/new").status_code == 403


def test_every_mistake_of_the_form_is_named_at_once_next_to_its_field(client: TestClient) -> None:
    log_in(client, "qa")
    token = form_token(client, "/scorecards/new")
    fields = _with({5: ("pass_mark", "150"), 9: ("section_title", ""), 20: ("criterion_title", "")})
    # A third section left empty (no criteria) before the submit button.
    fields = [*fields[:-1], ("section", "1"), ("section_title", ""), fields[-1]]
    refused = _post(client, fields, token)
    assert refused.status_code == 422
    text = refused.text
    assert "Проходной балл: число от 0 до 100" in text
    assert "проходной балл —" not in text
    wrong = [
        "f-pass_mark",
        "f-sections-0-title",
        "f-sections-0-criteria-1-title",
        "f-sections-2-title",
        "f-sections-2-criteria",
    ]
    for place in wrong:
        assert f'href="#{place}"' in text  # in the summary at the top
        assert f'id="{place}-error"' in text  # and next to the field
    assert text.count('aria-invalid="true"') == 4  # the four inputs among them
    assert 'value="150"' in text and 'value="Поприветствовал клиента"' in text


def test_example_conversations_name_the_agent_from_the_agent_list(
    client: TestClient, engine: Engine
) -> None:
    with engine.begin() as connection:
        named = connection.execute(
            agents.update().where(agents.c.external_id == "a1").values(name="Анна Смирнова")
        ).rowcount
    assert named == 1
    log_in(client, "qa")
    page = client.get("/scorecards/new").text
    options = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', page)
    assert any("Анна Смирнова" in option for option in options)
    assert not any(option.split(" · ")[2].startswith("a1") for option in options)
