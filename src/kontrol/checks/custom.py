"""Custom checks a QA lead defines without code, in YAML (or the web form).

```yaml
id: refund_explained            # letters, digits, _; not a built-in id
title: Объяснил сроки возврата
channels: [chat, call]          # optional; default every channel
rule:                           # a condition: all / any / not, or a leaf
  all:
    - phrases: [вернём деньги, оформим возврат]   # or {ru: [...], en: [...]}
      who: agent                # agent | customer | any (default agent)
      where: anywhere           # opening | closing | anywhere (default)
      must: true                # "must" (true) or "must not" (false)
    - regex: '\\b\\d+ (дн|рабоч)'
    - not: {list: rudeness}     # a built-in or workspace list by name
na_unless:                      # optional: the check is na when this is false
  phrases: [возврат, refund]
  who: customer
```

The check passes when ``rule`` holds. Phrases are compared on lemmas like the
built-in lists and compiled into the same automaton; regular expressions are
Python ``re`` (Unicode-aware ``\\w``/``\\b``), case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from kontrol.checks.registry import ALL_CHANNELS, FAIL, NA, PASS, Verdict
from kontrol.domain.errors import InvalidInput
from kontrol.domain.yaml_errors import invalid_yaml

if TYPE_CHECKING:
    from kontrol.checks.conversation import Conversation

CHECK_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
WHO = ("agent", "customer", "any")
WHERE = ("opening", "closing", "anywhere")
LEAF_KEYS = {"phrases", "list", "regex", "who", "where", "must"}
Evidence = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Leaf:
    """Phrases, a named list or a regular expression, looked for by someone somewhere."""

    list_name: str | None
    phrases: Mapping[str, tuple[str, ...]] | None
    regex: re.Pattern[str] | None
    who: str
    where: str
    must: bool


@dataclass(frozen=True, slots=True)
class Combination:
    """``all``, ``any`` or ``not`` of other conditions."""

    operator: str
    parts: tuple[Condition, ...]


Condition = Leaf | Combination


@dataclass(frozen=True, slots=True)
class CustomCheck:
    """A check defined as data; evaluated on the same prepared conversation."""

    id: str
    title: str
    rule: Condition
    na_unless: Condition | None = None
    channels: frozenset[str] = ALL_CHANNELS
    source: str = field(default="", compare=False)

    def applies_to(self, channel: str) -> bool:
        return channel in self.channels

    def phrase_lists(self, language: str) -> dict[str, tuple[str, ...]]:
        """The check's own phrase lists for ``language``, to compile with the others."""
        lists: dict[str, tuple[str, ...]] = {}
        for leaf in _leaves(self.rule, self.na_unless):
            if leaf.phrases is not None and leaf.list_name is not None:
                phrases = leaf.phrases.get(language, leaf.phrases.get("*", ()))
                lists[leaf.list_name] = tuple(phrases)
        return lists

    def evaluate(self, conversation: Conversation) -> Verdict:
        if self.na_unless is not None:
            holds, _ = _evaluate(self.na_unless, conversation)
            if not holds:
                return Verdict(NA)
        holds, evidence = _evaluate(self.rule, conversation)
        return Verdict(PASS if holds else FAIL, tuple(evidence[:5]))


def _leaves(*conditions: Condition | None) -> list[Leaf]:
    out: list[Leaf] = []
    for condition in conditions:
        if isinstance(condition, Leaf):
            out.append(condition)
        elif isinstance(condition, Combination):
            out.extend(_leaves(*condition.parts))
    return out


def _scope(conversation: Conversation, leaf: Leaf) -> set[int]:
    if leaf.where == "opening":
        indices = set(conversation.opening())
        if leaf.who == "customer":
            indices = {m.index for m in conversation.customer_messages[:2]}
    elif leaf.where == "closing":
        indices = set(conversation.closing())
        if leaf.who == "customer":
            indices = {m.index for m in conversation.customer_messages[-2:]}
    else:
        indices = {m.index for m in conversation.messages}
    if leaf.who != "any":
        indices = {i for i in indices if conversation.messages[i].role == leaf.who}
    elif leaf.where != "anywhere":
        # "any" speaker in the opening/closing: both sides' first/last two messages.
        customers = conversation.customer_messages
        part = customers[:2] if leaf.where == "opening" else customers[-2:]
        indices |= {m.index for m in part}
    return indices


def _evaluate(condition: Condition, conversation: Conversation) -> tuple[bool, Evidence]:
    if isinstance(condition, Combination):
        results = [_evaluate(part, conversation) for part in condition.parts]
        if condition.operator == "all":
            holds = all(r[0] for r in results)
        elif condition.operator == "any":
            holds = any(r[0] for r in results)
        else:
            holds = not results[0][0]
        evidence = [item for held, items in results if held for item in items]
        return holds, evidence
    within = _scope(conversation, condition)
    found: Evidence = []
    if condition.regex is not None:
        for index in sorted(within):
            match = condition.regex.search(conversation.messages[index].text)
            if match:
                found.append({"message": index, "text": match.group()})
    elif condition.list_name is not None:
        found = list(conversation.evidence(conversation.find(condition.list_name, within=within)))
    found_any = bool(found)
    if condition.must:
        return found_any, found
    return not found_any, found


def _fail(where: str, message: str) -> InvalidInput:
    return InvalidInput(f"{where}: {message}")


def _parse_condition(data: Any, where: str, check_id: str, counter: list[int]) -> Condition:
    if not isinstance(data, dict) or not data:
        raise _fail(where, "expected a mapping with all, any, not, phrases, list or regex")
    for operator in ("all", "any"):
        if operator in data:
            if len(data) != 1:
                raise _fail(where, f"'{operator}' must stand alone")
            items = data[operator]
            if not isinstance(items, list) or not items:
                raise _fail(f"{where}.{operator}", "expected a non-empty list")
            return Combination(
                operator,
                tuple(
                    _parse_condition(item, f"{where}.{operator}[{i}]", check_id, counter)
                    for i, item in enumerate(items)
                ),
            )
    if "not" in data:
        if len(data) != 1:
            raise _fail(where, "'not' must stand alone")
        return Combination(
            "not", (_parse_condition(data["not"], f"{where}.not", check_id, counter),)
        )
    unknown = set(data) - LEAF_KEYS
    if unknown:
        raise _fail(where, f"unknown key {sorted(unknown)[0]!r}")
    kinds = [k for k in ("phrases", "list", "regex") if k in data]
    if len(kinds) != 1:
        raise _fail(where, "give exactly one of phrases, list, regex")
    who = data.get("who", "agent")
    if who not in WHO:
        raise _fail(f"{where}.who", f"expected one of {', '.join(WHO)}")
    place = data.get("where", "anywhere")
    if place not in WHERE:
        raise _fail(f"{where}.where", f"expected one of {', '.join(WHERE)}")
    must = data.get("must", True)
    if not isinstance(must, bool):
        raise _fail(f"{where}.must", "expected true (must) or false (must not)")
    kind = kinds[0]
    if kind == "regex":
        pattern = data["regex"]
        if not isinstance(pattern, str) or not pattern:
            raise _fail(f"{where}.regex", "expected a regular expression")
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise _fail(f"{where}.regex", f"invalid regular expression: {error}") from None
        return Leaf(None, None, compiled, who, place, must)
    if kind == "list":
        name = data["list"]
        if not isinstance(name, str) or not name:
            raise _fail(f"{where}.list", "expected a list name")
        return Leaf(name, None, None, who, place, must)
    phrases = data["phrases"]
    by_language: dict[str, tuple[str, ...]]
    if isinstance(phrases, list):
        by_language = {"*": tuple(_phrases(phrases, f"{where}.phrases"))}
    elif isinstance(phrases, dict):
        by_language = {
            str(lang): tuple(_phrases(items, f"{where}.phrases.{lang}"))
            for lang, items in phrases.items()
        }
    else:
        raise _fail(f"{where}.phrases", "expected a list of phrases or {ru: [...], en: [...]}")
    counter[0] += 1
    return Leaf(f"custom.{check_id}.{counter[0]}", by_language, None, who, place, must)


def _phrases(items: Any, where: str) -> list[str]:
    if not isinstance(items, list) or not items:
        raise _fail(where, "expected a non-empty list of phrases")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str | int | float) or not str(item).strip():
            raise _fail(f"{where}[{i}]", "expected a phrase (text)")
        out.append(str(item).strip())
    return out


def parse_custom_check(data: Any, *, reserved: frozenset[str] = frozenset()) -> CustomCheck:
    """A custom check from its parsed YAML; ``InvalidInput`` names the field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "custom check: expected a mapping with id, title and rule",
            key="checks.error.custom_mapping",
        )
    check_id = data.get("id")
    if not isinstance(check_id, str) or not CHECK_ID.match(check_id):
        raise InvalidInput(
            "id: expected lower-case letters, digits and _ (2-60 characters)",
            key="checks.error.custom_id",
            where_key="error.where.field",
            where_params={"field": "id"},
        )
    if check_id in reserved:
        raise InvalidInput(
            f"id: {check_id!r} is a built-in check",
            key="checks.error.built_in",
            params={"check_id": check_id},
            where_key="error.where.field",
            where_params={"field": "id"},
        )
    unknown = set(data) - {"id", "title", "channels", "rule", "na_unless"}
    if unknown:
        raise InvalidInput(
            f"{sorted(unknown)[0]}: unknown key",
            key="checks.error.unknown_key",
            where_key="error.where.field",
            where_params={"field": sorted(unknown)[0]},
        )
    title = data.get("title", check_id)
    if not isinstance(title, str):
        raise InvalidInput(
            "title: expected text",
            key="error.expected_text",
            where_key="error.where.field",
            where_params={"field": "title"},
        )
    channels = data.get("channels")
    if channels is None:
        channel_set = ALL_CHANNELS
    else:
        if not isinstance(channels, list) or not channels:
            raise InvalidInput(
                "channels: expected a list of channels",
                key="checks.error.channels",
                where_key="error.where.field",
                where_params={"field": "channels"},
            )
        bad = [c for c in channels if c not in ALL_CHANNELS]
        if bad:
            raise InvalidInput(
                f"channels: unknown channel {bad[0]!r}",
                key="error.unknown_channel",
                params={"channel": bad[0]},
                where_key="error.where.field",
                where_params={"field": "channels"},
            )
        channel_set = frozenset(channels)
    if "rule" not in data:
        raise InvalidInput(
            "rule: required",
            key="checks.error.rule_required",
            where_key="error.where.field",
            where_params={"field": "rule"},
        )
    counter = [0]
    rule = _parse_condition(data["rule"], "rule", check_id, counter)
    na_unless = None
    if data.get("na_unless") is not None:
        na_unless = _parse_condition(data["na_unless"], "na_unless", check_id, counter)
    return CustomCheck(check_id, title, rule, na_unless, channel_set)


def load_custom_check(text: str, *, reserved: frozenset[str] = frozenset()) -> CustomCheck:
    """A custom check from YAML text."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", error)
        raise invalid_yaml(error, f"not valid YAML{line}: {problem}") from None
    check = parse_custom_check(data, reserved=reserved)
    return CustomCheck(check.id, check.title, check.rule, check.na_unless, check.channels, text)
