"""A small workspace for the people tests: agents with a known history on one criterion.

Agent a1 (team L1) has 16 interactions a day apart from 2026-09-01: the first 10
fail *empathy*, the last 6 pass it; *greeting* always passes. Agent a3 (team L2)
has 4 interactions, all passed. Interactions are stored directly (no import, no
automatic scoring) and evaluated with the feedback tests' small scorecard, so
every figure can be worked out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account
from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scorecards import StoredScorecard, save_scorecard
from kontrol.domain.roles import WorkspaceRole
from kontrol.domain.scorecard import compute_score
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.store.tables import agents, evaluations, interactions
from tests.factories import PersonRow, add_people, interaction_ids, viewer_of
from tests.feedback.feedback_world import CARD

START = datetime(2026, 9, 1, 10, 0)
# The moment between a1's failing and passing evaluations.
TURN = START + timedelta(days=10)
NOW = datetime(2026, 11, 20, 12, 0)

PEOPLE: list[PersonRow] = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("reviewer", WorkspaceRole.REVIEWER, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("agent1", WorkspaceRole.AGENT, "a1", None),
    ("agent3", WorkspaceRole.AGENT, "a3", None),
]


@dataclass
class World:
    """The workspace, its people by username and the scorecard."""

    engine: Engine
    workspace: Workspace
    accounts: dict[str, Account]
    card: StoredScorecard

    def viewer(self, username: str) -> Viewer:
        with self.engine.connect() as connection:
            return viewer_of(connection, self.accounts[username], self.workspace)


def _history() -> list[tuple[str, str, str, datetime, str]]:
    """(external id, agent, team, started, empathy result)."""
    rows = []
    for day in range(16):
        rows.append(
            (f"s{day}", "a1", "L1", START + timedelta(days=day), "fail" if day < 10 else "pass")
        )
    for day in range(4):
        rows.append((f"t{day}", "a3", "L2", START + timedelta(days=day), "pass"))
    return rows


def build_world(engine: Engine, workspace: Workspace) -> World:
    """Store the agents and interactions, add people and the scorecard, store the evaluations."""
    history = _history()
    with engine.begin() as connection:
        for agent, team in (("a1", "L1"), ("a3", "L2")):
            connection.execute(
                agents.insert().values(
                    workspace_id=workspace.id, external_id=agent, name=f"Agent {agent}", team=team
                )
            )
        for external_id, agent, team, started, _ in history:
            connection.execute(
                interactions.insert().values(
                    workspace_id=workspace.id,
                    source="test",
                    external_id=external_id,
                    channel="chat",
                    direction="inbound",
                    started_at=started,
                    agent_external_id=agent,
                    team=team,
                    tags=[],
                    is_complaint=False,
                    meta={},
                    message_count=0,
                    content_hash=external_id,
                    imported_at=started,
                    updated_at=started,
                )
            )
    with engine.begin() as connection:
        accounts = add_people(connection, workspace, PEOPLE, shown_as=str.capitalize)
        card = save_scorecard(connection, workspace.id, CARD)
        ids = interaction_ids(connection, workspace)
        for external_id, _agent, _team, started, empathy in history:
            answers: dict[str, Any] = {
                "greeting": "pass",
                "empathy": empathy,
                "accuracy": "pass",
                "tone": 5,
            }
            score = compute_score(card.scorecard, answers)
            items = [
                {
                    "criterion": o.criterion.id,
                    "result": None if o.result is None else str(o.result),
                    "fraction": o.fraction,
                }
                for o in score.outcomes
            ]
            connection.execute(
                evaluations.insert().values(
                    workspace_id=workspace.id,
                    interaction_id=ids[external_id],
                    scorecard_id=card.id,
                    kind="auto",
                    score=score.score,
                    passed=score.passed,
                    items=items,
                    created_at=started,
                    status="submitted",
                    version=1,
                    updated_at=started,
                )
            )
        # Stored past the scoring code: the KPI facts follow as they would.
        refresh_qa_facts(connection, workspace.id, ids.values())
    return World(engine, workspace, accounts, card)
