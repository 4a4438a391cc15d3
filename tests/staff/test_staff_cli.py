"""``kontrol staff``: the same rules as the web, acting as a member."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from kontrol.accounts.workspaces import Workspace
from kontrol.cli.main import app
from kontrol.domain.roles import WorkspaceRole
from kontrol.staff.knowledge import list_questions, list_tests
from tests.factories import add_people
from tests.staff.staff_world import build_world

runner = CliRunner()


def test_a_lead_defines_a_competency_and_an_agent_may_not(
    engine: Engine, workspace: Workspace, database_url: str
) -> None:
    build_world(engine, workspace)
    base = ["staff", "competency", "empathy", "Эмпатия", "--criterion", "empathy"]
    refused = runner.invoke(app, [*base, "--as", "agent1", "--db", database_url])
    made = runner.invoke(app, [*base, "--as", "qa", "--db", database_url])
    profile = runner.invoke(app, ["staff", "profile", "a1", "--as", "qa", "--db", database_url])
    assert refused.exit_code == 2 and "only admins and QA leads" in refused.stderr
    assert made.exit_code == 0 and "empathy: empathy" in made.stdout
    assert json.loads(profile.stdout)["competencies"][0]["competency"] == "empathy"


def _run(database_url: str, *args: str) -> Result:
    return runner.invoke(app, ["staff", *args, "--db", database_url])


TEST_YAML = """\
title: Стандарты общения
pass_mark: 75
time_limit_minutes: 10
attempts: 3
shuffle: false
questions:
  - topic: эмпатия
    kind: single
    text: Клиент ждёт заказ вторую неделю. С чего начать?
    points: 2
    options:
      - Попросить номер заказа
      - Извиниться и показать, что понимаете
    correct: [2]
  - topic: грамотность
    kind: text
    text: Перепишите ответ без канцелярита.
    points: 3
"""


def test_a_lead_imports_a_test_from_yaml_and_exports_it_back(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    build_world(engine, workspace)
    source = tmp_path / "standards.yaml"
    source.write_text(TEST_YAML, encoding="utf-8")
    refused = _run(database_url, "tests", "import", str(source), "--as", "agent1")
    made = _run(database_url, "tests", "import", str(source), "--as", "qa")
    listed = _run(database_url, "tests", "list", "--as", "lead", "--json")
    test_id = json.loads(listed.stdout)[0]["id"]
    exported = _run(database_url, "tests", "export", str(test_id), "--as", "qa")
    again = _run(database_url, "tests", "import", str(source), "--as", "qa")
    assert refused.exit_code == 2 and "only admins and QA leads" in refused.stderr
    assert made.exit_code == 0 and "Стандарты общения (2 q.)" in made.stdout
    assert json.loads(listed.stdout)[0]["pass_mark"] == 0.75
    assert exported.exit_code == 0
    assert yaml.safe_load(exported.stdout) == yaml.safe_load(TEST_YAML)
    # the title is taken: the error points at the title's line
    assert again.exit_code == 2
    assert f"{source}, line 1, field Title" in again.stderr and "already exists" in again.stderr
    with engine.connect() as connection:
        assert len(list_questions(connection, workspace.id)) == 2


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        ("    correct: [2]\n", "line 14, field questions[0].correct", "from 1 to 2"),
        ("    points: 2\n", "line 10, field questions[0].points", "expected a whole number"),
        ("attempts: 3\n", "line 4, field attempts", "from 1 to 20"),
        ("    kind: single\n", "line 8, field questions[0].kind", "single, multiple or text"),
        ("shuffle: false\n", "line 5, field shuffel", "unknown field"),
    ],
)
def test_a_wrong_test_document_names_file_line_and_field_and_saves_nothing(
    engine: Engine,
    workspace: Workspace,
    database_url: str,
    tmp_path: Path,
    change: str,
    where: str,
    what: str,
) -> None:
    build_world(engine, workspace)
    replacement = {
        "    correct: [2]\n": "    correct: [3]\n",
        "    points: 2\n": "    points: two\n",
        "attempts: 3\n": "attempts: 30\n",
        "    kind: single\n": "    kind: essay\n",
        "shuffle: false\n": "shuffel: false\n",
    }[change]
    good = tmp_path / "good.yaml"
    good.write_text(TEST_YAML.replace("Стандарты общения", "Другой тест"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEST_YAML.replace(change, replacement), encoding="utf-8")
    result = _run(database_url, "tests", "import", str(good), str(bad), "--as", "qa")
    assert result.exit_code == 2
    assert f"{bad}, {where}: " in result.stderr and what in result.stderr.lower()
    with engine.connect() as connection:  # the good file before it is not saved either
        assert list_tests(connection, workspace.id) == []
        assert list_questions(connection, workspace.id) == []


SCENARIO_YAML = """\
title: Задержка доставки
language: ru
script: |
  Где мой заказ? Жду уже неделю!
  извин, понима => 3

  Вы меня вообще слышите?

  Спасибо, что разобрались.
"""


def test_a_lead_imports_a_scenario_and_a_wrong_script_line_is_named_in_the_file(
    engine: Engine, workspace: Workspace, database_url: str, tmp_path: Path
) -> None:
    build_world(engine, workspace)
    source = tmp_path / "delivery.yaml"
    source.write_text(SCENARIO_YAML, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SCENARIO_YAML.replace("Задержка", "Другая").replace("=> 3", "=> "), encoding="utf-8"
    )
    made = _run(database_url, "roleplays", "import", str(source), "--as", "qa")
    listed = _run(database_url, "roleplays", "list", "--as", "qa")
    exported = _run(database_url, "roleplays", "export", "1", "--as", "qa")
    wrong = _run(database_url, "roleplays", "import", str(broken), "--as", "qa")
    assert made.exit_code == 0 and "Задержка доставки (3 steps)" in made.stdout
    assert "#1\tru\t3 steps\tЗадержка доставки" in listed.stdout
    assert exported.stdout == SCENARIO_YAML
    assert wrong.exit_code == 2
    assert f"{broken}, line 5, field script: line 2 of the script" in wrong.stderr


def test_hiring_from_the_command_line_blind_scores_then_agreement_and_a_decision(
    engine: Engine, workspace: Workspace, database_url: str
) -> None:
    world = build_world(engine, workspace)
    with engine.begin() as connection:
        add_people(connection, workspace, [("recruiter", WorkspaceRole.RECRUITER, None, None)])
    _run(database_url, "competency", "empathy", "Эмпатия", "--as", "qa")
    made = _run(database_url, "hiring", "add-profile", "Chat agent", "--as", "recruiter")
    for text in ("Angry customer?", "Refund steps?"):
        added = _run(
            database_url, "hiring", "add-question", "1", text, "--competency", "empathy",
            "--anchor-1", "poor", "--anchor-3", "fair", "--anchor-5", "great", "--as", "recruiter",
        )  # fmt: skip
        assert added.exit_code == 0, added.stderr
    profiles = json.loads(_run(database_url, "hiring", "profiles", "--as", "qa", "--json").stdout)
    q1, q2 = (q["id"] for q in profiles[0]["questions"])
    candidate = _run(
        database_url, "hiring", "add-candidate", "1", "Maria", "--interviewer", "qa",
        "--interviewer", "lead", "--contact", "+7 900", "--as", "recruiter",
    )  # fmt: skip
    blind = _run(database_url, "hiring", "scores", "1", "--as", "lead")
    by_lead = _run(
        database_url, "hiring", "score", "1", "--rating", f"{q1}=4", "--rating", f"q{q2}=5",
        "--note", f"{q1}=calm", "--as", "lead",
    )  # fmt: skip
    by_qa = _run(
        database_url, "hiring", "score", "1", "--rating", f"{q1}=4", "--rating", f"{q2}=4",
        "--as", "qa",
    )  # fmt: skip
    twice = _run(
        database_url, "hiring", "score", "1", "--rating", f"{q1}=1", "--rating", f"{q2}=1",
        "--as", "qa",
    )  # fmt: skip
    scores = json.loads(_run(database_url, "hiring", "scores", "1", "--as", "lead").stdout)
    undecided = _run(database_url, "hiring", "decide", "1", "hire", "--as", "recruiter")
    decided = _run(
        database_url, "hiring", "decide", "1", "hire", "--reason", "calm and exact",
        "--agent", "a1", "--as", "recruiter",
    )  # fmt: skip
    listed = _run(database_url, "hiring", "candidates", "--as", "recruiter")
    compared = _run(database_url, "hiring", "compare", "1", "--as", "recruiter")
    agent_refused = _run(database_url, "hiring", "candidates", "--as", "agent1")
    assert made.exit_code == 0 and "profile #1: Chat agent" in made.stdout
    assert candidate.exit_code == 0 and "candidate #1: Maria" in candidate.stdout
    assert blind.exit_code == 2 and "hand in your own scores first" in blind.stderr
    assert by_lead.exit_code == 0 and by_qa.exit_code == 0
    assert twice.exit_code == 2 and "already handed in" in twice.stderr
    assert [q["ratings"] for q in scores["questions"]] == [
        {"Qa": 4, "Lead": 4},
        {"Qa": 4, "Lead": 5},
    ]
    assert [q["spread"] for q in scores["questions"]] == [0, 1]
    assert scores["mean"] == 4.25 and scores["by_competency"] == {"Эмпатия": 4.25}
    assert undecided.exit_code == 2 and "reason" in undecided.stderr
    assert decided.exit_code == 0 and "candidate #1: hire as a1" in decided.stdout
    assert "#1\tprofile #1\tMaria\tscores 2/2\thire (recruiter)" in listed.stdout
    rows = list(csv.reader(io.StringIO(compared.stdout)))
    assert rows[0] == ["candidate_id", "name", "Эмпатия", "mean", "agreement", "decision", "reason"]
    assert rows[1][:4] == ["1", "Maria", "4.25", "4.25"] and rows[1][5:] == [
        "hire",
        "calm and exact",
    ]
    assert agent_refused.exit_code == 2
    assert world.accounts["lead"].username == "lead"


def test_onboarding_from_the_command_line_start_progress_and_a_feedback_session(
    engine: Engine, workspace: Workspace, database_url: str
) -> None:
    build_world(engine, workspace)
    other_team = _run(database_url, "onboarding", "start", "a3", "--as", "lead")
    started = _run(database_url, "onboarding", "start", "a1", "--mentor", "admin", "--as", "lead")
    twice = _run(database_url, "onboarding", "start", "a1", "--as", "qa")
    bad_mentor = _run(database_url, "onboarding", "mentor", "a1", "agent1", "--as", "lead")
    session = _run(
        database_url, "onboarding", "session", "a1", "--notes", "Первая неделя: темп хороший",
        "--next-steps", "Пройти модуль по эмпатии", "--as", "lead",
    )  # fmt: skip
    no_notes = _run(database_url, "onboarding", "session", "a1", "--notes", " ", "--as", "lead")
    future = _run(
        database_url, "onboarding", "session", "a1", "--notes", "x", "--date", "2999-01-01",
        "--as", "lead",
    )  # fmt: skip
    listed = _run(database_url, "onboarding", "list", "--as", "lead")
    own = json.loads(_run(database_url, "onboarding", "list", "--as", "agent1", "--json").stdout)
    shown = json.loads(_run(database_url, "onboarding", "show", "a1", "--as", "agent1").stdout)
    reviewer = _run(database_url, "onboarding", "list", "--as", "reviewer")
    agent_starts = _run(database_url, "onboarding", "start", "a3", "--as", "agent3")
    assert other_team.exit_code == 2
    assert started.exit_code == 0 and "mentor Admin" in started.stdout
    assert twice.exit_code == 2 and "already" in twice.stderr
    assert bad_mentor.exit_code == 2 and "agent1" in bad_mentor.stderr
    assert session.exit_code == 0 and "led by Lead" in session.stdout
    assert no_notes.exit_code == 2 and future.exit_code == 2
    assert "a1\tAgent a1\tL1\tfrom " in listed.stdout and "day 1/90\tmentor Admin" in listed.stdout
    assert "1 session(s), last " in listed.stdout
    assert [o["agent"] for o in own] == ["a1"] and own[0]["mentor"] == "admin"
    assert shown["sessions"][0]["next_steps"] == "Пройти модуль по эмпатии"
    assert [k["metric"] for k in shown["kpis"]][:2] == ["qa_score", "qa_fail"]
    assert reviewer.exit_code == 2 and agent_starts.exit_code == 2
