"""The script form: steps as rows of fields, read back into a script.

Row ``i`` of the form has the fields ``step-<i>-<field>``: ``id``, ``kind``,
``title_ru``/``title_en``, ``wordings_ru``/``wordings_en`` and
``detect_ru``/``detect_en`` (one phrase per line), ``answers`` (one answer per
line: ``ответ | answer -> step_id``), ``next``, ``criterion``, ``optional``,
``position`` (the rows are put in this order) and ``delete``. A row whose
``id`` is empty is an unused "new step" row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from kontrol.scripts.model import LANGUAGES, ScriptInvalid, ScriptSpec, parse_script, script_data

ROWS_LIMIT = 80


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _answers(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in _lines(text):
        wording, _, target = line.partition("->")
        ru, _, en = wording.partition("|")
        when = {k: v.strip() for k, v in (("ru", ru), ("en", en)) if v.strip()}
        entry: dict[str, Any] = {"when": when or wording.strip()}
        if target.strip():
            entry["next"] = target.strip()
        out.append(entry)
    return out


def step_rows(script: ScriptSpec) -> list[dict[str, str]]:
    """The form's rows of a script's steps (and the values the form shows)."""
    rows = []
    for i, step in enumerate(script.steps):
        row = {
            "id": step.id,
            "kind": step.kind,
            "next": step.next or "",
            "criterion": step.criterion or "",
            "optional": "1" if step.optional else "",
            "position": str(i + 1),
            "answers": "\n".join(
                " | ".join(a.when.get(lang, "") for lang in LANGUAGES)
                + (f" -> {a.next}" if a.next else "")
                for a in step.answers
            ),
        }
        for lang in LANGUAGES:
            row[f"title_{lang}"] = step.title.get(lang, "")
            row[f"wordings_{lang}"] = "\n".join(step.wordings.get(lang, ()))
            row[f"detect_{lang}"] = "\n".join(step.detect.get(lang, ()))
        rows.append(row)
    return rows


def rows_of_form(form: Mapping[str, str]) -> list[dict[str, str]]:
    """The rows a submitted form holds, in row order (to show the form again)."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        if not key.startswith("step-"):
            continue
        _, index, name = key.split("-", 2) if key.count("-") >= 2 else ("", "", "")
        if not index.isdigit() or int(index) >= ROWS_LIMIT:
            continue
        rows.setdefault(int(index), {})[name] = value
    return [rows[i] for i in sorted(rows)]


def script_from_form(script: ScriptSpec, form: Mapping[str, str]) -> ScriptSpec:
    """The script with the form's steps: rows ordered by position, deleted ones left out.

    Faults are :class:`ScriptInvalid` naming the row (``step 3``) and the field.
    """
    rows = rows_of_form(form)
    chosen: list[tuple[float, int, dict[str, str]]] = []
    for i, row in enumerate(rows):
        if not row.get("id", "").strip() or row.get("delete"):
            continue
        raw = row.get("position", "").strip() or str(i + 1)
        try:
            position = float(raw.replace(",", "."))
        except ValueError:
            raise ScriptInvalid(
                "scripts.error.position",
                source="form",
                line=None,
                field_name=f"step {i + 1}: position",
            ) from None
        chosen.append((position, i, row))
    chosen.sort(key=lambda item: (item[0], item[1]))
    steps: list[dict[str, Any]] = []
    for _, _, row in chosen:
        step: dict[str, Any] = {
            "id": row.get("id", "").strip(),
            "kind": row.get("kind", "question"),
        }
        title = {lang: row.get(f"title_{lang}", "").strip() for lang in LANGUAGES}
        step["title"] = {k: v for k, v in title.items() if v} or None
        for part in ("wordings", "detect"):
            phrases = {lang: _lines(row.get(f"{part}_{lang}", "")) for lang in LANGUAGES}
            phrases = {k: v for k, v in phrases.items() if v}
            if phrases:
                step[part] = phrases
        if row.get("answers", "").strip():
            step["answers"] = _answers(row["answers"])
        if row.get("next", "").strip():
            step["next"] = row["next"].strip()
        if row.get("criterion", "").strip():
            step["criterion"] = row["criterion"].strip()
        if row.get("optional"):
            step["optional"] = True
        steps.append(step)
    plain = script_data(script)
    plain["steps"] = steps
    try:
        return parse_script(
            yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), source="form"
        )
    except ScriptInvalid as error:
        raise _in_form_terms(error, [row for _, _, row in chosen], rows) from None


def _in_form_terms(
    error: ScriptInvalid, kept: list[dict[str, str]], rows: list[dict[str, str]]
) -> ScriptInvalid:
    """The fault named by the form's row number and field instead of the YAML path."""
    found = re.match(r"steps\[(\d+)\]\.?(.*)", error.field_name)
    if found is None:
        return error
    row = kept[int(found.group(1))] if int(found.group(1)) < len(kept) else None
    number = rows.index(row) + 1 if row in rows else int(found.group(1)) + 1
    rest = found.group(2) or "id"
    rest = re.sub(r"^(title|wordings|detect)\.(ru|en).*", r"\1_\2", rest)
    rest = re.sub(r"^answers\[(\d+)\].*", lambda m: f"answers, line {int(m.group(1)) + 1}", rest)
    return ScriptInvalid(
        error.key, source="form", line=None, field_name=f"step {number}: {rest}", **error.values
    )


def new_script(name: str, title_ru: str, title_en: str, topic: str) -> ScriptSpec:
    """A new script with one question step, from the "new script" form."""
    text = {
        "name": name.strip(),
        "title": {k: v.strip() for k, v in (("ru", title_ru), ("en", title_en)) if v.strip()}
        or None,
        "topic": topic.strip(),
        "steps": [
            {
                "id": "greeting",
                "kind": "standard",
                "criterion": "greeting",
                "title": {"ru": "Приветствие", "en": "Greeting"},
                "wordings": {
                    "ru": ["Здравствуйте! Чем могу помочь?"],
                    "en": ["Hello! How can I help?"],
                },
            }
        ],
    }
    return parse_script(yaml.safe_dump(text, allow_unicode=True, sort_keys=False), source="form")
