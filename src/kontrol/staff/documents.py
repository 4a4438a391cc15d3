"""Knowledge tests and role-play scenarios as YAML documents, for authoring outside the pages.

A test document carries the test and its questions::

    title: Стандарты общения
    pass_mark: 80            # per cent
    time_limit_minutes: 15
    attempts: 2
    shuffle: true
    questions:
      - topic: эмпатия
        kind: single         # single, multiple or text
        text: Клиент пишет, что ждёт заказ вторую неделю. С чего начать?
        points: 1
        options: [Попросить номер заказа, Извиниться и показать, что понимаете]
        correct: [2]         # numbers of the right options, counting from 1

A scenario document carries a role play with its script (the same plain text
the role-play page takes: steps separated by a blank line, ``word, word => N``
branches)::

    title: Задержка доставки
    language: ru
    script: |
      Где мой заказ?

      извин, понима => 3

Reading walks the composed YAML nodes, so a refusal names the file, the line
and the field; the rules of the pages apply (the same functions save), and a
rule they break is reported at the line of the field it concerns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from sqlalchemy import Connection
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.staff.knowledge import (
    KnowledgeTest,
    Question,
    create_question,
    create_test,
    get_test,
    list_questions,
)
from kontrol.staff.refusals import StaffInputError
from kontrol.staff.roleplay import RolePlayScenario, create_scenario, get_scenario

_Saved = TypeVar("_Saved")
TEST_FIELDS = frozenset(
    {"title", "pass_mark", "time_limit_minutes", "attempts", "shuffle", "questions"}
)
QUESTION_FIELDS = frozenset({"topic", "kind", "text", "points", "options", "correct"})
SCENARIO_FIELDS = frozenset({"title", "language", "script"})
# Where each refusal of the saving functions points in a document.
TEST_ERROR_FIELDS = {
    "staff.error.test_title": "title",
    "staff.error.test_taken": "title",
    "staff.error.pass_mark": "pass_mark",
    "staff.error.time_limit": "time_limit_minutes",
    "staff.error.attempts": "attempts",
    "staff.error.test_questions": "questions",
}
QUESTION_ERROR_FIELDS = {
    "staff.error.topic": "topic",
    "staff.error.question_text": "text",
    "staff.error.question_kind": "kind",
    "staff.error.options": "options",
    "staff.error.correct": "correct",
    "staff.error.single": "correct",
    "staff.error.points": "points",
}
SCENARIO_ERROR_FIELDS = {
    "staff.error.scenario_title": "title",
    "staff.error.scenario_taken": "title",
    "staff.error.scenario_language": "language",
}


class StaffDocumentProblem(StaffInputError):
    """A document that cannot be saved: which file, which line, which field, and why."""

    def __init__(
        self, key: str, *, file: str, at_line: int | None, field: str, **values: object
    ) -> None:
        self.file = file
        self.at_line = at_line
        self.field = field
        self.where_key = "error.where.place"
        self.where_params = {
            "file": file,
            "line": at_line if at_line is not None else "?",
            "field": field or "—",
        }
        super().__init__(key, **values)


@dataclass(frozen=True, slots=True)
class _Field:
    """A field of a mapping: the node of its key and of its value."""

    key: Node
    value: Node


class _Reader:
    """Reads YAML nodes of one file; every refusal knows its line."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(
        self, key: str, node: Node | None, field: str, **values: object
    ) -> StaffDocumentProblem:
        line = node.start_mark.line + 1 if node is not None else None
        return StaffDocumentProblem(key, file=self.file, at_line=line, field=field, **values)

    def root(self, text: str) -> Node:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            raise StaffDocumentProblem(
                "staff.yaml.syntax",
                file=self.file,
                at_line=mark.line + 1 if mark is not None else None,
                field="",
                problem=problem,
            ) from None
        if root is None:
            raise StaffDocumentProblem("staff.yaml.empty", file=self.file, at_line=1, field="")
        return root

    def mapping(self, node: Node, where: str, allowed: frozenset[str]) -> dict[str, _Field]:
        if not isinstance(node, MappingNode):
            raise self.fail("staff.yaml.mapping", node, where)
        found: dict[str, _Field] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else ""
            path = f"{where}.{name}" if where else name
            if name not in allowed:
                raise self.fail("staff.yaml.unknown_key", key_node, path)
            if name in found:
                raise self.fail("staff.yaml.twice", key_node, path)
            found[name] = _Field(key_node, value_node)
        return found

    def value(self, fields: dict[str, _Field], name: str, where: str) -> Any:
        """The Python value of a scalar field; None when absent or null."""
        if name not in fields:
            return None
        node = fields[name].value
        if not isinstance(node, ScalarNode):
            raise self.fail("staff.yaml.scalar", node, f"{where}{name}")
        return yaml.safe_load(yaml.serialize(node))

    def text(self, fields: dict[str, _Field], name: str, where: str, node: Node) -> str:
        value = self.value(fields, name, where)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail("staff.yaml.text", fields[name].value, f"{where}{name}")
        return str(value)

    def whole(self, fields: dict[str, _Field], name: str, where: str, default: int) -> int:
        value = self.value(fields, name, where)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("staff.yaml.whole", fields[name].value, f"{where}{name}")
        return value

    def flag(self, fields: dict[str, _Field], name: str, where: str, default: bool) -> bool:
        value = self.value(fields, name, where)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail("staff.yaml.flag", fields[name].value, f"{where}{name}")
        return value

    def items(self, fields: dict[str, _Field], name: str, where: str) -> list[Node]:
        if name not in fields:
            return []
        node = fields[name].value
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail("staff.yaml.list", node, f"{where}{name}")
        return list(node.value)

    def line_of(self, fields: dict[str, _Field], name: str, fallback: Node) -> Node:
        return fields[name].value if name in fields else fallback

    def saving(
        self,
        save: Callable[[], _Saved],
        fields: dict[str, _Field],
        node: Node,
        where: str,
        pointers: dict[str, str],
    ) -> _Saved:
        """Run ``save``; a rule it refuses is reported at the field it concerns."""
        try:
            return save()
        except StaffDocumentProblem:
            raise
        except StaffInputError as error:
            name = pointers.get(error.key, "")
            at = self.line_of(fields, name, node) if name else node
            raise self.fail(error.key, at, f"{where}{name}", **error.values) from None


# -- tests ---------------------------------------------------------------------------


def _same_question(known: Question, wanted: dict[str, Any]) -> bool:
    return (
        known.topic == wanted["topic"].strip()
        and known.kind == wanted["kind"]
        and known.text == wanted["text"].strip()
        and list(known.options) == [o.strip() for o in wanted["options"] if o.strip()]
        and list(known.correct) == sorted(set(wanted["correct"]))
        and known.points == wanted["points"]
    )


def _question_values(reader: _Reader, node: Node, where: str) -> dict[str, Any]:
    fields = reader.mapping(node, where.rstrip("."), QUESTION_FIELDS)
    kind = reader.text(fields, "kind", where, node) or "single"
    options: list[str] = []
    for option in reader.items(fields, "options", where):
        if not isinstance(option, ScalarNode):
            raise reader.fail("staff.yaml.text", option, f"{where}options")
        options.append(str(yaml.safe_load(yaml.serialize(option)) or ""))
    correct: list[int] = []
    for number in reader.items(fields, "correct", where):
        value = yaml.safe_load(yaml.serialize(number)) if isinstance(number, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= len(options):
            raise reader.fail("staff.yaml.correct", number, f"{where}correct", most=len(options))
        correct.append(value - 1)
    return {
        "topic": reader.text(fields, "topic", where, node),
        "kind": kind,
        "text": reader.text(fields, "text", where, node),
        "options": options,
        "correct": correct,
        "points": reader.whole(fields, "points", where, 1),
        "_fields": fields,
    }


def import_test(
    connection: Connection, viewer: Viewer, text: str, *, file: str = "test.yaml"
) -> KnowledgeTest:
    """Save a test document: its questions join the bank (an identical one is reused)."""
    reader = _Reader(file)
    root = reader.root(text)
    fields = reader.mapping(root, "", TEST_FIELDS)
    question_nodes = reader.items(fields, "questions", "")
    if not question_nodes:
        raise reader.fail(
            "staff.error.test_questions", reader.line_of(fields, "questions", root), "questions"
        )
    bank = list_questions(connection, viewer.workspace.id)
    question_ids: list[int] = []
    for i, node in enumerate(question_nodes):
        where = f"questions[{i}]."
        wanted = _question_values(reader, node, where)
        question_fields = wanted.pop("_fields")
        same = next((q for q in bank if _same_question(q, wanted)), None)
        if same is None:
            same = reader.saving(
                functools.partial(create_question, connection, viewer, **wanted),
                question_fields,
                node,
                where,
                QUESTION_ERROR_FIELDS,
            )
            bank.append(same)
        question_ids.append(same.id)
    pass_mark = reader.value(fields, "pass_mark", "")
    return reader.saving(
        lambda: create_test(
            connection,
            viewer,
            title=reader.text(fields, "title", "", root),
            question_ids=question_ids,
            pass_mark=80 if pass_mark is None or isinstance(pass_mark, bool) else pass_mark,
            time_limit_minutes=reader.whole(fields, "time_limit_minutes", "", 15),
            max_attempts=reader.whole(fields, "attempts", "", 2),
            shuffle=reader.flag(fields, "shuffle", "", True),
        ),
        fields,
        root,
        "",
        TEST_ERROR_FIELDS,
    )


def dump_test(test: KnowledgeTest, bank: Sequence[Question]) -> str:
    """The YAML document of a test (the shape ``import_test`` reads)."""
    by_id = {q.id: q for q in bank}
    questions = []
    for question_id in test.question_ids:
        question = by_id.get(question_id)
        if question is None:
            continue
        entry: dict[str, Any] = {
            "topic": question.topic,
            "kind": question.kind,
            "text": question.text,
            "points": question.points,
        }
        if question.kind != "text":
            entry["options"] = list(question.options)
            entry["correct"] = [i + 1 for i in question.correct]
        questions.append(entry)
    mark = round(test.pass_mark * 100, 2)
    data = {
        "title": test.title,
        "pass_mark": int(mark) if mark == int(mark) else mark,
        "time_limit_minutes": test.time_limit_minutes,
        "attempts": test.max_attempts,
        "shuffle": test.shuffle,
        "questions": questions,
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def export_test(connection: Connection, viewer: Viewer, test_id: int) -> str:
    """The YAML document of one of the workspace's tests (those who write tests)."""
    require(viewer, Action.MANAGE_TESTS)
    workspace_id = viewer.workspace.id
    return dump_test(
        get_test(connection, workspace_id, test_id), list_questions(connection, workspace_id)
    )


# -- role-play scenarios -------------------------------------------------------------


def _script_line(fields: dict[str, _Field], script_line: int) -> int | None:
    """The file line of a script's line (exact for a ``|`` block, the field's line otherwise)."""
    node = fields["script"].value
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return node.start_mark.line + 1 + script_line
    return node.start_mark.line + 1


def import_scenario(
    connection: Connection, viewer: Viewer, text: str, *, file: str = "scenario.yaml"
) -> RolePlayScenario:
    """Save a scenario document; a wrong script line is reported at its line in the file."""
    reader = _Reader(file)
    root = reader.root(text)
    fields = reader.mapping(root, "", SCENARIO_FIELDS)
    script = reader.text(fields, "script", "", root)
    if not script.strip():
        raise reader.fail("staff.yaml.required", reader.line_of(fields, "script", root), "script")
    try:
        return reader.saving(
            lambda: create_scenario(
                connection,
                viewer,
                title=reader.text(fields, "title", "", root),
                language=reader.text(fields, "language", "", root) or "ru",
                script=script,
            ),
            fields,
            root,
            "",
            SCENARIO_ERROR_FIELDS,
        )
    except StaffDocumentProblem as problem:
        if problem.field != "" or problem.key not in (
            "staff.error.script_line",
            "staff.error.script_steps",
            "staff.error.script_target",
        ):
            raise
        line = (
            _script_line(fields, int(str(problem.values["line"])))
            if "line" in problem.values
            else fields["script"].value.start_mark.line + 1
        )
        key = "staff.yaml.script_line" if problem.key == "staff.error.script_line" else problem.key
        raise StaffDocumentProblem(
            key, file=file, at_line=line, field="script", **problem.values
        ) from None


def dump_scenario(scenario: RolePlayScenario) -> str:
    """The YAML document of a scenario (the script as a ``|`` block, as written)."""
    script = scenario.script.replace("\r\n", "\n").rstrip() + "\n"
    lines = "".join(f"  {line}\n" if line.strip() else "\n" for line in script.split("\n")[:-1])
    head = yaml.safe_dump(
        {"title": scenario.title, "language": scenario.language},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return f"{head}script: |\n{lines}"


def export_scenario(connection: Connection, viewer: Viewer, scenario_id: int) -> str:
    """The YAML document of one of the workspace's scenarios (those who write them)."""
    require(viewer, Action.MANAGE_TRAINING)
    return dump_scenario(get_scenario(connection, viewer.workspace.id, scenario_id))
