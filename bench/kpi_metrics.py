"""KPIs on a million interactions: the SQL engine against an analyst's pandas.

Fills a fresh SQLite file and a fresh PostgreSQL database with N generated
interactions (bulk inserts, not the importer): text contacts get a customer
and an agent message, 30 % get a survey, a quarter of the customers come back.
Then:

- ``facts``: the per-interaction facts are built for all of them with the
  code imports use (``metrics/facts.rebuild``), timed;
- ``full set``: every metric, by agent × month (``metrics/kpis.compute``);
- dashboard-sized queries: the company tiles of one month, and a team × day
  series of 30 days;
- ``pandas``: what an analyst would do: read interactions, messages and
  surveys into pandas and compute the same core metrics by agent × month
  (handled, frt, asa, aht with median/mean/p90, sla, abandonment, csat, nps,
  survey rate, fcr and repeat contacts in the 7-day window, complaints).

Each query figure is the median of 3 runs after a warm-up.

    python -m bench.kpi_metrics --count 1000000 [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from kontrol.accounts.workspaces import Workspace, ensure_workspace
from kontrol.metrics.facts import rebuild
from kontrol.metrics.kpis import compute
from kontrol.metrics.rollups import rebuild_rollups
from kontrol.store.database import make_engine
from kontrol.store.migrate import upgrade
from kontrol.store.tables import (
    interactions,
    kpi_rollup_buckets,
    kpi_rollups,
    messages,
    surveys,
)

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CHANNELS = ["chat"] * 4 + ["call"] * 3 + ["email", "messenger", "social"]
TOPICS = ["delivery", "refund", "payment", "account", "product", "warranty", "promo", "other"]
START = datetime(2026, 1, 1)
DAYS = 330


def _rows(
    count: int, seed: int
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], int | None]]:
    rng = random.Random(seed)
    for number in range(count):
        agent = rng.randrange(40)
        channel = rng.choice(CHANNELS)
        queued = START + timedelta(seconds=rng.randrange(DAYS * 24 * 3600))
        abandoned = channel in ("call", "chat") and rng.random() < 0.06
        wait = rng.expovariate(1 / (25 if channel == "call" else 90))
        started = queued + timedelta(seconds=wait)
        row = {
            "id": number + 1,
            "workspace_id": 1,
            "source": "bench",
            "external_id": f"b{number}",
            "channel": channel,
            "direction": "inbound" if rng.random() < 0.95 else "outbound",
            "queued_at": queued,
            "started_at": started,
            "ended_at": None if abandoned else started + timedelta(seconds=rng.randrange(60, 1500)),
            "wrap_seconds": rng.randrange(0, 60),
            "status": "abandoned" if abandoned else rng.choice(["resolved"] * 4 + ["unresolved"]),
            "agent_external_id": None if abandoned else f"a{agent:02d}",
            "team": f"team {agent % 5}",
            "customer_id": f"c{rng.randrange(count // 4 + 1)}",
            "topic": rng.choice(TOPICS),
            "tags": [],
            "is_complaint": rng.random() < 0.03,
            "cost": None,
            "meta": {},
            "message_count": 0,
            "content_hash": "-",
            "imported_at": started,
            "updated_at": started,
        }
        said: list[dict[str, Any]] = []
        if channel != "call" and not abandoned:
            said = [
                {
                    "interaction_id": number + 1,
                    "seq": 0,
                    "role": "customer",
                    "text": "?",
                    "at": queued,
                },
                {
                    "interaction_id": number + 1,
                    "seq": 1,
                    "role": "agent",
                    "text": "!",
                    "at": started,
                },
            ]
        csat = rng.randint(1, 5) if rng.random() < 0.3 and not abandoned else None
        yield row, said, csat


def fill(engine: Engine, count: int, seed: int = 11) -> float:
    """Insert ``count`` interactions with messages and surveys; returns seconds taken."""
    upgrade(engine)
    ensure_workspace(engine, "default")
    began = time.perf_counter()
    batch: list[tuple[dict[str, Any], list[dict[str, Any]], int | None]] = []

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(interactions.insert(), [row for row, _, _ in batch])
            said = [m for _, ms, _ in batch for m in ms]
            if said:
                connection.execute(messages.insert(), said)
            answered = [
                {
                    "workspace_id": 1,
                    "source": "bench",
                    "interaction_external_id": row["external_id"],
                    "interaction_id": row["id"],
                    "csat": csat,
                    "nps": min(10, csat * 2),
                    "content_hash": "-",
                    "updated_at": row["started_at"],
                }
                for row, _, csat in batch
                if csat is not None
            ]
            if answered:
                connection.execute(surveys.insert(), answered)
        batch.clear()

    for item in _rows(count, seed):
        batch.append(item)
        if len(batch) == 20_000:
            flush()
    if batch:
        flush()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def _median_s(action: Callable[[], object], runs: int = 3) -> float:
    action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def analyst_pandas(engine: Engine) -> Any:
    """The core metrics by agent × month the way an analyst would: pandas on the raw tables.

    Simpler than the engine where pandas makes the rules awkward: FCR looks only at
    the customer's next contact on the same topic, and cases are not re-opened.
    """
    import pandas as pd

    with engine.connect() as connection:
        frame = pd.read_sql(
            text(
                "SELECT id, channel, direction, queued_at, started_at, ended_at, wrap_seconds,"
                " status, agent_external_id AS agent, customer_id, topic, is_complaint"
                " FROM interactions"
            ),
            connection,
            parse_dates=["queued_at", "started_at", "ended_at"],
        )
        said = pd.read_sql(
            text("SELECT interaction_id, role, at FROM messages"), connection, parse_dates=["at"]
        )
        rated = pd.read_sql(text("SELECT interaction_id, csat, nps FROM surveys"), connection)
    firsts = said.pivot_table(index="interaction_id", columns="role", values="at", aggfunc="min")
    firsts = firsts.rename(columns={"agent": "first_agent", "customer": "first_customer"})
    frame = frame.join(firsts, on="id").join(rated.groupby("interaction_id").last(), on="id")
    channel = frame["channel"]
    inbound = frame["direction"] == "inbound"
    handled = inbound & (frame["status"] != "abandoned") & frame["agent"].notna()
    frame["handled"] = handled
    frame["month"] = frame["started_at"].dt.strftime("%Y-%m")
    frt = (
        frame["first_agent"] - frame["queued_at"].fillna(frame["first_customer"])
    ).dt.total_seconds()
    frame["frt"] = frt.where(
        handled & channel.isin(["chat", "email", "messenger", "social"]) & (frt >= 0)
    )
    asa = (frame["started_at"] - frame["queued_at"]).dt.total_seconds()
    frame["asa"] = asa.where(handled & (channel == "call") & (asa >= 0))
    aht = (frame["ended_at"] - frame["started_at"]).dt.total_seconds() + frame[
        "wrap_seconds"
    ].fillna(0)
    frame["aht"] = aht.where(handled & channel.isin(["call", "chat", "messenger"]) & (aht >= 0))
    target = channel.map({"call": 20, "chat": 60, "messenger": 300, "email": 14400, "social": 3600})
    measure = frame["asa"].where(channel == "call", frame["frt"])
    frame["sla_den"] = handled & measure.notna() & target.notna()
    frame["sla_num"] = frame["sla_den"] & (measure <= target)
    queue = inbound & channel.isin(["call", "chat"])
    frame["ab_den"] = queue
    frame["ab_num"] = queue & (frame["status"] == "abandoned")
    frame["csat_num"] = frame["csat"] >= 4
    frame["nps_score"] = (frame["nps"] >= 9).astype(int) - (frame["nps"] <= 6).astype(int)
    frame.loc[frame["nps"].isna(), "nps_score"] = None
    frame["surveyed"] = handled & frame["csat"].notna()
    window = pd.Timedelta(days=7)
    contacts = frame[inbound & frame["customer_id"].notna()].sort_values(
        ["customer_id", "started_at", "id"]
    )
    following = contacts.groupby("customer_id")["started_at"].shift(-1)
    repeat = (following - contacts["started_at"]) <= window
    same_topic = contacts.groupby(["customer_id", "topic"])["started_at"].shift(-1)
    again = (same_topic - contacts["started_at"]) <= window
    frame["repeat"] = repeat.reindex(frame.index).where(handled)
    resolved = frame["status"].isin(["resolved"]) | frame["status"].isna()
    frame["fcr"] = (resolved & ~again.reindex(frame.index, fill_value=False)).where(
        handled & frame["customer_id"].notna()
    )
    groups = frame.groupby(["agent", "month"])
    times = groups[["frt", "asa", "aht"]]
    return pd.concat(
        [
            groups["handled"].sum().rename("contacts"),
            times.median().add_suffix("_median"),
            times.mean().add_suffix("_mean"),
            times.quantile(0.9).add_suffix("_p90"),
            groups[["sla_num", "sla_den", "ab_num", "ab_den", "surveyed", "is_complaint"]].sum(),
            groups["csat_num"].sum() / groups["csat"].count() * 100,
            groups["nps_score"].mean() * 100,
            groups["repeat"].mean() * 100,
            groups["fcr"].mean() * 100,
        ],
        axis=1,
    )


def measure(engine: Engine, workspace: Workspace, *, pandas: bool = True) -> dict[str, float]:
    """Seconds per query: the full metric set, dashboard-sized queries, and pandas."""
    results: dict[str, float] = {}

    def kpis(**request: Any) -> Callable[[], object]:
        def run() -> object:
            with engine.connect() as connection:
                return compute(connection, workspace=workspace, **request)

        return run

    month = {"date_from": date(2026, 10, 1), "date_to": date(2026, 10, 31)}
    requests: dict[str, dict[str, Any]] = {
        "full set, agent × month": {"by": ["agent"], "period": "month"},
        "full set, whole period": {},
        "without percentiles, agent × month": {
            "by": ["agent"],
            "period": "month",
            "metrics": ["sla", "abandonment", "csat", "nps", "fcr", "repeat_contact", "contacts"],
        },
        "dashboard tiles: one month, company": month,
        "dashboard series: team × day, one month": {
            "by": ["team"],
            "period": "day",
            "metrics": ["sla", "csat", "aht", "contacts"],
            **month,
        },
        "dashboard, one agent's month": {"filters": {"agent": "a07"}, **month},
    }
    cases: dict[str, Callable[[], object]] = {}
    for name, request in requests.items():
        # exact: from the per-interaction facts; rollups: summed daily rollups with
        # medians and p90 estimated from their histograms (metrics/rollups.py).
        cases[f"{name} (exact)"] = kpis(exact=True, **request)
        cases[f"{name} (rollups)"] = kpis(exact=False, **request)
    for name, action in cases.items():
        results[name] = _median_s(action)
        print(f"  {name}: {results[name]:.3f} s", flush=True)
    if not pandas:
        return results
    began = time.perf_counter()
    analyst_pandas(engine)
    results["pandas: read tables + compute, agent × month"] = time.perf_counter() - began
    print(f"  pandas: {results['pandas: read tables + compute, agent × month']:.1f} s", flush=True)
    return results


def _postgres_engine(name: str) -> Engine:
    admin = make_engine(POSTGRES_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; returns the Markdown it prints."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-pandas", action="store_true", help="Skip the pandas comparison.")
    args = parser.parse_args(argv)
    columns: dict[str, dict[str, float]] = {}
    prepared: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="kontrol-bench-") as folder:
        for backend in args.backends.split(","):
            print(f"{backend}: filling {args.count:,} interactions", flush=True)
            if backend == "sqlite":
                engine = make_engine(f"sqlite:///{Path(folder) / 'kpi.db'}")
            else:
                engine = _postgres_engine("kontrol_bench_kpi")
            filled = fill(engine, args.count)
            workspace = ensure_workspace(engine, "default")
            began = time.perf_counter()
            facts, _ = rebuild(engine, workspace.id)
            built = time.perf_counter() - began
            began = time.perf_counter()
            with engine.begin() as connection:
                rebuild_rollups(connection, workspace.id)
            rolled = time.perf_counter() - began
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
                rollup_rows = connection.execute(select(func.count()).select_from(kpi_rollups))
                rollup_count = int(rollup_rows.scalar() or 0)
                bucket_rows = connection.execute(
                    select(func.count()).select_from(kpi_rollup_buckets)
                )
                bucket_count = int(bucket_rows.scalar() or 0)
            prepared[backend] = (
                f"{backend}: filled in {filled:.0f} s; {facts:,} facts and their rollups built "
                f"in {built:.0f} s ({facts / built:,.0f} interactions/s); the rollups alone "
                f"rebuilt in {rolled:.1f} s: {rollup_count:,} day-group rows, "
                f"{bucket_count:,} histogram rows"
            )
            print(prepared[backend], flush=True)
            columns[backend] = measure(engine, workspace, pandas=not args.no_pandas)
            engine.dispose()
    names = list(next(iter(columns.values())))
    lines = [
        f"KPIs on {args.count:,} interactions (40 agents, 11 months): median seconds",
        "",
        "| query | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{columns[b][name]:.3f}" for b in columns) + " |")
    lines.append("")
    lines.extend(f"- {line}" for line in prepared.values())
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
