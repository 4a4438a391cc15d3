"""A script as data: a small graph of steps, read from and written to YAML.

```yaml
name: delivery-question          # letters, digits, - and _; the script's identity
title: {ru: Где мой заказ, en: Where is my order}
topic: delivery                  # the interactions' topic it serves
channels: [chat, call]           # default: every channel
languages: [ru, en]
pass_share: 0.7                  # script_adherence passes at this covered share
triggers:                        # the customer's words that name the topic
  ru: [где мой заказ, доставка]
  en: [where is my order, delivery]
steps:
  - id: ask_order
    kind: question               # question | solution | standard
    title: {ru: Номер заказа, en: Order number}
    wordings:                    # what the agent may say, one click to copy
      ru: [Подскажите, пожалуйста, номер заказа]
      en: [Could you tell me your order number, please?]
    detect:                      # optional key phrases, compared on lemmas
      ru: [номер заказа]
      en: [order number]
    answers:                     # the customer's likely answers and where each leads
      - when: {ru: Номер есть, en: Has the number}
        next: check_status
    next: check_status           # the step after this one when no answer applies
  - id: greeting
    kind: standard
    criterion: greeting          # the scorecard criterion (a check id) it stands for
```

A step may be ``optional: true``. The solution steps an answer leads to are
alternatives: covering one of them covers the group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from kontrol.checks.registry import ALL_CHANNELS
from kontrol.domain.errors import InvalidInput

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,79}$")
STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
KINDS = ("question", "solution", "standard")
# Names the pages use for themselves under /scripts/.
RESERVED_NAMES = frozenset({"new", "import", "examples", "widget"})
LANGUAGES = ("ru", "en")
MAX_STEPS = 60
MAX_PHRASES = 40
MAX_TEXT = 500


class ScriptInvalid(InvalidInput):
    """A script that breaks a rule: names the file, the line and the field.

    ``key`` is the message's key in the catalogue (``scripts.error.*``) and ``values``
    fill it, so the UI says it in the reader's language.
    """

    key: str  # always set: the message in the catalogue

    def __init__(
        self, key: str, *, source: str, line: int | None, field_name: str, **values: Any
    ) -> None:
        self.source = source
        self.line = line
        self.field_name = field_name
        self.values = {k: str(v) for k, v in values.items()}
        where = f"{source}, line {line}" if line else source
        detail = ", ".join(f"{k}={v}" for k, v in sorted(self.values.items()))
        super().__init__(
            f"{where}: {field_name}: {key.rsplit('.', 1)[-1]}" + (f" ({detail})" if detail else ""),
            key=key,
            params=self.values,
            where_key="error.where.place",
            where_params={"file": source, "line": line or "—", "field": field_name},
        )


Text = Mapping[str, str]
Phrases = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class LikelyAnswer:
    """A likely answer of the customer and the step it leads to."""

    when: Text
    next: str | None = None
    detect: Phrases = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a question to ask, a solution to give, or a standard to keep."""

    id: str
    kind: str
    title: Text
    wordings: Phrases = field(default_factory=dict)
    detect: Phrases = field(default_factory=dict)
    answers: tuple[LikelyAnswer, ...] = ()
    next: str | None = None
    criterion: str | None = None
    optional: bool = False

    def text(self, mapping: Text, language: str) -> str:
        return mapping.get(language) or next(iter(mapping.values()), "")

    def title_in(self, language: str) -> str:
        return self.text(self.title, language) or self.id

    def wordings_in(self, language: str) -> tuple[str, ...]:
        return self.wordings.get(language, ())


@dataclass(frozen=True, slots=True)
class ScriptSpec:
    """A script: topic, channels, languages, triggers and steps in their usual order."""

    name: str
    title: Text
    topic: str
    channels: frozenset[str] = ALL_CHANNELS
    languages: tuple[str, ...] = LANGUAGES
    pass_share: float = 0.7
    triggers: Phrases = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    description: Text = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        return self.title.get(language) or next(iter(self.title.values()), self.name)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def units(self) -> list[tuple[str, ...]]:
        """What adherence counts: each required step alone, alternatives as one group.

        The targets of one question's answers that are solutions are alternatives
        (only one applies to a conversation); optional steps count for nothing.
        """
        grouped: dict[str, tuple[str, ...]] = {}
        for step in self.steps:
            targets = tuple(
                dict.fromkeys(
                    a.next
                    for a in step.answers
                    if a.next and (t := self.step(a.next)) is not None and t.kind == "solution"
                )
            )
            if len(targets) > 1:
                for target in targets:
                    grouped.setdefault(target, targets)
        units: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for step in self.steps:
            if step.optional:
                continue
            unit = grouped.get(step.id, (step.id,))
            unit = tuple(s for s in unit if not (found := self.step(s)) or not found.optional)
            if unit and unit not in seen:
                seen.add(unit)
                units.append(unit)
        return units


# --- reading YAML with lines -------------------------------------------------------


@dataclass
class _Reader:
    source: str
    lines: dict[str, int]

    def fail(self, key: str, path: str, **values: Any) -> ScriptInvalid:
        line = self.lines.get(path)
        if line is None:
            parent = path
            while line is None and ("." in parent or "[" in parent):
                parent = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", parent)
                line = self.lines.get(parent)
        return ScriptInvalid(key, source=self.source, line=line, field_name=path, **values)


def _plain(node: yaml.Node, path: str, lines: dict[str, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            lines[child] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, child, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, f"{path}[{i}]", lines) for i, item in enumerate(node.value)]
    return _SCALARS.construct_object(node, deep=True)


# Turns a scalar node into its Python value with YAML's safe rules (int, float, bool...).
_SCALARS = yaml.SafeLoader("")


def _text(reader: _Reader, value: Any, path: str, *, required: bool = False) -> dict[str, str]:
    if value is None:
        if required:
            raise reader.fail("scripts.error.required", path)
        return {}
    if isinstance(value, str):
        value = dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise reader.fail("scripts.error.text", path)
    out: dict[str, str] = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            raise reader.fail("scripts.error.language", f"{path}.{language}", language=language)
        if not isinstance(text, str | int | float) or not str(text).strip():
            raise reader.fail("scripts.error.text", f"{path}.{language}")
        if len(str(text)) > MAX_TEXT:
            raise reader.fail("scripts.error.too_long", f"{path}.{language}", limit=MAX_TEXT)
        out[language] = str(text).strip()
    if required and not out:
        raise reader.fail("scripts.error.required", path)
    return out


def _phrases(reader: _Reader, value: Any, path: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise reader.fail("scripts.error.phrases", path)
    out: dict[str, tuple[str, ...]] = {}
    for language, items in value.items():
        where = f"{path}.{language}"
        if language not in LANGUAGES:
            raise reader.fail("scripts.error.language", where, language=language)
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            raise reader.fail("scripts.error.phrases", where)
        if len(items) > MAX_PHRASES:
            raise reader.fail("scripts.error.too_many", where, limit=MAX_PHRASES)
        texts = []
        for i, item in enumerate(items):
            if not isinstance(item, str | int | float) or not str(item).strip():
                raise reader.fail("scripts.error.text", f"{where}[{i}]")
            if len(str(item)) > MAX_TEXT:
                raise reader.fail("scripts.error.too_long", f"{where}[{i}]", limit=MAX_TEXT)
            texts.append(str(item).strip())
        out[str(language)] = tuple(texts)
    return out


def _only(reader: _Reader, data: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in data:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise reader.fail(
                "scripts.error.unknown_field", where, known=", ".join(sorted(allowed))
            )


STEP_FIELDS = {
    "id",
    "kind",
    "title",
    "wordings",
    "detect",
    "answers",
    "next",
    "criterion",
    "optional",
}
SCRIPT_FIELDS = {
    "name",
    "title",
    "topic",
    "channels",
    "languages",
    "pass_share",
    "triggers",
    "steps",
    "description",
}


def _step(reader: _Reader, data: Any, path: str) -> Step:
    if not isinstance(data, dict):
        raise reader.fail("scripts.error.mapping", path)
    _only(reader, data, STEP_FIELDS, path)
    step_id = data.get("id")
    if not isinstance(step_id, str) or not STEP_ID.match(step_id):
        raise reader.fail("scripts.error.step_id", f"{path}.id")
    kind = data.get("kind", "question")
    if kind not in KINDS:
        raise reader.fail("scripts.error.kind", f"{path}.kind", known=", ".join(KINDS))
    answers = []
    raw_answers = data.get("answers") or []
    if not isinstance(raw_answers, list):
        raise reader.fail("scripts.error.list", f"{path}.answers")
    for i, raw in enumerate(raw_answers):
        where = f"{path}.answers[{i}]"
        if not isinstance(raw, dict):
            raise reader.fail("scripts.error.mapping", where)
        _only(reader, raw, {"when", "next", "detect"}, where)
        target = raw.get("next")
        if target is not None and not isinstance(target, str):
            raise reader.fail("scripts.error.step_id", f"{where}.next")
        answers.append(
            LikelyAnswer(
                _text(reader, raw.get("when"), f"{where}.when", required=True),
                target,
                _phrases(reader, raw.get("detect"), f"{where}.detect"),
            )
        )
    target = data.get("next")
    if target is not None and not isinstance(target, str):
        raise reader.fail("scripts.error.step_id", f"{path}.next")
    criterion = data.get("criterion")
    if criterion is not None and (not isinstance(criterion, str) or not STEP_ID.match(criterion)):
        raise reader.fail("scripts.error.criterion", f"{path}.criterion")
    optional = data.get("optional", False)
    if not isinstance(optional, bool):
        raise reader.fail("scripts.error.boolean", f"{path}.optional")
    step = Step(
        id=step_id,
        kind=kind,
        title=_text(reader, data.get("title"), f"{path}.title", required=True),
        wordings=_phrases(reader, data.get("wordings"), f"{path}.wordings"),
        detect=_phrases(reader, data.get("detect"), f"{path}.detect"),
        answers=tuple(answers),
        next=target,
        criterion=criterion,
        optional=optional,
    )
    if kind != "standard" and not step.wordings and not step.detect:
        raise reader.fail("scripts.error.no_wording", f"{path}.wordings")
    return step


def parse_script(text: str, *, source: str = "script.yaml") -> ScriptSpec:
    """A script from YAML; :class:`ScriptInvalid` names the file, line and field of a fault."""
    reader = _Reader(source, {})
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScriptInvalid(
            "scripts.error.yaml",
            source=source,
            line=line,
            field_name="-",
            problem=getattr(error, "problem", "") or str(error),
        ) from None
    if node is None:
        raise reader.fail("scripts.error.empty", "-")
    data = _plain(node, "", reader.lines)
    if not isinstance(data, dict):
        raise reader.fail("scripts.error.mapping", "-")
    _only(reader, data, SCRIPT_FIELDS, "")
    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name) or name in RESERVED_NAMES:
        raise reader.fail("scripts.error.name", "name")
    topic = data.get("topic")
    if not isinstance(topic, str) or not topic.strip() or len(topic) > 200:
        raise reader.fail("scripts.error.topic", "topic")
    channels = data.get("channels")
    if channels is None:
        chosen = ALL_CHANNELS
    else:
        if not isinstance(channels, list) or not channels:
            raise reader.fail("scripts.error.list", "channels")
        for i, channel in enumerate(channels):
            if channel not in ALL_CHANNELS:
                raise reader.fail(
                    "scripts.error.channel", f"channels[{i}]", known=", ".join(sorted(ALL_CHANNELS))
                )
        chosen = frozenset(channels)
    languages = data.get("languages", list(LANGUAGES))
    if not isinstance(languages, list) or not languages:
        raise reader.fail("scripts.error.list", "languages")
    for i, language in enumerate(languages):
        if language not in LANGUAGES:
            raise reader.fail("scripts.error.language", f"languages[{i}]", language=language)
    share = data.get("pass_share", 0.7)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise reader.fail("scripts.error.share", "pass_share")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise reader.fail("scripts.error.steps", "steps")
    if len(raw_steps) > MAX_STEPS:
        raise reader.fail("scripts.error.too_many", "steps", limit=MAX_STEPS)
    steps = [_step(reader, raw, f"steps[{i}]") for i, raw in enumerate(raw_steps)]
    ids = [s.id for s in steps]
    for i, step_id in enumerate(ids):
        if step_id in ids[:i]:
            raise reader.fail("scripts.error.duplicate_step", f"steps[{i}].id", step=step_id)
    for i, step in enumerate(steps):
        if step.next is not None and step.next not in ids:
            raise reader.fail("scripts.error.unknown_step", f"steps[{i}].next", step=step.next)
        for j, answer in enumerate(step.answers):
            if answer.next is not None and answer.next not in ids:
                raise reader.fail(
                    "scripts.error.unknown_step", f"steps[{i}].answers[{j}].next", step=answer.next
                )
    return ScriptSpec(
        name=name,
        title=_text(reader, data.get("title"), "title", required=True),
        topic=topic.strip(),
        channels=chosen,
        languages=tuple(dict.fromkeys(languages)),
        pass_share=float(share),
        triggers=_phrases(reader, data.get("triggers"), "triggers"),
        steps=tuple(steps),
        description=_text(reader, data.get("description"), "description"),
    )


# --- writing YAML --------------------------------------------------------------------


def _compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in mapping.items() if v}


def script_data(script: ScriptSpec) -> dict[str, Any]:
    """The script as plain data in the YAML's shape (what :func:`dump_script` writes)."""
    steps = []
    for step in script.steps:
        item: dict[str, Any] = {"id": step.id, "kind": step.kind, "title": dict(step.title)}
        if step.criterion:
            item["criterion"] = step.criterion
        if step.optional:
            item["optional"] = True
        if step.wordings:
            item["wordings"] = _compact(step.wordings)
        if step.detect:
            item["detect"] = _compact(step.detect)
        if step.answers:
            item["answers"] = []
            for answer in step.answers:
                entry: dict[str, Any] = {"when": dict(answer.when)}
                if answer.next:
                    entry["next"] = answer.next
                if answer.detect:
                    entry["detect"] = _compact(answer.detect)
                item["answers"].append(entry)
        if step.next:
            item["next"] = step.next
        steps.append(item)
    data: dict[str, Any] = {
        "name": script.name,
        "title": dict(script.title),
        "topic": script.topic,
    }
    if script.description:
        data["description"] = dict(script.description)
    if script.channels != ALL_CHANNELS:
        data["channels"] = sorted(script.channels)
    data["languages"] = list(script.languages)
    data["pass_share"] = script.pass_share
    if script.triggers:
        data["triggers"] = _compact(script.triggers)
    data["steps"] = steps
    return data


def dump_script(script: ScriptSpec) -> str:
    """The script as YAML that :func:`parse_script` reads back to the same script."""
    return yaml.safe_dump(script_data(script), allow_unicode=True, sort_keys=False, width=100)


def with_steps(script: ScriptSpec, steps: Sequence[Step]) -> ScriptSpec:
    """The same script with other steps (the form's save), checked like a file."""
    return parse_script(
        dump_script(
            ScriptSpec(
                script.name,
                script.title,
                script.topic,
                script.channels,
                script.languages,
                script.pass_share,
                script.triggers,
                tuple(steps),
                script.description,
            )
        ),
        source="form",
    )
