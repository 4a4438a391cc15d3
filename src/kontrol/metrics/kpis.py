"""KPIs of a workspace: the rows of spec/METRICS.md "Output", grouped in SQL.

The web dashboard, the API and ``kontrol kpi`` all call ``compute``; on files,
``kpi_for_files`` imports them into a temporary SQLite database first and then
runs the very same queries.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import from_utc, utcnow, zone
from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period
from kontrol.metrics import Metric, catalogue, get_metric
from kontrol.metrics.commercial import order_metrics
from kontrol.metrics.query import DIMENSIONS, Grouping, GroupKey, facts_metrics
from kontrol.metrics.rollup_reads import covered, rollup_metrics

if TYPE_CHECKING:
    from kontrol.ingest.held_effects import FileProgress

# Floats are rounded so that SQLite and PostgreSQL (different summation order) agree.
_DIGITS = 6

# Up to this many interactions in a report, medians and p90 are exact (the window
# query is fast enough); above it they are estimated from the rollup histograms.
# PostgreSQL sorts fast and scans the narrow histogram rows comparatively slowly:
# on 1M generated interactions a month's tiles took 0.23 s exact against 0.54 s
# estimated there, 1.0 s against 0.19 s on SQLite (docs/benchmarks.md).
EXACT_PERCENTILE_ROWS = {"sqlite": 50_000, "postgresql": 250_000}


@dataclass(frozen=True)
class MetricInfo:
    """A metric as the catalogue shows it."""

    id: str
    unit: str
    kind: str
    direction: str | None
    doc: str
    output_keys: tuple[str, ...]
    default_target: float | None
    default_warning: float | None


def metric_catalogue() -> list[MetricInfo]:
    """Every metric with its unit, direction and the keys it adds to a row."""
    return [
        MetricInfo(
            m.id,
            m.unit,
            m.kind,
            m.direction,
            m.doc,
            tuple(m.output_keys()),
            m.default_target,
            m.default_warning,
        )
        for m in catalogue()
    ]


def parse_grouping(
    *,
    workspace: Workspace,
    by: Sequence[str] = (),
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, str] | None = None,
) -> Grouping:
    """Check what a report asks for; ``InvalidInput`` names the bad part."""
    for name in by:
        if name not in DIMENSIONS:
            raise InvalidInput(
                f"--by: {name!r} is not one of {', '.join(DIMENSIONS)}",
                key="metrics.error.by",
                params={"name": name, "choices": ", ".join(DIMENSIONS)},
            )
    if len(set(by)) != len(by):
        raise InvalidInput("--by: a dimension is named twice", key="metrics.error.by_twice")
    chosen_period = None
    if period:
        try:
            chosen_period = Period(period)
        except ValueError:
            raise InvalidInput(
                f"--period: {period!r} is not one of day, week, month, quarter",
                key="metrics.error.period",
                params={"period": period},
            ) from None
    for name in filters or {}:
        if name not in DIMENSIONS:
            raise InvalidInput(
                f"filter: {name!r} is not one of {', '.join(DIMENSIONS)}",
                key="metrics.error.filter",
                params={"name": name, "choices": ", ".join(DIMENSIONS)},
            )
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("--from is after --to", key="metrics.error.from_to")
    return Grouping(
        workspace_id=workspace.id,
        by=tuple(by),
        period=chosen_period,
        date_from=date_from,
        date_to=date_to,
        filters=dict(filters or {}),
    )


def chosen_metrics(metrics: Sequence[str] | None) -> list[Metric]:
    """The metrics asked for (all when none), in catalogue order."""
    if not metrics:
        return catalogue()
    wanted = [get_metric(metric_id) for metric_id in metrics]
    return [m for m in catalogue() if m in wanted]


def compute(
    connection: Connection,
    *,
    workspace: Workspace,
    metrics: Sequence[str] | None = None,
    by: Sequence[str] = (),
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, str] | None = None,
    exact: bool | None = None,
) -> list[dict[str, Any]]:
    """One row per group: the group keys, then every output key of every metric.

    A metric with no data in a group is ``None``. Without ``by`` and ``period``
    there is exactly one row (all ``None`` when there is no data).

    ``exact``: ``True`` counts everything from the per-interaction facts; ``False``
    sums the daily rollups and estimates medians and p90 from their histograms;
    ``None`` (the default) sums the rollups (the same figures) and keeps medians
    and p90 exact up to ``EXACT_PERCENTILE_ROWS`` interactions in the report
    (50,000 on SQLite, 250,000 on PostgreSQL); those of a range that ended before
    the workspace's today are kept and read again (``metrics/percentile_cache.py``).
    """
    grouping = parse_grouping(
        workspace=workspace,
        by=by,
        period=period,
        date_from=date_from,
        date_to=date_to,
        filters=filters,
    )
    selected = chosen_metrics(metrics)
    sources = {m.source for m in selected}
    parts: list[dict[GroupKey, dict[str, Any]]] = []
    from_facts = [m for m in selected if m.source == "facts"]
    if exact or not all(covered(m) for m in from_facts):
        parts.append(facts_metrics(connection, grouping, from_facts))
    else:
        limit = EXACT_PERCENTILE_ROWS.get(connection.dialect.name, 50_000)
        parts.append(
            rollup_metrics(
                connection,
                grouping,
                from_facts,
                exact_up_to=None if exact is False else limit,
                today=from_utc(utcnow(), zone(workspace.timezone)).date(),
            )
        )
    if "orders" in sources:
        parts.append(order_metrics(connection, grouping, {m.id for m in selected}))
    parts.extend(m.own_values(connection, grouping) for m in selected if m.source == "own")
    keys: set[GroupKey] = set()
    for part in parts:
        keys.update(part)
    if not grouping.keys:
        keys = {()}
    rows = []
    for key in sorted(keys, key=_sort_key):
        row: dict[str, Any] = dict(zip(grouping.keys, key, strict=True))
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(part.get(key, {}))
        for metric in selected:
            for name in metric.output_keys():
                row[name] = _rounded(merged.get(name))
        rows.append(row)
    return rows


def _sort_key(key: GroupKey) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, "" if value is None else str(value)) for value in key)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        rounded = round(value, _DIGITS)
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    return value


def kpi_for_files(
    files: Sequence[Path],
    *,
    timezone: str = "UTC",
    metrics: Sequence[str] | None = None,
    by: Sequence[str] = (),
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, str] | None = None,
    progress: FileProgress | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """KPIs of interchange files: imported into a temporary SQLite database, then ``compute``.

    Every interaction is scored in this process before anything is counted,
    whatever the files' size (no worker sees the temporary database), as a
    database is after its queued scoring. Returns the rows and the import
    problems (file:line: reason) of rejected records.
    """
    from kontrol.accounts.installation import initialize
    from kontrol.accounts.workspaces import ensure_workspace
    from kontrol.checks.word_cache import save_words
    from kontrol.ingest.held_effects import HeldEffects
    from kontrol.ingest.importing import import_file

    # Check the request before the (slower) import.
    chosen_metrics(metrics)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kontrol-kpi-") as folder:
        engine = initialize(f"sqlite:///{Path(folder) / 'kpi.db'}")
        try:
            workspace = ensure_workspace(engine, "files", timezone)
            parse_grouping(
                workspace=workspace,
                by=by,
                period=period,
                date_from=date_from,
                date_to=date_to,
                filters=filters,
            )
            held = HeldEffects(progress)
            for path in files:
                report = import_file(
                    engine=engine, workspace=workspace, path=path, publish_events=held.hold
                )
                problems.extend(f"{r.file}:{r.line}: {r.error}" for r in report.rejects)
            held.release(engine)
            save_words()  # the dictionaries' answers, for the next command
            with engine.connect() as connection:
                rows = compute(
                    connection,
                    workspace=workspace,
                    metrics=metrics,
                    by=by,
                    period=period,
                    date_from=date_from,
                    date_to=date_to,
                    filters=filters,
                    exact=True,
                )
        finally:
            engine.dispose()
    return rows, problems
