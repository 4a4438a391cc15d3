"""Why a record was rejected, told in the reader's language.

A reject is stored with its English reason (``import_rejects.error``: the CLI,
the API and the exported file show it as it is). The pages match that text
against the reasons below, written as the English the importers and pydantic
produce, with ``{name}`` for the values, and tell the reason of the same key
from the reader's catalogue (``import.reject.*``). A reason of several problems
("a: ...; b: ...; 2 more") is told part by part; a part no reason matches
keeps its stored text. Nothing is stored twice and old rejects read as new ones.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from kontrol.i18n import translate
from kontrol.i18n.formats import moment_label
from kontrol.ingest.import_report import Reject
from kontrol.ingest.schema import MAX_DEPTH, NUL_IN_TEXT

# (the stored English, with {name} for a value and {_name} for one not shown; its key)
REASONS: tuple[tuple[str, str], ...] = (
    ("required field is missing", "import.reject.missing"),
    ("not an ISO-8601 timestamp: {value}", "import.reject.not_a_time"),
    # A spreadsheet's date in the format chosen on the mapping step (csv_reader.py).
    ("not a date in the format dmy_dots: {value}", "import.reject.not_a_date_in.dmy_dots"),
    ("not a date in the format dmy_slashes: {value}", "import.reject.not_a_date_in.dmy_slashes"),
    ("not a date in the format mdy_slashes: {value}", "import.reject.not_a_date_in.mdy_slashes"),
    # A date whose time is in a column of its own (started_time), and that time.
    ("not a date alone in the format iso: {value}", "import.reject.not_a_day_in.iso"),
    ("not a date alone in the format dmy_dots: {value}", "import.reject.not_a_day_in.dmy_dots"),
    (
        "not a date alone in the format dmy_slashes: {value}",
        "import.reject.not_a_day_in.dmy_slashes",
    ),
    (
        "not a date alone in the format mdy_slashes: {value}",
        "import.reject.not_a_day_in.mdy_slashes",
    ),
    ("not a time of day (HH:MM): {value}", "import.reject.not_a_time_of_day"),
    ("no such time: {value}", "import.reject.no_such_time"),
    ("not a known channel ({_allowed}): {value}", "import.reject.unknown_channel"),
    # A date written the chosen way that no calendar has (31.02.2026).
    ("no such date: {value}", "import.reject.no_such_date"),
    ("must be an ISO-8601 timestamp string", "import.reject.time_not_text"),
    (
        "{moment} is outside the accepted range: from {earliest} to {years} years from now",
        "import.reject.out_of_range",
    ),
    ("{moment} is before created_at", "import.reject.before_created"),
    ("a record must be a JSON object", "import.reject.not_an_object"),
    ("unknown kind {kind}; expected one of {known}", "import.reject.unknown_kind"),
    (f"nested more than {MAX_DEPTH} levels deep", "import.reject.too_deep"),
    (NUL_IN_TEXT.replace("{", "{{").replace("}", "}}"), "import.reject.nul"),
    ("not a finite number", "import.reject.not_finite"),
    ("cannot be read as JSON", "import.reject.not_json"),
    ("a number of more than {digits} digits cannot be read", "import.reject.long_number"),
    ("unreadable record", "import.reject.unreadable"),
    ("not valid UTF-8 at byte {start}", "import.reject.not_utf8"),
    ("{cells} cells but the header names {columns}", "import.reject.extra_cells"),
    ("broken JSON array: {detail}", "import.reject.broken_json_array"),
    ("broken JSON: {detail} at column {column}", "import.reject.broken_json_at"),
    ("broken JSON: {detail}", "import.reject.broken_json"),
    ("broken CSV: {detail}", "import.reject.broken_csv"),
    ("unreadable e-mail: {detail}", "import.reject.unreadable_email"),
    ("{count} more", "import.reject.more"),
    # pydantic's messages, with the value it got
    ("Input should be a valid string (got {value})", "import.reject.not_text"),
    (
        "Input should be a valid integer, unable to parse string as an integer (got {value})",
        "import.reject.not_integer",
    ),
    (
        "Input should be a valid integer, got a number with a fractional part (got {value})",
        "import.reject.not_integer",
    ),
    ("Input should be a valid integer (got {value})", "import.reject.not_integer"),
    (
        "Input should be a valid number, unable to parse string as a number (got {value})",
        "import.reject.not_number",
    ),
    ("Input should be a valid number (got {value})", "import.reject.not_number"),
    (
        "Input should be a valid boolean, unable to interpret input (got {value})",
        "import.reject.not_boolean",
    ),
    ("Input should be a valid boolean (got {value})", "import.reject.not_boolean"),
    ("Input should be a valid list (got {value})", "import.reject.not_list"),
    ("Input should be a valid dictionary (got {value})", "import.reject.not_a_mapping"),
    (
        "Input should be a valid dictionary or instance of {_model} (got {value})",
        "import.reject.not_a_mapping",
    ),
    ("Input should be greater than or equal to {limit} (got {value})", "import.reject.at_least"),
    ("Input should be greater than {limit} (got {value})", "import.reject.above"),
    ("Input should be less than or equal to {limit} (got {value})", "import.reject.at_most"),
    ("Input should be less than {limit} (got {value})", "import.reject.below"),
    ("String should have at least 1 character (got {_value})", "import.reject.empty_text"),
    ("String should have at most {limit} characters (got {_value})", "import.reject.too_long"),
    (
        "List should have at most {limit} items after validation, not {count} (got {_value})",
        "import.reject.too_many",
    ),
    ("Extra inputs are not permitted (got {_value})", "import.reject.extra_field"),
    ("Input should be {allowed} (got {value})", "import.reject.not_one_of"),
    # The vendors' importers (ingest/vendors/): what their payloads lack, with the values.
    ("broken JSON: {detail} at line {line} column {column}", "import.reject.broken_json_line"),
    ("broken JSON: unclosed [", "import.reject.unclosed_array"),
    ("broken JSON: expected ',' or ']' between array elements", "import.reject.array_separator"),
    ("unexpected text {value} where a JSON value should start", "import.reject.not_a_value"),
    ("unexpected {vendor} payload shape: {detail}", "import.reject.vendor.shape"),
    ("a payload must be a JSON object", "import.reject.vendor.not_an_object"),
    ("an Intercom payload must be a JSON object", "import.reject.vendor.not_an_object"),
    ("a Telegram update must be a JSON object", "import.reject.vendor.not_an_object"),
    ("no time in {_where}", "import.reject.vendor.no_time"),
    ("{value} is not a valid time", "import.reject.vendor.not_a_time"),
    ("{value} is not an ISO-8601 time", "import.reject.vendor.not_a_time"),
    ("{value} is not a time", "import.reject.vendor.not_a_time"),
    ("unknown participant role {value}", "import.reject.vendor.unknown_role"),
    ("unknown author type {value}", "import.reject.vendor.unknown_role"),
    ("message {position}: unknown message_type {value}", "import.reject.vendor.message_type"),
    ("the chat transcript is empty: no time to place it", "import.reject.vendor.empty_transcript"),
    ("no BeginOffsetMillis/EndOffsetMillis", "import.reject.vendor.no_offsets"),
    (
        "no contact id: CustomerMetadata.ContactId is absent and the file is not "
        "named <contact id>_analysis_<time>.json",
        "import.reject.vendor.no_contact_id",
    ),
    (
        "a voice analysis has no start time: add the contact's Contact Record to the "
        "file or keep the output file name <contact id>_analysis_<time>.json",
        "import.reject.vendor.no_call_start",
    ),
    ("unknown Amazon Connect channel {value}", "import.reject.vendor.unknown_channel"),
    ("contact {id} has no InitiationTimestamp", "import.reject.vendor.contact_no_start"),
    (
        "not a Contact Lens analysis, Contact Record or contact event; not imported",
        "import.reject.vendor.not_amazon_connect",
    ),
    ("chatwoot event {value} carries no conversation; not imported", "import.reject.vendor.event"),
    ("webhook topic {value} carries no conversation; not imported", "import.reject.vendor.event"),
    ("{value} payload without a conversation", "import.reject.vendor.no_conversation"),
    ("event must be text, not {_kind}", "import.reject.vendor.event_not_text"),
    ("the conversation has no id", "import.reject.vendor.conversation_no_id"),
    (
        "conversation {id} has no time: no messages and no created_at",
        "import.reject.vendor.conversation_no_time",
    ),
    (
        "no message of the thread has a Date header or mbox date",
        "import.reject.vendor.thread_no_date",
    ),
    (
        "conversations came without their ticket; put the ticket JSON in the same file",
        "import.reject.vendor.conversations_first",
    ),
    (
        "not a Freshdesk ticket, conversation or satisfaction rating",
        "import.reject.vendor.not_freshdesk",
    ),
    ("rating without ticket_id", "import.reject.vendor.rating_no_ticket"),
    ("a satisfaction rating without ticket_id", "import.reject.vendor.rating_no_ticket"),
    ("conversation without ticket_id", "import.reject.vendor.conversation_no_ticket"),
    ("ticket without id", "import.reject.vendor.ticket_no_id"),
    ("the ticket has no id", "import.reject.vendor.ticket_no_id"),
    ("a ticket needs an id", "import.reject.vendor.ticket_no_id"),
    (
        "not an Intercom conversation or conversation webhook",
        "import.reject.vendor.not_intercom",
    ),
    (
        "Telegram update {id} has no message ({_kinds}); not imported",
        "import.reject.vendor.update_no_message",
    ),
    ("the message has no chat id", "import.reject.vendor.no_chat_id"),
    ("the message has no date", "import.reject.vendor.message_no_date"),
    ("ticket {id} is deleted in Zendesk; not imported", "import.reject.vendor.ticket_deleted"),
    ("rating of ticket {id} has no score (got {value})", "import.reject.vendor.rating_no_score"),
    (
        "not a Zendesk ticket, comments, audits, ratings or users response",
        "import.reject.vendor.not_zendesk",
    ),
    (
        "a comments response needs its ticket before it in the file",
        "import.reject.vendor.comments_first",
    ),
)

_FIELD = r"(?:(?P<_field>[\w.\[\]-]+): )?"
# A value never spans two problems ("; " parts); counts and limits are numbers.
_VALUE = r"(?:(?!; ).)+?"
_NUMBER = r"-?[\d.]+"
_MOMENTS = frozenset({"moment", "earliest"})
_NUMBERS = frozenset(
    {"count", "cells", "column", "columns", "digits", "line", "start", "limit", "years"}
)


@dataclass(frozen=True)
class RejectProblem:
    """One problem of a reject: its key and values when a reason matched, its text always."""

    text: str
    field: str | None = None
    key: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def said(self, locale: str) -> str:
        """The problem in ``locale`` (its stored text when no reason matched)."""
        if self.key is None:
            return self.text
        params = dict(self.params)
        for name in _MOMENTS.intersection(params):
            # An ISO time as the reader writes one (24.11.2026 10:00), as the file gave it.
            params[name] = moment_label(params[name], locale) or params[name]
        if params.get("value", "")[:1] in ("[", "{"):
            # pydantic's repr of a list or an object (the messages, say): named, not dumped.
            shape = "list" if params["value"].startswith("[") else "object"
            params["value"] = translate(locale, f"import.reject.value.{shape}")
        if "allowed" in params:  # pydantic lists the values as "'a', 'b' or 'c'"
            params["allowed"] = allowed_in_words(params["allowed"], locale)
        return translate(locale, self.key).format(**params)


@dataclass(frozen=True)
class ExplainedReject:
    """A reject as the import pages show it: its line, its field and its reasons."""

    line: int
    field: str | None
    error: str
    reasons: tuple[RejectProblem, ...]

    def said(self, locale: str, names: Mapping[str, str] | None = None) -> str:
        """The reason in ``locale``: one problem alone, several each after its field
        (named as ``names`` says: a spreadsheet's column instead of the field's code)."""
        if len(self.reasons) == 1:
            return self.reasons[0].said(locale)
        return "; ".join(
            f"{field_name(reason.field, names)}: {reason.said(locale)}"
            if reason.field
            else reason.said(locale)
            for reason in self.reasons
        )

    def field_shown(self, names: Mapping[str, str] | None = None) -> str | None:
        """The field (or the fields, ``a, b``) as the reader knows it."""
        return field_name(self.field, names) if self.field else None


# Vocabularies whose codes the catalogue names (``channel.call``: Звонок), tried in turn.
_VOCABULARIES = ("channel", "direction", "role")


def allowed_in_words(allowed: str, locale: str) -> str:
    """pydantic's allowed values ("'call', 'chat' or 'visit'") as the reader names them
    («звонок, чат или визит») when the catalogue names them all, else as written, with
    its "or" in ``locale``."""
    either = f" {translate(locale, 'import.reject.or')} "
    codes = re.findall(r"'([^']*)'", allowed)
    if codes and len(codes) == allowed.count("'") // 2:
        for vocabulary in _VOCABULARIES:
            keys = [f"{vocabulary}.{code}" for code in codes]
            labels = [translate(locale, key) for key in keys]
            if all(label != key for label, key in zip(labels, keys, strict=True)):
                words = [label[:1].lower() + label[1:] for label in labels]
                if len(words) == 1:
                    return words[0]
                return ", ".join(words[:-1]) + either + words[-1]
    return allowed.replace(" or ", either)


def field_name(field: str, names: Mapping[str, str] | None) -> str:
    """``field`` (or ``a, b``) by the names the reader knows them by; a field not named
    there keeps its code (a JSON file's own key)."""
    if not names:
        return field
    return ", ".join(names.get(part, part) for part in field.split(", "))


def explain_reject(reject: Reject) -> ExplainedReject:
    """The reject with its reasons matched to catalogue keys where one is known."""
    missing = [_match(part) for part in reject.error.split("; ")]
    if len(missing) > 1 and all(m.key == "import.reject.missing" for m in missing):
        # Several empty required fields read best as one reason naming them all.
        fields = ", ".join(m.field or "" for m in missing)
        reason = RejectProblem(reject.error, fields, "import.reject.missing_many")
        return ExplainedReject(reject.line, fields, reject.error, (reason,))
    whole = _match(reject.error)
    if whole.key is not None or "; " not in reject.error:
        return ExplainedReject(reject.line, reject.field, reject.error, (whole,))
    return ExplainedReject(reject.line, reject.field, reject.error, tuple(missing))


def reject_reason(error: str, locale: str, names: Mapping[str, str] | None = None) -> str:
    """A stored reject's reason in ``locale`` (its fields named as ``names`` says)."""
    return explain_reject(Reject("", 0, error)).said(locale, names)


def _match(text: str) -> RejectProblem:
    for pattern, key in _patterns():
        found = pattern.match(text)
        if found:
            values = found.groupdict()
            params = tuple((k, v) for k, v in values.items() if not k.startswith("_"))
            return RejectProblem(text, values["_field"], key, params)
    return RejectProblem(text)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The reasons as patterns, the most specific (longest wording) first."""
    found = [(template, key) for template, key in REASONS]
    found.sort(key=lambda item: -len(_wording(item[0])))
    return tuple((re.compile(_regex(template), re.DOTALL), key) for template, key in found)


def _wording(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


def _regex(template: str) -> str:
    parts = [f"^{_FIELD}"]
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P<{name}>{_NUMBER if name in _NUMBERS else _VALUE})")
    return "".join(parts) + "$"


def template_names(template: str) -> set[str]:
    """The values a reason's English names (those not shown left out)."""
    return {
        name
        for _, name, _, _ in string.Formatter().parse(template)
        if name and not name.startswith("_")
    }
