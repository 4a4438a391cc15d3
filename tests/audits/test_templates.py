"""Audit templates: the shipped ones, YAML errors naming file, line and field, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.template_yaml import AREAS, TemplateProblem, dump_template, load_template
from kontrol.audits.templates import (
    SHIPPED,
    ensure_shipped_templates,
    export_template,
    list_templates,
    save_template,
    shipped_template_text,
    template_versions,
)
from kontrol.i18n.messages import error_text
from tests.audits.builders import SMALL


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_templates_cover_the_four_areas_with_measured_items(name: str) -> None:
    template = load_template(shipped_template_text(name), file=f"{name}.yaml")
    assert tuple(area.id for area in template.areas) == AREAS
    measures = {item.measure for item in template.items if item.measure}
    assert {
        "check:promise_kept",
        "check:spelling",
        "kpi:frt",
        "kpi:sla",
        "bot_containment",
    } <= measures
    assert any(item.evidence for item in template.items)
    assert load_template(dump_template(template)) == template


def test_a_wrong_scale_names_the_file_the_line_and_the_field() -> None:
    text = SMALL.replace("scale: one_to_five", "scale: stars")
    with pytest.raises(TemplateProblem) as caught:
        load_template(text, file="mine.yaml")
    line = text.splitlines().index("        scale: stars") + 1
    assert (caught.value.file, caught.value.line) == ("mine.yaml", line)
    assert caught.value.field == "areas[0].items[1](offer).scale"
    assert error_text(caught.value, "ru").startswith(
        f"mine.yaml, строка {line}, поле areas[0].items[1](offer).scale"
    )
    assert "yes_partly_no, one_to_five, number" in error_text(caught.value, "en")


def test_broken_yaml_and_unknown_measures_are_refused_with_their_line() -> None:
    with pytest.raises(TemplateProblem) as syntax:
        load_template("name: x\nareas: [\n", file="broken.yaml")
    assert syntax.value.file == "broken.yaml" and syntax.value.line is not None
    measured = SMALL.replace("measure: check:greeting", "measure: check:telepathy")
    with pytest.raises(TemplateProblem) as unknown:
        load_template(measured, file="t.yaml", known_checks=frozenset({"greeting"}))
    assert unknown.value.field.endswith("(greeting).measure")
    assert "telepathy" in error_text(unknown.value, "en")


def test_a_number_item_needs_a_target() -> None:
    with pytest.raises(TemplateProblem) as caught:
        load_template(SMALL.replace("        target: 90\n", ""), file="t.yaml")
    assert caught.value.field.endswith("(greeting).target")


def test_saving_again_makes_a_new_version_and_export_gives_the_newest(
    engine: Engine, workspace: Workspace
) -> None:
    with engine.begin() as connection:
        ensure_shipped_templates(connection, workspace.id)
        save_template(connection, workspace.id, SMALL)
        changed = SMALL.replace("title: Небольшой аудит", "title: Небольшой аудит, v2")
        second = save_template(connection, workspace.id, changed)
        versions = template_versions(connection, workspace.id, "small")
        names = [stored.name for stored in list_templates(connection, workspace.id)]
        exported = export_template(connection, workspace.id, "small")
    assert second.version == 2
    assert [v.version for v in versions] == [2, 1]
    assert [v.is_active for v in versions] == [True, False]
    assert names == ["service-audit-en", "service-audit-ru", "small"]
    assert exported == changed
