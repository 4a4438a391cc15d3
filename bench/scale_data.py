"""A fast generator of N interactions with everything the pages and reports read.

Writes, through the storage layer's ``bulk_insert`` (``COPY`` on PostgreSQL)
in batches of ``BATCH`` interactions, so memory stays flat at ten million:

- interactions spread evenly over ``months`` months from January 2026
  (40 agents in 5 teams, the channel mix and queue times of
  ``bench/kpi_metrics.py``, 6 % abandoned on calls and chats);
- two messages per text contact (customer, agent) whose words are those the
  list benchmark searches for (``bench/interaction_list.WORDS``; one in ten
  thousand carries a rare word);
- a survey on 30 % of handled contacts, one automatic evaluation per handled
  contact (score, pass/fail) and a failed check on one in eight;
- the interaction facts themselves, worked out here from the same numbers by
  the rules of ``metrics/contact_facts`` for these simple records (no cases,
  no business calendars), instead of by ``metrics/facts.rebuild``, which needs
  45 minutes a million on the shared machine: FCR and repeat contact are drawn
  at the rates the customer window gives this customer mix (7 % repeat);
- then the daily rollups with ``metrics/rollups.rebuild_rollups``, and VACUUM ANALYZE
  (the visibility map set, as autovacuum leaves it).

On PostgreSQL the load is done as bulk loads are: the tables' plain indexes
are dropped first and built once at the end, and the batches skip the
per-row foreign-key triggers (``session_replication_role = replica``; the
rows are consistent by construction).

The code that computes facts is measured at a million by ``bench/kpi_metrics``
and ``bench/report_generation``; this generator is what makes ten million
possible on a 2-core machine.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from bench.report_generation import (
    CHECKS,
    EVALUATION_COLUMNS,
    FAILURE_COLUMNS,
    MESSAGE_COLUMNS,
    SCORECARD,
    SURVEY_COLUMNS,
)
from kontrol.accounts.workspaces import ensure_workspace
from kontrol.domain.periods import Period, period_keys
from kontrol.metrics.parameters import HANDLE_TIME_CHANNELS, SLA_TARGET_SECONDS, TEXT_CHANNELS
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.migrate import upgrade
from kontrol.store.tables import (
    agents,
    check_failures,
    evaluations,
    interaction_facts,
    interactions,
    messages,
    scorecards,
    surveys,
)
from kontrol.store.upsert import bulk_insert

BATCH = 50_000
START = date(2026, 1, 1)
AGENTS = 40
CHANNELS = ["chat"] * 4 + ["call"] * 3 + ["email", "messenger", "social"]
TOPICS = ["delivery", "refund", "payment", "account", "product", "warranty", "promo", "other"]
WORDS = "заказ доставка оплата возврат курьер адрес карта скидка order parcel refund card".split()
INTERACTION_COLUMNS = (
    "id",
    "workspace_id",
    "source",
    "external_id",
    "channel",
    "direction",
    "queued_at",
    "started_at",
    "ended_at",
    "wrap_seconds",
    "status",
    "agent_external_id",
    "team",
    "customer_id",
    "topic",
    "tags",
    "is_complaint",
    "meta",
    "message_count",
    "content_hash",
    "imported_at",
    "updated_at",
)
FACT_COLUMNS = (
    "interaction_id",
    "workspace_id",
    "started_at",
    "day",
    "week",
    "month",
    "quarter",
    "agent",
    "team",
    "channel",
    "topic",
    "customer_id",
    "inbound",
    "handled",
    "abandoned",
    "frt_s",
    "frt_business_s",
    "asa_s",
    "asa_business_s",
    "aht_s",
    "resolution_s",
    "resolution_business_s",
    "sla_met",
    "sla_business_met",
    "fcr",
    "repeat_contact",
    "complaint",
    "csat",
    "nps",
    "surveyed",
    "dq_backwards",
    "qa_score",
    "qa_failed",
)
_ITEMS = {
    True: [{"criterion": "greeting", "check": "greeting", "result": "pass", "fraction": 1.0}],
    False: [{"criterion": "greeting", "check": "greeting", "result": "fail", "fraction": 0.0}],
}


def month_first(months_after: int) -> date:
    """The first day of the month ``months_after`` months after ``START``."""
    index = START.month - 1 + months_after
    return date(START.year + index // 12, index % 12 + 1, 1)


class _Batch:
    """The rows of one batch, table by table."""

    def __init__(self) -> None:
        self.interactions: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []
        self.surveys: list[tuple[Any, ...]] = []
        self.evaluations: list[tuple[Any, ...]] = []
        self.failures: list[tuple[Any, ...]] = []
        self.facts: list[tuple[Any, ...]] = []

    def write(self, engine: Engine) -> None:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A bulk load of rows made consistent here: no foreign-key trigger per row.
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            bulk_insert(connection, interactions, INTERACTION_COLUMNS, self.interactions)
            bulk_insert(connection, messages, MESSAGE_COLUMNS, self.messages)
            bulk_insert(connection, surveys, SURVEY_COLUMNS, self.surveys)
            bulk_insert(connection, evaluations, EVALUATION_COLUMNS, self.evaluations)
            bulk_insert(connection, check_failures, FAILURE_COLUMNS, self.failures)
            bulk_insert(connection, interaction_facts, FACT_COLUMNS, self.facts)
        self.__init__()  # type: ignore[misc]


def _prepare(engine: Engine, now: datetime) -> int:
    """Schema, workspace, the scorecard and the agents; returns the scorecard id."""
    upgrade(engine)
    ensure_workspace(engine, "default")
    with engine.begin() as connection:
        card = connection.execute(
            scorecards.insert().values(
                workspace_id=1,
                name="bench",
                version=1,
                title="Bench",
                yaml=SCORECARD,
                is_active=True,
                created_at=now,
            )
        ).inserted_primary_key
        connection.execute(
            agents.insert(),
            [
                {
                    "workspace_id": 1,
                    "external_id": f"a{n:02d}",
                    "name": f"Agent {n:02d}",
                    "team": f"team {n % 5}",
                    "meta": {},
                }
                for n in range(AGENTS)
            ],
        )
    assert card is not None
    return int(card[0])


TABLES = (interactions, messages, surveys, evaluations, check_failures, interaction_facts)


def drop_indexes(connection: Connection) -> list[str]:
    """Drop the filled tables' plain indexes (PostgreSQL); their definitions, to build after.

    A bulk load builds an index once at the end far faster than row by row;
    indexes that back a constraint (primary keys, unique keys) stay.
    """
    found = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:tables)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname)"
        ),
        {"tables": [table.name for table in TABLES]},
    ).all()
    for row in found:
        connection.execute(text(f'DROP INDEX "{row.indexname}"'))
    return [row.indexdef for row in found]


def generate(engine: Engine, count: int, months: int = 10, seed: int = 20) -> dict[str, float]:
    """Store ``count`` interactions over ``months`` months; seconds of each step."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    now = datetime.combine(month_first(months), datetime.min.time())
    card = _prepare(engine, now)
    indexes: list[str] = []
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            indexes = drop_indexes(connection)
    rng = random.Random(seed)
    rand, randrange, choice, expo = rng.random, rng.randrange, rng.choice, rng.expovariate
    per_month = max(1, count // months)
    keys: dict[date, dict[Period, str]] = {}
    batch = _Batch()
    for number in range(count):
        month = min(number // per_month, months - 1)
        first = month_first(month)
        days = (month_first(month + 1) - first).days
        interaction_id = number + 1
        agent = randrange(AGENTS)
        channel = choice(CHANNELS)
        queued = datetime.combine(first, datetime.min.time()) + timedelta(
            seconds=randrange(days * 86400)
        )
        abandoned = channel in ("call", "chat") and rand() < 0.06
        wait = expo(1 / (25 if channel == "call" else 90))
        started = queued + timedelta(seconds=wait)
        ended = None if abandoned else started + timedelta(seconds=randrange(60, 1500))
        wrap = randrange(0, 60)
        inbound = rand() < 0.95
        status = "abandoned" if abandoned else choice(("resolved",) * 4 + ("unresolved",))
        agent_id = None if abandoned else f"a{agent:02d}"
        team = f"team {agent % 5}"
        customer = f"c{randrange(count // 4 + 1)}"
        topic = choice(TOPICS)
        complaint = rand() < 0.03
        external = f"s{number}"
        batch.interactions.append(
            (interaction_id, 1, "bench", external, channel)
            + ("inbound" if inbound else "outbound", queued, started, ended, wrap, status)
            + (agent_id, team, customer, topic, [], complaint, {}, 0, "-", started, started)
        )
        handled = inbound and not abandoned and agent_id is not None
        texted = channel in TEXT_CHANNELS and not abandoned
        if texted:
            said = " ".join(choice(WORDS) for _ in range(5))
            if number % 10_000 == 7:
                said += " уникальноеслово"
            batch.messages.append((interaction_id, 0, "customer", said, queued))
            batch.messages.append((interaction_id, 1, "agent", "Здравствуйте! " + said, started))
        csat = randrange(1, 6) if handled and rand() < 0.3 else None
        nps = None if csat is None else min(10, csat * 2)
        if csat is not None:
            batch.surveys.append((1, "bench", external, interaction_id, csat, nps, "-", started))
        qa_score: float | None = None
        qa_failed: bool | None = None
        if handled:
            r = rand()
            qa_score, passed = round(60 + 40 * r, 1), r > 0.2
            qa_failed = not passed
            batch.evaluations.append(
                (1, interaction_id, card, "auto", qa_score, passed, _ITEMS[r > 0.1], now)
                + ("submitted", 1)
            )
            if r < 0.125:
                batch.failures.append((interaction_id, CHECKS[int(r * 1000) % len(CHECKS)], 1))
        frt = (started - queued).total_seconds() if handled and texted else None
        asa = (started - queued).total_seconds() if handled and channel == "call" else None
        aht = None
        if handled and channel in HANDLE_TIME_CHANNELS and ended is not None:
            aht = (ended - started).total_seconds() + wrap
        measure = asa if channel == "call" else frt
        target = SLA_TARGET_SECONDS.get(channel)
        sla = None if measure is None or target is None else measure <= target
        resolution = None
        if status == "resolved" and ended is not None:
            resolution = (ended - queued).total_seconds()
        repeat = fcr = None
        if handled:
            repeat = rand() < 0.07
            fcr = status == "resolved" and not (repeat and rand() < 0.125)
        local = started.date()
        period = keys.get(local)
        if period is None:
            period = keys[local] = period_keys(local)
        batch.facts.append(
            (interaction_id, 1, started, period[Period.DAY], period[Period.WEEK])
            + (period[Period.MONTH], period[Period.QUARTER], agent_id, team, channel, topic)
            + (customer, inbound, handled, abandoned, frt, frt, asa, asa, aht)
            + (resolution, resolution, sla, sla, fcr, repeat, complaint, csat, nps)
            + (csat is not None, False, qa_score, qa_failed)
        )
        if len(batch.interactions) == BATCH:
            batch.write(engine)
    batch.write(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The ids were given explicitly: move the sequence past them.
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('interactions', 'id'), :n)"),
                {"n": max(count, 1)},
            )
    steps["fill (interactions, messages, surveys, evaluations, facts)"] = (
        time.perf_counter() - began
    )
    if indexes:
        began = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            for definition in indexes:
                connection.execute(text(definition))
        steps["indexes"] = time.perf_counter() - began
    began = time.perf_counter()
    with engine.begin() as connection:
        rebuild_rollups(connection, 1)
    steps["rollups"] = time.perf_counter() - began
    began = time.perf_counter()
    if engine.dialect.name == "postgresql":
        # As autovacuum does after a large insert: the visibility map set, so the
        # covering indexes of the facts are read without the table (migration 0049).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    steps["vacuum analyze"] = time.perf_counter() - began
    return steps
