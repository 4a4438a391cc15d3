"""Every route of the app with what each role gets: the HTTP half of the policy matrix.

``tests/accounts/test_matrix.py`` walks ``app.routes`` and fails for a route that
is not declared here. **Declaring a route is one line**::

    Route("GET", "/queues/{queue_id}", "yyy--", ids=lambda w: {"queue_id": w.queue()}),

- method and path exactly as FastAPI has them (path parameters in braces);
- five characters, one per role in the order admin, qa_lead, reviewer,
  team_lead, agent, for a route of the service team: shoppers and recruiters
  get 403 there; or seven characters, the last two for ``shopper`` and
  ``recruiter``, for a route they may use (their own features, logging out,
  the start page): ``y`` allowed (any answer but 401/403/404/405, a 5xx or a
  redirect to the login page), ``-`` refused by the policy (403), ``4`` not
  found (404: the row is out of that role's scope), ``u`` 401 (the route needs
  an API key, a session is not enough);
- ``ids``: a function of the test's :class:`~tests.accounts.world.World`
  giving the path parameters (called before each role's request, so a route
  that deletes gets a fresh row every time);
- ``form`` / ``json``: a body that passes the route's validation, so a refusal
  is the policy's and not a missing field's (the CSRF token is added for you);
- ``query``: a query string, without ``?``.

Routes anyone may call without logging in go in ``PUBLIC`` instead. The world's
people and rows are described in tests/accounts/world.py (reviewers have nothing
assigned unless a route's ``ids`` assigns it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from kontrol.domain.clock import utcnow
from kontrol.store.tables import (
    review_items,
    staff_assignments,
    staff_attempts,
    staff_candidates,
    staff_interviewers,
    staff_job_profiles,
    staff_modules,
    staff_onboardings,
    staff_questions,
    staff_roleplays,
    staff_scenarios,
    staff_tests,
    staff_training_rules,
    work_items,
)
from kontrol.worktools.rules import WorkRuleInput, save_rule
from tests.accounts.world import World
from tests.factories import import_records
from tests.mystery import world as mystery

ROLES_ORDER = ("admin", "qa_lead", "reviewer", "team_lead", "agent", "shopper", "recruiter")
# A five-character spec is a route of the service team: the roles after it are refused.
SERVICE_TEAM = 5
Ids = Callable[[World], Mapping[str, Any]]

SCORECARD_YAML = (
    "name: policy-card\ntitle: Policy card\nsections:\n  - id: opening\n    title: Opening\n"
    "    criteria:\n      - {id: greeting, title: Greeting, check: greeting, weight: 10}\n"
)
# The scorecard editor's fields, in page order; "preview" checks them and saves nothing.
SCORECARD_FORM = {
    "title": "Policy form card",
    "channels": "chat",
    "section": "1",
    "section_title": "Opening",
    "criterion": "1",
    "criterion_title": "Greeting",
    "criterion_check": "greeting",
    "do": "preview",
}
CUSTOM_CHECK_YAML = (
    "id: policy_check\ntitle: Policy check\nrule:\n  phrases: [спасибо]\n  who: agent\n"
)
TAXONOMY_YAML = (
    "reasons:\n  - code: delivery\n    ru: Доставка\n    en: Delivery\n"
    "    phrases: {ru: [доставк*], en: [deliver*]}\n"
)
TARGET_FORM = {
    "metric": "csat",
    "scope": "channel",
    "scope_value": "chat",
    "target": "85",
    "warning": "80",
    "direction": "higher",
    "owner": "QA",
    "period": "month",
}
PERSON_FORM = {"role": "agent", "team": "L1", "agent_id": "a9"}
NEW_PERSON = {"username": "newbie", "password": "long enough 1", **PERSON_FORM}
RULE_FORM = {"kind": "csat_at_most", "name": "Low", "param_threshold": "2", "language": "ru"}
PHRASES_FORM = {
    "language": "ru",
    "list_name": "greeting",
    "mode": "extend",
    "phrases": "добрый день",
}


SCRIPT_YAML = (
    "name: policy-script\ntitle: Policy script\ntopic: policy\nsteps:\n"
    "  - id: ask\n    kind: question\n    title: Ask\n    detect: {en: [order number]}\n"
)


def script(w: World) -> dict[str, str]:
    """The example script ``refund`` (installed once)."""
    from kontrol.scripts.library import install_examples

    with w.engine.begin() as connection:
        install_examples(connection, w.workspace.id)
    return {"name": "refund"}


def script_step(w: World) -> dict[str, str]:
    return {**script(w), "step_id": "ask_reason"}


def script_edit_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    """The editor's form for the script in force: its version and one step."""
    from kontrol.scripts.library import get_script

    with w.engine.connect() as connection:
        stored = get_script(connection, w.workspace.id, str(ids["name"]))
    return {
        "version": str(stored.version),
        "step-0-id": "greeting",
        "step-0-kind": "standard",
        "step-0-title_ru": "Приветствие",
        "step-0-position": "1",
    }


def widget_token(w: World) -> dict[str, int]:
    from kontrol.scripts.library import create_widget_token

    with w.engine.begin() as connection:
        token, _ = create_widget_token(connection, w.workspace.id, "Helpdesk", author="admin")
    return {"token_id": token.id}


@dataclass(frozen=True)
class Route:
    """One route and the outcome per role (see the module docstring)."""

    method: str
    path: str
    expect: str
    ids: Ids | None = None
    # A body, or a function of the world and the path parameters giving one.
    form: Mapping[str, str] | Callable[[World, Mapping[str, Any]], Mapping[str, str]] | None = None
    json: Any = None
    query: str = ""

    def outcome(self, role: str) -> str:
        """The expected outcome character for ``role``."""
        expect = self.expect if len(self.expect) > SERVICE_TEAM else self.expect + "--"
        return expect[ROLES_ORDER.index(role)]


def work_item_of_a1(w: World) -> dict[str, int]:
    """A CRM task of agent a1 (team L1), imported once."""
    with w.engine.connect() as connection:
        found = connection.execute(
            select(work_items.c.id).where(work_items.c.external_id == "policy-task")
        ).scalar()
    if found is None:
        task = {
            "kind": "work_item",
            "id": "policy-task",
            "type": "task",
            "owner_id": "a1",
            "team": "L1",
            "status": "open",
            "created_at": "2026-11-02T10:00:00+00:00",
        }
        import_records(w.engine, w.workspace, w.folder, [task], name="policy-work.jsonl")
        return work_item_of_a1(w)
    return {"item_id": int(found)}


_WORK_RULES = itertools.count(1)


def work_rule(w: World) -> dict[str, int]:
    """A new hygiene rule."""
    with w.engine.begin() as connection:
        made, _ = save_rule(
            connection,
            w.workspace.id,
            WorkRuleInput(name=f"Overdue {next(_WORK_RULES)}", kind="overdue"),
        )
    return {"rule_id": made.id}


WORK_RULES_FORM = {"rules": "rules:\n  - name: Policy overdue\n    kind: overdue\n"}
WORK_RULE_JSON = {"name": "Policy stale", "kind": "stale_status", "params": {"days": 5}}


def own_interaction(w: World) -> dict[str, int]:
    """i1: agent a1 of team L1; assigned to no reviewer."""
    return {"interaction_id": w.interaction("i1")}


def api_key(w: World) -> dict[str, int]:
    return {"key_id": w.fresh_api_key()}


def judging_criterion(w: World) -> dict[str, int]:
    """A language-model criterion of the workspace (made once)."""
    from kontrol.judging.criteria import import_criteria_yaml, list_criteria

    with w.engine.begin() as connection:
        found = list_criteria(connection, w.workspace.id)
        if not found:
            text = "criteria:\n  - name: polite\n    title: Polite\n    question: Polite or not\n"
            found = import_criteria_yaml(connection, w.workspace.id, text, user_id=None)
    return {"criterion_id": found[0].id}


def learned_model(w: World) -> dict[str, int]:
    """A learned model of the workspace (made once; it does not beat the rule)."""
    from sqlalchemy import select

    from kontrol.domain.clock import utcnow
    from kontrol.store.tables import learned_models

    with w.engine.begin() as connection:
        found = connection.execute(
            select(learned_models.c.id).where(learned_models.c.workspace_id == w.workspace.id)
        ).scalar()
        if found is None:
            found = connection.execute(
                learned_models.insert().values(
                    workspace_id=w.workspace.id,
                    scorecard="default-ru",
                    criterion="greeting",
                    check_id="greeting",
                    trained_at=utcnow(),
                    samples=40,
                    held_back=10,
                    model_agreed=8,
                    rule_agreed=8,
                    model='{"vocabulary": {}, "idf": [], "coef": [], "intercept": 0.0}',
                    enabled=False,
                )
            ).inserted_primary_key[0]
    return {"model_id": int(found)}


def agent_token(w: World) -> dict[str, int]:
    """A fresh personal token of agent1 (only agent1 revokes it as their own)."""
    return {"token_id": w.fresh_token("agent1")}


def job_run(w: World) -> dict[str, int]:
    return {"run_id": w.job_run()}


def invitation(w: World) -> dict[str, int]:
    return {"invitation_id": w.fresh_invitation()}


def member(w: World) -> dict[str, int]:
    return {"user_id": w.fresh_member()}


def place(w: World) -> dict[str, int]:
    return {"place_id": w.fresh_place()}


def place_qr(w: World) -> dict[str, Any]:
    return {"place_id": w.fresh_place(), "fmt": "svg"}


def alert_on_i1(w: World) -> dict[str, int]:
    """An alert about i1 (team L1): out of a reviewer's scope until i1 is theirs."""
    return {"alert_id": w.alert("i1")}


def rule(w: World) -> dict[str, int]:
    return {"rule_id": w.fresh_rule()}


def target(w: World) -> dict[str, int]:
    return {"target_id": w.fresh_target()}


def scorecard(w: World) -> dict[str, str]:
    return {"name": "default-ru"}


def custom_check(w: World) -> dict[str, str]:
    return {"check_id": "policy_check"}


def phrase_list(w: World) -> dict[str, str]:
    return {"language": "ru", "list_name": "greeting"}


def _queued(w: World, external_id: str) -> int:
    """``external_id`` in the reviewer's queue (assigned once per test), as an item id."""
    with w.engine.connect() as connection:
        found = connection.execute(
            select(review_items.c.id).where(
                review_items.c.interaction_id == w.interaction(external_id),
                review_items.c.assignee_id == w.users["reviewer"],
            )
        ).scalar()
    return int(found) if found is not None else w.assign(external_id, "reviewer")


def review_item(w: World) -> dict[str, int]:
    """i2 waiting for the reviewer: theirs to score, any QA lead's or admin's to open."""
    return {"item_id": _queued(w, "i2")}


def queued_interaction(w: World) -> dict[str, int]:
    _queued(w, "i2")
    return {"interaction_id": w.interaction("i2")}


def queued_for_api(w: World) -> dict[str, int]:
    _queued(w, "i3")
    return {"interaction_id": w.interaction("i3")}


def reviewer_evaluation(w: World) -> dict[str, int]:
    """A fresh submitted evaluation of i2 by the reviewer (its reviewer and leads change it)."""
    _queued(w, "i2")
    return {"evaluation_id": w.evaluate("i2", "reviewer")}


# -- people (staff) ids -------------------------------------------------------------------


def _staff_module(w: World) -> int:
    """A training module of the world's workspace (made once)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(staff_modules.c.id).where(staff_modules.c.workspace_id == w.workspace.id)
        ).scalar()
        if found is not None:
            return int(found)
        key = connection.execute(
            staff_modules.insert().values(
                workspace_id=w.workspace.id,
                title="Policy module",
                kind="text",
                body="Read this.",
                criterion="greeting",
                created_by="qa",
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def staff_module(w: World) -> dict[str, int]:
    return {"module_id": _staff_module(w)}


def staff_rule(w: World) -> dict[str, int]:
    """A fresh training rule (its delete route removes it)."""
    with w.engine.begin() as connection:
        key = connection.execute(
            staff_training_rules.insert().values(
                workspace_id=w.workspace.id,
                criterion=f"c{w._next()}",
                threshold=0.7,
                window=20,
                module_id=_staff_module(w),
                created_by="qa",
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert key is not None
    return {"rule_id": int(key[0])}


def staff_assignment_of_a1(w: World) -> dict[str, int]:
    """A fresh open assignment of agent a1 (agent1 completes it)."""
    with w.engine.begin() as connection:
        key = connection.execute(
            staff_assignments.insert().values(
                workspace_id=w.workspace.id,
                module_id=_staff_module(w),
                agent_external_id="a1",
                assigned_by="qa",
                assigned_at=utcnow(),
            )
        ).inserted_primary_key
    assert key is not None
    return {"assignment_id": int(key[0])}


def agent_a3(w: World) -> dict[str, str]:
    """Agent a3 of team L2: out of team lead L1's and agent a1's reach."""
    return {"agent_external_id": "a3"}


def staff_rule_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {"criterion": "greeting", "module_id": str(_staff_module(w))}


def staff_assign_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {"module_id": str(_staff_module(w)), "agent": "a1"}


def staff_module_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {"title": f"Module {w._next()}", "kind": "text", "body": "Text"}


def _staff_test(w: World) -> tuple[int, int]:
    """A test of one free-text question (made once): (test id, question id)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(staff_tests.c.id, staff_tests.c.question_ids).where(
                staff_tests.c.workspace_id == w.workspace.id
            )
        ).first()
        if found is not None:
            return int(found.id), int(found.question_ids[0])
        values = {"workspace_id": w.workspace.id, "created_by": "qa", "created_at": utcnow()}
        question = connection.execute(
            staff_questions.insert().values(
                topic="t", kind="text", text="Why?", options=[], correct=[], points=1, **values
            )
        ).inserted_primary_key
        assert question is not None
        test = connection.execute(
            staff_tests.insert().values(
                title="Policy test",
                question_ids=[int(question[0])],
                pass_mark=0.8,
                time_limit_minutes=15,
                max_attempts=1000,
                shuffle=False,
                **values,
            )
        ).inserted_primary_key
    assert test is not None
    return int(test[0]), int(question[0])


def staff_test(w: World) -> dict[str, int]:
    return {"test_id": _staff_test(w)[0]}


def _staff_attempt(w: World, agent: str, status: str) -> int:
    test_id, question_id = _staff_test(w)
    now = utcnow()
    with w.engine.begin() as connection:
        key = connection.execute(
            staff_attempts.insert().values(
                workspace_id=w.workspace.id,
                test_id=test_id,
                agent_external_id=agent,
                started_at=now,
                deadline_at=now + timedelta(minutes=15),
                layout=[{"question": question_id, "options": []}],
                answers={str(question_id): {"text": "Because", "points": None}},
                status=status,
                submitted_at=None if status == "in_progress" else now,
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def attempt_of_a3(w: World) -> dict[str, int]:
    """A3's attempt waiting for a grade: out of team lead L1's and agent a1's reach."""
    return {"attempt_id": _staff_attempt(w, "a3", "to_grade")}


def running_attempt_of_a1(w: World) -> dict[str, int]:
    return {"attempt_id": _staff_attempt(w, "a1", "in_progress")}


def attempt_of_a1_to_grade(w: World) -> dict[str, int]:
    return {"attempt_id": _staff_attempt(w, "a1", "to_grade")}


def grade_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {f"p{_staff_test(w)[1]}": "1"}


def _staff_profile(w: World) -> int:
    """A job profile without guide questions (made once)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(staff_job_profiles.c.id).where(
                staff_job_profiles.c.workspace_id == w.workspace.id
            )
        ).scalar()
        if found is not None:
            return int(found)
        key = connection.execute(
            staff_job_profiles.insert().values(
                workspace_id=w.workspace.id,
                title="Chat agent",
                created_by="qa",
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def staff_profile(w: World) -> dict[str, int]:
    return {"profile_id": _staff_profile(w)}


def _candidate(w: World, interviewers: tuple[str, ...]) -> int:
    profile_id = _staff_profile(w)
    with w.engine.begin() as connection:
        key = connection.execute(
            staff_candidates.insert().values(
                workspace_id=w.workspace.id,
                profile_id=profile_id,
                name="Ann Candidate",
                created_by="recruiter",
                created_at=utcnow(),
            )
        ).inserted_primary_key
        assert key is not None
        for username in interviewers:
            connection.execute(
                staff_interviewers.insert().values(
                    candidate_id=int(key[0]), user_id=w.users[username]
                )
            )
    return int(key[0])


def candidate_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {
        "profile_id": str(_staff_profile(w)),
        "name": "Bob",
        "interviewer_ids": str(w.users["lead"]),
    }


def candidate_of_the_recruiter(w: World) -> dict[str, int]:
    """Interviewed by the recruiter alone, who has not handed in: team lead L1 is not on it."""
    return {"candidate_id": _candidate(w, ("recruiter",))}


def candidate_of_everyone(w: World) -> dict[str, int]:
    """A fresh candidate every hiring role interviews (each may hand in once)."""
    return {"candidate_id": _candidate(w, ("admin", "qa", "lead", "recruiter"))}


def _staff_scenario(w: World) -> int:
    """A three-step scenario (made once)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(staff_scenarios.c.id).where(staff_scenarios.c.workspace_id == w.workspace.id)
        ).scalar()
        if found is not None:
            return int(found)
        steps = [{"customer": text, "branches": []} for text in ("Hi", "Where?", "Bye")]
        key = connection.execute(
            staff_scenarios.insert().values(
                workspace_id=w.workspace.id,
                title="Lost order",
                language="en",
                script="Hi\n\nWhere?\n\nBye",
                steps=steps,
                created_by="qa",
                created_at=utcnow(),
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def staff_scenario(w: World) -> dict[str, int]:
    return {"scenario_id": _staff_scenario(w)}


def _practice(w: World, agent: str) -> int:
    scenario_id = _staff_scenario(w)
    now = utcnow()
    with w.engine.begin() as connection:
        key = connection.execute(
            staff_roleplays.insert().values(
                workspace_id=w.workspace.id,
                scenario_id=scenario_id,
                agent_external_id=agent,
                transcript=[{"role": "customer", "text": "Hi", "at": now.isoformat()}],
                step=1,
                status="open",
                started_at=now,
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


def practice_of_a3(w: World) -> dict[str, int]:
    return {"roleplay_id": _practice(w, "a3")}


def practice_of_a1(w: World) -> dict[str, int]:
    return {"roleplay_id": _practice(w, "a1")}


def scenario_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {"scenario_id": str(_staff_scenario(w))}


def onboarding_of_a1(w: World) -> dict[str, str]:
    """Agent a1 (team L1) in onboarding since today, without a mentor (made once)."""
    with w.engine.begin() as connection:
        found = connection.execute(
            select(staff_onboardings.c.id).where(
                staff_onboardings.c.workspace_id == w.workspace.id,
                staff_onboardings.c.agent_external_id == "a1",
            )
        ).scalar()
        if found is None:
            connection.execute(
                staff_onboardings.insert().values(
                    workspace_id=w.workspace.id,
                    agent_external_id="a1",
                    started_on=utcnow().date() - timedelta(days=3),
                    created_by="qa",
                    created_at=utcnow(),
                )
            )
    return {"agent_external_id": "a1"}


def onboarding_session_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {"held_on": utcnow().date().isoformat(), "led_by": "lead", "notes": "Went well."}


# -- review workflow ids (routing, reviewer, feedback, calibration) ---------------------------


def queue(w: World) -> dict[str, int]:
    return {"queue_id": w.queue()}


def item_to_pass_on(w: World) -> dict[str, int]:
    """i4 assigned to the reviewer in a queue of its own (to skip or reassign)."""
    return {"item_id": w.fresh_item("i4")}


def item_form(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    return {**w.item_form(ids["item_id"]), "assignee_id": "", "reason": "not my language"}


def item_json(w: World, ids: Mapping[str, Any]) -> dict[str, Any]:
    return {"assignee_id": None, "version": int(w.item_form(ids["item_id"])["version"])}


def review_rule(w: World) -> dict[str, int]:
    return {"rule_id": w.review_rule()}


def rule_version(w: World, ids: Mapping[str, Any]) -> dict[str, str]:
    from kontrol.review.routing.rules import get_routing_rule

    with w.engine.connect() as connection:
        version = get_routing_rule(connection, w.workspace.id, ids["rule_id"]).version
    return {"version": str(version), "active": "1"}


def own_evaluation(w: World) -> dict[str, int]:
    """A submitted evaluation by the reviewer of e1 (agent a1, team L1; not i1, kept unseen)."""
    return {"evaluation_id": w.evaluate(w.extra("e1", agent="a1", team="L1"), "reviewer")}


def other_team_evaluation(w: World) -> dict[str, int]:
    """A submitted evaluation by the second reviewer of e3 (agent a3, team L2)."""
    return {"evaluation_id": w.evaluate(w.extra("e3", agent="a3", team="L2"), "reviewer2")}


def dispute(w: World) -> dict[str, int]:
    """agent1's open dispute of the reviewer's evaluation of e1."""
    return {"dispute_id": w.dispute(own_evaluation(w)["evaluation_id"])}


def task_about_a1(w: World) -> dict[str, int]:
    """A callback task about agent a1 (team L1), owned by the QA lead."""
    return {"task_id": w.task("a1")}


def agent_a1(w: World) -> dict[str, str]:
    return {"agent_external_id": "a1"}


def session(w: World) -> dict[str, int]:
    """A calibration session on i4 with the reviewer taking part."""
    return w.calibration("i4", "reviewer")


def session_only(w: World) -> dict[str, int]:
    return {"session_id": w.calibration("i4", "reviewer")["session_id"]}


# -- audits and the improvement plan ---------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _audit_row(
    w: World, *, with_file: bool = False, auditors: tuple[str, ...] = ("qa",)
) -> dict[str, int]:
    """A fresh draft audit of the shipped Russian template (and one evidence file)."""
    from datetime import date

    from kontrol.audits.evidence import store_file
    from kontrol.audits.templates import ensure_shipped_templates, latest_template
    from kontrol.domain.clock import utcnow
    from kontrol.store.tables import audits

    with w.engine.begin() as connection:
        ensure_shipped_templates(connection, w.workspace.id)
        template = latest_template(connection, w.workspace.id, "service-audit-ru")
        key = connection.execute(
            audits.insert().values(
                workspace_id=w.workspace.id,
                template_id=template.id,
                title="Policy audit",
                scope_kind="company",
                scope_value="",
                period_from=date(2026, 11, 1),
                period_to=date(2026, 11, 30),
                held_on=date(2026, 11, 30),
                auditors=[w.users[name] for name in auditors],
                competitors=["Rival"],
                status="draft",
                created_by=w.users["qa"],
                created_at=utcnow(),
                version=1,
            )
        ).inserted_primary_key
        assert key is not None
        ids = {"audit_id": int(key[0])}
        if with_file:
            stored = store_file(
                connection,
                workspace_id=w.workspace.id,
                audit_id=ids["audit_id"],
                item_key="training",
                subject="",
                filename="plan.png",
                data=PNG,
                user_id=w.users["qa"],
            )
            ids["evidence_id"] = stored.id
    return ids


def audit(w: World) -> dict[str, int]:
    return _audit_row(w)


def audit_item(w: World) -> dict[str, Any]:
    return {**_audit_row(w), "item_key": "training"}


def audit_evidence(w: World) -> dict[str, int]:
    return _audit_row(w, with_file=True)


# An audit naming the reviewer and the team lead as its auditors: they may answer it.
AUDITORS = ("reviewer", "lead")


def audit_item_of_auditors(w: World) -> dict[str, Any]:
    return {**_audit_row(w, auditors=AUDITORS), "item_key": "training"}


def audit_evidence_of_auditors(w: World) -> dict[str, int]:
    return _audit_row(w, with_file=True, auditors=AUDITORS)


def audit_template(w: World) -> dict[str, str]:
    from kontrol.audits.templates import ensure_shipped_templates

    with w.engine.begin() as connection:
        ensure_shipped_templates(connection, w.workspace.id)
    return {"name": "service-audit-ru"}


def action_about_a1(w: World) -> dict[str, int]:
    """An improvement action about agent a1 (team L1), owned by the team lead of L1."""
    from kontrol.domain.clock import utcnow
    from kontrol.store.tables import improvement_actions

    now = utcnow()
    with w.engine.begin() as connection:
        key = connection.execute(
            improvement_actions.insert().values(
                workspace_id=w.workspace.id,
                title="Greeting to the standard",
                direction="higher",
                agent_external_id="a1",
                team="L1",
                owner_id=w.users["lead"],
                status="open",
                created_by=w.users["qa"],
                created_at=now,
                updated_at=now,
                version=1,
            )
        ).inserted_primary_key
    assert key is not None
    return {"action_id": int(key[0])}


TEMPLATE_YAML = (
    "name: policy-audit\ntitle: Policy audit\nareas:\n  - id: people\n    items:\n"
    "      - {key: greeting, title: Greeting, scale: yes_partly_no}\n"
)
AUDIT_FORM = {
    "template": "service-audit-ru",
    "period_from": "2026-11-01",
    "period_to": "2026-11-30",
}
ACTION_FORM = {"title": "Answer faster", "metric": "frt", "target": "60", "due": "2026-12-20"}


VERSION_1 = {"version": "1"}
RESOLVE_FORM = {"outcome": "upheld", "comment": "The answer was right", "version": "1"}
TASK_FORM = {"kind": "callback", "title": "Call back", "agent": "a1"}
REVIEW_RULE_FORM = {
    "kind": "csat_low",
    "name": "Low CSAT",
    "queue": "new",
    "new_queue": "Low",
    "due_hours": "24",
}


# -- reports: owned by the QA lead; a reviewer or team lead not involved gets 404 --------

_report_serial = iter(range(1, 10_000))


def _qa_report(w: World, *, source: str = "builtin") -> Any:
    from kontrol.reports.definitions import ReportInput, save_report

    with w.engine.begin() as connection:
        return save_report(
            connection,
            w.workspace,
            ReportInput(
                name=f"Policy report {next(_report_serial)}",
                source=source,
                kind="service_weekly" if source == "builtin" else None,
                formats=["pdf"] if source == "manual" else ["link"],
                owner_id=w.users["qa"],
            ),
        )


def report(w: World) -> dict[str, int]:
    return {"report_id": _qa_report(w).id}


def _report_run(w: World, *, source: str, status: str) -> Any:
    from kontrol.domain.clock import utcnow
    from kontrol.reports.runs import open_run

    found = _qa_report(w, source=source)
    with w.engine.begin() as connection:
        return open_run(
            connection,
            found,
            trigger="now",
            due_at=utcnow(),
            timezone=w.workspace.timezone,
            status=status,
        )


def failed_run(w: World) -> dict[str, int]:
    return {"run_id": _report_run(w, source="builtin", status="failed").id}


def import_upload(w: World) -> dict[str, int]:
    """A CSV uploaded on the import page, waiting for its columns to be mapped."""
    from kontrol.ingest.uploaded_files import store_upload

    with w.engine.begin() as connection:
        upload = store_upload(
            connection,
            w.workspace,
            sent_name="export.csv",
            data="Номер;Оператор\nx1,a1\n".replace(";", ",").encode(),
            format_name="",
            created_by="admin",
        )
    return {"upload_id": upload.id}


def deadline_run(w: World) -> dict[str, int]:
    return {"run_id": _report_run(w, source="manual", status="waiting").id}


def report_file(w: World) -> dict[str, int]:
    from kontrol.domain.clock import utcnow
    from kontrol.reports.files import store_report_file

    run = _report_run(w, source="manual", status="waiting")
    with w.engine.begin() as connection:
        stored = store_report_file(
            connection,
            workspace_id=w.workspace.id,
            run_id=run.id,
            file_format="pdf",
            file_name="report.pdf",
            data=b"%PDF-1.4\n%%EOF\n",
            now=utcnow(),
        )
    return {"file_id": stored.id}


REPORT_FORM = {
    "name": "Policy form report",
    "source": "builtin",
    "kind": "service_weekly",
    "formats": "link",
    "frequency": "weekly",
    "weekday": "1",
    "month_day": "1",
    "at": "09:00",
    "enabled": "1",
}
REPORT_JSON = {"name": "Policy API report", "formats": ["link"]}


ROUTES: list[Route] = [
    # -- session and interactions (pages and API) --
    Route("POST", "/workspace", "yyyyyyy", form={"workspace_id": "1"}),
    Route("GET", "/interactions", "yyyyy"),
    Route("GET", "/interactions/{interaction_id}", "yy4yy", ids=own_interaction),
    Route("POST", "/interactions/{interaction_id}/survey-link", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/me", "yyyyyyy"),
    Route("GET", "/api/v1/interactions", "yyyyy"),
    Route("GET", "/api/v1/interactions/{interaction_id}", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/interactions/{interaction_id}/checks", "yy4yy", ids=own_interaction),
    Route("GET", "/api/v1/filters", "yyyyy"),
    Route("GET", "/rejects", "yy---"),
    Route("GET", "/rejects/export.jsonl", "yy---"),
    Route("GET", "/import", "yy---"),
    Route("POST", "/import", "yy---", form={"format": ""}),
    Route("GET", "/import/{upload_id}", "yy---", ids=import_upload),
    Route("GET", "/import/{upload_id}/progress", "yy---", ids=import_upload),
    Route("GET", "/import/{upload_id}/columns", "yy---", ids=import_upload),
    Route(
        "POST",
        "/import/{upload_id}/columns",
        "yy---",
        ids=import_upload,
        form={"map.id": "Номер", "fixed.channel": "call"},
    ),
    Route("GET", "/api/v1/rejects", "yy---"),
    # -- the ingest API: an API key is the only credential; it writes and never reads --
    Route("POST", "/api/v1/interactions", "uuuuuuu", json=[]),
    Route("POST", "/api/v1/surveys", "uuuuuuu", json=[]),
    Route("POST", "/api/v1/interactions", "uuuuuuu", json=[]),
    Route("POST", "/api/v1/surveys", "uuuuuuu", json=[]),
    Route("POST", "/api/v1/work-items", "uuuuuuu", json=[]),
    # -- integrations (admins) --
    Route("GET", "/admin/api-keys", "y----"),
    Route("POST", "/admin/api-keys", "y----", form={"name": "helpdesk"}),
    Route("POST", "/admin/api-keys/{key_id}/revoke", "y----", ids=api_key),
    Route("GET", "/admin/jobs", "y----"),
    Route("POST", "/admin/jobs/{run_id}/retry", "y----", ids=job_run),
    # -- people and roles (admins) --
    Route("GET", "/admin/people", "y----"),
    Route("POST", "/admin/people", "y----", form=NEW_PERSON),
    Route("POST", "/admin/invitations/{invitation_id}/withdraw", "y----", ids=invitation),
    Route("POST", "/admin/people/{user_id}", "y----", ids=member, form=PERSON_FORM),
    Route("POST", "/admin/people/{user_id}/remove", "y----", ids=member),
    # -- surveys --
    Route("GET", "/surveys/places", "yy---"),
    Route("POST", "/surveys/places", "yy---", form={"name": "Front desk"}),
    Route("POST", "/surveys/places/{place_id}/active", "yy---", ids=place, form={"active": "0"}),
    Route("GET", "/surveys/places/{place_id}/qr.{fmt}", "yy---", ids=place_qr),
    # -- alerts: i1's alert is team L1's; a reviewer without i1 does not see it --
    Route("GET", "/alerts", "yyyy-"),
    Route("GET", "/alerts/badge", "yyyyyyy"),
    Route("POST", "/alerts/{alert_id}/acknowledge", "yy4y-", ids=alert_on_i1),
    Route("POST", "/alerts/acknowledge", "yyyy-", form={"alert_id": "1"}),
    Route("POST", "/alerts/acknowledge-all", "yyyy-", form={"up_to": "0"}),
    Route("GET", "/alerts/rules", "yy---"),
    Route("GET", "/alerts/rules/new", "yy---", query="kind=csat_at_most"),
    Route("GET", "/alerts/rules/{rule_id}", "yy---", ids=rule),
    Route("POST", "/alerts/rules", "yy---", form=RULE_FORM),
    Route("POST", "/alerts/rules/{rule_id}/delete", "yy---", ids=rule),
    Route("POST", "/alerts/rules/{rule_id}/secret", "yy---", ids=rule),
    # -- KPIs and targets: figures for everyone (by scope), targets for who leads or checks --
    Route("GET", "/home", "yy---"),
    Route("GET", "/dashboard", "yyyyy"),
    Route("GET", "/dashboard", "yyyyy", query="format=csv"),
    Route("GET", "/api/v1/kpi", "yyyyy"),
    Route("GET", "/targets", "yyyy-"),
    Route("GET", "/targets/new", "yy---"),
    Route("GET", "/targets/{target_id}/edit", "yy---", ids=target),
    Route("POST", "/targets", "yy---", form=TARGET_FORM),
    Route("POST", "/targets/{target_id}", "yy---", ids=target, form=TARGET_FORM),
    Route("POST", "/targets/{target_id}/delete", "yy---", ids=target),
    # -- scorecards and checks: read by everyone, changed by admins and QA leads --
    Route("GET", "/scorecards", "yyyyy"),
    Route("GET", "/scorecards/new", "yy---"),
    Route("GET", "/scorecards/{name}", "yyyyy", ids=scorecard),
    Route("POST", "/scorecards", "yy---", form={"yaml": SCORECARD_YAML}),
    Route("GET", "/scorecards/{name}/edit", "yy---", ids=scorecard),
    Route("GET", "/scorecards/{name}/yaml", "yyyyy", ids=scorecard),
    Route("POST", "/scorecards/form", "yy---", form=SCORECARD_FORM),
    Route("POST", "/scorecards/import", "yy---", form={"yaml": SCORECARD_YAML}),
    Route("GET", "/phrases", "yy---"),
    Route("POST", "/phrases", "yy---", form=PHRASES_FORM),
    Route("POST", "/custom-checks", "yy---", form={"yaml": CUSTOM_CHECK_YAML}),
    Route("POST", "/custom-checks/{check_id}/delete", "yy---", ids=custom_check),
    Route("GET", "/api/v1/scorecards", "yyyyy"),
    Route("POST", "/api/v1/scorecards", "yy---", json={"yaml": SCORECARD_YAML}),
    Route("GET", "/api/v1/check-settings", "yy---"),
    Route(
        "PUT",
        "/api/v1/phrase-lists/{language}/{list_name}",
        "yy---",
        ids=phrase_list,
        json={"phrases": ["добрый день"]},
    ),
    Route("POST", "/api/v1/custom-checks", "yy---", json={"yaml": CUSTOM_CHECK_YAML}),
    # -- the reviewer workspace (a reviewer reaches what is assigned to them) --
    Route("GET", "/review", "yyy--"),
    Route("GET", "/review/next", "yyy--"),
    Route("GET", "/review/items/{item_id}", "yyy--", ids=review_item),
    Route("GET", "/interactions/{interaction_id}/evaluate", "yyy--", ids=queued_interaction),
    Route(
        "POST",
        "/interactions/{interaction_id}/evaluate",
        "yyy--",
        ids=queued_interaction,
        form={"action": "draft"},
    ),
    Route("GET", "/review/agreement", "yyy--"),
    # The sample has no recordings: those who may listen get 404, the others 403.
    Route("GET", "/review/recordings/{interaction_id}", "444--", ids=queued_interaction),
    Route("GET", "/api/v1/review/queue", "yyy--"),
    Route("GET", "/api/v1/review/items/{item_id}", "yyy--", ids=review_item),
    Route("GET", "/api/v1/review/agreement", "yyy--"),
    Route(
        "POST",
        "/api/v1/interactions/{interaction_id}/evaluations",
        "yyy--",
        ids=queued_for_api,
        json={},
    ),
    Route(
        "PUT",
        "/api/v1/evaluations/{evaluation_id}",
        "yyy--",
        ids=reviewer_evaluation,
        json={"version": 1},
    ),
    # -- queues and routing rules --
    Route("GET", "/queues", "yyy--"),
    Route("GET", "/queues/{queue_id}", "yyy--", ids=queue),
    Route("POST", "/queues/items/{item_id}/assign", "yy---", ids=item_to_pass_on, form=item_form),
    Route("POST", "/queues/items/{item_id}/skip", "yyy--", ids=item_to_pass_on, form=item_form),
    Route("GET", "/api/v1/queues", "yyy--"),
    Route("GET", "/api/v1/queues/{queue_id}/items", "yyy--", ids=queue),
    Route(
        "POST",
        "/api/v1/queues/items/{item_id}/assign",
        "yy---",
        ids=item_to_pass_on,
        json=item_json,
    ),
    Route("GET", "/review-rules", "yy---"),
    Route("GET", "/review-rules/export.yaml", "yy---"),
    Route("GET", "/review-rules/new", "yy---", query="kind=csat_low"),
    Route("GET", "/review-rules/{rule_id}", "yy---", ids=review_rule),
    Route("POST", "/review-rules", "yy---", form=REVIEW_RULE_FORM),
    Route("POST", "/review-rules/{rule_id}/active", "yy---", ids=review_rule, form=rule_version),
    Route("POST", "/review-rules/import", "yy---"),
    Route("POST", "/review-rules/defaults", "yy---"),
    # -- evaluations, disputes, tasks, coaching (feedback) --
    Route("GET", "/evaluations", "yyyyy"),
    Route("GET", "/evaluations/{evaluation_id}", "yyyyy", ids=own_evaluation),
    Route("GET", "/evaluations/{evaluation_id}", "yy444", ids=other_team_evaluation),
    Route(
        "POST",
        "/evaluations/{evaluation_id}/acknowledge",
        "----y",
        ids=own_evaluation,
        form=VERSION_1,
    ),
    Route(
        "POST",
        "/evaluations/{evaluation_id}/disputes",
        "----y",
        ids=own_evaluation,
        form={"reason": "wrong"},
    ),
    Route("GET", "/disputes", "yyyyy"),
    Route("POST", "/disputes/settings", "yy---", form={"days": "7"}),
    Route("GET", "/disputes/{dispute_id}", "yy---", ids=dispute),
    Route("POST", "/disputes/{dispute_id}/resolve", "yy---", ids=dispute, form=RESOLVE_FORM),
    Route("POST", "/disputes/{dispute_id}/withdraw", "----y", ids=dispute, form=VERSION_1),
    Route("GET", "/tasks", "yyyyy"),
    Route("GET", "/tasks/new", "yyyy-"),
    Route("POST", "/tasks", "yyyy-", form=TASK_FORM),
    Route("GET", "/tasks/{task_id}", "yy4yy", ids=task_about_a1),
    Route(
        "POST",
        "/tasks/{task_id}",
        "yy4y-",
        ids=task_about_a1,
        form={"status": "in_progress", **VERSION_1},
    ),
    Route("GET", "/coaching", "yyyyy"),
    Route("GET", "/coaching/{agent_external_id}", "yyyyy", ids=agent_a1),
    Route("GET", "/api/v1/evaluations", "yyyyy"),
    Route("GET", "/api/v1/evaluations/{evaluation_id}", "yyyyy", ids=own_evaluation),
    Route("GET", "/api/v1/evaluations/{evaluation_id}", "yy444", ids=other_team_evaluation),
    Route(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/acknowledge",
        "----y",
        ids=own_evaluation,
        json={"version": 1},
    ),
    Route(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/disputes",
        "----y",
        ids=own_evaluation,
        json={"reason": "wrong"},
    ),
    Route("GET", "/api/v1/disputes", "yyyyy"),
    Route(
        "POST",
        "/api/v1/disputes/{dispute_id}/resolve",
        "yy---",
        ids=dispute,
        json={"version": 1, "outcome": "upheld", "comment": "right"},
    ),
    Route(
        "POST", "/api/v1/disputes/{dispute_id}/withdraw", "----y", ids=dispute, json={"version": 1}
    ),
    Route("GET", "/api/v1/tasks", "yyyyy"),
    Route(
        "POST",
        "/api/v1/tasks",
        "yyyy-",
        json={"kind": "callback", "title": "Call back", "agent": "a1"},
    ),
    Route("GET", "/api/v1/tasks/{task_id}", "yy4yy", ids=task_about_a1),
    Route(
        "PATCH",
        "/api/v1/tasks/{task_id}",
        "yy4y-",
        ids=task_about_a1,
        json={"version": 1, "status": "in_progress"},
    ),
    Route("GET", "/api/v1/coaching/{agent_external_id}", "yyyyy", ids=agent_a1),
    # -- calibration --
    Route("GET", "/calibration", "yyy--"),
    Route("GET", "/calibration/new", "yy---"),
    Route("POST", "/calibration", "yy---", form={"name": "November", "scorecard_id": "1"}),
    Route("GET", "/calibration/reviewers", "yy---"),
    Route("GET", "/calibration/{session_id}", "yyy--", ids=session_only),
    Route("POST", "/calibration/{session_id}/submit", "--y--", ids=session_only),
    Route("POST", "/calibration/{session_id}/close", "yy---", ids=session_only, form=VERSION_1),
    Route("GET", "/calibration/{session_id}/items/{item_id}", "yyy--", ids=session),
    Route(
        "POST",
        "/calibration/{session_id}/items/{item_id}",
        "--y--",
        ids=session,
        form={"version": "0"},
    ),
    Route("GET", "/calibration/{session_id}/results", "yy---", ids=session_only),
    Route(
        "POST",
        "/calibration/{session_id}/items/{item_id}/reference",
        "yy---",
        ids=session,
        form={"version": "1"},
    ),
    Route("GET", "/api/v1/calibration/sessions", "yyy--"),
    Route(
        "POST",
        "/api/v1/calibration/sessions",
        "yy---",
        json={"name": "N", "scorecard_id": 1, "reviewer_ids": []},
    ),
    Route("GET", "/api/v1/calibration/sessions/{session_id}", "yyy--", ids=session_only),
    Route(
        "PUT",
        "/api/v1/calibration/sessions/{session_id}/items/{item_id}/score",
        "--y--",
        ids=session,
        json={"answers": {}, "version": 0},
    ),
    Route("POST", "/api/v1/calibration/sessions/{session_id}/submit", "--y--", ids=session_only),
    Route("GET", "/api/v1/calibration/sessions/{session_id}/results", "yy---", ids=session_only),
    Route(
        "PUT",
        "/api/v1/calibration/sessions/{session_id}/items/{item_id}/reference",
        "yy---",
        ids=session,
        json={"answers": {}, "version": 1},
    ),
    Route(
        "POST",
        "/api/v1/calibration/sessions/{session_id}/close",
        "yy---",
        ids=session_only,
        json={"version": 1},
    ),
    Route("GET", "/api/v1/calibration/reviewers", "yy---"),
    # -- mystery shopping: the QA team runs programmes, shoppers see their own visits --
    Route("GET", "/mystery", "yyyy-"),
    Route("POST", "/mystery/programmes", "yy---", form={"yaml": mystery.PROGRAMME}),
    Route("GET", "/mystery/programmes/{programme_id}", "yyyy-", ids=mystery.programme),
    Route(
        "GET", "/mystery/programmes/{programme_id}/programme.yaml", "yy---", ids=mystery.programme
    ),
    Route(
        "POST",
        "/mystery/programmes/{programme_id}/shoppers",
        "yy---",
        ids=mystery.programme,
        form={"shopper": "shopper"},
    ),
    Route(
        "POST",
        "/mystery/programmes/{programme_id}/plan",
        "yy---",
        ids=mystery.programme,
        form={"month": "2026-11"},
    ),
    Route(
        "POST",
        "/mystery/programmes/{programme_id}/active",
        "yy---",
        ids=mystery.programme,
        form={"active": "1"},
    ),
    Route(
        "POST",
        "/mystery/programmes/{programme_id}/delete",
        "yy---",
        ids=mystery.fresh_programme,
        form=mystery.delete_form,
    ),
    Route("GET", "/mystery/submissions/{submission_id}", "yyyy-y-", ids=mystery.submission),
    Route("GET", "/mystery/files/{file_id}", "yyyy-y-", ids=mystery.shop_file),
    Route("GET", "/shop", "-----y-"),
    Route("GET", "/shop/{assignment_id}", "-----y-", ids=mystery.open_assignment),
    Route(
        "POST",
        "/shop/{assignment_id}",
        "-----y-",
        ids=mystery.open_assignment,
        form=mystery.shop_form,
    ),
    Route("GET", "/api/v1/mystery/programmes", "yyyy-"),
    Route("POST", "/api/v1/mystery/programmes", "yy---", json={"yaml": mystery.PROGRAMME}),
    Route("GET", "/api/v1/mystery/programmes/{programme_id}", "yyyy-", ids=mystery.programme),
    Route(
        "PUT",
        "/api/v1/mystery/programmes/{programme_id}/shoppers",
        "yy---",
        ids=mystery.programme,
        json={"usernames": ["shopper"]},
    ),
    Route(
        "POST",
        "/api/v1/mystery/programmes/{programme_id}/assignments",
        "yy---",
        ids=mystery.programme,
        json={"month": "2026-11"},
    ),
    Route(
        "GET", "/api/v1/mystery/programmes/{programme_id}/results", "yyyy-", ids=mystery.programme
    ),
    Route("GET", "/api/v1/mystery/assignments", "yyyy-y-"),
    Route(
        "POST",
        "/api/v1/mystery/assignments/{assignment_id}/submission",
        "-----y-",
        ids=mystery.open_assignment,
        json=mystery.shop_json,
    ),
    Route("GET", "/api/v1/mystery/submissions", "yyyy-y-"),
    Route("GET", "/api/v1/mystery/submissions/{submission_id}", "yyyy-y-", ids=mystery.submission),
    # -- everyone's start page and own account --
    # -- people (staff) --
    Route("GET", "/staff", "yyyyy-y"),
    Route("GET", "/staff/setup", "yy---"),
    Route("POST", "/staff/competencies", "yy---", form={"key": "empathy", "name": "Empathy"}),
    Route("POST", "/staff/modules", "yy---", form=staff_module_form),
    Route("POST", "/staff/rules", "yy---", form=staff_rule_form),
    Route("POST", "/staff/rules/{rule_id}/delete", "yy---", ids=staff_rule),
    Route("POST", "/staff/assignments", "yy-y-", form=staff_assign_form),
    Route(
        "POST", "/staff/assignments/{assignment_id}/complete", "----y", ids=staff_assignment_of_a1
    ),
    Route("GET", "/staff/modules/{module_id}", "yyyyy", ids=staff_module),
    Route("GET", "/staff/profile/{agent_external_id}", "yyy44", ids=agent_a3),
    Route("GET", "/api/v1/staff/competencies", "yyyyy"),
    Route("PUT", "/api/v1/staff/competencies", "yy---", json={"key": "empathy", "name": "E"}),
    Route("GET", "/api/v1/staff/modules", "yyyyy"),
    Route(
        "POST",
        "/api/v1/staff/modules",
        "yy---",
        json={"title": "API module", "kind": "text", "body": "Text"},
    ),
    Route("GET", "/api/v1/staff/rules", "yy---"),
    Route(
        "POST",
        "/api/v1/staff/rules",
        "yy---",
        json={"criterion": "greeting", "module_id": 1},
    ),
    Route("GET", "/api/v1/staff/proposals", "yy-y-"),
    Route("GET", "/api/v1/staff/assignments", "yyyyy"),
    Route("POST", "/api/v1/staff/assignments", "yy-y-", json={"module_id": 1, "agent": "a1"}),
    Route(
        "POST",
        "/api/v1/staff/assignments/{assignment_id}/complete",
        "----y",
        ids=staff_assignment_of_a1,
    ),
    Route("GET", "/api/v1/staff/effects", "yy-y-"),
    Route("GET", "/api/v1/staff/profile/{agent_external_id}", "yyy44", ids=agent_a3),
    Route("GET", "/staff/tests", "yyyyy"),
    Route("POST", "/staff/questions", "yy---", form={"topic": "t", "kind": "text", "text": "Q"}),
    Route("POST", "/staff/tests", "yy---", form={"title": "T"}),
    Route("POST", "/staff/certifications", "yy---", form={"name": "C"}),
    Route("POST", "/staff/tests/{test_id}/start", "----y", ids=staff_test),
    Route("GET", "/staff/attempts/{attempt_id}", "yyy44", ids=attempt_of_a3),
    Route("POST", "/staff/attempts/{attempt_id}", "----y", ids=running_attempt_of_a1),
    Route(
        "POST",
        "/staff/attempts/{attempt_id}/grade",
        "yy-y-",
        ids=attempt_of_a1_to_grade,
        form=grade_form,
    ),
    Route("GET", "/staff/tests/{test_id}/results", "yy-y-", ids=staff_test),
    Route("GET", "/api/v1/staff/questions", "yy---"),
    Route(
        "POST",
        "/api/v1/staff/questions",
        "yy---",
        json={"topic": "t", "kind": "text", "text": "Q"},
    ),
    Route("GET", "/api/v1/staff/tests", "yyyyy"),
    Route("POST", "/api/v1/staff/tests", "yy---", json={"title": "T", "question_ids": [1]}),
    Route("POST", "/api/v1/staff/tests/{test_id}/attempts", "----y", ids=staff_test),
    Route("GET", "/api/v1/staff/tests/{test_id}/results", "yy-y-", ids=staff_test),
    Route("GET", "/api/v1/staff/attempts", "yyyyy"),
    Route("GET", "/api/v1/staff/attempts/{attempt_id}", "yyy44", ids=attempt_of_a3),
    Route(
        "POST",
        "/api/v1/staff/attempts/{attempt_id}/answers",
        "----y",
        ids=running_attempt_of_a1,
        json={"answers": {}},
    ),
    Route(
        "POST",
        "/api/v1/staff/attempts/{attempt_id}/grade",
        "yy-y-",
        ids=attempt_of_a1_to_grade,
        json={"points": {}},
    ),
    Route("GET", "/api/v1/staff/certifications", "yyyyy"),
    Route("POST", "/api/v1/staff/certifications", "yy---", json={"name": "C", "test_ids": [1]}),
    Route("GET", "/api/v1/staff/certificates", "yyyyy"),
    Route("GET", "/staff/hiring", "yy-y--y"),
    Route("POST", "/staff/hiring/profiles", "yy----y", form={"title": "Agent"}),
    Route(
        "POST",
        "/staff/hiring/profiles/{profile_id}/questions",
        "yy----y",
        ids=staff_profile,
        form={"text": "Q", "anchor_1": "a", "anchor_3": "b", "anchor_5": "c"},
    ),
    Route("POST", "/staff/hiring/candidates", "yy----y", form=candidate_form),
    Route("POST", "/staff/hiring/retention", "yy----y", form={"days": "100"}),
    Route(
        "GET", "/staff/hiring/candidates/{candidate_id}", "yy-4--y", ids=candidate_of_the_recruiter
    ),
    Route(
        "POST",
        "/staff/hiring/candidates/{candidate_id}/scores",
        "yy-y--y",
        ids=candidate_of_everyone,
    ),
    Route(
        "POST",
        "/staff/hiring/candidates/{candidate_id}/decision",
        "yy----y",
        ids=candidate_of_the_recruiter,
        form={"decision": "hire", "reason": "Strong"},
    ),
    Route("GET", "/staff/hiring/profiles/{profile_id}/compare", "yy-y--y", ids=staff_profile),
    Route("GET", "/api/v1/staff/hiring/profiles", "yy-y--y"),
    Route("GET", "/api/v1/staff/hiring/candidates", "yy-y--y"),
    Route(
        "GET",
        "/api/v1/staff/hiring/candidates/{candidate_id}/scores",
        "yy-4---",
        ids=candidate_of_the_recruiter,
    ),
    Route(
        "POST",
        "/api/v1/staff/hiring/candidates/{candidate_id}/scores",
        "yy-y--y",
        ids=candidate_of_everyone,
        json={"ratings": {}},
    ),
    Route(
        "POST",
        "/api/v1/staff/hiring/candidates/{candidate_id}/decision",
        "yy----y",
        ids=candidate_of_the_recruiter,
        json={"decision": "hire", "reason": "Strong"},
    ),
    Route(
        "GET", "/api/v1/staff/hiring/profiles/{profile_id}/compare", "yy-y--y", ids=staff_profile
    ),
    Route("GET", "/staff/roleplays", "yyyyy"),
    Route(
        "POST", "/staff/scenarios", "yy---", form={"title": "S", "language": "en", "script": "Hi"}
    ),
    Route("POST", "/staff/scenarios/{scenario_id}/practice", "----y", ids=staff_scenario),
    Route("GET", "/staff/roleplays/{roleplay_id}", "yyy44", ids=practice_of_a3),
    Route(
        "POST",
        "/staff/roleplays/{roleplay_id}",
        "----y",
        ids=practice_of_a1,
        form={"text": "Hello"},
    ),
    Route(
        "POST",
        "/staff/hiring/candidates/{candidate_id}/roleplay",
        "yy----y",
        ids=candidate_of_the_recruiter,
        form=scenario_form,
    ),
    Route("GET", "/api/v1/staff/scenarios", "yyyyy"),
    Route(
        "POST",
        "/api/v1/staff/scenarios",
        "yy---",
        json={"title": "S", "language": "en", "script": "Hi"},
    ),
    Route("POST", "/api/v1/staff/scenarios/{scenario_id}/practice", "----y", ids=staff_scenario),
    Route("GET", "/api/v1/staff/roleplays", "yyyyy"),
    Route(
        "POST",
        "/api/v1/staff/roleplays/{roleplay_id}/answers",
        "----y",
        ids=practice_of_a1,
        json={"text": "Hello"},
    ),
    # -- people: onboarding --
    Route("GET", "/staff/onboarding", "yy-yy"),
    Route("POST", "/staff/onboarding", "yy-y-", form={"agent": "a1"}),
    Route("GET", "/staff/onboarding/{agent_external_id}", "yy-yy", ids=onboarding_of_a1),
    Route(
        "POST",
        "/staff/onboarding/{agent_external_id}/mentor",
        "yy-y-",
        ids=onboarding_of_a1,
        form={"mentor": "lead"},
    ),
    Route(
        "POST",
        "/staff/onboarding/{agent_external_id}/sessions",
        "yy-y-",
        ids=onboarding_of_a1,
        form=onboarding_session_form,
    ),
    Route("GET", "/api/v1/staff/onboardings", "yy-yy"),
    Route("POST", "/api/v1/staff/onboardings", "yy-y-", json={"agent": "a1"}),
    Route("GET", "/api/v1/staff/onboardings/{agent_external_id}", "yy-yy", ids=onboarding_of_a1),
    Route(
        "PUT",
        "/api/v1/staff/onboardings/{agent_external_id}/mentor",
        "yy-y-",
        ids=onboarding_of_a1,
        json={"mentor": "lead"},
    ),
    Route(
        "POST",
        "/api/v1/staff/onboardings/{agent_external_id}/sessions",
        "yy-y-",
        ids=onboarding_of_a1,
        json={"held_on": "2000-01-01", "led_by": "lead", "notes": "Went well."},
    ),
    # -- everyone's start page --
    Route("GET", "/", "yyyyyyy"),
    Route("GET", "/account", "yyyyyyy"),
    # One's own invitations: someone else's is not found, whoever asks.
    Route("GET", "/invitations", "yyyyyyy"),
    Route("POST", "/invitations/{invitation_id}/accept", "4444444", ids=invitation),
    Route("POST", "/invitations/{invitation_id}/decline", "4444444", ids=invitation),
    Route(
        "POST",
        "/account/password",
        "yyyyyyy",
        form={"current_password": "wrong", "new_password": "x" * 9, "new_password_again": "y"},
    ),
    # -- judging (language-model criteria) --
    Route("GET", "/judging", "yy---"),
    Route(
        "POST",
        "/judging/endpoint",
        "y----",
        form={"base_url": "http://127.0.0.1:9/v1", "model": "m", "daily_budget": "10"},
    ),
    Route(
        "POST",
        "/judging/criteria",
        "yy---",
        form={"yaml": "criteria:\n  - name: kind\n    title: Kind\n    question: Kind or not\n"},
    ),
    Route("GET", "/judging/criteria.yaml", "yy---"),
    Route(
        "POST",
        "/judging/criteria/{criterion_id}/shadow",
        "yy---",
        ids=judging_criterion,
        form={"shadow": "1"},
    ),
    # -- learning (machine vs human) --
    Route("GET", "/learning", "yy---"),
    Route("POST", "/learning/train", "yy---"),
    Route(
        "POST", "/learning/models/{model_id}/switch", "yy---", ids=learned_model, form={"on": "0"}
    ),
    Route("GET", "/api/v1/learning/machine-vs-human", "yy---"),
    Route("GET", "/api/v1/learning/models", "yy---"),
    Route(
        "PUT",
        "/api/v1/learning/models/{model_id}/enabled",
        "yy---",
        ids=learned_model,
        json={"enabled": False},
    ),
    Route("POST", "/api/v1/learning/train", "yy---"),
    # Personal API tokens: everyone makes their own; someone else's is not found.
    Route("POST", "/account/tokens", "yyyyyyy", form={"name": "BI", "days": "30"}),
    Route("POST", "/account/tokens/{token_id}/revoke", "4444y44", ids=agent_token),
    Route("GET", "/admin/tokens", "y----"),
    Route("POST", "/admin/tokens/{token_id}/revoke", "y----", ids=agent_token),
    # -- the audit log --
    Route("GET", "/admin/audit", "y----"),
    Route("GET", "/admin/audit", "y----", query="action=login&since=2026-01-01"),
    Route("GET", "/admin/audit.csv", "y----"),
    Route("GET", "/admin/brand", "y----"),
    Route("POST", "/admin/brand", "y----", form={"display_name": "Пекарня", "colour": "#aa3300"}),
    # -- speech --
    Route("GET", "/privacy", "y----"),
    Route("POST", "/privacy/retention", "y----", form={"recordings_days": "90"}),
    Route("POST", "/privacy/forget", "y----", form={"customer_id": "c-x", "confirm": "c-x"}),
    Route("GET", "/api/v1/speech/interactions/{interaction_id}", "yy4yy", ids=own_interaction),
    Route(
        "POST",
        "/api/v1/speech/interactions/{interaction_id}/recognition",
        "yy---",
        ids=own_interaction,
    ),
    # the originals of masked personal data: admins only (the world keeps no original
    # recording, so an admin's request for one is answered 404)
    Route("GET", "/privacy/originals/{interaction_id}", "y----", ids=own_interaction),
    Route("GET", "/privacy/originals/{interaction_id}/recording", "4----", ids=own_interaction),
    Route(
        "GET",
        "/api/v1/speech/interactions/{interaction_id}/originals",
        "y----",
        ids=own_interaction,
    ),
    Route(
        "GET",
        "/api/v1/speech/interactions/{interaction_id}/original-recording",
        "4----",
        ids=own_interaction,
    ),
    Route("GET", "/api/v1/speech/retention", "y----"),
    Route("PUT", "/api/v1/speech/retention", "y----", json={"recordings_days": 90}),
    Route("POST", "/api/v1/speech/forget", "y----", json={"customer_id": "c-x"}),
    Route("GET", "/api/v1/speech/deletions", "y----"),
    Route(
        "PUT",
        "/api/v1/speech/recordings/{source}/{external_id}",
        "uuuuuuu",
        ids=lambda w: {"source": "import", "external_id": "i1"},
    ),
    # -- work-tool quality: everyone looks (rows by scope), admins and QA leads set rules --
    Route("GET", "/work", "yyyyy"),
    Route("GET", "/work/items", "yyyyy", query="violations=1"),
    Route("GET", "/work/items/{item_id}", "yyyyy", ids=work_item_of_a1),
    Route("GET", "/work/rules", "yy---"),
    Route("POST", "/work/rules", "yy---", form=WORK_RULES_FORM),
    Route("POST", "/work/rules/{rule_id}/delete", "yy---", ids=work_rule),
    Route("POST", "/work/check", "yy---"),
    Route("GET", "/api/v1/work/scores", "yyyyy"),
    Route("GET", "/api/v1/work/items", "yyyyy"),
    Route("GET", "/api/v1/work/items/{item_id}", "yyyyy", ids=work_item_of_a1),
    Route("GET", "/api/v1/work/rules", "yy---"),
    Route("GET", "/api/v1/work/rules.yaml", "yy---"),
    Route("POST", "/api/v1/work/rules", "yy---", json=WORK_RULE_JSON),
    Route("DELETE", "/api/v1/work/rules/{rule_id}", "yy---", ids=work_rule),
    Route("POST", "/api/v1/work/check", "yy---"),
    # -- scripts --
    Route("GET", "/scripts", "yyyyy"),
    Route("POST", "/scripts/examples", "yy---", form={}),
    Route("GET", "/scripts/import", "yy---"),
    Route("POST", "/scripts/import", "yy---", form={"yaml": SCRIPT_YAML}),
    Route("GET", "/scripts/new", "yy---"),
    Route(
        "POST",
        "/scripts/new",
        "yy---",
        form={"name": "policy-new", "title_ru": "Новый", "topic": "policy"},
    ),
    Route("GET", "/scripts/widget", "yy---"),
    Route("POST", "/scripts/widget", "yy---", form={"label": "Helpdesk"}),
    Route("POST", "/scripts/widget/{token_id}/revoke", "yy---", ids=widget_token),
    Route("GET", "/scripts/{name}", "yyyyy", ids=script),
    Route("GET", "/scripts/{name}/export.yaml", "yyyyy", ids=script),
    Route(
        "POST",
        "/scripts/{name}/steps/{step_id}/feedback",
        "yyyyy",
        ids=script_step,
        form={"text": "Клиенты не понимают вопрос"},
    ),
    Route("GET", "/scripts/{name}/edit", "yy---", ids=script),
    Route("POST", "/scripts/{name}/edit", "yy---", ids=script, form=script_edit_form),
    Route("GET", "/scripts/{name}/adherence", "yyyy-", ids=script),
    Route("GET", "/api/v1/scripts", "yyyyy"),
    Route("POST", "/api/v1/scripts", "yy---", json={"yaml": SCRIPT_YAML}),
    Route("GET", "/api/v1/scripts/{name}", "yyyyy", ids=script),
    Route("GET", "/api/v1/scripts/{name}/adherence", "yyyy-", ids=script),
    Route(
        "POST",
        "/api/v1/scripts/{name}/steps/{step_id}/feedback",
        "yyyyy",
        ids=script_step,
        json={"text": "This step does not work"},
    ),
    # -- improvement plan: everyone sees the actions about them; leads make them --
    Route("GET", "/actions", "yyyyy"),
    Route("GET", "/actions/new", "yy-y-", query="title=Faster&source=dashboard:frt&metric=frt"),
    Route("POST", "/actions", "yy-y-", form=ACTION_FORM),
    Route("GET", "/actions/{action_id}", "yy4yy", ids=action_about_a1),
    Route(
        "POST",
        "/actions/{action_id}",
        "yy4y-",
        ids=action_about_a1,
        form={"status": "in_progress", **VERSION_1},
    ),
    Route("POST", "/actions/{action_id}/delete", "yy-y-", ids=action_about_a1),
    Route("GET", "/api/v1/actions", "yyyyy"),
    Route("POST", "/api/v1/actions", "yy-y-", json={"title": "Answer faster", "metric": "frt"}),
    Route("GET", "/api/v1/actions/{action_id}", "yy4yy", ids=action_about_a1),
    Route(
        "PATCH",
        "/api/v1/actions/{action_id}",
        "yy4y-",
        ids=action_about_a1,
        json={"version": 1, "status": "in_progress"},
    ),
    Route("DELETE", "/api/v1/actions/{action_id}", "yy-y-", ids=action_about_a1),
    # -- service audits: QA leads and admins run them; reviewers and team leads read them --
    Route("GET", "/audit-templates", "yyyy-"),
    Route("GET", "/audit-templates/{name}", "yyyy-", ids=audit_template),
    Route("GET", "/audit-templates/{name}/export.yaml", "yyyy-", ids=audit_template),
    Route("POST", "/audit-templates", "yy---", form={"yaml": TEMPLATE_YAML}),
    Route("GET", "/audits", "yyyy-"),
    Route("GET", "/audits/new", "yy---"),
    Route("POST", "/audits", "yy---", form=AUDIT_FORM),
    Route("GET", "/audits/{audit_id}", "yyyy-", ids=audit),
    Route(
        "POST",
        "/audits/{audit_id}/items/{item_key}",
        "yy---",
        ids=audit_item,
        form={"answer": "yes"},
    ),
    # ...and the auditors named on an audit answer that one (the rows above name only qa).
    Route(
        "POST",
        "/audits/{audit_id}/items/{item_key}",
        "yyyy-",
        ids=audit_item_of_auditors,
        form={"answer": "yes"},
    ),
    Route(
        "POST",
        "/audits/{audit_id}/evidence/{evidence_id}/delete",
        "yyyy-",
        ids=audit_evidence_of_auditors,
    ),
    Route("POST", "/audits/{audit_id}/prefill", "yy---", ids=audit),
    Route("POST", "/audits/{audit_id}/complete", "yy---", ids=audit, form=VERSION_1),
    Route("POST", "/audits/{audit_id}/reopen", "yy---", ids=audit, form=VERSION_1),
    Route("POST", "/audits/{audit_id}/delete", "yy---", ids=audit),
    Route("GET", "/audits/{audit_id}/report", "yyyy-", ids=audit),
    Route("GET", "/audits/{audit_id}/report.pdf", "yyyy-", ids=audit),
    Route("GET", "/audits/{audit_id}/evidence/{evidence_id}", "yyyy-", ids=audit_evidence),
    Route("POST", "/audits/{audit_id}/evidence/{evidence_id}/delete", "yy---", ids=audit_evidence),
    Route("GET", "/api/v1/audit-templates", "yyyy-"),
    Route("GET", "/api/v1/audit-templates/{name}", "yyyy-", ids=audit_template),
    Route("POST", "/api/v1/audit-templates", "yy---", json={"yaml": TEMPLATE_YAML}),
    Route("GET", "/api/v1/audits", "yyyy-"),
    Route("POST", "/api/v1/audits", "yy---", json=AUDIT_FORM),
    Route("GET", "/api/v1/audits/{audit_id}", "yyyy-", ids=audit),
    Route(
        "PUT",
        "/api/v1/audits/{audit_id}/answers/{item_key}",
        "yy---",
        ids=audit_item,
        json={"answer": "yes"},
    ),
    Route(
        "PUT",
        "/api/v1/audits/{audit_id}/answers/{item_key}",
        "yyyy-",
        ids=audit_item_of_auditors,
        json={"answer": "yes"},
    ),
    Route("POST", "/api/v1/audits/{audit_id}/complete", "yy---", ids=audit, json={"version": 1}),
    Route("DELETE", "/api/v1/audits/{audit_id}", "yy---", ids=audit),
    # -- analysis --
    Route("GET", "/analysis", "yy---"),
    Route("GET", "/analysis/reasons", "yy---"),
    Route("GET", "/analysis/reasons/{code}", "yy---", ids=lambda w: {"code": "delivery"}),
    Route("GET", "/analysis/bottlenecks", "yy---"),
    Route("GET", "/analysis/business", "yy---"),
    Route("GET", "/analysis/taxonomy", "yy---"),
    Route("POST", "/analysis/taxonomy", "yy---", form={"taxonomy_yaml": TAXONOMY_YAML}),
    Route(
        "POST",
        "/analysis/taxonomy/entry",
        "yy---",
        form={"kind": "reason", "code": "parcel", "label_ru": "Посылка", "label_en": "Parcel"},
    ),
    Route("POST", "/analysis/costs", "yy---", form={"cost_per_minute": "20"}),
    Route("POST", "/analysis/train", "yy---", form={}),
    Route("GET", "/api/v1/analysis/reasons", "yy---"),
    Route("GET", "/api/v1/analysis/bottlenecks", "yy---"),
    Route("GET", "/api/v1/analysis/business", "yy---"),
    Route("GET", "/api/v1/analysis/taxonomy", "yy---"),
    Route("PUT", "/api/v1/analysis/taxonomy", "yy---", json={"yaml": TAXONOMY_YAML}),
    # -- the reporting regulation --
    Route("GET", "/reports", "yyyy-"),
    Route("GET", "/reports/new", "yy---"),
    Route("POST", "/reports", "yy---", form=REPORT_FORM),
    Route("GET", "/reports/{report_id}", "yy44-", ids=report),
    Route("GET", "/reports/{report_id}/edit", "yy---", ids=report),
    Route("GET", "/reports/{report_id}/preview", "yy44-", ids=report),
    Route("POST", "/reports/{report_id}/send", "yy---", ids=report),
    Route("POST", "/reports/{report_id}/delete", "yy---", ids=report),
    Route("GET", "/reports/files/{file_id}", "yy44-", ids=report_file),
    Route("POST", "/reports/runs/{run_id}/retry", "yy---", ids=failed_run),
    Route("POST", "/reports/runs/{run_id}/upload", "yy44-", ids=deadline_run),
    Route("POST", "/reports/runs/{run_id}/accept", "yy44-", ids=deadline_run),
    Route("GET", "/api/v1/reports", "yyyy-"),
    Route("POST", "/api/v1/reports", "yy---", json=REPORT_JSON),
    Route("GET", "/api/v1/reports/discipline", "yyyy-"),
    Route("GET", "/api/v1/reports/{report_id}", "yy44-", ids=report),
    Route("GET", "/api/v1/reports/{report_id}/runs", "yy44-", ids=report),
    Route("GET", "/api/v1/reports/{report_id}/preview", "yy44-", ids=report),
    Route("POST", "/api/v1/reports/{report_id}/send", "yy---", ids=report),
    Route("POST", "/api/v1/reports/runs/{run_id}/upload", "yy44-", ids=deadline_run),
]

# Anyone, without logging in: the login form, the language switch, customers'
# survey pages (their own token and rate limits guard them), the OpenAPI schema
# and the static files.
PUBLIC: set[tuple[str, str]] = {
    ("GET", "/favicon.ico"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/locale"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/p/{token}"),
    ("POST", "/p/{token}"),
    ("GET", "/k/{token}"),
    ("POST", "/k/{token}"),
    ("GET", "/brand/logo/{digest}"),
    ("GET", "/brand/colour/{hex_colour}.css"),
    ("GET", "/w/scripts/{token}"),
    ("GET", "/w/scripts/{token}/{name}"),
    ("GET", "/r/{token}"),
    ("POST", "/r/{token}"),
    ("GET", "/api/v1/openapi.json"),
    ("MOUNT", "/static"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
}
