"""The workspace every policy test runs in: five roles, two teams, four interactions.

People (password ``PASSWORD``): ``admin`` (admin), ``qa`` (QA lead),
``reviewer`` and ``reviewer2`` (reviewers), ``lead`` (team lead of L1),
``lead2`` (team lead of L2), ``agent1`` (agent a1, team L1), ``agent3``
(agent a3, team L2); ``outsider`` is an admin of another workspace.

Interactions (tests/webapp.py SAMPLE): i1 (a1, L1), i2 (a2, L1),
i3 (a3, L2), i4 (a1, L1). Nothing is assigned to a reviewer at first:
``World.assign`` puts an interaction in a reviewer's queue.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from kontrol.accounts.apikeys import create_api_key
from kontrol.accounts.invitations import invite
from kontrol.accounts.members import MemberInput
from kontrol.accounts.tokens import create_personal_token
from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import AlertRuleInput, save_alert_rule
from kontrol.checks.scorecards import ensure_default_scorecards
from kontrol.domain.clock import utcnow
from kontrol.domain.roles import WorkspaceRole
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.metrics.targets import save_target
from kontrol.store.tables import (
    alerts,
    calibration_items,
    calibration_participants,
    calibration_sessions,
    corrective_tasks,
    disputes,
    evaluations,
    interactions,
    invitations,
    job_runs,
    review_items,
    review_queues,
    scorecards,
    users,
)
from kontrol.surveys.places import create_place
from tests.factories import (
    PASSWORD,
    PersonRow,
    add_outsider,
    add_people,
    add_person,
    import_records,
    interaction_ids,
)
from tests.webapp import SAMPLE, record

# The person who plays each role in the HTTP matrix.
ROLE_LOGINS: dict[WorkspaceRole, str] = {
    WorkspaceRole.ADMIN: "admin",
    WorkspaceRole.QA_LEAD: "qa",
    WorkspaceRole.REVIEWER: "reviewer",
    WorkspaceRole.TEAM_LEAD: "lead",
    WorkspaceRole.AGENT: "agent1",
    WorkspaceRole.SHOPPER: "shopper",
    WorkspaceRole.RECRUITER: "recruiter",
}
PEOPLE: list[PersonRow] = [
    ("admin", WorkspaceRole.ADMIN, None, None),
    ("qa", WorkspaceRole.QA_LEAD, None, None),
    ("reviewer", WorkspaceRole.REVIEWER, None, None),
    ("reviewer2", WorkspaceRole.REVIEWER, None, None),
    ("lead", WorkspaceRole.TEAM_LEAD, None, "L1"),
    ("lead2", WorkspaceRole.TEAM_LEAD, None, "L2"),
    ("agent1", WorkspaceRole.AGENT, "a1", "L1"),
    ("agent3", WorkspaceRole.AGENT, "a3", "L2"),
    ("shopper", WorkspaceRole.SHOPPER, None, None),
    ("recruiter", WorkspaceRole.RECRUITER, None, None),
]


@dataclass
class World:
    """The data of one test, with makers of fresh rows for routes that change or delete."""

    engine: Engine
    workspace: Workspace
    other: Workspace
    users: dict[str, int]
    interactions: dict[str, int]
    folder: Path
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def interaction(self, external_id: str) -> int:
        """The database id of interaction ``external_id`` (i1..i4, or one ``extra`` made)."""
        return self.interactions[external_id]

    def extra(self, external_id: str, *, agent: str, team: str) -> str:
        """An interaction of ``agent`` in ``team`` beyond the four, imported once; its id."""
        if external_id not in self.interactions:
            item = record(
                external_id,
                agent=agent,
                team=team,
                started="2026-11-06T10:00:00+00:00",
                text="Нужна помощь с заказом",
                customer=f"c-{external_id}",
            )
            import_records(
                self.engine, self.workspace, self.folder, [item], name=f"{external_id}.jsonl"
            )
            with self.engine.connect() as connection:
                self.interactions[external_id] = interaction_ids(connection, self.workspace)[
                    external_id
                ]
        return external_id

    def _next(self) -> int:
        return next(self._serial)

    def queue(self) -> int:
        """The workspace's review queue (made once)."""
        with self.engine.begin() as connection:
            found = connection.execute(
                select(review_queues.c.id).where(review_queues.c.workspace_id == self.workspace.id)
            ).scalar()
            if found is not None:
                return int(found)
            key = connection.execute(
                review_queues.insert().values(
                    workspace_id=self.workspace.id, name="Low CSAT", created_at=utcnow()
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def assign(self, external_id: str, username: str, *, queue_id: int | None = None) -> int:
        """Put interaction ``external_id`` in a queue (the first one), assigned to ``username``."""
        queue_id = queue_id or self.queue()
        with self.engine.begin() as connection:
            key = connection.execute(
                review_items.insert().values(
                    workspace_id=self.workspace.id,
                    queue_id=queue_id,
                    interaction_id=self.interaction(external_id),
                    reason="CSAT 1",
                    priority=10,
                    status="open",
                    assignee_id=self.users[username],
                    assigned_at=utcnow(),
                    created_at=utcnow(),
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def fresh_item(self, external_id: str, username: str = "reviewer") -> int:
        """``external_id`` assigned to ``username`` in a queue of its own (to skip, reassign)."""
        with self.engine.begin() as connection:
            key = connection.execute(
                review_queues.insert().values(
                    workspace_id=self.workspace.id,
                    name=f"Queue {self._next()}",
                    created_at=utcnow(),
                )
            ).inserted_primary_key
        assert key is not None
        return self.assign(external_id, username, queue_id=int(key[0]))

    def item_form(self, item_id: int) -> dict[str, str]:
        """The queue and version of a review item, as its forms send them."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(review_items.c.queue_id, review_items.c.version).where(
                    review_items.c.id == item_id
                )
            ).one()
        return {"queue_id": str(row.queue_id), "version": str(row.version)}

    def _scorecard_id(self) -> int:

        with self.engine.begin() as connection:
            ensure_default_scorecards(connection, self.workspace.id)
            found = connection.execute(
                select(scorecards.c.id).where(scorecards.c.workspace_id == self.workspace.id)
            ).scalar()
        assert found is not None
        return int(found)

    def evaluate(self, external_id: str, username: str, *, status: str = "submitted") -> int:
        """A manual evaluation of ``external_id`` by reviewer ``username``."""
        scorecard_id = self._scorecard_id()
        with self.engine.begin() as connection:
            key = connection.execute(
                evaluations.insert().values(
                    workspace_id=self.workspace.id,
                    interaction_id=self.interaction(external_id),
                    scorecard_id=scorecard_id,
                    kind="manual",
                    score=80.0,
                    passed=True,
                    items=[],
                    created_at=utcnow(),
                    status=status,
                    reviewer_id=self.users[username],
                )
            ).inserted_primary_key
            # Stored past the review code: the KPI facts follow as they would.
            refresh_qa_facts(connection, self.workspace.id, [self.interaction(external_id)])
        assert key is not None
        return int(key[0])

    def calibration(self, external_id: str, username: str) -> dict[str, int]:
        """A session on ``external_id`` with ``username``: its id and the item's id."""
        session_id = self.calibrate(external_id, username)
        with self.engine.connect() as connection:
            item_id = connection.execute(
                select(calibration_items.c.id).where(calibration_items.c.session_id == session_id)
            ).scalar_one()
        return {"session_id": session_id, "item_id": int(item_id)}

    def dispute(self, evaluation_id: int, username: str = "agent1") -> int:
        """An open dispute of the whole evaluation, raised by ``username``."""
        with self.engine.begin() as connection:
            key = connection.execute(
                disputes.insert().values(
                    workspace_id=self.workspace.id,
                    evaluation_id=evaluation_id,
                    reason="The customer got the right answer",
                    status="open",
                    raised_by=self.users[username],
                    raised_at=utcnow(),
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def task(self, agent: str, *, owner: str = "qa") -> int:
        """An open corrective task about agent ``agent``, owned by ``owner``."""
        now = utcnow()
        with self.engine.begin() as connection:
            key = connection.execute(
                corrective_tasks.insert().values(
                    workspace_id=self.workspace.id,
                    kind="callback",
                    title="Call the customer back",
                    agent_external_id=agent,
                    owner_id=self.users[owner],
                    status="open",
                    created_by=self.users["qa"],
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def review_rule(self) -> int:
        """One of the default routing rules of the workspace (made once)."""
        from kontrol.review.routing.rules import create_default_rules, list_routing_rules

        with self.engine.begin() as connection:
            create_default_rules(connection, self.workspace.id)
            return list_routing_rules(connection, self.workspace.id)[0].rule.id

    def calibrate(self, external_id: str, username: str) -> int:
        """A calibration session on ``external_id`` with ``username`` taking part."""
        scorecard_id = self._scorecard_id()
        with self.engine.begin() as connection:
            key = connection.execute(
                calibration_sessions.insert().values(
                    workspace_id=self.workspace.id,
                    name=f"Calibration {self._next()}",
                    scorecard_id=scorecard_id,
                    status="open",
                    created_by=self.users["qa"],
                    created_at=utcnow(),
                )
            ).inserted_primary_key
            assert key is not None
            session_id = int(key[0])
            connection.execute(
                calibration_items.insert().values(
                    session_id=session_id, interaction_id=self.interaction(external_id)
                )
            )
            connection.execute(
                calibration_participants.insert().values(
                    session_id=session_id, user_id=self.users[username]
                )
            )
        return session_id

    # -- fresh rows for the routes of the matrix ----------------------------------------

    def fresh_target(self) -> int:
        """A new KPI target (each call another metric period pair)."""
        with self.engine.begin() as connection:
            target = save_target(
                connection,
                self.workspace,
                metric="csat",
                scope="team",
                scope_value=f"T{self._next()}",
                target=85.0,
                warning=80.0,
                direction="higher",
                owner="QA",
                period="month",
            )
        return target.id

    def fresh_api_key(self) -> int:
        """A new API key of the workspace."""
        with self.engine.begin() as connection:
            made = create_api_key(
                connection,
                workspace=self.workspace,
                name=f"key {self._next()}",
                created_by="admin",
            )
        return made.key.id

    def fresh_token(self, username: str = "agent1") -> int:
        """A new personal API token of ``username`` in the workspace."""
        with self.engine.begin() as connection:
            made = create_personal_token(
                connection,
                user_id=self.users[username],
                workspace=self.workspace,
                name=f"token {self._next()}",
                days=30,
                actor=username,
            )
        return made.token.id

    def fresh_rule(self) -> int:
        """A new alert rule (CSAT at most 2)."""
        with self.engine.begin() as connection:
            rule = save_alert_rule(
                connection,
                self.workspace,
                AlertRuleInput(name=f"Low CSAT {self._next()}", kind="csat_at_most"),
            )
        return rule.id

    def alert(self, external_id: str) -> int:
        """A new alert about interaction ``external_id`` (its team recorded)."""
        rule_id = self.fresh_rule()
        with self.engine.begin() as connection:
            team = connection.execute(
                select(interactions.c.team).where(
                    interactions.c.id == self.interaction(external_id)
                )
            ).scalar()
            key = connection.execute(
                alerts.insert().values(
                    workspace_id=self.workspace.id,
                    rule_id=rule_id,
                    subject=f"interaction:{self.interaction(external_id)}",
                    time_window="",
                    interaction_id=self.interaction(external_id),
                    team=team,
                    channel="chat",
                    details={"csat": 1, "comment": "плохо"},
                    raised_at=utcnow(),
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def fresh_place(self) -> int:
        """A new survey place."""
        with self.engine.begin() as connection:
            place = create_place(
                connection,
                workspace=self.workspace,
                name=f"Office {self._next()}",
                created_by="admin",
            )
        return place.id

    def job_run(self) -> int:
        """A finished job run of the workspace (retrying it is refused as not dead: 409)."""
        now = utcnow()
        with self.engine.begin() as connection:
            key = connection.execute(
                job_runs.insert().values(
                    name="alerts.deliver",
                    workspace_id=self.workspace.id,
                    payload={},
                    status="done",
                    attempts=1,
                    max_attempts=5,
                    created_at=now,
                    next_attempt_at=now,
                    finished_at=now,
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def fresh_member(self) -> int:
        """A new agent member of the workspace, to change or remove."""
        name = f"temp{self._next()}"
        with self.engine.begin() as connection:
            account = add_person(connection, self.workspace, name, WorkspaceRole.AGENT, agent=name)
        self.users[name] = account.id
        return account.id

    def fresh_invitation(self) -> int:
        """An open invitation of a new login to the workspace, to withdraw or answer."""
        name = f"invitee{self._next()}"
        with self.engine.begin() as connection:
            invite(
                connection,
                self.workspace,
                username=name,
                details=MemberInput(WorkspaceRole.AGENT, None, name),
                password=PASSWORD,
                invited_by="admin",
            )
            found = connection.execute(
                select(invitations.c.id).order_by(invitations.c.id.desc()).limit(1)
            ).scalar_one()
        return int(found)


def build_world(engine: Engine, workspace: Workspace, folder: Path) -> World:
    """Import the sample interactions and make the people of every role."""
    import_records(engine, workspace, folder, SAMPLE, name="policy-sample.jsonl")
    with engine.begin() as connection:
        add_people(connection, workspace, PEOPLE)
        other, _ = add_outsider(connection)
        people = {row.username: row.id for row in connection.execute(select(users))}
        ids = interaction_ids(connection, workspace)
    return World(engine, workspace, other, people, ids, folder)
