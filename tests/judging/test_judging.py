"""Criteria answered by a language model, against a loopback server that speaks the
OpenAI chat-completions shape: masking, verified quotes, the cache, retries, the
timeout, the budget, shadow mode and the agreement with reviewers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import rescore_workspace
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.jobs.backends import drain
from kontrol.judging.agreement import interaction_judgements, model_agreement
from kontrol.judging.answering import apply_counted_answers, judge_interactions, requests_on
from kontrol.judging.asking import read_model_answer
from kontrol.judging.criteria import (
    criteria_yaml,
    import_criteria_yaml,
    list_criteria,
    parse_criteria_yaml,
    set_shadow,
)
from kontrol.judging.endpoint import endpoint_of, save_endpoint
from kontrol.settings import Settings
from kontrol.store.tables import evaluations, job_runs, judging_answers, scorecards
from tests.factories import import_records, interaction_ids, interaction_record, message
from tests.judging.llm_server import ChatServer, Fail, Pause, verdict

AT = "2026-11-02T10:00:00+00:00"
PHONE, CARD, EMAIL = "+7 912 345-67-89", "4111 1111 1111 1111", "ivan.petrov@example.com"
CUSTOMER = f"Здравствуйте, мой телефон {PHONE}, карта {CARD}, почта {EMAIL}. Где мой заказ?"
AGENT = "Добрый день! Ваш заказ приедет завтра до 18:00, курьер позвонит заранее."
SOLVED = """criteria:
  - name: solved
    title: Решил вопрос клиента
    question: Did the agent answer the customer's question with a clear time or next step?
    scorecard: default-ru
    criterion: solution_correct
"""
TWO = (
    SOLVED
    + """  - name: polite
    title: Вежлив
    question: Was the agent polite?
"""
)


def _good(body: dict[str, Any]) -> str:
    return verdict("pass", "The agent named the delivery time.", "ваш заказ  приедет ЗАВТРА")


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    server = ChatServer(_good).start()
    monkeypatch.setenv("KONTROL_JOB_BACKOFF_SECONDS", "0")
    yield server
    server.stop()


def _setup(
    engine: Engine,
    workspace: Workspace,
    url: str,
    *,
    criteria: str = SOLVED,
    budget: int = 100,
    timeout: float = 5.0,
    mask: bool = True,
) -> None:
    with engine.begin() as connection:
        save_endpoint(
            connection,
            workspace.id,
            base_url=url,
            model="qwen-test",
            api_key="sk-local-secret-1234",
            mask_personal_data=mask,
            daily_budget=budget,
            timeout_seconds=timeout,
            enabled=True,
            user_id=None,
        )
        import_criteria_yaml(connection, workspace.id, criteria, user_id=None)


def _chat(external_id: str, customer: str = CUSTOMER, agent: str = AGENT) -> dict[str, Any]:
    return interaction_record(
        external_id,
        started=AT,
        messages=[message("customer", customer, AT), message("agent", agent, AT)],
        language="ru",
    )


def _import(
    engine: Engine, workspace: Workspace, tmp_path: Path, *records: dict[str, Any]
) -> dict[str, int]:
    report = import_records(engine, workspace, tmp_path, list(records))
    assert report.imported == len(records), report.rejects
    drain(engine, Settings())
    with engine.connect() as connection:
        return interaction_ids(connection, workspace)


def _answers(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(judging_answers).order_by(judging_answers.c.id)))


# --- the answer's checks (no database) ----------------------------------------------


def test_a_quote_is_found_whatever_its_case_and_spacing_and_a_made_up_one_voids_the_answer() -> (
    None
):
    texts = ["Добрый день! Ваш заказ приедет завтра."]
    found = read_model_answer(verdict("pass", "ok", "«ваш   ЗАКАЗ приедет»"), texts)
    assert (found.state, found.verdict) == ("answered", "pass")
    made_up = read_model_answer(verdict("fail", "rude", "я не буду вам помогать"), texts)
    assert made_up.state == "void" and "quote not found" in made_up.reason
    assert (
        read_model_answer("```json\n" + verdict("na", "no question", "") + "\n```", texts).state
        == "answered"
    )
    assert read_model_answer("The agent was polite.", texts).state == "void"
    assert (
        read_model_answer(json.dumps({"verdict": "maybe", "reason": "", "quote": ""}), texts).state
        == "void"
    )
    assert read_model_answer(verdict("pass", "no quote", ""), texts).state == "void"


# --- YAML ---------------------------------------------------------------------------


def test_yaml_errors_name_the_file_the_line_and_the_field(
    engine: Engine, workspace: Workspace
) -> None:
    bad = "criteria:\n  - name: solved\n    title: Решил\n    question: Solved?\n    colour: red\n"
    with pytest.raises(
        InvalidInput, match=r"upload\.yaml, line 5: criteria\[0\]\.colour: unknown field"
    ):
        parse_criteria_yaml(bad, source="upload.yaml")
    with pytest.raises(InvalidInput, match=r"line 3: not valid YAML"):
        parse_criteria_yaml("criteria:\n  - name: a\n  title: [\n")
    checked = SOLVED.replace("solution_correct", "greeting")
    with (
        engine.begin() as connection,
        pytest.raises(InvalidInput, match=r"line 2: .*criterion: 'greeting' must be"),
    ):
        import_criteria_yaml(connection, workspace.id, checked, user_id=None)
    missing = SOLVED.replace("default-ru", "no-such-card")
    with engine.begin() as connection, pytest.raises(InvalidInput, match="no scorecard named"):
        import_criteria_yaml(connection, workspace.id, missing, user_id=None)


def test_export_reads_back_and_a_changed_question_is_a_new_version(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        first = import_criteria_yaml(connection, workspace.id, TWO, user_id=None)
        text = criteria_yaml(list_criteria(connection, workspace.id))
        again = import_criteria_yaml(connection, workspace.id, text, user_id=None)
        assert [(c.name, c.version) for c in again] == [(c.name, c.version) for c in first]
        changed = import_criteria_yaml(
            connection,
            workspace.id,
            TWO.replace("Was the agent polite?", "Was the agent polite and warm?"),
            user_id=None,
        )
    assert {c.name: c.version for c in changed} == {"polite": 2, "solved": 1}
    assert all(c.shadow for c in changed)


# --- asking ---------------------------------------------------------------------------


def test_personal_data_is_masked_before_it_leaves_and_the_key_is_sent_as_a_bearer(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    _setup(engine, workspace, llm.url)
    ids = _import(engine, workspace, tmp_path, _chat("c1"))
    assert len(llm.requests) == 1
    sent = llm.raw[0].decode()
    for secret in ("912", "345-67-89", "4111", "1111 1111", "ivan.petrov", "example.com"):
        assert secret not in sent
    assert llm.authorization == ["Bearer sk-local-secret-1234"]
    body = llm.requests[0]
    assert body["model"] == "qwen-test" and body["response_format"] == {"type": "json_object"}
    assert '"verdict"' in body["messages"][0]["content"]
    [answer] = _answers(engine)
    assert (answer.state, answer.verdict, answer.interaction_id) == ("answered", "pass", ids["c1"])
    with engine.connect() as connection:
        [shown] = interaction_judgements(connection, workspace.id, ids["c1"])
    assert (shown.message, shown.quote) == (2, "Ваш заказ приедет завтра")


def test_with_masking_turned_off_the_text_leaves_as_written(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    _setup(engine, workspace, llm.url, mask=False)
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert PHONE in json.loads(llm.raw[0])["messages"][1]["content"]


def test_the_same_content_is_never_asked_twice(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    _setup(engine, workspace, llm.url)
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert len(llm.requests) == 1
    rescore_workspace(engine, workspace.id)  # scored again: the criteria are queued again
    drain(engine, Settings())
    _import(engine, workspace, tmp_path, _chat("c2"))  # another conversation, the same words
    assert len(llm.requests) == 1
    assert [a.state for a in _answers(engine)] == ["answered", "answered"]
    with engine.connect() as connection:
        assert requests_on(connection, workspace.id, utcnow().date()) == 1


def test_a_500_and_a_429_are_retried_with_backoff_until_the_answer_comes(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    llm.script = [Fail(500), Fail(429)]
    _setup(engine, workspace, llm.url)
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert len(llm.requests) == 3
    assert [a.state for a in _answers(engine)] == ["answered"]
    with engine.connect() as connection:
        run = connection.execute(select(job_runs).where(job_runs.c.name == "judging.ask")).one()
    assert (run.status, run.attempts) == ("done", 3)


def test_an_endpoint_that_never_answers_in_time_is_recorded_as_failed_after_the_last_attempt(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    llm.script = [Pause(1.5)] * 4
    _setup(engine, workspace, llm.url, timeout=0.3)
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert len(llm.requests) == 4
    [answer] = _answers(engine)
    assert answer.state == "failed" and "no answer within 0.3 s" in answer.reason


def test_a_made_up_quote_and_a_malformed_answer_are_void_with_the_reason(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    llm.script = [
        verdict("fail", "The agent was rude.", "Я не буду вам помогать"),
        "Sure! The agent passed.",
    ]
    _setup(engine, workspace, llm.url, criteria=TWO)
    ids = _import(engine, workspace, tmp_path, _chat("c1"))
    states = {a.criterion_id: (a.state, a.reason) for a in _answers(engine)}
    assert sorted(state for state, _ in states.values()) == ["void", "void"]
    reasons = " ".join(reason for _, reason in states.values())
    assert "quote not found in the transcript" in reasons and "malformed answer" in reasons
    with engine.begin() as connection:
        solved = next(c for c in list_criteria(connection, workspace.id) if c.name == "solved")
        set_shadow(connection, workspace.id, solved.id, False, None)
        apply_counted_answers(connection, workspace.id, ids["c1"])
        items = _solution_item(connection, ids["c1"])
    assert items["result"] is None  # a void answer never counts


def test_over_the_daily_budget_answers_are_deferred_and_asked_when_there_is_budget(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    _setup(engine, workspace, llm.url, criteria=TWO, budget=1)
    ids = _import(engine, workspace, tmp_path, _chat("c1"))
    assert len(llm.requests) == 1
    assert sorted(a.state for a in _answers(engine)) == ["answered", "deferred"]
    with engine.connect() as connection:
        shown = {
            j.criterion.name: j.state
            for j in interaction_judgements(connection, workspace.id, ids["c1"])
        }
    assert sorted(shown.values()) == ["answered", "deferred"]
    _setup(engine, workspace, llm.url, criteria=TWO, budget=5)
    judge_interactions(engine, workspace.id, [ids["c1"]])
    assert len(llm.requests) == 2
    assert [a.state for a in _answers(engine)] == ["answered", "answered"]


def _solution_item(connection: Any, interaction_id: int) -> dict[str, Any]:
    row = connection.execute(
        select(evaluations.c.score, evaluations.c["items"])
        .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
        .where(
            evaluations.c.interaction_id == interaction_id,
            evaluations.c.kind == "auto",
            scorecards.c.name == "default-ru",
        )
    ).one()
    item = next(i for i in row._mapping["items"] if i["criterion"] == "solution_correct")
    return {"score": row.score, **item}


def test_a_shadow_criterion_is_shown_but_not_counted_until_it_is_turned_on(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    llm.answer = lambda body: verdict("fail", "No time was given.", "курьер позвонит заранее")
    _setup(engine, workspace, llm.url)
    ids = _import(engine, workspace, tmp_path, _chat("c1"))
    with engine.begin() as connection:
        before = _solution_item(connection, ids["c1"])
        assert before["result"] is None
        [criterion] = list_criteria(connection, workspace.id)
        set_shadow(connection, workspace.id, criterion.id, False, None)
        apply_counted_answers(connection, workspace.id, ids["c1"])
        live = _solution_item(connection, ids["c1"])
    assert (live["result"], live["source"], live["fraction"]) == ("fail", "judging", 0.0)
    assert live["score"] < before["score"]
    rescore_workspace(engine, workspace.id)  # the rules score again: the answer is put back
    drain(engine, Settings())
    with engine.begin() as connection:
        assert _solution_item(connection, ids["c1"])["result"] == "fail"
        set_shadow(connection, workspace.id, criterion.id, True, None)
        apply_counted_answers(connection, workspace.id, ids["c1"])
        assert _solution_item(connection, ids["c1"])["score"] == before["score"]
    assert len(llm.requests) == 1


def test_agreement_with_reviewers_counts_pairs_percent_and_kappa(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    def answer(body: dict[str, Any]) -> str:
        broken = "сломан" in body["messages"][1]["content"]
        return verdict("fail" if broken else "pass", "-", "Добрый день")

    llm.answer = answer
    _setup(engine, workspace, llm.url)
    records = [
        _chat("a", "Где заказ?"),
        _chat("b", "Когда доставка?"),
        _chat("c", "Товар сломан"),
        _chat("d", "Экран сломан"),
    ]
    ids = _import(engine, workspace, tmp_path, *records)
    people = {"a": "pass", "b": "fail", "c": "fail", "d": "fail"}
    with engine.begin() as connection:
        card_id = (
            connection.execute(
                select(scorecards.c.id)
                .where(scorecards.c.name == "default-ru")
                .order_by(scorecards.c.version.desc())
            )
            .scalars()
            .first()
        )
        for external_id, result in people.items():
            connection.execute(
                evaluations.insert().values(
                    workspace_id=workspace.id,
                    interaction_id=ids[external_id],
                    scorecard_id=card_id,
                    kind="manual",
                    status="submitted",
                    items=[{"criterion": "solution_correct", "result": result}],
                    created_at=utcnow(),
                )
            )
        [criterion] = list_criteria(connection, workspace.id)
        figures = model_agreement(connection, workspace.id, criterion)
    assert (figures.count, figures.agreed, figures.percent, figures.kappa) == (4, 3, 75.0, 0.5)


def test_nothing_is_asked_without_an_enabled_endpoint(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    _setup(engine, workspace, llm.url)
    with engine.begin() as connection:
        found = endpoint_of(connection, workspace.id)
        assert found is not None and found.key_hint == "…1234"
        save_endpoint(
            connection,
            workspace.id,
            base_url=llm.url,
            model="m",
            api_key=None,
            mask_personal_data=True,
            daily_budget=5,
            timeout_seconds=1,
            enabled=False,
            user_id=None,
        )
        kept = endpoint_of(connection, workspace.id)
        assert kept is not None and kept.api_key == "sk-local-secret-1234"
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert llm.requests == [] and _answers(engine) == []


def test_a_server_that_does_not_know_response_format_is_asked_again_without_it(
    engine: Engine, workspace: Workspace, tmp_path: Path, llm: ChatServer
) -> None:
    llm.script = [Fail(400, "unknown field: response_format")]
    _setup(engine, workspace, llm.url)
    _import(engine, workspace, tmp_path, _chat("c1"))
    assert ["response_format" in body for body in llm.requests] == [True, False]
    assert [a.state for a in _answers(engine)] == ["answered"]


def test_a_key_written_as_env_name_is_read_from_the_environment_when_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kontrol.judging.asking import ask_model
    from kontrol.judging.endpoint import JudgingEndpoint

    monkeypatch.setenv("KONTROL_TEST_LLM_KEY", "sk-from-env-5678")
    server = ChatServer(lambda body: verdict("pass", "ok", "hello there")).start()
    try:
        endpoint = JudgingEndpoint(server.url, "m", "env:KONTROL_TEST_LLM_KEY", True, 5, 5.0, True)
        answer = ask_model(endpoint, "Greeted?", [("agent", "Hello there!")])
    finally:
        server.stop()
    assert answer.state == "answered"
    assert server.authorization == ["Bearer sk-from-env-5678"]
    assert endpoint.key_hint == "env:KONTROL_TEST_LLM_KEY"
