"""Each routing rule kind selects exactly the interactions it should, on both databases."""

from __future__ import annotations

import statistics
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.review.routing.rules import set_rule_active
from kontrol.review.routing.runs import route_event, route_scheduled
from kontrol.review.routing.scheduled_kinds import quota, slot_day
from kontrol.store.tables import review_events, review_items
from tests.review.routing_data import chat, interaction_id, load, person, queued, recent, rule


def test_low_csat_and_nps_go_to_the_queue_when_the_survey_is_stored(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    person(engine, workspace, "rev")
    rule(engine, workspace, "csat_low", params={"max": 2})
    rule(engine, workspace, "nps_low", params={"max": 6})
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("csat1", started=at, survey={"csat": 1}),
            chat("csat2", started=at, survey={"csat": 2}),
            chat("csat3", started=at, survey={"csat": 3}),
            chat("csat5-nps6", started=at, survey={"csat": 5, "nps": 6}),
            chat("nps7", started=at, survey={"nps": 7}),
            chat("unrated", started=at),
        ],
    )
    items = queued(engine)
    assert set(items) == {"csat1", "csat2", "csat5-nps6"}
    assert items["csat1"].reason == "CSAT 1"
    assert items["csat5-nps6"].reason == "NPS 6"
    assert {item.username for item in items.values()} == {"rev"}


def test_a_survey_arriving_later_routes_its_interaction_once(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "csat_low")
    rule(engine, workspace, "nps_low")
    load(engine, workspace, tmp_path, [chat("late", started=recent(3))])
    assert queued(engine) == {}
    survey = {"kind": "survey", "interaction_id": "late", "csat": 1, "nps": 0}
    load(engine, workspace, tmp_path, [survey])
    load(engine, workspace, tmp_path, [{**survey, "comment": "still bad"}])
    items = queued(engine)
    assert list(items) == ["late"]
    with engine.connect() as connection:
        routed = connection.execute(
            select(func.count()).where(
                review_events.c.subject == "item", review_events.c.action == "routed"
            )
        ).scalar_one()
    assert routed == 1


def test_ces_low_picks_hard_contacts(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    rule(engine, workspace, "ces_low", params={"max": 2})
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [chat(f"ces{n}", started=at, survey={"ces": n}) for n in (1, 2, 3, 7)],
    )
    assert set(queued(engine)) == {"ces1", "ces2"}


def test_old_ratings_are_not_routed(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    rule(engine, workspace, "csat_low", params={"max_age_days": 14})
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("last-year", started=recent(24 * 365), survey={"csat": 1}),
            chat("today", started=recent(), survey={"csat": 1}),
        ],
    )
    assert set(queued(engine)) == {"today"}


def test_filters_narrow_a_rule_to_channels_and_teams(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "csat_low", filters={"channel": ["call"], "team": "L2"})
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("chat-L2", started=at, team="L2", survey={"csat": 1}),
            chat("call-L1", started=at, channel="call", survey={"csat": 1}),
            chat("call-L2", started=at, channel="call", team="L2", survey={"csat": 1}),
        ],
    )
    assert set(queued(engine)) == {"call-L2"}


def test_failed_critical_criterion_is_routed_once_scored(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "critical_failed", queue="Critical")
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("rude", started=at, text="That's not my problem, figure it out yourself."),
            chat("polite", started=at),
        ],
    )
    items = queued(engine, "Critical")
    assert set(items) == {"rude"}
    assert items["rude"].reason == "critical: no_rudeness"


def test_complaints_are_routed(engine: Engine, workspace: Workspace, tmp_path: Path) -> None:
    rule(engine, workspace, "complaint", queue="Critical")
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("tagged", started=at, tags=["complaint"]),
            chat("by-topic", started=at, topic="complaint"),
            chat("ordinary", started=at),
        ],
    )
    assert set(queued(engine, "Critical")) == {"tagged", "by-topic"}


def test_two_rules_of_one_queue_give_one_item(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "csat_low", queue="Low ratings")
    rule(engine, workspace, "nps_low", queue="Low ratings")
    load(
        engine, workspace, tmp_path, [chat("both", started=recent(), survey={"csat": 1, "nps": 2})]
    )
    assert list(queued(engine, "Low ratings")) == ["both"]
    again = route_event(engine, workspace.id, "surveys", [interaction_id(engine, "both")])
    assert again == []


def test_an_inactive_rule_routes_nothing(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "csat_low", active=False)
    load(engine, workspace, tmp_path, [chat("x", started=recent(), survey={"csat": 1})])
    assert queued(engine) == {}


# -- the random sample ---------------------------------------------------------------------

MONDAY = datetime(2026, 11, 2)  # ISO week 2026-W45


def _week_of_contacts(per_day: int = 4) -> list[dict[str, object]]:
    records = []
    for day in range(7):
        for agent in ("a1", "a2"):
            for n in range(per_day):
                started = MONDAY + timedelta(days=day, hours=9 + n)
                records.append(chat(f"{agent}-d{day}-{n}", started=started, agent=agent))
    return records


def _sample(engine: Engine) -> dict[str, list[int]]:
    """The days (0 = Monday) of each agent's sampled contacts."""
    days: dict[str, list[int]] = {}
    for external_id in queued(engine, "Sample"):
        agent, day, _ = external_id.split("-")
        days.setdefault(agent, []).append(int(day[1:]))
    return {agent: sorted(found) for agent, found in days.items()}


def test_the_weekly_quota_is_spread_over_the_days() -> None:
    assert [quota(5, day) for day in range(1, 8)] == [1, 2, 3, 3, 4, 5, 5]
    assert [slot_day(5, slot) for slot in range(1, 6)] == [0, 1, 2, 4, 5]
    assert [quota(7, day) for day in range(1, 8)] == [1, 2, 3, 4, 5, 6, 7]


def test_random_sample_is_spread_over_the_week_and_per_agent(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "random_sample", queue="Sample", params={"per_week": 5})
    load(engine, workspace, tmp_path, _week_of_contacts())
    for day in range(7):
        route_scheduled(engine, now=MONDAY + timedelta(days=day, hours=23))
        counts = {agent: len(days) for agent, days in _sample(engine).items()}
        assert counts == {"a1": quota(5, day + 1), "a2": quota(5, day + 1)}
    assert _sample(engine) == {"a1": [0, 1, 2, 4, 5], "a2": [0, 1, 2, 4, 5]}
    # A run later in the week adds nothing: the week's quota is met.
    route_scheduled(engine, now=MONDAY + timedelta(days=6, hours=23, minutes=30))
    assert sum(len(days) for days in _sample(engine).values()) == 10


def test_random_sample_catches_up_evenly_and_is_reproducible(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "random_sample", queue="Sample", params={"per_week": 5})
    load(engine, workspace, tmp_path, _week_of_contacts())
    sunday_night = MONDAY + timedelta(days=6, hours=23)
    route_scheduled(engine, now=sunday_night)
    assert _sample(engine) == {"a1": [0, 1, 2, 4, 5], "a2": [0, 1, 2, 4, 5]}
    first = set(queued(engine, "Sample"))
    with engine.begin() as connection:
        connection.execute(delete(review_items))
    route_scheduled(engine, now=sunday_night)
    assert set(queued(engine, "Sample")) == first


def test_random_sample_takes_what_an_agent_has(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "random_sample", queue="Sample", params={"per_week": 5})
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("few-d0-0", started=MONDAY + timedelta(hours=10), agent="few"),
            chat("few-d3-0", started=MONDAY + timedelta(days=3, hours=10), agent="few"),
            chat("bot-d0-0", started=MONDAY + timedelta(hours=11), agent=None),
        ],
    )
    route_scheduled(engine, now=MONDAY + timedelta(days=6, hours=23))
    assert _sample(engine) == {"few": [0, 3]}


# -- handle time above the agent's own percentile --------------------------------------------


def test_handle_time_above_the_agents_own_p95(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(
        engine,
        workspace,
        "handle_time_p95",
        queue="Sample",
        params={"min_contacts": 10, "lookback_days": 2, "window_days": 28},
    )
    now = datetime(2026, 11, 20, 12, 0)
    history_start = now - timedelta(days=20)
    records = []
    minutes = {"fast": [2 + n for n in range(20)], "slow": [20 + 2 * n for n in range(20)]}
    for agent, values in minutes.items():
        for n, length in enumerate(values):
            started = history_start + timedelta(hours=n)
            records.append(chat(f"{agent}-old-{n}", started=started, agent=agent, minutes=length))
    # Recent contacts: 25 minutes is long for "fast" but ordinary for "slow".
    recent_contacts = [("fast", 25), ("fast", 10), ("slow", 25), ("slow", 70), ("rare", 90)]
    for n, (agent, length) in enumerate(recent_contacts):
        started = now - timedelta(hours=5 - n)
        records.append(chat(f"{agent}-new-{n}", started=started, agent=agent, minutes=length))
    load(engine, workspace, tmp_path, records)
    route_scheduled(engine, now=now)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[94]

    expected = set()
    for agent in ("fast", "slow"):
        window = [float(m) for m in minutes[agent]] + [
            float(length) for a, length in recent_contacts if a == agent
        ]
        bound = p95(window)
        expected |= {
            f"{agent}-new-{n}"
            for n, (a, length) in enumerate(recent_contacts)
            if a == agent and length > bound
        }
    assert expected == {"fast-new-0", "slow-new-3"}
    items = queued(engine, "Sample")
    assert set(items) == expected
    assert items["fast-new-0"].reason.startswith("AHT 1500 s > p95 ")


# -- repeat contact ---------------------------------------------------------------------------


def test_repeat_contact_within_seven_days(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    rule(engine, workspace, "repeat_contact", queue="Critical", params={"lookback_days": 14})
    day = datetime(2026, 11, 10, 10)
    load(
        engine,
        workspace,
        tmp_path,
        [
            chat("c1-first", started=day, customer="c1"),
            chat("c1-again", started=day + timedelta(days=3), customer="c1"),
            chat("c2-first", started=day, customer="c2"),
            chat("c2-much-later", started=day + timedelta(days=10), customer="c2"),
            chat("c3-once", started=day, customer="c3"),
        ],
    )
    route_scheduled(engine, now=day + timedelta(days=11))
    assert set(queued(engine, "Critical")) == {"c1-first"}


@pytest.mark.parametrize("kind", ["random_sample", "handle_time_p95", "repeat_contact"])
def test_scheduled_kinds_do_not_react_to_imports(
    engine: Engine, workspace: Workspace, tmp_path: Path, kind: str
) -> None:
    rule(engine, workspace, kind, params={})
    load(engine, workspace, tmp_path, _week_of_contacts(per_day=1))
    assert queued(engine) == {}


def test_routing_at_the_same_time_never_duplicates_an_item(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    person(engine, workspace, "rev")
    rule_id = rule(engine, workspace, "csat_low", active=False)
    at = recent()
    load(
        engine,
        workspace,
        tmp_path,
        [chat(f"low-{n}", started=at, survey={"csat": 1}) for n in range(6)],
    )
    with engine.begin() as connection:
        set_rule_active(connection, workspace.id, rule_id, active=True, version=1, actor_id=None)
    ids = [interaction_id(engine, f"low-{n}") for n in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(
            pool.map(lambda _: route_event(engine, workspace.id, "surveys", ids), range(6))
        )
    assert sorted(len(found) for found in created)[-1] <= 6
    assert sum(len(found) for found in created) == 6
    assert set(queued(engine)) == {f"low-{n}" for n in range(6)}
