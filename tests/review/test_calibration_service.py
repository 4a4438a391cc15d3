"""Calibration sessions through the service, on SQLite and PostgreSQL.

The expected figures are worked out by hand in the comments from the answers
the tests enter (scorecard in calibration_fixtures: greeting 1, solution 2,
overall 1-5 weight 1).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.review.agreement import fleiss_kappa, krippendorff_alpha
from kontrol.review.calibration.results import reviewer_deviation, session_results
from kontrol.review.calibration.session_changes import (
    close_session,
    create_session,
    record_reference,
    save_score,
    submit_scores,
)
from kontrol.review.calibration.sessions import get_session, list_sessions
from kontrol.store.tables import review_events
from tests.review.calibration_fixtures import Setup, build

# rev1 and rev2 on k1, k2, k3: (greeting, solution, overall) and the score it gives.
REV1 = {"k1": ("pass", "pass", "5"), "k2": ("pass", "fail", "3"), "k3": ("fail", "pass", "5")}
REV2 = {"k1": ("pass", "pass", "3"), "k2": ("pass", "fail", "3"), "k3": ("pass", "pass", "5")}
# Scores: rev1 100, 37.5, 75; rev2 87.5, 37.5, 100.
REFERENCE = {"k1": ("pass", "pass", "5"), "k2": ("pass", "fail", "3"), "k3": ("pass", "pass", "5")}


def answers(values: tuple[str, str, str]) -> dict[str, object]:
    return dict(zip(("greeting", "solution", "overall"), values, strict=True))


@pytest.fixture
def setup(engine: Engine, workspace: Workspace, tmp_path: Path) -> Setup:
    return build(engine, workspace, tmp_path)


def new_session(engine: Engine, setup: Setup, people: list[str], **extra: object) -> int:
    with engine.begin() as connection:
        return create_session(
            connection,
            setup.viewers["qa"],
            name="November calibration",
            scorecard_id=setup.scorecard_id,
            interaction_ids=[setup.interactions[k] for k in ("k1", "k2", "k3")],
            participant_ids=[setup.viewers[p].account.id for p in people],
            **extra,  # type: ignore[arg-type]
        )


def item_ids(engine: Engine, setup: Setup, session_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        view = get_session(connection, setup.viewers["qa"], session_id)
    return {i.external_id: i.id for i in view.session.items}


def score_all(
    engine: Engine, setup: Setup, session_id: int, who: str, sheet: dict[str, tuple[str, ...]]
) -> None:
    items = item_ids(engine, setup, session_id)
    for external, values in sheet.items():
        with engine.begin() as connection:
            save_score(
                connection,
                setup.viewers[who],
                session_id=session_id,
                item_id=items[external],
                answers=answers(values),  # type: ignore[arg-type]
                comment=f"{who} on {external}",
                version=0,
            )


def test_a_session_from_blind_scores_to_the_reference(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["rev1", "rev2"])
    items = item_ids(engine, setup, session_id)
    score_all(engine, setup, session_id, "rev1", REV1)
    score_all(engine, setup, session_id, "rev2", REV2)

    with engine.connect() as connection:
        view = get_session(connection, setup.viewers["rev1"], session_id)
        assert view.can_submit and not view.can_see_results
        assert [view.own[items[k]].score for k in ("k1", "k2", "k3")] == [100.0, 37.5, 75.0]
        # Blind: rev1 sees nothing of rev2 before handing in.
        with pytest.raises(Forbidden, match="submit your own scores first"):
            session_results(connection, setup.viewers["rev1"], session_id)
        # The lead who does not score sees at once, but drafts are nobody's figures.
        early = session_results(connection, setup.viewers["qa"], session_id)
        assert early.figures.raters == ()

    with engine.begin() as connection:
        submit_scores(connection, setup.viewers["rev1"], session_id=session_id)
    with engine.connect() as connection:
        after = session_results(connection, setup.viewers["rev1"], session_id)
        assert after.figures.raters == (setup.viewers["rev1"].account.id,)
    with engine.begin() as connection, pytest.raises(Conflict, match="submitted"):
        save_score(
            connection,
            setup.viewers["rev1"],
            session_id=session_id,
            item_id=items["k1"],
            answers=answers(("fail", "fail", "1")),
            comment=None,
            version=2,
        )
    with engine.begin() as connection:
        submit_scores(connection, setup.viewers["rev2"], session_id=session_id)

    with engine.connect() as connection:
        results = session_results(connection, setup.viewers["qa"], session_id)
    figures = results.figures
    assert set(results.raters.values()) == {"REV1", "REV2"}
    pass_fail, marks = figures.scales
    # Pass/fail units: 6 (3 items x 2 criteria); only k3 greeting differs (fail/pass).
    assert pass_fail.percent.value == pytest.approx(5 / 6)
    # rev1: pass 4, fail 2; rev2: pass 5, fail 1 -> p_o 30/36, p_e 22/36, kappa 4/7.
    assert pass_fail.cohen is not None and pass_fail.cohen.value == pytest.approx(4 / 7)
    assert pass_fail.fleiss is None
    # Coincidences: pass 9, fail 3, one pass-fail pair: alpha = 1 - (2/12)/(54/132) = 16/27.
    assert pass_fail.alpha.value == pytest.approx(16 / 27)
    # Overall: (5,3), (3,3), (5,5): linear weights |i-j|/4: q_o 1/6, q_e 5/18 -> kappa 0.4.
    assert marks.percent.value == pytest.approx(2 / 3)
    assert marks.cohen is not None and marks.cohen.value == pytest.approx(0.4)
    assert marks.alpha.value == pytest.approx(
        krippendorff_alpha([[5, 3], [3, 3], [5, 5]], level="ordinal").value
    )
    greeting = next(c for c in figures.criteria if c.criterion.id == "greeting")
    assert greeting.spread == (("pass", 5), ("fail", 1))
    assert greeting.percent.value == pytest.approx(2 / 3)
    k3 = next(i for i in figures.items if i.item_id == items["k3"])
    assert [c.criterion.id for c in k3.cells if c.differs] == ["greeting"]
    assert results.comments[(items["k1"], setup.viewers["rev2"].account.id)] == "rev2 on k1"

    # The lead records the reference (one of them stale), then closes the session.
    versions = {i.id: i.version for i in results.session.items}
    for external, values in REFERENCE.items():
        with engine.begin() as connection:
            record_reference(
                connection,
                setup.viewers["qa"],
                session_id=session_id,
                item_id=items[external],
                answers=answers(values),
                version=versions[items[external]],
            )
    with engine.begin() as connection, pytest.raises(Conflict, match="reload"):
        record_reference(
            connection,
            setup.viewers["admin"],
            session_id=session_id,
            item_id=items["k1"],
            answers=answers(("fail", "fail", "1")),
            version=versions[items["k1"]],
        )
    with engine.begin() as connection:
        session_version = get_session(connection, setup.viewers["qa"], session_id).session.version
        close_session(
            connection, setup.viewers["qa"], session_id=session_id, version=session_version
        )

    with engine.begin() as connection, pytest.raises(Conflict, match="closed"):
        record_reference(
            connection,
            setup.viewers["qa"],
            session_id=session_id,
            item_id=items["k1"],
            answers=answers(("fail", "fail", "1")),
            version=versions[items["k1"]] + 1,
        )
    with engine.connect() as connection:
        closed = session_results(connection, setup.viewers["qa"], session_id)
        history = reviewer_deviation(connection, setup.viewers["qa"])
        with pytest.raises(Forbidden):
            reviewer_deviation(connection, setup.viewers["rev1"])
        events = connection.execute(
            select(review_events.c.action).where(review_events.c.subject_id == session_id)
        ).scalars()
        assert list(events) == ["created", "submitted", "submitted"] + ["reference"] * 3 + [
            "closed"
        ]
    assert not closed.can_edit_reference
    k1 = next(i for i in closed.figures.items if i.item_id == items["k1"])
    assert k1.reference_score == 100.0
    by_name = {h.reviewer.name: h for h in history}
    # rev1 misses k3 greeting: 8 of 9; scores 0, 0, |75 - 100| -> mean 25/3.
    assert by_name["REV1"].entries[0].deviation.criteria_matched == 8
    assert by_name["REV1"].match_share == pytest.approx(8 / 9)
    assert by_name["REV1"].mean_abs_score_difference == pytest.approx(25 / 3)
    # rev2 misses k1 overall (3, not 5): 8 of 9; scores |87.5 - 100|, 0, 0 -> 12.5/3.
    assert by_name["REV2"].match_share == pytest.approx(8 / 9)
    assert by_name["REV2"].mean_abs_score_difference == pytest.approx(12.5 / 3)


def test_deviation_is_listed_session_by_session(engine: Engine, setup: Setup) -> None:
    for round_number in (1, 2):
        session_id = new_session(engine, setup, ["rev1", "rev2"])
        sheet = REV1 if round_number == 1 else REFERENCE
        score_all(engine, setup, session_id, "rev1", sheet)
        score_all(engine, setup, session_id, "rev2", REV2)
        items = item_ids(engine, setup, session_id)
        with engine.begin() as connection:
            for who in ("rev1", "rev2"):
                submit_scores(connection, setup.viewers[who], session_id=session_id)
            for external, values in REFERENCE.items():
                record_reference(
                    connection,
                    setup.viewers["qa"],
                    session_id=session_id,
                    item_id=items[external],
                    answers=answers(values),
                    version=1,
                )
            close_session(connection, setup.viewers["qa"], session_id=session_id, version=1)
    with engine.connect() as connection:
        history = {h.reviewer.name: h for h in reviewer_deviation(connection, setup.viewers["qa"])}
    rev1 = history["REV1"]
    # First session 8 of 9, second (rev1 gave the reference answers) 9 of 9.
    assert [e.deviation.criteria_matched for e in rev1.entries] == [8, 9]
    assert [e.deviation.mean_abs_score_difference for e in rev1.entries] == [
        pytest.approx(25 / 3),
        0.0,
    ]
    assert rev1.match_share == pytest.approx(17 / 18)
    assert rev1.mean_abs_score_difference == pytest.approx(25 / 6)


def test_three_raters_give_fleiss_kappa(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["rev1", "rev2", "rev3"])
    rev3 = {"k1": ("fail", "pass", "4"), "k2": ("pass", "pass", "3"), "k3": ("fail", "pass", "5")}
    for who, sheet in (("rev1", REV1), ("rev2", REV2), ("rev3", rev3)):
        score_all(engine, setup, session_id, who, sheet)
        with engine.begin() as connection:
            submit_scores(connection, setup.viewers[who], session_id=session_id)
    with engine.connect() as connection:
        figures = session_results(connection, setup.viewers["rev3"], session_id).figures
    pass_fail, marks = figures.scales
    assert pass_fail.cohen is None and pass_fail.raters == 3
    units = [[REV1[k][c], REV2[k][c], rev3[k][c]] for k in ("k1", "k2", "k3") for c in (0, 1)]
    assert pass_fail.fleiss is not None
    assert pass_fail.fleiss.value == pytest.approx(fleiss_kappa(units).value)
    assert marks.fleiss is not None
    assert marks.fleiss.value == pytest.approx(
        fleiss_kappa([[5, 3, 4], [3, 3, 3], [5, 5, 5]]).value
    )


def test_a_stale_save_is_refused_not_overwritten(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["rev1", "rev2"])
    item = item_ids(engine, setup, session_id)["k1"]
    rev1 = setup.viewers["rev1"]

    def save(values: tuple[str, str, str], version: int) -> int:
        with engine.begin() as connection:
            return save_score(
                connection,
                rev1,
                session_id=session_id,
                item_id=item,
                answers=answers(values),  # type: ignore[arg-type]
                comment=None,
                version=version,
            ).version

    assert save(("pass", "pass", "5"), 0) == 1
    with pytest.raises(Conflict, match="version 1"):
        save(("fail", "fail", "1"), 0)  # a second window that opened the empty form
    assert save(("pass", "fail", "4"), 1) == 2
    with pytest.raises(Conflict, match="version 2"):
        save(("fail", "fail", "1"), 1)
    with engine.connect() as connection:
        own = get_session(connection, rev1, session_id).own[item]
    assert own.answers == {"greeting": "pass", "solution": "fail", "overall": 4}
    assert own.version == 2
    with engine.begin() as connection, pytest.raises(Conflict, match="reload"):
        close_session(connection, setup.viewers["qa"], session_id=session_id, version=7)


def test_who_may_do_what(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["rev1", "rev2"])
    item = item_ids(engine, setup, session_id)["k1"]
    v = setup.viewers
    with engine.begin() as connection:
        for who in ("agent1", "lead"):
            with pytest.raises(Forbidden):
                list_sessions(connection, v[who])
            with pytest.raises(Forbidden):
                get_session(connection, v[who], session_id)
        # A reviewer who was not invited cannot open or score the session.
        with pytest.raises(Forbidden, match="not invited"):
            get_session(connection, v["rev3"], session_id)
        with pytest.raises(Forbidden, match="not invited"):
            save_score(
                connection,
                v["rev3"],
                session_id=session_id,
                item_id=item,
                answers={"greeting": "pass"},
                comment=None,
                version=0,
            )
        assert list_sessions(connection, v["rev3"]) == []
        assert [s.id for s in list_sessions(connection, v["rev1"])] == [session_id]
        assert [s.id for s in list_sessions(connection, v["admin"])] == [session_id]
        # Reviewers take part; they do not run sessions, record references or close.
        with pytest.raises(Forbidden):
            create_session(
                connection,
                v["rev1"],
                name="mine",
                scorecard_id=setup.scorecard_id,
                interaction_ids=[setup.interactions["k1"]],
                participant_ids=[v["rev1"].account.id, v["rev2"].account.id],
            )
        with pytest.raises(Forbidden):
            close_session(connection, v["rev1"], session_id=session_id, version=1)
        with pytest.raises(Forbidden):
            record_reference(
                connection,
                v["rev1"],
                session_id=session_id,
                item_id=item,
                answers=answers(("pass", "pass", "5")),
                version=1,
            )
        # Another workspace's lead does not even learn the session exists.
        with pytest.raises(NotFound):
            get_session(connection, setup.outsider, session_id)


def test_a_lead_who_takes_part_scores_blind_too(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["qa", "rev1"])
    item = item_ids(engine, setup, session_id)["k1"]
    with engine.begin() as connection:
        with pytest.raises(Forbidden, match="submit your own"):
            session_results(connection, setup.viewers["qa"], session_id)
        with pytest.raises(Forbidden, match="submit your own"):
            record_reference(
                connection,
                setup.viewers["qa"],
                session_id=session_id,
                item_id=item,
                answers=answers(("pass", "pass", "5")),
                version=1,
            )
        # The admin, not taking part, sees the (empty) results.
        assert session_results(connection, setup.viewers["admin"], session_id).figures.raters == ()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"interaction_ids": []}, "interactions"),
        ({"interaction_ids": [999999]}, "interactions"),
        ({"external_ids": ["nope"]}, "interactions"),
        ({"people": ["rev1"]}, "reviewers"),
        ({"people": ["rev1", "agent1"]}, "reviewers"),
        ({"scorecard_id": 999999}, "scorecard"),
        ({"deadline": date.today() - timedelta(days=3)}, "deadline"),
    ],
)
def test_a_bad_session_is_refused_naming_the_field(
    engine: Engine, setup: Setup, change: dict[str, object], field: str
) -> None:
    # The parameters are shared by both backends' runs: read them, never change them.
    people: list[str] = change.get("people", ["rev1", "rev2"])  # type: ignore[assignment]
    arguments: dict[str, object] = {
        "name": "x",
        "scorecard_id": setup.scorecard_id,
        "interaction_ids": [setup.interactions["k1"]],
        "participant_ids": [setup.viewers[p].account.id for p in people],
        **{key: value for key, value in change.items() if key != "people"},
    }
    with engine.begin() as connection, pytest.raises(InvalidInput, match=f"^{field}"):
        create_session(connection, setup.viewers["qa"], **arguments)  # type: ignore[arg-type]


def test_external_ids_and_deadline_are_accepted(engine: Engine, setup: Setup) -> None:
    with engine.begin() as connection:
        session_id = create_session(
            connection,
            setup.viewers["qa"],
            name="By external id",
            scorecard_id=setup.scorecard_id,
            external_ids=["k2", "k3", "k2"],
            participant_ids=[setup.viewers["rev1"].account.id, setup.viewers["rev2"].account.id],
            deadline=date.today() + timedelta(days=7),
        )
        session = get_session(connection, setup.viewers["rev1"], session_id).session
    assert [i.external_id for i in session.items] == ["k2", "k3"]
    assert session.deadline is not None and session.created_by == "QA"


def test_bad_answers_name_the_criterion(engine: Engine, setup: Setup) -> None:
    session_id = new_session(engine, setup, ["rev1", "rev2"])
    items = item_ids(engine, setup, session_id)
    for bad, field in (
        ({"greeting": "yes"}, "answers.greeting"),
        ({"overall": "7"}, "answers.overall"),
        ({"overall": "pass"}, "answers.overall"),
        ({"empathy": "pass"}, "answers.empathy"),
    ):
        with engine.begin() as connection, pytest.raises(InvalidInput, match=field):
            save_score(
                connection,
                setup.viewers["rev1"],
                session_id=session_id,
                item_id=items["k1"],
                answers=bad,
                comment=None,
                version=0,
            )
    # A draft may be partial; handing in needs every criterion of every interaction.
    with engine.begin() as connection:
        save_score(
            connection,
            setup.viewers["rev1"],
            session_id=session_id,
            item_id=items["k1"],
            answers={"greeting": "pass", "overall": "na"},
            comment=None,
            version=0,
        )
    with engine.begin() as connection, pytest.raises(InvalidInput, match="k1: criterion solution"):
        submit_scores(connection, setup.viewers["rev1"], session_id=session_id)
