"""Audit templates as YAML: the model, and a parser whose errors name file, line and field.

A template is a checklist in up to four areas (``processes``, ``people``,
``technology``, ``competitors``); each item has a key, a title, a weight, a
scale (``yes_partly_no``, ``one_to_five`` or ``number`` with a target and a
direction), guidance for the auditor, whether evidence is required, and
optionally a ``measure``: a figure Kontrol fills in from its own data
(``check:<check id>`` pass rate, ``kpi:<metric id>``, ``bot_containment``).
Items of the competitor area are answered for our own service and for each
competitor of the audit, side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kontrol.i18n.messages import error_text
from kontrol.improvement.messages import KeyedInvalid

AREAS = ("processes", "people", "technology", "competitors")
COMPETITORS = "competitors"
SCALES = ("yes_partly_no", "one_to_five", "number")
DIRECTIONS = ("higher", "lower")
LANGUAGES = ("ru", "en")
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MEASURE_KINDS = ("check", "kpi")
BOT_CONTAINMENT = "bot_containment"


@dataclass(frozen=True, slots=True)
class AuditItem:
    """One checklist item."""

    key: str
    title: str
    area: str
    weight: float
    scale: str
    target: float | None
    direction: str
    unit: str
    guidance: str
    evidence: bool
    measure: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "area": self.area,
            "weight": self.weight,
            "scale": self.scale,
            "target": self.target,
            "direction": self.direction,
            "unit": self.unit,
            "guidance": self.guidance,
            "evidence": self.evidence,
            "measure": self.measure,
        }


@dataclass(frozen=True, slots=True)
class Area:
    """One area of a template with its items."""

    id: str
    title: str
    items: tuple[AuditItem, ...]


@dataclass(frozen=True, slots=True)
class AuditTemplate:
    """A parsed template."""

    name: str
    title: str
    language: str | None
    areas: tuple[Area, ...]

    @property
    def items(self) -> tuple[AuditItem, ...]:
        return tuple(item for area in self.areas for item in area.items)

    def item(self, key: str) -> AuditItem | None:
        for item in self.items:
            if item.key == key:
                return item
        return None

    def area(self, area_id: str) -> Area | None:
        for area in self.areas:
            if area.id == area_id:
                return area
        return None


class TemplateProblem(KeyedInvalid):
    """A template that cannot be read: which file, which line, which field, and why."""

    def __init__(self, key: str, *, file: str, line: int | None, field: str, **params: object):
        self.file = file
        self.line = line
        super().__init__(key, field, **params)
        self.where_key = "error.where.place"
        self.where_params = {
            "file": file,
            "line": line if line is not None else "?",
            "field": field,
        }
        self.args = (error_text(self, "en"),)


class _Reader:
    """Walks the composed YAML nodes, so every error knows its line."""

    def __init__(
        self, file: str, known_checks: frozenset[str] | None, known_kpis: frozenset[str] | None
    ):
        self.file = file
        self.known_checks = known_checks
        self.known_kpis = known_kpis

    def fail(self, key: str, node: Node | None, field: str, **params: object) -> TemplateProblem:
        line = node.start_mark.line + 1 if node is not None else None
        return TemplateProblem(key, file=self.file, line=line, field=field, **params)

    def mapping(self, node: Node, field: str, allowed: set[str]) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail("audits.yaml.mapping", node, field)
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else ""
            if name not in allowed:
                raise self.fail(
                    "audits.yaml.unknown_key", key_node, f"{field}.{name}" if field else name
                )
            if name in out:
                raise self.fail("audits.yaml.twice", key_node, f"{field}.{name}" if field else name)
            out[name] = (key_node, value_node)
        return out

    def scalar(self, found: dict[str, tuple[Node, Node]], name: str, where: str, node: Node) -> Any:
        """The Python value of a scalar field, or None when absent or null."""
        if name not in found:
            return None
        value_node = found[name][1]
        if not isinstance(value_node, ScalarNode):
            raise self.fail("audits.yaml.scalar", value_node, f"{where}.{name}")
        return yaml.safe_load(yaml.serialize(value_node))

    def text(
        self,
        found: dict[str, tuple[Node, Node]],
        name: str,
        where: str,
        node: Node,
        *,
        required: bool,
        limit: int = 2000,
    ) -> str:
        value = self.scalar(found, name, where, node)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(
                    "audits.yaml.required", found.get(name, (node, node))[1], f"{where}.{name}"
                )
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail("audits.yaml.text", found[name][1], f"{where}.{name}")
        text = str(value).strip()
        if len(text) > limit:
            raise self.fail("audits.yaml.too_long", found[name][1], f"{where}.{name}", limit=limit)
        return text

    def identifier(
        self, found: dict[str, tuple[Node, Node]], name: str, where: str, node: Node
    ) -> str:
        value = self.scalar(found, name, where, node)
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            target = found[name][1] if name in found else node
            raise self.fail("audits.yaml.identifier", target, f"{where}.{name}")
        return value

    def number(
        self, found: dict[str, tuple[Node, Node]], name: str, where: str, node: Node
    ) -> float | None:
        value = self.scalar(found, name, where, node)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("audits.yaml.number", found[name][1], f"{where}.{name}")
        return float(value)

    def choice(
        self,
        found: dict[str, tuple[Node, Node]],
        name: str,
        where: str,
        node: Node,
        choices: tuple[str, ...],
        default: str | None,
    ) -> str | None:
        value = self.scalar(found, name, where, node)
        if value is None:
            return default
        if value not in choices:
            raise self.fail(
                "audits.yaml.choice", found[name][1], f"{where}.{name}", choices=", ".join(choices)
            )
        return str(value)

    def measure(self, found: dict[str, tuple[Node, Node]], where: str, node: Node) -> str | None:
        value = self.scalar(found, "measure", where, node)
        if value is None:
            return None
        field = f"{where}.measure"
        if value == BOT_CONTAINMENT:
            return BOT_CONTAINMENT
        kind, _, ident = str(value).partition(":")
        if kind not in MEASURE_KINDS or not ident:
            raise self.fail("audits.yaml.measure", found["measure"][1], field)
        known = self.known_checks if kind == "check" else self.known_kpis
        if known is not None and ident not in known:
            raise self.fail("audits.yaml.measure_unknown", found["measure"][1], field, name=ident)
        return f"{kind}:{ident}"

    def item(self, node: Node, where: str, area: str) -> AuditItem:
        found = self.mapping(
            node,
            where,
            {
                "key",
                "title",
                "weight",
                "scale",
                "target",
                "direction",
                "unit",
                "guidance",
                "evidence",
                "measure",
            },
        )
        key = self.identifier(found, "key", where, node)
        where = f"{where}({key})"
        weight = self.number(found, "weight", where, node)
        if weight is None:
            weight = 1.0
        if weight <= 0:
            raise self.fail("audits.yaml.weight", found["weight"][1], f"{where}.weight")
        scale = self.choice(found, "scale", where, node, SCALES, "yes_partly_no")
        assert scale is not None
        target = self.number(found, "target", where, node)
        direction = self.choice(found, "direction", where, node, DIRECTIONS, "higher")
        assert direction is not None
        measure = self.measure(found, where, node)
        if scale == "number" and target is None:
            raise self.fail("audits.yaml.target_needed", node, f"{where}.target")
        if measure is not None and scale != "number":
            raise self.fail("audits.yaml.measure_scale", found["measure"][1], f"{where}.measure")
        evidence = self.scalar(found, "evidence", where, node)
        if evidence is not None and not isinstance(evidence, bool):
            raise self.fail("audits.yaml.flag", found["evidence"][1], f"{where}.evidence")
        return AuditItem(
            key=key,
            title=self.text(found, "title", where, node, required=True, limit=300),
            area=area,
            weight=weight,
            scale=scale,
            target=target,
            direction=direction,
            unit=self.text(found, "unit", where, node, required=False, limit=20),
            guidance=self.text(found, "guidance", where, node, required=False),
            evidence=bool(evidence),
            measure=measure,
        )

    def template(self, root: Node) -> AuditTemplate:
        found = self.mapping(root, "", {"name", "title", "language", "areas"})
        name = self.identifier(found, "name", "template", root)
        language = self.choice(found, "language", "template", root, LANGUAGES, None)
        if (
            "areas" not in found
            or not isinstance(found["areas"][1], SequenceNode)
            or not found["areas"][1].value
        ):
            raise self.fail("audits.yaml.areas", found.get("areas", (root, root))[1], "areas")
        areas: list[Area] = []
        keys: set[str] = set()
        for i, area_node in enumerate(found["areas"][1].value):
            where = f"areas[{i}]"
            area_found = self.mapping(area_node, where, {"id", "title", "items"})
            area_id = self.choice(area_found, "id", where, area_node, AREAS, None)
            if area_id is None:
                raise self.fail("audits.yaml.required", area_node, f"{where}.id")
            if any(a.id == area_id for a in areas):
                raise self.fail("audits.yaml.area_twice", area_found["id"][1], f"{where}.id")
            items_node = area_found.get("items", (area_node, area_node))[1]
            if not isinstance(items_node, SequenceNode) or not items_node.value:
                raise self.fail("audits.yaml.items", items_node, f"{where}.items")
            items = []
            for j, item_node in enumerate(items_node.value):
                item = self.item(item_node, f"{where}.items[{j}]", area_id)
                if item.key in keys:
                    raise self.fail(
                        "audits.yaml.key_twice", item_node, f"{where}.items[{j}].key", item=item.key
                    )
                keys.add(item.key)
                items.append(item)
            title = self.text(area_found, "title", where, area_node, required=False, limit=200)
            areas.append(Area(area_id, title or area_id, tuple(items)))
        return AuditTemplate(
            name=name,
            title=self.text(found, "title", "template", root, required=False, limit=200) or name,
            language=language,
            areas=tuple(areas),
        )


def load_template(
    text: str,
    *,
    file: str = "template.yaml",
    known_checks: frozenset[str] | None = None,
    known_kpis: frozenset[str] | None = None,
) -> AuditTemplate:
    """A template from YAML text; a :class:`TemplateProblem` names file, line and field."""
    reader = _Reader(file, known_checks, known_kpis)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise TemplateProblem(
            "audits.yaml.syntax",
            file=file,
            line=mark.line + 1 if mark is not None else None,
            field="",
            problem=problem,
        ) from None
    if root is None:
        raise TemplateProblem("audits.yaml.empty", file=file, line=1, field="")
    return reader.template(root)


def dump_template(template: AuditTemplate) -> str:
    """The YAML of a parsed template (the same shape ``load_template`` reads)."""
    areas = []
    for area in template.areas:
        items = []
        for item in area.items:
            entry: dict[str, Any] = {"key": item.key, "title": item.title, "weight": item.weight}
            entry["scale"] = item.scale
            if item.target is not None:
                entry["target"] = item.target
                entry["direction"] = item.direction
            if item.unit:
                entry["unit"] = item.unit
            if item.guidance:
                entry["guidance"] = item.guidance
            if item.evidence:
                entry["evidence"] = True
            if item.measure:
                entry["measure"] = item.measure
            items.append(entry)
        areas.append({"id": area.id, "title": area.title, "items": items})
    data: dict[str, Any] = {"name": template.name, "title": template.title}
    if template.language:
        data["language"] = template.language
    data["areas"] = areas
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
