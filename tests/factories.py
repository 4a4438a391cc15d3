"""Factories the test worlds share: FORMAT.md records, people, imports, logged-in clients.

Each world (tests/webapp.py, tests/accounts/world.py, tests/feedback/feedback_world.py,
tests/review/calibration_fixtures.py, tests/review/routing_data.py,
tests/surveys/builders.py, tests/metrics/fixtures.py) keeps its own data and
says only what is particular to it; how a record is laid out, how a person is
added, how records reach the store and how a client logs in is written here once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.logins import Account, add_user, memberships_of
from kontrol.accounts.workspaces import Workspace, create_workspace
from kontrol.demo.sizes import SMALL
from kontrol.domain.roles import WorkspaceRole
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions

# Every person of every test world logs in with it.
PASSWORD = "correct horse battery"
# (username, role, agent id, team) of a person of a test world.
PersonRow = tuple[str, WorkspaceRole, str | None, str | None]


def message(role: str, text: str, at: str) -> dict[str, str]:
    """One message of a record (FORMAT.md)."""
    return {"role": role, "text": text, "at": at}


def exchange(
    question: str, answer: str, *, at: str, answered: str | None = None
) -> list[dict[str, str]]:
    """The customer's message at ``at`` and the agent's answer (at ``answered``, or ``at``)."""
    return [message("customer", question, at), message("agent", answer, answered or at)]


def interaction_record(
    external_id: str,
    *,
    started: str,
    messages: Sequence[dict[str, str]],
    channel: str = "chat",
    customer: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A FORMAT.md interaction (a chat unless ``channel`` says otherwise).

    The customer is ``c-<id>`` unless given; ``fields`` add any other field of
    the format, and a field given as None is left out of the record.
    """
    record: dict[str, Any] = {
        "id": external_id,
        "channel": channel,
        "started_at": started,
        "customer_id": customer or f"c-{external_id}",
        **fields,
        "messages": list(messages),
    }
    return {key: value for key, value in record.items() if value is not None}


def write_jsonl(path: Path, records: Iterable[dict[str, Any]], *, tail: str = "") -> Path:
    """Write ``records`` one JSON object a line (then ``tail`` verbatim) to ``path``."""
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in records)
    path.write_text(lines + tail, encoding="utf-8")
    return path


def demo_interactions_file(path: Path, count: int, *, seed: int = 5) -> Path:
    """``count`` demo interactions (and the demo agents), without surveys or orders.

    Nothing else between them, so a batch of the import holds more interactions
    than the background threshold (500) once ``count`` exceeds it.
    """
    from kontrol.demo.generator import generate

    records = [
        r for r in generate(seed=seed, interactions=count, size=SMALL) if r.get("kind") != "order"
    ]
    return write_jsonl(path, [r for r in records if r.get("kind") != "survey"])


def import_records(
    engine: Engine,
    workspace: Workspace,
    folder: Path,
    records: Iterable[dict[str, Any]],
    *,
    name: str | None = None,
    tail: str = "",
) -> ImportReport:
    """Import ``records`` through a file in ``folder``, as a person would.

    Without ``name`` each call writes the next ``batch-<n>.jsonl``.
    """
    name = name or f"batch-{len(list(folder.glob('batch-*')))}.jsonl"
    path = write_jsonl(folder / name, records, tail=tail)
    return import_file(engine=engine, workspace=workspace, path=path)


def interaction_ids(connection: Connection, workspace: Workspace) -> dict[str, int]:
    """The stored id of each interaction of ``workspace``, by its external id."""
    rows = connection.execute(
        select(interactions.c.external_id, interactions.c.id).where(
            interactions.c.workspace_id == workspace.id
        )
    )
    return {row.external_id: int(row.id) for row in rows}


def add_person(
    connection: Connection,
    workspace: Workspace,
    username: str,
    role: WorkspaceRole,
    *,
    agent: str | None = None,
    team: str | None = None,
    display_name: str | None = None,
) -> Account:
    """A person with ``role`` in ``workspace`` (agent id and team where the role has them)."""
    return add_user(
        connection,
        username=username,
        password=PASSWORD,
        workspace_name=workspace.name,
        role=role,
        display_name=display_name,
        agent_external_id=agent,
        team=team,
    )


def add_people(
    connection: Connection,
    workspace: Workspace,
    people: Iterable[PersonRow],
    *,
    shown_as: Callable[[str], str] | None = None,
) -> dict[str, Account]:
    """Each person of ``people`` in ``workspace``; their accounts by username.

    With ``shown_as``, a person's display name is made from the username
    (``str.capitalize``: "Qa"); without, the username is shown.
    """
    return {
        username: add_person(
            connection,
            workspace,
            username,
            role,
            agent=agent,
            team=team,
            display_name=shown_as(username) if shown_as else None,
        )
        for username, role, agent, team in people
    }


def add_outsider(
    connection: Connection, role: WorkspaceRole = WorkspaceRole.ADMIN
) -> tuple[Workspace, Account]:
    """Workspace "other client" and ``outsider``, who has ``role`` there and nowhere else."""
    other = create_workspace(connection, name="other client")
    return other, add_person(connection, other, "outsider", role)


def viewer_of(connection: Connection, account: Account, workspace: Workspace) -> Viewer:
    """``account`` as it views ``workspace`` (its membership there)."""
    membership = next(
        found for found in memberships_of(connection, account) if found.workspace.id == workspace.id
    )
    return Viewer(account, membership)


def form_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a form on ``path`` carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no form token on {path}"
    return found.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
