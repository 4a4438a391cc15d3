"""Learned models against the rule checks, on hand-labelled real conversations.

The labelled sets of bench/checks_agreement.py (tests/checks_eval/real/) stand in for
a workspace's reviews: each label is a reviewer's pass / fail / na for one check. Per
check, the learned model (kontrol.learning.model: words and lemmas by speaker, the
rule's verdict as a feature, TF-IDF and logistic regression) is trained exactly as
kontrol.learning.training trains it, on pass/fail labels only, with five folds by a
hash of the conversation: each conversation is predicted by the model that never saw
it. Only the conversations of the sets' held-out part (never read while the rules were
tuned) are counted, so the rule is not flattered either. The model's answer is counted
as it would be used: where the rule says ``na`` the ``na`` stands.

Per check: n (held-out pass/fail labels), the rule's and the model's agreement with
the labels and Cohen's kappa, and whether the switch would allow the model (at least
20 labels, 5 points better).

    python -m bench.learning_agreement
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from bench.checks_agreement import Case, load_cases
from kontrol.checks.engine import check_record
from kontrol.learning.model import conversation_tokens, fit
from kontrol.learning.training import MARGIN_POINTS, MIN_HELD_BACK, MIN_TRAINING, deployed
from kontrol.review.agreement import cohen_kappa

FOLDS = 5


def fold_of(case: Case) -> int:
    """The conversation's fold (fixed: a hash of its source and reference)."""
    digest = hashlib.sha256(f"{case.source}:{case.ref}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % FOLDS


@dataclass(frozen=True, slots=True)
class Row:
    check: str
    n: int
    rule_agreed: int
    model_agreed: int
    rule_kappa: float | None
    model_kappa: float | None
    trained_folds: int

    @property
    def gain(self) -> float:
        return 100.0 * (self.model_agreed - self.rule_agreed) / self.n if self.n else 0.0

    @property
    def allowed(self) -> bool:
        return self.n >= MIN_HELD_BACK and self.gain >= MARGIN_POINTS


def _kappa(machine: Sequence[str], people: Sequence[str]) -> float | None:
    value = cohen_kappa(list(machine), list(people)).value
    return None if value is None else round(value, 3)


def measure_check(
    check: str,
    cases: list[Case],
    rules: dict[str, dict[str, str]],
    documents: dict[str, list[str]],
) -> Row:
    """Five-fold predictions for one check, counted on the held-out part."""
    labelled = [c for c in cases if c.labels.get(check) in ("pass", "fail")]
    predicted: dict[str, str] = {}
    trained = 0
    for fold in range(FOLDS):
        learning = [c for c in labelled if fold_of(c) != fold]
        tested = [c for c in labelled if fold_of(c) == fold and c.part == "held-out"]
        if not tested:
            continue
        if len(learning) < MIN_TRAINING or len({c.labels[check] for c in learning}) < 2:
            for c in tested:  # no model: the rule's answer stays
                predicted[c.ref] = rules[c.ref].get(check, "na")
            continue
        trained += 1
        model = fit(
            [documents[f"{check}|{c.ref}"] for c in learning], [c.labels[check] for c in learning]
        )
        verdicts = model.judge([documents[f"{check}|{c.ref}"] for c in tested])
        for c, v in zip(tested, verdicts, strict=True):
            predicted[c.ref] = deployed(rules[c.ref].get(check, "na"), v.verdict)
    counted = [c for c in labelled if c.ref in predicted]
    people = [c.labels[check] for c in counted]
    rule = [rules[c.ref].get(check, "na") for c in counted]
    model_answers = [predicted[c.ref] for c in counted]
    return Row(
        check,
        len(counted),
        sum(1 for a, b in zip(rule, people, strict=True) if a == b),
        sum(1 for a, b in zip(model_answers, people, strict=True) if a == b),
        _kappa(rule, people),
        _kappa(model_answers, people),
        trained,
    )


def _pct(agreed: int, n: int) -> str:
    return f"{100.0 * agreed / n:.1f}%" if n else "-"


def _k(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> str:
    """Measure every labelled check; the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    cases = load_cases()
    rules: dict[str, dict[str, str]] = {}
    documents: dict[str, list[str]] = {}
    checks = sorted({check for c in cases for check in c.labels})
    for case in cases:
        result = check_record(case.record, followups=case.followups)
        rules[case.ref] = {
            check: str(found.get("result", "na")) for check, found in result["checks"].items()
        }
        lines = [(str(m.get("role")), str(m.get("text") or "")) for m in case.record["messages"]]
        for check in checks:
            rule = rules[case.ref].get(check)
            documents[f"{check}|{case.ref}"] = conversation_tokens(lines, rule)
    rows = [measure_check(check, cases, rules, documents) for check in checks]
    total_n = sum(r.n for r in rows)
    lines_out = [
        f"Learned model vs rule, {len(cases)} labelled conversations "
        f"({sum(1 for c in cases if c.part == 'held-out')} in the held-out part), five folds:",
        "",
        "| check | n | rule agreement | rule κ | model agreement | model κ | may be turned on |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if not r.n:
            continue
        lines_out.append(
            f"| {r.check} | {r.n} | {_pct(r.rule_agreed, r.n)} | {_k(r.rule_kappa)} | "
            f"{_pct(r.model_agreed, r.n)} | {_k(r.model_kappa)} | "
            f"{'yes' if r.allowed else 'no'} |"
        )
    lines_out.append(
        f"| **all** | {total_n} | {_pct(sum(r.rule_agreed for r in rows), total_n)} | | "
        f"{_pct(sum(r.model_agreed for r in rows), total_n)} | | |"
    )
    table = "\n".join(lines_out)
    print(table)
    return table


if __name__ == "__main__":
    main()
