"""Scripts as YAML: the examples, faults that name file, line and field, the form."""

from __future__ import annotations

import pytest

from kontrol.scripts.editing import script_from_form, step_rows
from kontrol.scripts.library import EXAMPLES, example_text
from kontrol.scripts.model import ScriptInvalid, dump_script, parse_script

SMALL = """\
name: small
title: {ru: Малый, en: Small}
topic: delivery
steps:
  - id: ask
    kind: question
    title: {ru: Спросить, en: Ask}
    detect: {ru: [номер заказа]}
    answers:
      - when: {ru: Есть номер}
        next: solve
  - id: solve
    kind: solution
    title: {ru: Решить}
    wordings: {ru: [Курьер привезёт заказ завтра]}
"""


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_read_back_from_their_own_yaml(name: str) -> None:
    script = parse_script(example_text(name), source=f"{name}.yaml")
    assert set(script.languages) == {"ru", "en"}
    assert all(s.title.get("ru") and s.title.get("en") for s in script.steps)
    assert parse_script(dump_script(script)) == script


def test_an_unknown_kind_names_file_line_and_field() -> None:
    text = SMALL.replace("kind: solution", "kind: answer")
    with pytest.raises(ScriptInvalid) as caught:
        parse_script(text, source="delivery.yaml")
    assert (caught.value.source, caught.value.line) == ("delivery.yaml", 13)
    assert caught.value.field_name == "steps[1].kind"
    assert caught.value.key == "scripts.error.kind"


def test_an_answer_leading_to_a_missing_step_is_refused_at_its_line() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        parse_script(SMALL.replace("next: solve", "next: nowhere"), source="a.yaml")
    assert caught.value.line == 11
    assert caught.value.field_name == "steps[0].answers[0].next"
    assert caught.value.values == {"step": "nowhere"}


def test_broken_yaml_names_its_line() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        parse_script(SMALL + "  - id: [unclosed\n", source="b.yaml")
    assert caught.value.key == "scripts.error.yaml"
    assert caught.value.line is not None and caught.value.line >= 16


def test_an_unknown_language_is_named() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        parse_script(SMALL.replace("detect: {ru:", "detect: {de:"))
    assert caught.value.field_name == "steps[0].detect.de"


def test_alternative_solutions_count_as_one_unit() -> None:
    script = parse_script(example_text("refund"))
    assert ("refund_defect", "refund_return") in script.units()
    assert ("refund_defect",) not in script.units()


def _form(script_text: str) -> dict[str, str]:
    rows = step_rows(parse_script(script_text))
    return {f"step-{i}-{k}": v for i, row in enumerate(rows) for k, v in row.items()}


def test_the_form_reorders_adds_and_links_steps() -> None:
    script = parse_script(SMALL)
    form = _form(SMALL)
    form["step-1-position"] = "0"  # solve first
    form.update(
        {
            "step-2-id": "confirm",
            "step-2-kind": "question",
            "step-2-title_ru": "Подтвердить адрес",
            "step-2-detect_ru": "адрес доставки\nваш адрес",
            "step-2-position": "3",
            "step-0-answers": "Есть номер | Has it -> confirm",
        }
    )
    changed = script_from_form(script, form)
    assert [s.id for s in changed.steps] == ["solve", "ask", "confirm"]
    assert changed.step("confirm") is not None
    assert changed.step("confirm").detect["ru"] == ("адрес доставки", "ваш адрес")  # type: ignore[union-attr]
    assert changed.step("ask").answers[0].next == "confirm"  # type: ignore[union-attr]
    assert changed.step("ask").answers[0].when == {"ru": "Есть номер", "en": "Has it"}  # type: ignore[union-attr]


def test_a_form_fault_names_the_row_and_field() -> None:
    form = _form(SMALL)
    form["step-1-kind"] = "weird"
    with pytest.raises(ScriptInvalid) as caught:
        script_from_form(parse_script(SMALL), form)
    assert caught.value.field_name == "step 2: kind"


def test_deleting_a_step_that_an_answer_needs_is_refused() -> None:
    form = _form(SMALL)
    form["step-1-delete"] = "1"
    with pytest.raises(ScriptInvalid) as caught:
        script_from_form(parse_script(SMALL), form)
    assert caught.value.key == "scripts.error.unknown_step"
    assert caught.value.field_name.startswith("step 1: answers")
