"""Precision and recall of the reason assignment on the labelled set (docs/analysis.md).

Prints the table the documentation reports (``pytest -s``) and fails when the
assignment gets worse than what is documented.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontrol.analysis.classifier import ReasonModel, train_model
from kontrol.analysis.evaluation import LabelledReason, ReasonScore, measure_assignment
from kontrol.analysis.taxonomy import default_taxonomy

HERE = Path(__file__).parent


def _items() -> list[LabelledReason]:
    lines = (HERE / "labelled.jsonl").read_text(encoding="utf-8").splitlines()
    return [LabelledReason(r["language"], r["text"], r["label"]) for r in map(json.loads, lines)]


def _demo_model() -> ReasonModel:
    """The model as a workspace learns it: from conversations that have a topic."""
    from kontrol.demo.generator import generate
    from kontrol.demo.sizes import SMALL

    records = [r for r in generate(seed=11, interactions=400, size=SMALL) if "kind" not in r]
    texts = [
        "\n".join(m["text"] for m in r["messages"] if m["role"] == "customer") for r in records
    ]
    pairs = [(t, r["topic"]) for t, r in zip(texts, records, strict=True) if t.strip()]
    model = train_model([p[0] for p in pairs], [p[1] for p in pairs])
    assert model is not None
    return model


def _table(title: str, scores: list[ReasonScore]) -> str:
    lines = [title, "reason        lang  n  precision  recall"]
    for s in scores:
        p = "—" if s.precision is None else f"{s.precision:.2f}"
        r = "—" if s.recall is None else f"{s.recall:.2f}"
        lines.append(f"{s.reason:<13} {s.language:<4} {s.support:>2}  {p:>9}  {r:>6}")
    return "\n".join(lines)


def _micro(scores: list[ReasonScore]) -> tuple[float, float]:
    correct = sum(s.correct for s in scores)
    return correct / sum(s.predicted for s in scores), correct / sum(s.support for s in scores)


def test_the_independent_annotator_gave_the_same_labels() -> None:
    def labels(name: str) -> dict[str, str]:
        lines = (HERE / name).read_text(encoding="utf-8").splitlines()
        return {row["id"]: row["label"] for row in map(json.loads, lines)}

    author, independent = labels("labelled.jsonl"), labels("independent_labels.jsonl")
    assert author.keys() == independent.keys() and len(author) == 76
    assert {key for key in author if author[key] != independent[key]} == set()


def test_labelled_set_covers_every_reason_in_both_languages() -> None:
    items = _items()
    reasons = {r.code for r in default_taxonomy().reasons}
    for language in ("ru", "en"):
        labels = {i.label for i in items if i.language == language}
        assert reasons <= labels


def test_phrase_rules_alone() -> None:
    scores, _ = measure_assignment(default_taxonomy(), None, _items())
    print("\n" + _table("rules only", scores))
    precision, recall = _micro(scores)
    print(f"micro precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.85
    assert recall >= 0.60


@pytest.mark.slow
def test_phrase_rules_then_model() -> None:
    scores, guesses = measure_assignment(default_taxonomy(), _demo_model(), _items())
    print("\n" + _table("rules, then the model learned from demo topics", scores))
    precision, recall = _micro(scores)
    print(f"micro precision {precision:.2f}, recall {recall:.2f}")
    for item, guess, source in guesses:
        if guess != (None if item.label == "none" else item.label):
            print(f"  {item.language} {item.label:>12} -> {guess} ({source}): {item.text}")
    assert precision >= 0.75
    assert recall >= 0.70
