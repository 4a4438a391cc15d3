"""An import reject's stored English reason reads in both languages (ingest/reject_reasons.py)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import kontrol.ingest.vendors
from kontrol.domain.errors import InvalidInput
from kontrol.i18n import translations
from kontrol.i18n.messages import error_text
from kontrol.ingest.reject_reasons import REASONS, reject_reason, template_names
from kontrol.review.routing.rules import RoutingRuleInput, check_rule


def _names(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize(("template", "key"), REASONS)
def test_a_reject_reason_fills_the_values_its_key_names(template: str, key: str) -> None:
    russian, english = translations("ru"), translations("en")
    assert key in russian and key in english
    assert _names(russian[key]) == template_names(template) == _names(english[key])


def test_a_rule_error_keeps_its_english_and_reads_in_russian_with_the_rule() -> None:
    rule = RoutingRuleInput(name="Жалобы", kind="csat_low", queue="")
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule)
    assert str(refused.value) == "rule 'Жалобы': queue: 1 to 100 characters"
    assert error_text(refused.value, "en") == "rule 'Жалобы': Queue: 1 to 100 characters"
    assert error_text(refused.value, "ru") == "правило «Жалобы»: Очередь: от 1 до 100 символов"


def _vendor_reasons() -> list[tuple[str, str]]:
    """Every reason an importer of ingest/vendors/ writes (``VendorReject(reason, ...)``,
    ``SourceRecord(line, raw, None, reason, ...)``), its values filled with a sample."""
    folder = Path(kontrol.ingest.vendors.__file__).parent
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id == "VendorReject" and node.args:
                reason = node.args[0]
            elif node.func.id == "SourceRecord" and len(node.args) >= 4:
                reason = node.args[3]
            else:
                continue
            if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
                found.append((f"{path.name}:{node.lineno}", reason.value))
            elif isinstance(reason, ast.JoinedStr):
                parts = (v.value if isinstance(v, ast.Constant) else "12" for v in reason.values)
                found.append((f"{path.name}:{node.lineno}", "".join(map(str, parts))))
    return found


def test_the_scan_finds_the_vendor_reasons() -> None:
    reasons = dict(_vendor_reasons())
    assert len(reasons) > 40
    assert "ticket 12 is deleted in Zendesk; not imported" in reasons.values()


@pytest.mark.parametrize(("where", "reason"), _vendor_reasons())
def test_every_vendor_reject_reads_in_russian(where: str, reason: str) -> None:
    stored = f"ticket.id: {reason}"  # as import_rejects keeps it: after its field
    russian = reject_reason(stored, "ru")
    assert russian != stored, f"{where}: {reason!r} is not in REASONS"
    assert not re.search(r"\b(the|is|has|not|no|a)\b", russian), f"{where}: {russian}"


def test_a_time_in_a_reason_reads_as_the_reader_writes_it() -> None:
    stored = (
        "started_at: 2126-01-01T09:30:00 is outside the accepted range: "
        "from 1970-01-01 to 10 years from now"
    )
    assert reject_reason(stored, "ru") == (
        "01.01.2126 09:30 вне допустимого диапазона: с 01.01.1970 00:00 и не дальше 10 лет вперёд"
    )
