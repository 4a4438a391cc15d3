"""Role plays: a practice chat with a scripted customer, scored like a real conversation.

A lead writes a scenario as plain text, in Russian or English. Steps are
separated by a blank line; a step's first line is what the customer says, and
each further line ``word, other word => N`` sends the chat to step N when the
agent's answer contains one of the words (case-insensitive, the first matching
line wins); without a match the chat goes to the next step. After the last
step the customer leaves and the transcript is scored.

Scoring uses the file scoring path of the checks (``kontrol score FILE``): the
transcript is written as one FORMAT.md chat and scored with the workspace's
active scorecard of the scenario's language, so a role play is judged by the
same automatic checks and scorecard as real conversations.

Candidates get a role play through a public link: 256 random bits, stored only
as a hash, expiring, and finished once (the pages rate-limit it like survey
links).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import AGENT, Action, allowed, require
from kontrol.checks.file_scoring import score_file
from kontrol.checks.scorecards import active_scorecards
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, NotFound
from kontrol.feedback.coaching import coaching_agents
from kontrol.staff.hiring import get_candidate
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.rows import insert_row
from kontrol.store.tables import staff_roleplays, staff_scenarios

LANGUAGES = ("ru", "en")
MAX_STEPS = 30
MAX_ANSWER = 2000
OPEN, FINISHED = "open", "finished"
LINK_HOURS = 72


@dataclass(frozen=True, slots=True)
class RolePlayStep:
    """What the customer says, and where each keyword sends the chat."""

    customer: str
    branches: tuple[tuple[tuple[str, ...], int], ...]


def parse_roleplay(text: str) -> list[RolePlayStep]:
    """The steps of a script; ``StaffInputError`` names the line at fault."""
    steps: list[RolePlayStep] = []
    block: list[tuple[int, str]] = []
    lines = text.replace("\r\n", "\n").split("\n") + [""]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line.strip()))
            continue
        if not block:
            continue
        (_, customer), *rules = block
        branches = []
        for at, rule in rules:
            words, arrow, target = rule.partition("=>")
            keywords = tuple(w.strip().lower() for w in words.split(",") if w.strip())
            if not arrow or not keywords or not target.strip().isdigit():
                raise StaffInputError("staff.error.script_line", line=at)
            branches.append((keywords, int(target.strip())))
        steps.append(RolePlayStep(customer, tuple(branches)))
        block = []
    if not steps or len(steps) > MAX_STEPS:
        raise StaffInputError("staff.error.script_steps", most=MAX_STEPS)
    for step in steps:
        for _, goes_to in step.branches:
            if not 1 <= goes_to <= len(steps):
                raise StaffInputError("staff.error.script_target", target=goes_to)
    return steps


def _steps(raw: Any) -> list[RolePlayStep]:
    return [
        RolePlayStep(s["customer"], tuple((tuple(b[0]), int(b[1])) for b in s["branches"]))
        for s in raw
    ]


@dataclass(frozen=True, slots=True)
class RolePlayScenario:
    """A role-play scenario."""

    id: int
    title: str
    language: str
    script: str
    steps: tuple[RolePlayStep, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "script": self.script,
            "steps": len(self.steps),
        }


def list_scenarios(connection: Connection, workspace_id: int) -> list[RolePlayScenario]:
    """The workspace's scenarios by title."""
    rows = connection.execute(
        select(staff_scenarios)
        .where(staff_scenarios.c.workspace_id == workspace_id)
        .order_by(staff_scenarios.c.title)
    )
    return [
        RolePlayScenario(r.id, r.title, r.language, r.script, tuple(_steps(r.steps))) for r in rows
    ]


def get_scenario(connection: Connection, workspace_id: int, scenario_id: int) -> RolePlayScenario:
    """One scenario of the workspace; ``NotFound`` otherwise."""
    for scenario in list_scenarios(connection, workspace_id):
        if scenario.id == scenario_id:
            return scenario
    raise NotFound(
        f"no scenario {scenario_id}",
        key="staff.error.no_scenario",
        params={"scenario_id": scenario_id},
    )


def create_scenario(
    connection: Connection, viewer: Viewer, *, title: str, language: str, script: str
) -> RolePlayScenario:
    """Write a scenario (admins, QA leads)."""
    require(viewer, Action.MANAGE_TRAINING)
    title = title.strip()
    if not title or len(title) > 200:
        raise StaffInputError("staff.error.scenario_title")
    if language not in LANGUAGES:
        raise StaffInputError("staff.error.scenario_language")
    if len(script) > 20000:
        raise StaffInputError("staff.error.script_steps", most=MAX_STEPS)
    steps = parse_roleplay(script)
    if any(s.title == title for s in list_scenarios(connection, viewer.workspace.id)):
        raise StaffInputError("staff.error.scenario_taken", title=title)
    new_id = insert_row(
        connection,
        insert(staff_scenarios).values(
            workspace_id=viewer.workspace.id,
            title=title,
            language=language,
            script=script.strip(),
            steps=[
                {"customer": s.customer, "branches": [list(b) for b in s.branches]} for s in steps
            ],
            created_by=viewer.account.username,
            created_at=utcnow(),
        ),
    )
    return get_scenario(connection, viewer.workspace.id, new_id)


# -- practice chats ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RolePlay:
    """A practice chat: the transcript so far and, once finished, its score."""

    id: int
    scenario: RolePlayScenario
    agent: str | None
    candidate_id: int | None
    transcript: tuple[dict[str, str], ...]
    step: int
    status: str
    score: float | None
    results: dict[str, Any]
    expires_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario.title,
            "agent": self.agent,
            "candidate_id": self.candidate_id,
            "transcript": list(self.transcript),
            "status": self.status,
            "score": self.score,
            "results": self.results,
        }


def _roleplay(row: Any, scenario: RolePlayScenario) -> RolePlay:
    return RolePlay(
        row.id,
        scenario,
        row.agent_external_id,
        row.candidate_id,
        tuple(row.transcript),
        row.step,
        row.status,
        row.score,
        dict(row.results or {}),
        row.expires_at,
    )


def _load(connection: Connection, row: Any) -> RolePlay:
    return _roleplay(row, get_scenario(connection, row.workspace_id, row.scenario_id))


def start_practice(connection: Connection, viewer: Viewer, scenario_id: int) -> RolePlay:
    """An agent starts a practice chat: the customer's first message is there."""
    require(viewer, Action.TAKE_TESTS)
    scenario = get_scenario(connection, viewer.workspace.id, scenario_id)
    new_id = _start(
        connection, viewer.workspace.id, scenario, agent=viewer.membership.agent_external_id
    )
    return get_roleplay(connection, viewer, new_id)


def _start(
    connection: Connection,
    workspace_id: int,
    scenario: RolePlayScenario,
    *,
    agent: str | None = None,
    candidate_id: int | None = None,
    token_hash: str | None = None,
    expires_at: datetime | None = None,
) -> int:
    now = utcnow()
    return insert_row(
        connection,
        insert(staff_roleplays).values(
            workspace_id=workspace_id,
            scenario_id=scenario.id,
            agent_external_id=agent,
            candidate_id=candidate_id,
            token_hash=token_hash,
            expires_at=expires_at,
            transcript=[
                {"role": "customer", "text": scenario.steps[0].customer, "at": now.isoformat()}
            ],
            step=1,
            status=OPEN,
            started_at=now,
        ),
    )


def roleplays_of(connection: Connection, viewer: Viewer) -> list[RolePlay]:
    """Practice chats ``viewer`` may see (agents: their own), newest first."""
    require(viewer, Action.VIEW_TEST_RESULTS)
    query = select(staff_roleplays).where(staff_roleplays.c.workspace_id == viewer.workspace.id)
    if viewer.role is AGENT:
        query = query.where(
            staff_roleplays.c.agent_external_id == (viewer.membership.agent_external_id or "")
        )
    else:
        visible = sorted(a.external_id for a in coaching_agents(connection, viewer))
        query = query.where(staff_roleplays.c.agent_external_id.in_(visible))
    rows = connection.execute(query.order_by(staff_roleplays.c.id.desc())).all()
    return [_load(connection, row) for row in rows]


def get_roleplay(connection: Connection, viewer: Viewer, roleplay_id: int) -> RolePlay:
    """One practice chat ``viewer`` may see; ``NotFound`` otherwise."""
    for found in roleplays_of(connection, viewer):
        if found.id == roleplay_id:
            return found
    raise NotFound(
        f"no role play {roleplay_id}",
        key="staff.error.no_roleplay",
        params={"roleplay_id": roleplay_id},
    )


def _next_step(step: RolePlayStep, answer: str, current: int, count: int) -> int:
    text = answer.lower()
    for keywords, target in step.branches:
        if any(word in text for word in keywords):
            return target
    return current + 1 if current < count else count + 1


def _answer(connection: Connection, row: Any, text: str) -> None:
    """Add the agent's answer and the customer's reply; score the chat when it ends."""
    if row.status != OPEN:
        raise Conflict("this role play is finished", key="staff.error.roleplay_finished")
    text = text.strip()
    if not text or len(text) > MAX_ANSWER:
        raise StaffInputError("staff.error.answer_empty", most=MAX_ANSWER)
    scenario = get_scenario(connection, row.workspace_id, row.scenario_id)
    steps = scenario.steps
    now = utcnow()
    transcript = [*row.transcript, {"role": "agent", "text": text, "at": now.isoformat()}]
    target = _next_step(steps[row.step - 1], text, row.step, len(steps))
    # A chat that loops forever is cut at three agent turns per step.
    if target > len(steps) or len(transcript) >= 6 * len(steps):
        connection.execute(
            update(staff_roleplays)
            .where(staff_roleplays.c.id == row.id, staff_roleplays.c.status == OPEN)
            .values(
                transcript=transcript,
                status=FINISHED,
                finished_at=now,
                **_score(connection, row.workspace_id, scenario, transcript),
            )
        )
        return
    transcript.append(
        {
            "role": "customer",
            "text": steps[target - 1].customer,
            "at": (now + timedelta(seconds=1)).isoformat(),
        }
    )
    connection.execute(
        update(staff_roleplays)
        .where(staff_roleplays.c.id == row.id, staff_roleplays.c.status == OPEN)
        .values(transcript=transcript, step=target)
    )


def answer_practice(
    connection: Connection, viewer: Viewer, roleplay_id: int, text: str
) -> RolePlay:
    """The agent answers the scripted customer."""
    require(viewer, Action.TAKE_TESTS)
    found = get_roleplay(connection, viewer, roleplay_id)
    row = connection.execute(select(staff_roleplays).where(staff_roleplays.c.id == found.id)).one()
    _answer(connection, row, text)
    return get_roleplay(connection, viewer, roleplay_id)


def _score(
    connection: Connection,
    workspace_id: int,
    scenario: RolePlayScenario,
    transcript: list[dict[str, str]],
) -> dict[str, Any]:
    """Score the transcript through the file scoring path with the workspace's scorecard."""
    cards = [
        c
        for c in active_scorecards(connection, workspace_id)
        if c.scorecard.applies_to("chat", scenario.language)
    ]
    # The workspace's own card of that language first, else one for every language.
    cards.sort(
        key=lambda c: (
            c.scorecard.language != scenario.language,
            not c.name.endswith(f"-{scenario.language}"),
        )
    )
    card = cards[0] if cards else None
    record = {
        "id": "roleplay",
        "channel": "chat",
        "started_at": transcript[0]["at"] + "+00:00",
        "customer_id": "roleplay",
        "agent_id": "roleplay",
        "language": scenario.language,
        "messages": [
            {"role": m["role"], "text": m["text"], "at": m["at"] + "+00:00"} for m in transcript
        ],
    }
    with tempfile.TemporaryDirectory(prefix="kontrol-roleplay-") as folder:
        path = Path(folder) / "roleplay.jsonl"
        path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        wanted = "default"
        if card is not None:
            card_path = Path(folder) / "scorecard.yaml"
            card_path.write_text(card.yaml, encoding="utf-8")
            wanted = str(card_path)
        lines = score_file(path, scorecard=wanted).lines
    line = lines[0] if lines else {}
    return {
        "score": line.get("score"),
        "results": {
            "scorecard": line.get("scorecard"),
            "passed": line.get("passed"),
            "checks": line.get("checks", {}),
        },
    }


# -- candidates' links ---------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_to_candidate(
    connection: Connection,
    viewer: Viewer,
    candidate_id: int,
    scenario_id: int,
    *,
    hours: int = LINK_HOURS,
) -> str:
    """A single-use, expiring link to a role play for a candidate; the path with its token."""
    require(viewer, Action.MANAGE_HIRING)
    candidate = get_candidate(connection, viewer, candidate_id)
    scenario = get_scenario(connection, viewer.workspace.id, scenario_id)
    token = secrets.token_urlsafe(32)
    _start(
        connection,
        viewer.workspace.id,
        scenario,
        candidate_id=candidate.id,
        token_hash=_hash(token),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    return f"/r/{token}"


def candidate_roleplays(
    connection: Connection, viewer: Viewer, candidate_id: int
) -> list[RolePlay]:
    """The role plays sent to a candidate (hiring managers and the candidate's interviewers)."""
    candidate = get_candidate(connection, viewer, candidate_id)
    rows = connection.execute(
        select(staff_roleplays)
        .where(
            staff_roleplays.c.workspace_id == viewer.workspace.id,
            staff_roleplays.c.candidate_id == candidate.id,
        )
        .order_by(staff_roleplays.c.id)
    ).all()
    return [_load(connection, row) for row in rows]


def public_roleplay(connection: Connection, token: str, *, now: datetime | None = None) -> RolePlay:
    """The role play behind a link; ``NotFound`` for an unknown or expired one."""
    row = connection.execute(
        select(staff_roleplays).where(staff_roleplays.c.token_hash == _hash(token))
    ).first()
    if row is None or row.expires_at is None or row.expires_at < (now or utcnow()):
        raise NotFound("no such role play link", key="staff.error.no_roleplay_link")
    return _load(connection, row)


def answer_public(connection: Connection, token: str, text: str) -> RolePlay:
    """The candidate answers through their link (refused once finished or expired)."""
    found = public_roleplay(connection, token)
    row = connection.execute(select(staff_roleplays).where(staff_roleplays.c.id == found.id)).one()
    _answer(connection, row, text)
    return public_roleplay(connection, token)


def may_send_roleplays(viewer: Viewer) -> bool:
    """Whether ``viewer`` sends role plays to candidates."""
    return allowed(viewer, Action.MANAGE_HIRING)
