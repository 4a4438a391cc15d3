"""Commands of the people feature: competencies, training, tests and certification,
role-play scenarios, structured hiring and onboarding.

Each command acts as a member (``--as``), so the same rules apply as on the web.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

staff_app = typer.Typer(
    help="People: competencies, training from QA, knowledge tests, certification.",
    no_args_is_help=True,
)
AsOption = Annotated[str, typer.Option("--as", help="Act as this member (their rights apply).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@staff_app.command("competency")
@reports_errors
def competency(
    key: Annotated[str, typer.Argument(help="Short key, e.g. empathy.")],
    name: Annotated[str, typer.Argument(help="The name people read.")],
    member: AsOption,
    criterion: Annotated[list[str] | None, typer.Option(help="Scorecard criterion id.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Quiz topic.")] = None,
    question: Annotated[list[str] | None, typer.Option(help="Interview question ref.")] = None,
    description: str = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Create or replace a competency and what measures it."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.competencies import save_competency

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        saved = save_competency(
            connection,
            acting_as(connection, target.id, member),
            key=key,
            name=name,
            description=description,
            criteria=criterion or [],
            topics=topic or [],
            questions=question or [],
        )
    typer.echo(f"{saved.key}: {', '.join(saved.criteria) or '—'}")


@staff_app.command("proposals")
@reports_errors
def proposals_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """The modules the training rules propose now."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import proposals

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = proposals(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([p.as_json() for p in found], ensure_ascii=False, indent=2))
        return
    for p in found:
        typer.echo(
            f"{p.agent}\t{p.rule.criterion}\t{_pct(p.recent.mean)} (n={p.recent.n})"
            f"\t{p.rule.module_title}"
        )


@staff_app.command("assign")
@reports_errors
def assign_command(
    module_id: Annotated[int, typer.Argument(help="The module's id.")],
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    due: Annotated[str, typer.Option(help="YYYY-MM-DD, workspace time.")] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Assign a training module to an agent."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import assign_module

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        new_id = assign_module(
            connection,
            acting_as(connection, target.id, member),
            module_id=module_id,
            agent=agent,
            due=due,
        )
    typer.echo(f"assignment {new_id}")


@staff_app.command("effects")
@reports_errors
def effects_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Per module: its criterion before and after training, and whether it moved."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.training import module_effects

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = module_effects(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([e.as_json() for e in found], ensure_ascii=False, indent=2))
        return
    for e in found:
        typer.echo(
            f"{e.module.title}\t{e.module.criterion or '—'}\t"
            f"before {_pct(e.before.mean)} (n={e.before.n})\t"
            f"after {_pct(e.after.mean)} (n={e.after.n})\t{e.verdict}"
        )


@staff_app.command("profile")
@reports_errors
def profile_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """An agent's competency profile per month, as JSON."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.competencies import competency_profile

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        profile = competency_profile(connection, acting_as(connection, target.id, member), agent)
    typer.echo(json.dumps(profile.as_json(), ensure_ascii=False, indent=2))


@staff_app.command("results")
@reports_errors
def results_command(
    test_id: Annotated[int, typer.Argument(help="The test's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A test's results per agent, team and question, as JSON."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.knowledge import results_of_test

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        results = results_of_test(connection, acting_as(connection, target.id, member), test_id)
    typer.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))


@staff_app.command("remind")
@reports_errors
def remind_command(db: DbOption = None) -> None:
    """Send the certification reminders due now (the daily job does this on its own)."""
    from kontrol.accounts.installation import database_url, open_database
    from kontrol.staff.certification import send_reminders

    sent = send_reminders(open_database(database_url(db)))
    typer.echo(f"{sent} reminder(s) sent")


def _read(path: Path) -> str:
    from kontrol.domain.errors import Unreadable

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(
            f"{path}: {error}", key="cli.error.file", params={"load": path, "error": error}
        ) from None


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _day(value: str) -> date | None:
    from kontrol.staff.refusals import StaffInputError

    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise StaffInputError("staff.error.date") from None


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a mapping (a bad one is refused with its text)."""
    from kontrol.domain.errors import InvalidInput

    found: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"{what}: expected QUESTION_ID=VALUE, got {value!r}",
                key="cli.error.answer",
                params={"what": what, "value": value},
            )
        found[key.strip()] = rest.strip()
    return found


OutputOption = Annotated[Path | None, typer.Option("-o", help="Write here, not to stdout.")]

# -- knowledge tests -----------------------------------------------------------------

tests_app = typer.Typer(
    help="Knowledge tests: list, import and export as YAML.", no_args_is_help=True
)
staff_app.add_typer(tests_app, name="tests")


@tests_app.command("list")
@reports_errors
def tests_list_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """The workspace's tests: id, questions, pass mark, time limit, attempts."""
    from kontrol.accounts.policy import Action, require
    from kontrol.staff.acting import acting_as
    from kontrol.staff.knowledge import list_tests

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        require(acting_as(connection, target.id, member), Action.VIEW_TEST_RESULTS)
        found = list_tests(connection, target.id)
    if as_json:
        typer.echo(json.dumps([t.as_json() for t in found], ensure_ascii=False, indent=2))
        return
    for t in found:
        typer.echo(
            f"#{t.id}\t{len(t.question_ids)} questions\tpass {_pct(t.pass_mark)}\t"
            f"{t.time_limit_minutes} min\t{t.max_attempts} attempt(s)\t{t.title}"
        )


@tests_app.command("import")
@reports_errors
def tests_import_command(
    files: Annotated[list[Path], typer.Argument(help="Test YAML files.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Save tests from YAML files; an error names the file, the line and the field, and
    nothing is saved then."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.documents import import_test

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting_as(connection, target.id, member)
        for path in files:
            saved = import_test(connection, viewer, _read(path), file=str(path))
            typer.echo(f"{path}: test #{saved.id} {saved.title} ({len(saved.question_ids)} q.)")


@tests_app.command("export")
@reports_errors
def tests_export_command(
    test_id: Annotated[int, typer.Argument(help="The test's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    output: OutputOption = None,
) -> None:
    """Print (or write) a test with its questions as YAML (the shape `import` reads)."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.documents import export_test

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        text = export_test(connection, acting_as(connection, target.id, member), test_id)
    _write(text, output)


# -- role-play scenarios -------------------------------------------------------------

roleplays_app = typer.Typer(
    help="Role-play scenarios: list, import and export as YAML.", no_args_is_help=True
)
staff_app.add_typer(roleplays_app, name="roleplays")


@roleplays_app.command("list")
@reports_errors
def roleplays_list_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """The workspace's role-play scenarios: id, language, steps, title."""
    from kontrol.accounts.policy import Action, require
    from kontrol.staff.acting import acting_as
    from kontrol.staff.roleplay import list_scenarios

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        require(acting_as(connection, target.id, member), Action.VIEW_TEST_RESULTS)
        found = list_scenarios(connection, target.id)
    if as_json:
        typer.echo(json.dumps([s.as_json() for s in found], ensure_ascii=False, indent=2))
        return
    for s in found:
        typer.echo(f"#{s.id}\t{s.language}\t{len(s.steps)} steps\t{s.title}")


@roleplays_app.command("import")
@reports_errors
def roleplays_import_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Save scenarios from YAML files; an error names the file, the line and the field
    (a wrong script line: its line in the file), and nothing is saved then."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.documents import import_scenario

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting_as(connection, target.id, member)
        for path in files:
            saved = import_scenario(connection, viewer, _read(path), file=str(path))
            typer.echo(f"{path}: scenario #{saved.id} {saved.title} ({len(saved.steps)} steps)")


@roleplays_app.command("export")
@reports_errors
def roleplays_export_command(
    scenario_id: Annotated[int, typer.Argument(help="The scenario's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    output: OutputOption = None,
) -> None:
    """Print (or write) a scenario as YAML (the shape `import` reads)."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.documents import export_scenario

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        text = export_scenario(connection, acting_as(connection, target.id, member), scenario_id)
    _write(text, output)


# -- structured hiring ---------------------------------------------------------------

hiring_app = typer.Typer(
    help="Structured hiring: job profiles and guides, candidates, blind scores, decisions.",
    no_args_is_help=True,
)
staff_app.add_typer(hiring_app, name="hiring")


@hiring_app.command("profiles")
@reports_errors
def hiring_profiles_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Job profiles (vacancies) with their interview guides."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import list_profiles

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = list_profiles(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([p.as_json() for p in found], ensure_ascii=False, indent=2))
        return
    for p in found:
        typer.echo(f"#{p.id}\t{len(p.questions)} questions\t{p.title}")
        for q in p.questions:
            typer.echo(f"  q{q.id}\t{q.competency or '—'}\t{q.text}")


@hiring_app.command("add-profile")
@reports_errors
def hiring_add_profile_command(
    title: Annotated[str, typer.Argument(help="The job's title.")],
    member: AsOption,
    requirements: Annotated[str, typer.Option(help="What a candidate must bring.")] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A new job profile."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import create_profile

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        made = create_profile(
            connection,
            acting_as(connection, target.id, member),
            title=title,
            requirements=requirements,
        )
    typer.echo(f"profile #{made.id}: {made.title}")


@hiring_app.command("add-question")
@reports_errors
def hiring_add_question_command(
    profile_id: Annotated[int, typer.Argument(help="The job profile's id.")],
    text: Annotated[str, typer.Argument(help="The interview question.")],
    member: AsOption,
    anchor_1: Annotated[str, typer.Option("--anchor-1", help="What a 1 answer sounds like.")],
    anchor_3: Annotated[str, typer.Option("--anchor-3", help="What a 3 answer sounds like.")],
    anchor_5: Annotated[str, typer.Option("--anchor-5", help="What a 5 answer sounds like.")],
    competency: Annotated[str, typer.Option(help="The competency's key it measures.")] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add a question with its rating anchors to a profile's interview guide."""
    from kontrol.domain.errors import NotFound
    from kontrol.staff.acting import acting_as
    from kontrol.staff.competencies import list_competencies
    from kontrol.staff.hiring import add_guide_question

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        competency_id = None
        if competency:
            keyed = {c.key: c.id for c in list_competencies(connection, target.id)}
            if competency not in keyed:
                raise NotFound(
                    f"no competency {competency!r}",
                    key="cli.error.no_competency",
                    params={"competency": competency},
                )
            competency_id = keyed[competency]
        profile = add_guide_question(
            connection,
            acting_as(connection, target.id, member),
            profile_id,
            text=text,
            anchors=(anchor_1, anchor_3, anchor_5),
            competency_id=competency_id,
        )
    typer.echo(f"profile #{profile.id}: {len(profile.questions)} questions")


def _decision(candidate: Any) -> str:
    if candidate.decision is None:
        return "—"
    return f"{candidate.decision} ({candidate.decided_by})"


@hiring_app.command("candidates")
@reports_errors
def hiring_candidates_command(
    member: AsOption,
    profile: Annotated[int | None, typer.Option(help="Only this profile's candidates.")] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Candidates in reach (interviewers: those they interview), who handed in, the decision."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import list_candidates

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = list_candidates(
            connection, acting_as(connection, target.id, member), profile_id=profile
        )
    if as_json:
        typer.echo(json.dumps([c.as_json() for c in found], ensure_ascii=False, indent=2))
        return
    for c in found:
        handed = sum(1 for i in c.interviewers if i.submitted_at is not None)
        typer.echo(
            f"#{c.id}\tprofile #{c.profile_id}\t{c.name or '(erased)'}\t"
            f"scores {handed}/{len(c.interviewers)}\t{_decision(c)}"
        )


@hiring_app.command("add-candidate")
@reports_errors
def hiring_add_candidate_command(
    profile_id: Annotated[int, typer.Argument(help="The job profile's id.")],
    name: Annotated[str, typer.Argument(help="The candidate's name.")],
    member: AsOption,
    interviewer: Annotated[
        list[str], typer.Option(help="An interviewer's username (repeat for each).")
    ],
    contact: str = "",
    notes: str = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Add a candidate with the people who will interview them."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import add_candidate

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        ids = [acting_as(connection, target.id, u).account.id for u in interviewer]
        added = add_candidate(
            connection,
            acting_as(connection, target.id, member),
            profile_id=profile_id,
            name=name,
            contact=contact,
            notes=notes,
            interviewer_ids=ids,
        )
    typer.echo(f"candidate #{added.id}: {added.name}")


@hiring_app.command("score")
@reports_errors
def hiring_score_command(
    candidate_id: Annotated[int, typer.Argument(help="The candidate's id.")],
    member: AsOption,
    rating: Annotated[
        list[str], typer.Option(help="QUESTION_ID=1..5 for every guide question (repeat).")
    ],
    note: Annotated[list[str] | None, typer.Option(help="QUESTION_ID=text (repeat).")] = None,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """An interviewer hands in their ratings (once; the others' stay hidden until then)."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import hand_in_ratings

    engine, target = open_workspace(db, workspace)
    ratings = {k.lstrip("q"): v for k, v in _pairs(rating, "--rating").items()}
    notes = {k.lstrip("q"): v for k, v in _pairs(note, "--note").items()}
    with engine.begin() as connection:
        hand_in_ratings(
            connection, acting_as(connection, target.id, member), candidate_id, ratings, notes
        )
    typer.echo(f"candidate #{candidate_id}: scores handed in")


@hiring_app.command("scores")
@reports_errors
def hiring_scores_command(
    candidate_id: Annotated[int, typer.Argument(help="The candidate's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A candidate's ratings, spread per question and agreement, as JSON (refused while
    you have not handed in your own)."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import candidate_scores

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = candidate_scores(connection, acting_as(connection, target.id, member), candidate_id)
    typer.echo(json.dumps(found.as_json(), ensure_ascii=False, indent=2))


@hiring_app.command("decide")
@reports_errors
def hiring_decide_command(
    candidate_id: Annotated[int, typer.Argument(help="The candidate's id.")],
    decision: Annotated[str, typer.Argument(help="hire or reject.")],
    member: AsOption,
    reason: Annotated[str, typer.Option(help="Why (required).")] = "",
    agent: Annotated[
        str, typer.Option(help="Hired: the agent id they got (interviews join its profile).")
    ] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record the decision on a candidate with its reason."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import decide

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        found = decide(
            connection,
            acting_as(connection, target.id, member),
            candidate_id,
            decision=decision,
            reason=reason,
            agent=agent,
        )
    hired_as = f" as {found.agent}" if found.agent else ""
    typer.echo(f"candidate #{found.id}: {found.decision}{hired_as}")


@hiring_app.command("compare")
@reports_errors
def hiring_compare_command(
    profile_id: Annotated[int, typer.Argument(help="The job profile's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
    output: OutputOption = None,
) -> None:
    """Export the candidates of a profile side by side (CSV, or JSON with --json): mean per
    competency, overall mean, agreement, decision."""
    import csv
    import io

    from kontrol.staff.acting import acting_as
    from kontrol.staff.hiring import compare_candidates

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        rows = compare_candidates(connection, acting_as(connection, target.id, member), profile_id)
    if as_json:
        _write(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2) + "\n", output)
        return
    keys = sorted({k for r in rows for k in r.by_competency})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["candidate_id", "name", *keys, "mean", "agreement", "decision", "reason"])
    for r in rows:
        c = r.candidate
        writer.writerow(
            [
                c.id,
                c.name or "",
                *["" if r.by_competency.get(k) is None else r.by_competency[k] for k in keys],
                "" if r.mean is None else r.mean,
                "" if r.agreement.value is None else round(r.agreement.value, 3),
                c.decision or "",
                c.decision_reason or "",
            ]
        )
    _write(buffer.getvalue(), output)


@hiring_app.command("send-roleplay")
@reports_errors
def hiring_send_roleplay_command(
    candidate_id: Annotated[int, typer.Argument(help="The candidate's id.")],
    scenario_id: Annotated[int, typer.Argument(help="The role-play scenario's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """A single-use link (72 hours, no login) to a role play as a work test; prints its path."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.roleplay import send_to_candidate

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        path = send_to_candidate(
            connection, acting_as(connection, target.id, member), candidate_id, scenario_id
        )
    typer.echo(path)


# -- onboarding ----------------------------------------------------------------------

onboarding_app = typer.Typer(
    help="Onboarding: a new agent's first 90 days, mentor and feedback sessions.",
    no_args_is_help=True,
)
staff_app.add_typer(onboarding_app, name="onboarding")


@onboarding_app.command("start")
@reports_errors
def onboarding_start_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    mentor: Annotated[str, typer.Option(help="The mentor's username.")] = "",
    first_day: Annotated[
        str, typer.Option("--from", help="The first day, YYYY-MM-DD (default: today).")
    ] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Start an agent's onboarding with a mentor."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.onboarding import start_onboarding

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        found = start_onboarding(
            connection,
            acting_as(connection, target.id, member),
            agent=agent,
            started_on=_day(first_day),
            mentor=mentor,
        )
    mentor_name = found.mentor.display_name if found.mentor else "—"
    typer.echo(
        f"{found.agent.external_id}: {found.started_on} – {found.ends_on}, mentor {mentor_name}"
    )


@onboarding_app.command("list")
@reports_errors
def onboarding_list_command(
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: JsonOption = False,
) -> None:
    """Onboardings in reach with their progress: day of 90, mentor, sessions held."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.onboarding import ONBOARDING_DAYS, list_onboardings

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        found = list_onboardings(connection, acting_as(connection, target.id, member))
    if as_json:
        typer.echo(json.dumps([o.as_json() for o in found], ensure_ascii=False, indent=2))
        return
    for o in found:
        progress = "finished" if o.finished else f"day {o.day}/{ONBOARDING_DAYS}"
        mentor_name = o.mentor.display_name if o.mentor else "—"
        last = o.sessions[-1].held_on.isoformat() if o.sessions else "—"
        typer.echo(
            f"{o.agent.external_id}\t{o.agent.name or '—'}\t{o.agent.team or '—'}\t"
            f"from {o.started_on}\t{progress}\tmentor {mentor_name}\t"
            f"{len(o.sessions)} session(s), last {last}"
        )


@onboarding_app.command("show")
@reports_errors
def onboarding_show_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """One onboarding as JSON: KPIs beside the team's, training, tests, certification,
    sessions (the same as the API)."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.onboarding import onboarding_view

    engine, target = open_workspace(db, workspace)
    with engine.connect() as connection:
        view = onboarding_view(connection, acting_as(connection, target.id, member), agent)
    typer.echo(json.dumps(view.as_json(), ensure_ascii=False, indent=2))


@onboarding_app.command("mentor")
@reports_errors
def onboarding_mentor_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    mentor: Annotated[str, typer.Argument(help="The new mentor's username.")],
    member: AsOption,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Change the new agent's mentor."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.onboarding import set_mentor

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        found = set_mentor(connection, acting_as(connection, target.id, member), agent, mentor)
    typer.echo(f"{agent}: mentor {found.mentor.display_name if found.mentor else '—'}")


@onboarding_app.command("session")
@reports_errors
def onboarding_session_command(
    agent: Annotated[str, typer.Argument(help="The agent's id.")],
    member: AsOption,
    notes: Annotated[str, typer.Option(help="What was discussed (required).")],
    led_by: Annotated[
        str, typer.Option("--led-by", help="Who led it, username (default: you).")
    ] = "",
    held_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = "",
    next_steps: Annotated[str, typer.Option("--next-steps", help="What was agreed.")] = "",
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record a feedback session held with the new agent."""
    from kontrol.staff.acting import acting_as
    from kontrol.staff.onboarding import onboarding_today, record_session

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        viewer = acting_as(connection, target.id, member)
        session = record_session(
            connection,
            viewer,
            agent,
            held_on=_day(held_on) or onboarding_today(viewer),
            led_by=led_by or member,
            notes=notes,
            next_steps=next_steps,
        )
    typer.echo(f"{agent}: session {session.held_on} led by {session.led_by_name}")
