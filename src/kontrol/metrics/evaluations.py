"""QA metrics over evaluations (qa_score, qa_fail).

Evaluations belong to the automatic-checks feature. Until that lands, this
module declares the contract it reads: ``evaluations(interaction_id, score,
passed, kind 'auto'|'manual', critical_failed, created_at)``; at merge the
table from ``kontrol.store.tables`` is used instead. Without the table, or
without evaluations, both metrics are null.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    case,
    func,
    inspect,
    or_,
    select,
)

from kontrol.metrics.parameters import QA_PASS_MARK
from kontrol.metrics.query import Grouping, GroupKey, fact_conditions, group_columns, number
from kontrol.store import tables
from kontrol.store.tables import interaction_facts

_declared: Table | None = getattr(tables, "evaluations", None)
evaluations: Table = (
    _declared
    if _declared is not None
    else Table(
        "evaluations",
        MetaData(),
        Column("interaction_id", Integer),
        Column("score", Float),
        Column("passed", Boolean),
        Column("kind", String(10)),
        Column("critical_failed", Boolean),
        Column("created_at", DateTime),
    )
)


def qa_metrics(connection: Connection, grouping: Grouping) -> dict[GroupKey, dict[str, Any]]:
    """qa_score and qa_fail (with its numerator and denominator) per group."""
    if not inspect(connection).has_table("evaluations"):
        return {}
    e = evaluations
    has_manual = (
        select(
            e.c.interaction_id,
            func.max(case((e.c.kind == "manual", 1), else_=0)).label("has_manual"),
        )
        .group_by(e.c.interaction_id)
        .subquery()
    )
    failed = case(
        (e.c.critical_failed.is_(True), 1),
        (e.c.passed.is_(False), 1),
        (e.c.passed.is_(None) & (e.c.score < QA_PASS_MARK), 1),
        else_=0,
    )
    chosen = (
        select(e.c.interaction_id, e.c.score, failed.label("failed"))
        .join(has_manual, has_manual.c.interaction_id == e.c.interaction_id)
        .where(or_(e.c.kind == "manual", has_manual.c.has_manual == 0))
        .subquery()
    )
    groups = group_columns(grouping)
    statement = (
        select(
            *groups,
            func.avg(chosen.c.score).label("qa_score"),
            func.sum(chosen.c.failed).label("qa_fail_num"),
            func.count().label("qa_fail_den"),
        )
        .select_from(
            chosen.join(
                interaction_facts, interaction_facts.c.interaction_id == chosen.c.interaction_id
            )
        )
        .where(*fact_conditions(grouping))
    )
    if groups:
        statement = statement.group_by(*groups)
    found: dict[GroupKey, dict[str, Any]] = {}
    for row in connection.execute(statement).mappings():
        key = tuple(row[name] for name in grouping.keys)
        num, den = number(row["qa_fail_num"]), number(row["qa_fail_den"])
        found[key] = {
            "qa_score": number(row["qa_score"]),
            "qa_fail": num * 100.0 / den if num is not None and den else None,
            "qa_fail_num": num,
            "qa_fail_den": den,
        }
    return found
