"""Every metric has a stable id, a unit, a definition and names in both languages."""

from __future__ import annotations

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translations
from kontrol.metrics import Metric, catalogue, get_metric, register_metric
from kontrol.metrics.definitions import CountMetric

SPEC_IDS = {
    "frt",
    "asa",
    "aht",
    "resolution_time",
    "sla",
    "abandonment",
    "csat",
    "nps",
    "ces",
    "survey_rate",
    "fcr",
    "repeat_contact",
    "complaints",
    "qa_score",
    "qa_fail",
    "contacts",
    "contacts_per_hour",
    "cost_per_contact",
    "cost_total",
    "repeat_order",
    "repeat_order_value",
    "churn",
}


def test_every_metric_of_the_spec_is_registered_and_documented() -> None:
    metrics = catalogue()
    assert SPEC_IDS <= {m.id for m in metrics}
    for metric in metrics:
        assert metric.id and metric.unit and len(metric.doc) > 20, metric.id
        for lang in ("ru", "en"):
            assert f"kpi.metric.{metric.id}" in translations(lang)
            assert f"kpi.unit.{metric.unit}" in translations(lang)


def test_a_metric_without_id_or_docstring_is_refused() -> None:
    class NoId(CountMetric):
        """Counts nothing."""

    with pytest.raises(TypeError, match="no id"):
        register_metric(NoId)

    class NoDoc(Metric):
        id = "undocumented"

    NoDoc.__doc__ = None
    with pytest.raises(TypeError, match="docstring"):
        register_metric(NoDoc)


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="frt"):
        get_metric("speed")


def test_every_metric_is_documented() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text("utf-8")
    missing = [m.id for m in catalogue() if f"| `{m.id}` |" not in docs]
    assert missing == []
