"""Demo mode: generated interactions and people with known passwords, to try Kontrol."""

from __future__ import annotations

import gzip
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from kontrol.accounts.logins import add_user
from kontrol.accounts.workspaces import Workspace
from kontrol.demo.seed.accounts import seed_people_demo
from kontrol.demo.seed.alerts import create_demo_surveys_and_alerts
from kontrol.demo.seed.analysis import seed_analysis_demo
from kontrol.demo.seed.audits import seed_audits_demo
from kontrol.demo.seed.calibration import seed_calibration_demo
from kontrol.demo.seed.checks import set_up_demo_checks
from kontrol.demo.seed.feedback import seed_feedback_demo
from kontrol.demo.seed.improvement import seed_improvement_demo
from kontrol.demo.seed.ingest import create_demo_api_traffic
from kontrol.demo.seed.judging import seed_judging_demo
from kontrol.demo.seed.metrics import add_demo_kpi_settings
from kontrol.demo.seed.mystery import seed_mystery_demo
from kontrol.demo.seed.reports import seed_reports_demo
from kontrol.demo.seed.review import seed_review_demo
from kontrol.demo.seed.routing import seed_routing_demo
from kontrol.demo.seed.scripts import seed_scripts_demo
from kontrol.demo.seed.speech import seed_speech_demo
from kontrol.demo.seed.staff import (
    seed_hiring_demo,
    seed_onboarding_demo,
    seed_roleplays_demo,
    seed_staff_demo,
    seed_tests_demo,
)
from kontrol.demo.seed.teams import seed_team_work_demo
from kontrol.demo.seed.worktools import seed_worktools_demo
from kontrol.demo.sizes import SMALL, DemoSize
from kontrol.domain.roles import WorkspaceRole
from kontrol.ingest.import_report import ImportReport
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions, users


@dataclass(frozen=True)
class DemoLogin:
    """A demo account, printed for the person trying Kontrol."""

    username: str
    password: str
    role: WorkspaceRole
    display_name: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin-kontrol", WorkspaceRole.ADMIN, "Администратор"),
    DemoLogin("qa", "qa-kontrol", WorkspaceRole.QA_LEAD, "Наталья Орлова, ОКК"),
    DemoLogin("reviewer", "reviewer-kontrol", WorkspaceRole.REVIEWER, "Павел Зайцев"),
    DemoLogin("lead", "lead-kontrol", WorkspaceRole.TEAM_LEAD, "Ирина Соколова, «Линия 1»"),
    DemoLogin("agent", "agent-kontrol", WorkspaceRole.AGENT, "Анна Смирнова"),
    DemoLogin("shopper", "shopper-kontrol", WorkspaceRole.SHOPPER, "Мария Белова"),
    DemoLogin("recruiter", "recruiter-kontrol", WorkspaceRole.RECRUITER, "Ольга Миронова, HR"),
)


def has_interactions(engine: Engine, workspace: Workspace) -> bool:
    """True when the workspace holds any interaction."""
    with engine.connect() as connection:
        row = connection.execute(
            select(interactions.c.id).where(interactions.c.workspace_id == workspace.id).limit(1)
        ).first()
    return row is not None


def write_demo_file(
    path: Path,
    *,
    seed: int,
    count: int | None = None,
    end: date | None = None,
    size: DemoSize = SMALL,
) -> int:
    """Write generated records to a ``.jsonl.gz`` file; returns how many records.

    ``end``: the last day of the data (the generator's fixed date when left out);
    ``count``: how many interactions (the size's own number when left out).
    """
    # Imported here: the generator's phrase tables are only needed to write demo data.
    from kontrol.demo.generator import generate

    written = 0
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in generate(seed=seed, interactions=count, end=end, size=size):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written


def load_demo(
    engine: Engine,
    workspace: Workspace,
    *,
    seed: int = 42,
    count: int | None = None,
    recordings: Path | None = None,
    end: date | None = None,
    size: DemoSize = SMALL,
) -> ImportReport:
    """Generate demo data and import it through the ordinary import path.

    ``end``: the last day of the generated conversations (``kontrol demo`` passes
    today, so the dashboard opens on a full period; tests leave it out and get
    the generator's fixed, reproducible dates).

    ``recordings``: the recordings directory to write the demo calls' audio into
    (``kontrol demo`` passes KONTROL_RECORDINGS_DIR; tests leave it out).

    ``size``: the tests' small world (ten agents) or the 60-seat centre that
    ``kontrol demo`` loads; ``count`` overrides its number of interactions.
    """
    create_demo_surveys_and_alerts(engine, workspace)
    add_demo_kpi_settings(engine, workspace)  # before the import: facts use the calendar
    with tempfile.TemporaryDirectory(prefix="kontrol-demo-") as folder:
        path = Path(folder) / "demo.jsonl.gz"
        write_demo_file(path, seed=seed, count=count, end=end, size=size)
        set_up_demo_checks(engine, workspace.id)
        # Before the import: the scripts are in force when the demo data is scored.
        seed_scripts_demo(engine, workspace)
        report = import_file(engine=engine, workspace=workspace, path=path, label="demo.jsonl.gz")
    create_demo_api_traffic(engine, workspace)
    create_demo_logins(engine, workspace)
    # The colleagues before routing: review work is spread over every reviewer, as
    # routing does in a real team, not piled on the demo logins.
    seed_people_demo(engine, workspace.id, leads=size.leads)
    seed_routing_demo(engine, workspace.id)
    # The centre's reviewers all work through their queues at a comparable pace.
    seed_review_demo(engine, workspace.id, colleagues=size.team_work)
    # Language-model criteria in shadow mode; no endpoint: the demo reaches no model.
    seed_judging_demo(engine, workspace.id)
    seed_feedback_demo(engine, workspace.id)
    if size.team_work:
        # The centre: reviews, disputes and coaching over every team, not only the demo agent.
        seed_team_work_demo(engine, workspace.id, size.agents)
    # Calibration needs three raters: the QA lead, the reviewer and a colleague.
    seed_calibration_demo(engine, workspace.id)
    if recordings is not None:
        seed_speech_demo(engine, workspace.id, recordings, calls=size.recordings)
    # A running mystery-shopping programme; its own shops link to the demo interactions.
    seed_mystery_demo(engine, workspace.id)
    # CRM deals, tickets and tasks of the same agents, checked week by week.
    seed_worktools_demo(engine, workspace)
    # Audits measure the imported data; the plan turns their findings into actions.
    seed_improvement_demo(engine, workspace.id, seed_audits_demo(engine, workspace.id))
    seed_staff_demo(engine, workspace.id)
    seed_tests_demo(engine, workspace.id)
    seed_hiring_demo(engine, workspace.id)
    seed_roleplays_demo(engine, workspace.id)
    seed_onboarding_demo(engine, workspace.id)
    seed_analysis_demo(engine, workspace, seed=seed)
    # Reports last: the weekly service report is generated from everything above.
    seed_reports_demo(engine, workspace)
    return report


def create_demo_logins(engine: Engine, workspace: Workspace) -> list[DemoLogin]:
    """The demo accounts that do not exist yet."""
    created = []
    with engine.begin() as connection:
        for login in DEMO_LOGINS:
            exists = connection.execute(
                select(users.c.id).where(users.c.username == login.username)
            ).first()
            if exists is not None:
                continue
            add_user(
                connection,
                username=login.username,
                password=login.password,
                workspace_name=workspace.name,
                role=login.role,
                display_name=login.display_name,
                agent_external_id="a01" if login.role is WorkspaceRole.AGENT else None,
                team="Линия 1" if login.role is WorkspaceRole.TEAM_LEAD else None,
            )
            created.append(login)
    return created
