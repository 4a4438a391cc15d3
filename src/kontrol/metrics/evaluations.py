"""The evaluation that counts for each interaction, behind qa_score and qa_fail.

Each interaction counts once, with one evaluation: its newest manual one where
a reviewer scored it, else its newest automatic one (a scorecard edit makes a
new version and later scorings a new evaluation; older ones stay as history).
A reviewer's unfinished draft does not count until it is submitted.

The counted evaluation's score and pass/fail are kept on the interaction's
facts (``qa_score``, ``qa_failed``): written with the facts, and refreshed by
``metrics.facts.refresh_qa_facts`` whenever an evaluation is scored, submitted
or changed. ``qa_score`` and ``qa_fail`` are then facts metrics like the others
(``metrics/builtin.py``), in the daily rollups too, so reports and dashboards
never group the evaluations themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from kontrol.metrics.query import Grouping, GroupKey, fact_conditions, group_columns, number
from kontrol.store.tables import evaluations, interaction_facts


def _counted(ids: Sequence[int] | None = None) -> Select[Any]:
    """Each interaction's counted evaluation: (interaction_id, score, passed)."""
    e = evaluations
    newest = select(
        e.c.interaction_id,
        func.coalesce(func.max(case((e.c.kind == "manual", e.c.id))), func.max(e.c.id)).label(
            "evaluation_id"
        ),
    ).where(e.c.status == "submitted", e.c.kind.in_(("auto", "manual")))
    if ids is not None:
        newest = newest.where(e.c.interaction_id.in_(ids))
    chosen = newest.group_by(e.c.interaction_id).subquery()
    return select(e.c.interaction_id, e.c.score, e.c.passed).join(
        chosen, chosen.c.evaluation_id == e.c.id
    )


def qa_values(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[float | None, bool]]:
    """``{interaction_id: (qa_score, qa_failed)}`` of those of ``ids`` an evaluation counts for.

    Failed: scored and not passed (below the pass mark or a failed critical
    criterion); an evaluation with no score (every criterion ``na``) counts as
    evaluated but in neither the score nor the fail rate.
    """
    return {
        int(row.interaction_id): (row.score, row.score is not None and row.passed is False)
        for row in connection.execute(_counted(ids))
    }


def _qa_row(row: Any) -> dict[str, Any]:
    num, den = number(row["qa_fail_num"]), number(row["qa_fail_den"])
    return {
        "qa_score": number(row["qa_score"]),
        "qa_fail": num * 100.0 / den if num is not None and den else None,
        "qa_fail_num": num,
        "qa_fail_den": den,
    }


def qa_metrics_from_evaluations(
    connection: Connection, grouping: Grouping
) -> dict[GroupKey, dict[str, Any]]:
    """qa_score and qa_fail per group, grouped over the evaluations themselves.

    How they were counted before the facts kept them: the reference the facts
    are checked against (tests/metrics/test_qa_metrics.py). Far slower at scale,
    since it picks every interaction's counted evaluation from all of them.
    """
    chosen = _counted().subquery()
    failed = case((chosen.c.score.is_(None), None), (chosen.c.passed.is_(False), 1), else_=0)
    groups = group_columns(grouping)
    statement = (
        select(
            *groups,
            func.avg(chosen.c.score).label("qa_score"),
            func.sum(failed).label("qa_fail_num"),
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
    return {
        tuple(row[name] for name in grouping.keys): _qa_row(row)
        for row in connection.execute(statement).mappings()
    }
