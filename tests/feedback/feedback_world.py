"""A small workspace for the feedback, dispute, task and coaching tests.

Interactions are imported the ordinary way; the automatic evaluations the import
made are replaced by ones built here with a small scorecard, so every score in
the tests can be worked out by hand. Manual evaluations are inserted as the
reviewer's workspace stores them: a submitted row of kind 'manual' scored with
``compute_score``, and its 'submitted' history event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account
from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import StoredScorecard, save_scorecard
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.scorecard import Value, compute_score
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.review.history import record_event
from kontrol.store.tables import evaluations
from tests.factories import (
    PersonRow,
    add_people,
    exchange,
    form_token,
    import_records,
    interaction_ids,
    interaction_record,
    log_in,
    viewer_of,
)

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

PEOPLE: list[PersonRow] = [
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
    return interaction_record(
        external_id,
        started=started,
        agent_id=agent,
        agent_name=f"Agent {agent}",
        team=team,
        customer_name="Иван Петров",
        topic="delivery",
        messages=exchange("Где мой заказ?", "Здравствуйте! Сейчас проверю.", at=started),
    )


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
            return viewer_of(connection, self.accounts[username], self.workspace)

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
            # Stored past the review code: the KPI facts follow as they would.
            refresh_qa_facts(connection, self.workspace.id, [self.interactions[external_id]])
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
    records = [_record(*item) for item in INTERACTIONS]
    import_records(engine, workspace, folder, records, name="feedback.jsonl")
    with engine.begin() as connection:
        connection.execute(evaluations.delete())
        accounts = add_people(connection, workspace, PEOPLE, shown_as=str.capitalize)
        card = save_scorecard(connection, workspace.id, CARD)
        ids = interaction_ids(connection, workspace)
        # Dropped past the scoring code: the KPI facts follow as they would.
        refresh_qa_facts(connection, workspace.id, ids.values())
    return World(engine, workspace, accounts, ids, card)


ALL_PASS: dict[str, Value] = {"greeting": "pass", "empathy": "pass", "accuracy": "pass", "tone": 5}


def sign_in(client: TestClient, username: str) -> str:
    """Log in as ``username`` (after logging out whoever was in); returns a CSRF token."""
    client.cookies.clear()
    log_in(client, username)
    return form_token(client, "/evaluations")


def days_ago(days: float) -> datetime:
    """A moment ``days`` before now (naive UTC)."""
    return utcnow() - timedelta(days=days)
