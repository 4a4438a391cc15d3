"""A small workspace for the feedback, dispute, task and coaching tests.

Interactions are imported the ordinary way; the automatic evaluations the import
made are replaced by ones built here with a small scorecard, so every score in
the tests can be worked out by hand. Manual evaluations are inserted as the
reviewer's workspace stores them: a submitted row of kind 'manual' scored with
``compute_score``, and its 'submitted' history event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, add_user, memberships_of
from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import StoredScorecard, save_scorecard
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.scorecard import Value, compute_score
from kontrol.ingest.importing import import_file
from kontrol.review.history import record_event
from kontrol.store.tables import evaluations, interactions
from tests.webapp import form_token
from tests.webapp import log_in as web_log_in

PASSWORD = "correct horse battery"

CARD = """
name: feedback-card
title: Feedback test card
pass_mark: 80
sections:
  - id: opening
    title: Opening
    criteria:
      - {id: greeting, title: Greeted the customer, weight: 1}
      - {id: empathy, title: Showed empathy, weight: 2}
  - id: solution
    title: Solution
    criteria:
      - {id: accuracy, title: Correct information, weight: 1, critical: true}
      - {id: tone, title: Tone, weight: 1, scale: "1-5"}
"""

# (external id, agent, team, started)
INTERACTIONS = [
    ("f1", "a1", "L1", "2026-11-02T10:00:00+00:00"),
    ("f2", "a1", "L1", "2026-11-03T10:00:00+00:00"),
    ("f3", "a1", "L1", "2026-11-10T10:00:00+00:00"),
    ("f4", "a1", "L1", "2026-11-11T10:00:00+00:00"),
    ("f5", "a2", "L1", "2026-11-04T10:00:00+00:00"),
    ("f6", "a3", "L2", "2026-11-05T10:00:00+00:00"),
]

PEOPLE = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("qa2", WorkspaceRole.QA_LEAD, None, None),
    ("reviewer", WorkspaceRole.REVIEWER, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("lead2", WorkspaceRole.TEAM_LEAD, None, "L2"),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
    ("agent2", WorkspaceRole.AGENT, "a2", None),
    ("agent3", WorkspaceRole.AGENT, "a3", None),
]


def _record(external_id: str, agent: str, team: str, started: str) -> dict[str, Any]:
    return {
        "id": external_id,
        "channel": "chat",
        "started_at": started,
        "agent_id": agent,
        "agent_name": f"Agent {agent}",
        "team": team,
        "customer_id": f"c-{external_id}",
        "customer_name": "Иван Петров",
        "topic": "delivery",
        "messages": [
            {"role": "customer", "text": "Где мой заказ?", "at": started},
            {"role": "agent", "text": "Здравствуйте! Сейчас проверю.", "at": started},
        ],
    }


@dataclass
class World:
    """The workspace, its people (by username), interactions (by external id) and scorecard."""

    engine: Engine
    workspace: Workspace
    accounts: dict[str, Account]
    interactions: dict[str, int]
    card: StoredScorecard

    def viewer(self, username: str) -> Viewer:
        with self.engine.connect() as connection:
            account = self.accounts[username]
            membership = next(
                m
                for m in memberships_of(connection, account)
                if m.workspace.id == self.workspace.id
            )
        return Viewer(account, membership)

    def evaluation(
        self,
        external_id: str,
        answers: dict[str, Value],
        *,
        kind: str = "manual",
        reviewer: str | None = "reviewer",
        submitted_at: datetime | None = None,
        status: str = "submitted",
        comments: dict[str, str] | None = None,
    ) -> int:
        """Store an evaluation of the interaction with these answers; returns its id."""
        scorecard = self.card.scorecard
        score = compute_score(scorecard, answers)
        items = []
        for outcome in score.outcomes:
            item: dict[str, Any] = {
                "criterion": outcome.criterion.id,
                "check": outcome.criterion.check,
                "result": None if outcome.result is None else str(outcome.result),
                "fraction": outcome.fraction,
                "critical": outcome.criterion.critical,
            }
            if kind == "manual":
                item["comment"] = (comments or {}).get(outcome.criterion.id)
                item["auto_result"] = None
            items.append(item)
        when = submitted_at or utcnow()
        reviewer_id = self.accounts[reviewer].id if reviewer and kind == "manual" else None
        with self.engine.begin() as connection:
            key = connection.execute(
                evaluations.insert().values(
                    workspace_id=self.workspace.id,
                    interaction_id=self.interactions[external_id],
                    scorecard_id=self.card.id,
                    kind=kind,
                    score=score.score,
                    passed=score.passed,
                    items=items,
                    created_at=when,
                    status=status,
                    reviewer_id=reviewer_id,
                    comment="Overall fine" if kind == "manual" else None,
                    version=1,
                    updated_at=when,
                )
            ).inserted_primary_key
            assert key is not None
            evaluation_id = int(key[0])
            if kind == "manual" and status == "submitted":
                record_event(
                    connection,
                    workspace_id=self.workspace.id,
                    subject="evaluation",
                    subject_id=evaluation_id,
                    actor_id=reviewer_id,
                    action="submitted",
                    at=when,
                )
        return evaluation_id

    def row(self, evaluation_id: int) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(
                select(evaluations).where(evaluations.c.id == evaluation_id)
            ).one()


def build_world(engine: Engine, workspace: Workspace, folder: Path) -> World:
    """Import the interactions, add the people and the scorecard, drop the automatic scores."""
    path = folder / "feedback.jsonl"
    path.write_text(
        "\n".join(json.dumps(_record(*item), ensure_ascii=False) for item in INTERACTIONS) + "\n",
        encoding="utf-8",
    )
    import_file(engine=engine, workspace=workspace, path=path)
    accounts = {}
    with engine.begin() as connection:
        connection.execute(evaluations.delete())
        for username, role, agent, team in PEOPLE:
            accounts[username] = add_user(
                connection,
                username=username,
                password=PASSWORD,
                workspace_name=workspace.name,
                role=role,
                display_name=username.capitalize(),
                agent_external_id=agent,
                team=team,
            )
        card = save_scorecard(connection, workspace.id, CARD)
        ids = dict(connection.execute(select(interactions.c.external_id, interactions.c.id)).all())
    return World(engine, workspace, accounts, {k: int(v) for k, v in ids.items()}, card)


ALL_PASS: dict[str, Value] = {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 5}


def sign_in(client: TestClient, username: str) -> str:
    """Log in as ``username`` (after logging out whoever was in); returns a CSRF token."""
    client.cookies.clear()
    web_log_in(client, username, PASSWORD)
    return form_token(client, "/evaluations")


def days_ago(days: float) -> datetime:
    """A moment ``days`` before now (naive UTC)."""
    return utcnow() - timedelta(days=days)
