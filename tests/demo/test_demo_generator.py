"""The seeded demo-data generator: reproducible, valid FORMAT.md records that look real."""

from __future__ import annotations

import json
import random
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kontrol.demo.clock import LocalClock
from kontrol.demo.generator import generate
from kontrol.demo.sizes import SMALL
from kontrol.ingest.schema import parse_record

Record = dict[str, Any]
CHANNELS = {"call", "chat", "email", "messenger", "social", "app", "self_service", "visit"}
SPOKEN = {"call", "visit"}


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate(size=SMALL))


@pytest.fixture(scope="module")
def interactions(records: list[Record]) -> list[Record]:
    return [record for record in records if "kind" not in record]


def handled(interactions: list[Record]) -> list[Record]:
    return [
        r
        for r in interactions
        if r.get("agent_id") and r["status"] != "abandoned" and r.get("direction") != "outbound"
    ]


def moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text
    return parsed


def timestamps(record: Record) -> list[str]:
    found = [record[key] for key in ("queued_at", "started_at", "ended_at", "at") if key in record]
    found += [m["at"] for m in record.get("messages", []) if "at" in m]
    if "survey" in record and "at" in record["survey"]:
        found.append(record["survey"]["at"])
    return found


def test_same_seed_gives_identical_output_and_another_seed_does_not() -> None:
    first = [json.dumps(r, ensure_ascii=False) for r in generate(seed=7, interactions=150)]
    second = [json.dumps(r, ensure_ascii=False) for r in generate(seed=7, interactions=150)]
    other = [json.dumps(r, ensure_ascii=False) for r in generate(seed=8, interactions=150)]
    assert first == second
    assert first != other


def test_output_does_not_depend_on_global_random_state() -> None:
    random.seed(1)
    first = list(generate(seed=3, interactions=60))
    random.seed(2)
    second = list(generate(seed=3, interactions=60))
    assert first == second


def test_exact_interaction_count_with_unique_demo_ids(interactions: list[Record]) -> None:
    assert len(interactions) == 400
    ids = [r["id"] for r in interactions]
    assert len(set(ids)) == 400
    assert all(i.startswith("demo-") and i[5:].isdigit() for i in ids)
    assert {r["source"] for r in interactions} == {"demo"}


def test_every_record_is_valid_for_the_importer(records: list[Record]) -> None:
    for record in records:
        parse_record(record)


def test_every_record_is_json_and_every_timestamp_has_the_moscow_offset(
    records: list[Record],
) -> None:
    for record in records:
        assert json.loads(json.dumps(record, ensure_ascii=False)) == record
        for text in timestamps(record):
            assert moment(text).utcoffset() == timedelta(hours=3), text
            assert text.endswith("+03:00")


def test_every_channel_is_present_with_chat_and_call_the_largest(
    interactions: list[Record],
) -> None:
    channels = Counter(r["channel"] for r in interactions)
    assert set(channels) == CHANNELS
    top_two = {channel for channel, _ in channels.most_common(2)}
    assert top_two == {"chat", "call"}


def test_agents_come_first_and_every_agent_reference_is_known(records: list[Record]) -> None:
    agents = [r for r in records if r.get("kind") == "agent"]
    assert len(agents) == 10
    assert records[:10] == agents
    assert {a["team"] for a in agents} >= {"Линия 1", "Линия 2", "EN Desk"}
    assert all(a["id"] == f"a{n:02d}" for n, a in enumerate(agents, start=1))
    known = {a["id"] for a in agents}
    for record in records[10:]:
        if "agent_id" in record:
            assert record["agent_id"] in known
        for message in record.get("messages", []):
            assert message.get("author_id", "a01") in known


def test_interactions_are_in_started_at_order(interactions: list[Record]) -> None:
    starts = [moment(r["started_at"]) for r in interactions]
    assert starts == sorted(starts)


def test_data_spans_the_days_before_the_fixed_end_date(records: list[Record]) -> None:
    tz = ZoneInfo("Europe/Moscow")
    first = datetime(2026, 8, 21, tzinfo=tz)
    end = datetime(2026, 11, 20, tzinfo=tz)
    starts = [moment(r["started_at"]) for r in records if "started_at" in r]
    assert first <= min(starts) < first + timedelta(days=7)
    assert end - timedelta(days=7) < max(starts) < end
    orders = [moment(r["at"]) for r in records if r.get("kind") == "order"]
    assert first <= min(orders) and max(orders) < end


def test_abandoned_contacts_have_no_agent(interactions: list[Record]) -> None:
    abandoned = [r for r in interactions if r["status"] == "abandoned"]
    assert abandoned
    for record in abandoned:
        assert "agent_id" not in record
        assert all(m["role"] != "agent" for m in record["messages"])
        assert record["channel"] in {"call", "chat", "app"}


def test_statuses_and_directions_are_mixed(interactions: list[Record]) -> None:
    statuses = Counter(r["status"] for r in interactions)
    assert set(statuses) == {"resolved", "unresolved", "transferred", "abandoned"}
    assert statuses["resolved"] > len(interactions) / 2
    outbound = [r for r in interactions if r.get("direction") == "outbound"]
    assert outbound and all(r["channel"] == "call" and "queued_at" not in r for r in outbound)


def test_spoken_messages_are_timed_segments_within_the_contact(
    interactions: list[Record],
) -> None:
    overlaps = 0
    for record in interactions:
        if record["channel"] not in SPOKEN:
            continue
        length = (moment(record["ended_at"]) - moment(record["started_at"])).total_seconds()
        previous: dict[str, Any] | None = None
        for message in record["messages"]:
            assert "at" not in message
            assert 0 <= message["start"] <= message["end"] <= length
            if previous is not None:
                assert message["start"] >= previous["start"]
                if previous["role"] != message["role"] and message["start"] < previous["end"]:
                    overlaps += 1
            previous = message
        if record["channel"] == "call" and record["messages"]:
            assert record["recording"] == f"recordings/{record['id']}.mp3"
            assert "queued_at" in record or record.get("direction") == "outbound"
    assert overlaps > 0


def test_text_messages_are_timed_within_the_contact(interactions: list[Record]) -> None:
    for record in interactions:
        if record["channel"] in SPOKEN:
            continue
        low = moment(record.get("queued_at", record["started_at"]))
        high = moment(record["ended_at"])
        times = [moment(m["at"]) for m in record["messages"]]
        assert all(low <= t <= high for t in times), record["id"]
        assert times == sorted(times), record["id"]
        agent_times = [
            t for t, m in zip(times, record["messages"], strict=True) if m["role"] == "agent"
        ]
        if agent_times:
            assert min(agent_times) >= moment(record["started_at"]), record["id"]


def test_first_response_times_differ_by_channel_and_agent(interactions: list[Record]) -> None:
    first_reply: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in interactions:
        if record["channel"] in SPOKEN or not record.get("agent_id"):
            continue
        agent_times = [moment(m["at"]) for m in record["messages"] if m["role"] == "agent"]
        if agent_times:
            wait = (agent_times[0] - moment(record["queued_at"])).total_seconds()
            first_reply[(record["channel"], record["agent_id"])].append(wait)
    email = statistics.median(w for (c, _), ws in first_reply.items() if c == "email" for w in ws)
    chat = statistics.median(w for (c, _), ws in first_reply.items() if c == "chat" for w in ws)
    assert email > 1800 > chat
    slow = [w for (c, a), ws in first_reply.items() if c != "email" and a == "a06" for w in ws]
    fast = [w for (c, a), ws in first_reply.items() if c != "email" and a == "a01" for w in ws]
    assert statistics.median(slow) > statistics.median(fast)


def test_separate_surveys_follow_their_interaction(records: list[Record]) -> None:
    position = {r["id"]: i for i, r in enumerate(records) if "kind" not in r}
    separate = [(i, r) for i, r in enumerate(records) if r.get("kind") == "survey"]
    assert separate
    for index, survey in separate:
        target = survey["interaction_id"]
        assert target in position and position[target] < index
        interaction = records[position[target]]
        assert "survey" not in interaction
        assert moment(survey["at"]) > moment(interaction["ended_at"])
        assert any(key in survey for key in ("csat", "nps", "ces"))


def test_about_forty_percent_of_handled_interactions_are_rated(
    records: list[Record], interactions: list[Record]
) -> None:
    late = {r["interaction_id"] for r in records if r.get("kind") == "survey"}
    rated = [r for r in handled(interactions) if "survey" in r or r["id"] in late]
    share = len(rated) / len(handled(interactions))
    assert 0.3 < share < 0.5
    assert 0.05 < len(late) / len(rated) < 0.3


def test_best_and_worst_agents_are_rated_clearly_apart(
    records: list[Record], interactions: list[Record]
) -> None:
    answers = {r["id"]: r["survey"] for r in interactions if "survey" in r}
    answers.update({r["interaction_id"]: r for r in records if r.get("kind") == "survey"})
    by_agent: dict[str, list[int]] = defaultdict(list)
    for record in interactions:
        survey = answers.get(record["id"])
        if record.get("agent_id") and survey and "csat" in survey:
            by_agent[record["agent_id"]].append(survey["csat"])
    means = {agent: statistics.mean(v) for agent, v in by_agent.items() if len(v) >= 5}
    assert max(means.values()) - min(means.values()) >= 1.2
    assert means["a01"] > means["a03"] + 1.0


def test_repeat_contacts_within_seven_days_on_other_channels(
    interactions: list[Record],
) -> None:
    by_customer: dict[str, list[Record]] = defaultdict(list)
    for record in interactions:
        if record.get("direction") != "outbound":
            by_customer[record["customer_id"]].append(record)
    repeats = 0
    for contacts in by_customer.values():
        for earlier, later in zip(contacts, contacts[1:], strict=False):
            gap = moment(later["started_at"]) - moment(earlier["started_at"])
            if (
                gap <= timedelta(days=7)
                and later["channel"] != earlier["channel"]
                and later["topic"] == earlier["topic"]
            ):
                repeats += 1
    assert repeats >= 10
    cases = Counter(r["case_id"] for r in interactions if "case_id" in r)
    assert any(count > 1 for count in cases.values())


def test_customers_and_orders_look_like_a_shop(
    records: list[Record], interactions: list[Record]
) -> None:
    customers = {r["customer_id"] for r in interactions}
    assert 150 <= len(customers) <= 250
    assert all(c.startswith("c") and c[1:].isdigit() for c in customers)
    orders = [r for r in records if r.get("kind") == "order"]
    assert 200 <= len(orders) <= 600
    assert len({o["id"] for o in orders}) == len(orders)
    per_customer = Counter(o["customer_id"] for o in orders)
    assert sum(1 for n in per_customer.values() if n >= 3) >= 10
    assert all(o["amount"] > 0 for o in orders)
    order_times = [moment(o["at"]) for o in orders]
    assert order_times == sorted(order_times)


def test_customers_stop_ordering_after_bad_service() -> None:
    # a larger sample: at 400 interactions only a dozen customers rate badly
    records = list(generate(seed=11, interactions=3000))
    orders: dict[str, list[datetime]] = defaultdict(list)
    ratings: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    late = {r["interaction_id"]: r for r in records if r.get("kind") == "survey"}
    for record in records:
        if record.get("kind") == "order":
            orders[record["customer_id"]].append(moment(record["at"]))
        survey = record.get("survey") or late.get(record.get("id", ""))
        if "kind" not in record and record.get("agent_id") and survey and "csat" in survey:
            ratings[record["customer_id"]].append((moment(record["started_at"]), survey["csat"]))
    # leave a month after the contact for orders to show up
    cutoff = datetime(2026, 10, 20, tzinfo=ZoneInfo("Europe/Moscow"))
    stopped: dict[bool, list[bool]] = {True: [], False: []}
    for customer, rated in ratings.items():
        bad = sorted(when for when, csat in rated if csat <= 2)
        if not bad and min(csat for _, csat in rated) < 4:
            continue
        first = bad[0] if bad else min(when for when, _ in rated)
        history = orders[customer]
        if first < cutoff and any(t < first for t in history):
            stopped[bool(bad)].append(not any(t > first for t in history))
    after_bad = sum(stopped[True]) / len(stopped[True])
    after_good = sum(stopped[False]) / len(stopped[False])
    assert after_bad > after_good + 0.2


def test_both_languages_and_some_left_for_detection(interactions: list[Record]) -> None:
    languages = Counter(r.get("language") for r in interactions)
    assert set(languages) == {"ru", "en", None}
    assert 0.04 < languages[None] / len(interactions) < 0.18
    share_ru = languages["ru"] / (languages["ru"] + languages["en"])
    assert 0.6 < share_ru < 0.82
    topics = Counter(r["topic"] for r in interactions)
    assert {"delivery", "refund", "payment", "account", "product", "complaint"} <= set(topics)


def test_tags_mark_complaints_and_more(interactions: list[Record]) -> None:
    tags = Counter(t for r in interactions for t in r.get("tags", []))
    assert 0.02 <= tags["complaint"] / len(interactions) <= 0.1
    assert tags["vip"] > 0 and tags["first_order"] > 0


def agent_texts(record: Record) -> list[str]:
    return [m["text"].lower() for m in record["messages"] if m["role"] == "agent"]


def test_conversations_give_the_checks_both_good_and_bad_service(
    interactions: list[Record],
) -> None:
    talks = [r for r in handled(interactions) if agent_texts(r)]

    def share(predicate: Any) -> float:
        return sum(1 for r in talks if predicate(r)) / len(talks)

    greetings = ("здравствуйте", "здраствуйте", "добрый", "доброе", "hello", "hi", "good ")
    greeted = share(lambda r: any(g in " ".join(agent_texts(r)[:2]) for g in greetings))
    assert 0.6 < greeted < 0.97
    rude = share(lambda r: any("не мои проблемы" in t or "not my" in t for t in agent_texts(r)))
    assert 0 < rude < 0.1
    more_help = (
        "ещё чем",
        "еще чем",
        "ещё вопрос",
        "еще вопрос",
        "остались",
        "если останутся",
        "anything else",
        "other questions",
        "need anything",
    )
    offered = share(lambda r: any(p in t for t in agent_texts(r) for p in more_help))
    assert 0.4 < offered < 0.95
    vague = share(
        lambda r: any(
            p in t for t in agent_texts(r) for p in ("ожидайте", "soon", "we are working on it")
        )
    )
    assert 0.03 < vague < 0.4
    named = [r for r in talks if "customer_name" in r]
    uses_name = sum(
        1 for r in named if r["customer_name"].split()[0].lower() in " ".join(agent_texts(r))
    )
    assert 0.3 < uses_name / len(named) < 0.95
    empathy = ("понимаю", "сожалею", "sorry", "understand")
    assert 0.1 < share(lambda r: any(p in t for t in agent_texts(r) for p in empathy)) < 0.8
    bots = [r for r in interactions if any(m["role"] == "bot" for m in r["messages"])]
    systems = [r for r in interactions if any(m["role"] == "system" for m in r["messages"])]
    assert bots and systems


def test_conversations_are_varied(interactions: list[Record]) -> None:
    texts = [
        "\n".join(m["text"] for m in r["messages"]) for r in interactions if len(r["messages"]) >= 6
    ]
    assert len(set(texts)) == len(texts)
    lengths = [len(r["messages"]) for r in interactions]
    assert 8 <= statistics.mean(lengths) <= 14
    russian = " ".join(
        m["text"] for r in interactions if r.get("language") == "ru" for m in r["messages"]
    )
    assert "здраствуйте" in russian.lower()
    assert "все " in russian and "всё" in russian


def test_costs_depend_on_channel_and_handle_time(interactions: list[Record]) -> None:
    per_minute: dict[str, list[float]] = defaultdict(list)
    calls: list[tuple[float, float]] = []
    for record in handled(interactions):
        assert record["cost"] > 0
        handle = (moment(record["ended_at"]) - moment(record["started_at"])).total_seconds()
        handle += record.get("wrap_seconds", 0)
        per_minute[record["channel"]].append(record["cost"] / handle * 60)
        if record["channel"] == "call":
            calls.append((handle, record["cost"]))
    # an agent runs several chats at once, but a call has the agent and the line to itself
    assert statistics.mean(per_minute["call"]) > statistics.mean(per_minute["chat"])
    calls.sort()
    half = len(calls) // 2
    assert statistics.mean(c for _, c in calls[half:]) > statistics.mean(c for _, c in calls[:half])


def test_other_end_dates_and_zones_use_their_own_offsets() -> None:
    records = list(
        generate(
            seed=5, interactions=300, end=date(2026, 11, 10), days=30, timezone="Europe/Berlin"
        )
    )
    offsets = {moment(text).utcoffset() for record in records for text in timestamps(record)}
    # the period crosses the end of summer time on 25 October
    assert offsets == {timedelta(hours=2), timedelta(hours=1)}
    starts = [moment(r["started_at"]) for r in records if "started_at" in r]
    assert min(starts).date() >= date(2026, 10, 11) and max(starts).date() < date(2026, 11, 10)


@pytest.mark.parametrize(
    "zone", ["Europe/Moscow", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kathmandu"]
)
def test_fast_local_time_formatting_matches_zoneinfo(zone: str) -> None:
    clock = LocalClock(ZoneInfo(zone))
    rng = random.Random(zone)
    start = int(datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp())
    for _ in range(3000):
        ts = start + rng.randrange(366 * 86_400)
        expected = datetime.fromtimestamp(ts, ZoneInfo(zone))
        assert clock.iso(ts) == expected.isoformat()
        assert clock.local_date(ts) == expected.date()


def test_small_counts_work_and_bad_arguments_are_refused() -> None:
    assert [r["kind"] for r in generate(interactions=0) if r.get("kind") == "agent"]
    assert sum(1 for r in generate(interactions=1) if "kind" not in r) == 1
    assert sum(1 for r in generate(interactions=5, days=1) if "kind" not in r) == 5
    with pytest.raises(ValueError):
        generate(interactions=-1)
    with pytest.raises(ValueError):
        generate(days=0)
    with pytest.raises(ValueError):
        generate(timezone="Mars/Olympus")
