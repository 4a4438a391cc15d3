"""The reason taxonomy: contact reasons and complaint types with their phrase rules.

A QA lead edits it as YAML (``kontrol analysis taxonomy``, the taxonomy page) or
one reason at a time in a form. A workspace that never saved one uses the
default shipped in ``taxonomy.yaml``. Bad YAML is refused with the line and the
field, and nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, delete, select

from kontrol.domain.errors import InvalidInput
from kontrol.domain.yaml_errors import invalid_yaml
from kontrol.store.tables import contact_reasons

KINDS = ("reason", "complaint")
LANGUAGES = ("ru", "en")
_SECTIONS = {"reasons": "reason", "complaints": "complaint"}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,59}$")
DEFAULT_FILE = Path(__file__).with_name("taxonomy.yaml")


@dataclass(frozen=True)
class Reason:
    """One contact reason (kind ``reason``) or complaint type (kind ``complaint``)."""

    kind: str
    code: str
    label_ru: str
    label_en: str
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.label_ru if locale == "ru" else self.label_en


@dataclass(frozen=True)
class Taxonomy:
    """The reasons and complaint types of a workspace, in the QA lead's order."""

    reasons: tuple[Reason, ...]
    complaints: tuple[Reason, ...]
    is_default: bool = False

    def of(self, kind: str) -> tuple[Reason, ...]:
        """The reasons (``reason``) or the complaint types (``complaint``)."""
        return self.reasons if kind == "reason" else self.complaints

    def find(self, kind: str, code: str) -> Reason | None:
        """The entry with this code, or None."""
        return next((r for r in self.of(kind) if r.code == code), None)

    def match(self, kind: str, value: str) -> str | None:
        """The code of the entry ``value`` names: by its code, else by its label in any
        language, ignoring case, «ё»/«е» and spacing (an imported «Доставка» or
        «DELIVERY» is the reason ``delivery``); None when no entry is named."""
        wanted = folded(value)
        entries = self.of(kind)
        for entry in entries:
            if folded(entry.code) == wanted:
                return entry.code
        for entry in entries:
            if wanted in (folded(entry.label_ru), folded(entry.label_en)):
                return entry.code
        return None


def folded(text: str) -> str:
    """``text`` as it is compared with codes and labels: lower case, «ё» as «е», spaces single."""
    return " ".join(text.casefold().replace("ё", "е").split())


def _fail(source: str, node: yaml.Node | None, where: str, message: str) -> InvalidInput:
    line = node.start_mark.line + 1 if node is not None else 1
    return InvalidInput(f"{source}:{line}: {where}: {message}")


def _scalar(source: str, node: yaml.Node, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(source, node, where, "expected text")
    return str(node.value).strip()


def _mapping(source: str, node: yaml.Node, where: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(source, node, where, "expected a mapping")
    found: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = _scalar(source, key, where)
        if name in found:
            raise _fail(source, key, f"{where}.{name}", "given twice")
        found[name] = value
    return found


def _phrases(source: str, node: yaml.Node | None, where: str) -> dict[str, tuple[str, ...]]:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
        return dict.fromkeys(LANGUAGES, ())
    found = _mapping(source, node, where)
    for name, value in found.items():
        if name not in LANGUAGES:
            raise _fail(source, value, f"{where}.{name}", f"language is one of {LANGUAGES}")
    phrases: dict[str, tuple[str, ...]] = {}
    for language in LANGUAGES:
        listed = found.get(language)
        if listed is None:
            phrases[language] = ()
            continue
        if not isinstance(listed, yaml.SequenceNode):
            raise _fail(source, listed, f"{where}.{language}", "expected a list of phrases")
        items = [_scalar(source, item, f"{where}.{language}") for item in listed.value]
        for item, item_node in zip(items, listed.value, strict=True):
            check_phrase(item, source=source, line=item_node.start_mark.line + 1)
        phrases[language] = tuple(item for item in items if item)
    return phrases


def check_phrase(phrase: str, *, source: str = "phrase", line: int = 1) -> None:
    """Refuse a phrase the matcher cannot use (too long, or a lone wildcard)."""
    if len(phrase) > 200:
        raise InvalidInput(
            f"{source}:{line}: phrase: longer than 200 characters",
            key="analysis.error.phrase_long",
            params={"source": source, "line": line},
        )
    if phrase.replace("*", "").strip() == "" and phrase:
        raise InvalidInput(
            f"{source}:{line}: phrase: a phrase needs letters, not only *",
            key="analysis.error.phrase_wildcard",
            params={"source": source, "line": line},
        )


def _entry(source: str, node: yaml.Node, kind: str, where: str) -> Reason:
    found = _mapping(source, node, where)
    allowed = {"code", "ru", "en", "phrases"}
    for name, value in found.items():
        if name not in allowed:
            raise _fail(
                source,
                value,
                f"{where}.{name}",
                f"unknown field; known: {sorted(allowed)}",
            )
    if "code" not in found:
        raise _fail(source, node, f"{where}.code", "missing")
    code = _scalar(source, found["code"], f"{where}.code")
    if not _CODE.match(code):
        raise _fail(
            source, found["code"], f"{where}.code", "lower-case latin letters, digits, _ or -"
        )
    labels = {}
    for language in LANGUAGES:
        named = found.get(language)
        label = _scalar(source, named, f"{where}.{language}") if named is not None else ""
        if not label:
            raise _fail(source, named or node, f"{where}.{language}", "a name is required")
        if len(label) > 200:
            raise _fail(source, named, f"{where}.{language}", "longer than 200 characters")
        labels[language] = label
    return Reason(
        kind=kind,
        code=code,
        label_ru=labels["ru"],
        label_en=labels["en"],
        phrases=_phrases(source, found.get("phrases"), f"{where}.phrases"),
    )


def parse_taxonomy(text: str, *, source: str = "taxonomy.yaml") -> Taxonomy:
    """Read taxonomy YAML; ``InvalidInput`` names the file, line and field of a mistake."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise invalid_yaml(error, f"{source}:{line}: not valid YAML", source=source) from None
    if root is None:
        raise InvalidInput(
            f"{source}:1: the file is empty",
            key="analysis.error.empty_file",
            params={"source": source},
        )
    top = _mapping(source, root, "taxonomy")
    lists: dict[str, list[Reason]] = {"reason": [], "complaint": []}
    for name, value in top.items():
        if name not in _SECTIONS:
            raise _fail(source, value, name, "unknown section; known: reasons, complaints")
        kind = _SECTIONS[name]
        if not isinstance(value, yaml.SequenceNode):
            raise _fail(source, value, name, "expected a list")
        seen: set[str] = set()
        for index, item in enumerate(value.value):
            reason = _entry(source, item, kind, f"{name}[{index + 1}]")
            if reason.code in seen:
                raise _fail(source, item, f"{name}[{index + 1}].code", f"{reason.code!r} twice")
            seen.add(reason.code)
            lists[kind].append(reason)
    if not lists["reason"]:
        raise InvalidInput(
            f"{source}:1: reasons: at least one reason is needed",
            key="analysis.error.no_reasons",
            params={"source": source},
        )
    return Taxonomy(tuple(lists["reason"]), tuple(lists["complaint"]))


def dump_taxonomy(taxonomy: Taxonomy) -> str:
    """The taxonomy as YAML the parser reads back to the same taxonomy."""

    def entry(reason: Reason) -> dict[str, Any]:
        return {
            "code": reason.code,
            "ru": reason.label_ru,
            "en": reason.label_en,
            "phrases": {lang: list(reason.phrases.get(lang, ())) for lang in LANGUAGES},
        }

    data = {
        "reasons": [entry(r) for r in taxonomy.reasons],
        "complaints": [entry(r) for r in taxonomy.complaints],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


@cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with Kontrol (parsed once: the pages read it on every request)."""
    parsed = parse_taxonomy(DEFAULT_FILE.read_text(encoding="utf-8"), source=DEFAULT_FILE.name)
    return Taxonomy(parsed.reasons, parsed.complaints, is_default=True)


def load_taxonomy(connection: Connection, workspace_id: int) -> Taxonomy:
    """The workspace's taxonomy (the default until one is saved)."""
    c = contact_reasons
    rows = connection.execute(
        select(c).where(c.c.workspace_id == workspace_id).order_by(c.c.kind, c.c.position)
    ).all()
    if not rows:
        return default_taxonomy()
    lists: dict[str, list[Reason]] = {"reason": [], "complaint": []}
    for row in rows:
        lists[row.kind].append(
            Reason(
                kind=row.kind,
                code=row.code,
                label_ru=row.label_ru,
                label_en=row.label_en,
                phrases={
                    "ru": tuple(p for p in row.phrases_ru.split("\n") if p),
                    "en": tuple(p for p in row.phrases_en.split("\n") if p),
                },
            )
        )
    return Taxonomy(tuple(lists["reason"]), tuple(lists["complaint"]))


def save_taxonomy(connection: Connection, workspace_id: int, taxonomy: Taxonomy) -> None:
    """Replace the workspace's taxonomy with this one."""
    connection.execute(
        delete(contact_reasons).where(contact_reasons.c.workspace_id == workspace_id)
    )
    rows = [
        {
            "workspace_id": workspace_id,
            "kind": reason.kind,
            "code": reason.code,
            "label_ru": reason.label_ru,
            "label_en": reason.label_en,
            "phrases_ru": "\n".join(reason.phrases.get("ru", ())),
            "phrases_en": "\n".join(reason.phrases.get("en", ())),
            "position": position,
        }
        for kind in KINDS
        for position, reason in enumerate(taxonomy.of(kind))
    ]
    connection.execute(contact_reasons.insert(), rows)


def replace_entry(taxonomy: Taxonomy, reason: Reason, *, old_code: str | None) -> Taxonomy:
    """The taxonomy with ``reason`` added, or put in place of ``old_code``."""
    entries = list(taxonomy.of(reason.kind))
    clash = next((r for r in entries if r.code == reason.code and r.code != old_code), None)
    if clash is not None:
        raise InvalidInput(
            f"code: {reason.code!r} is taken",
            key="analysis.error.code_taken",
            params={"code": reason.code},
            where_key="error.where.field",
            where_params={"field": "code"},
        )
    index = next((i for i, r in enumerate(entries) if r.code == old_code), None)
    if index is None:
        entries.append(reason)
    else:
        entries[index] = reason
    return _with(taxonomy, reason.kind, entries)


def remove_entry(taxonomy: Taxonomy, kind: str, code: str) -> Taxonomy:
    """The taxonomy without this entry (a taxonomy keeps at least one reason)."""
    entries = [r for r in taxonomy.of(kind) if r.code != code]
    if kind == "reason" and not entries:
        raise InvalidInput(
            "code: the last reason cannot be removed",
            key="analysis.error.last_reason",
            where_key="error.where.field",
            where_params={"field": "code"},
        )
    return _with(taxonomy, kind, entries)


def _with(taxonomy: Taxonomy, kind: str, entries: Sequence[Reason]) -> Taxonomy:
    if kind == "reason":
        return Taxonomy(tuple(entries), taxonomy.complaints)
    return Taxonomy(taxonomy.reasons, tuple(entries))


def read_entry(
    *, kind: str, code: str, label_ru: str, label_en: str, phrases_ru: str, phrases_en: str
) -> Reason:
    """A taxonomy entry from the form; ``InvalidInput`` names the field."""
    if kind not in KINDS:
        raise InvalidInput(
            f"kind: one of {', '.join(KINDS)}",
            key="error.one_of",
            params={"choices": ", ".join(KINDS)},
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    code = code.strip()
    if not _CODE.match(code):
        raise InvalidInput(
            "code: lower-case latin letters, digits, _ or -",
            key="analysis.error.code",
            where_key="error.where.field",
            where_params={"field": "code"},
        )
    for name, value in (("label_ru", label_ru), ("label_en", label_en)):
        if not value.strip():
            raise InvalidInput(
                f"{name}: a name is required",
                key="analysis.error.name_required",
                where_key="error.where.field",
                where_params={"field": name},
            )
        if len(value) > 200:
            raise InvalidInput(
                f"{name}: longer than 200 characters",
                key="analysis.error.name_long",
                where_key="error.where.field",
                where_params={"field": name},
            )
    phrases: dict[str, tuple[str, ...]] = {}
    for language, text in (("ru", phrases_ru), ("en", phrases_en)):
        lines = [line.strip() for line in text.splitlines()]
        for number, line in enumerate(lines, start=1):
            check_phrase(line, source=f"phrases_{language}", line=number)
        phrases[language] = tuple(line for line in lines if line)
    return Reason(kind, code, label_ru.strip(), label_en.strip(), phrases)


def stamp() -> datetime:
    """Now, as the naive UTC the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)
