"""QA metrics over evaluations (qa_score, qa_fail).

Each interaction counts once, with one evaluation: its newest manual one where
a reviewer scored it, else its newest automatic one (a scorecard edit makes a
new version and later scorings a new evaluation; older ones stay as history).
A reviewer's unfinished draft does not count until it is submitted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select

from kontrol.metrics.query import Grouping, GroupKey, fact_conditions, group_columns, number
from kontrol.store.tables import evaluations, interaction_facts


def qa_metrics(connection: Connection, grouping: Grouping) -> dict[GroupKey, dict[str, Any]]:
    """qa_score and qa_fail (with its numerator and denominator) per group.

    ``qa_fail`` counts evaluations that did not pass: below the scorecard's pass
    mark or with a failed critical criterion (which scores 0). Evaluations with
    no score (every criterion ``na``) count in neither.
    """
    e = evaluations
    newest = (
        select(
            e.c.interaction_id,
            func.coalesce(func.max(case((e.c.kind == "manual", e.c.id))), func.max(e.c.id)).label(
                "evaluation_id"
            ),
        )
        .where(e.c.status == "submitted", e.c.kind.in_(("auto", "manual")))
        .group_by(e.c.interaction_id)
        .subquery()
    )
    chosen = (
        select(
            e.c.interaction_id,
            e.c.score,
            case((e.c.score.is_(None), None), (e.c.passed.is_(False), 1), else_=0).label("failed"),
        )
        .join(newest, newest.c.evaluation_id == e.c.id)
        .subquery()
    )
    groups = group_columns(grouping)
    statement = (
        select(
            *groups,
            func.avg(chosen.c.score).label("qa_score"),
            func.sum(chosen.c.failed).label("qa_fail_num"),
            func.count(chosen.c.score).label("qa_fail_den"),
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
