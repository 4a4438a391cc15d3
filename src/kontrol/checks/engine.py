"""Run every check on an interaction: the one code path of the CLI, the import and the tests.

``check_record`` takes one interaction in the interchange format (spec/FORMAT.md)
and returns the ``checks`` and ``signals`` of the ``kontrol score`` output,
without a database. The scoring service builds the same ``Conversation`` from
stored rows and calls ``run_checks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kontrol.checks.audio import local_recording, recording_levels
from kontrol.checks.conversation import Conversation
from kontrol.checks.custom import CustomCheck
from kontrol.checks.phrases import PhraseBook, PhraseOverride, phrase_book
from kontrol.checks.registry import NA, DataCheck, Verdict, checks
from kontrol.checks.signals import compute_signals
from kontrol.checks.text import LANGUAGES, detect_language


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """A workspace's changes to the checks: phrase list overrides, custom checks and the
    checks of higher features' check sources (``source_checks``, e.g. script adherence)."""

    overrides: tuple[PhraseOverride, ...] = ()
    custom_checks: tuple[CustomCheck, ...] = ()
    source_checks: tuple[DataCheck, ...] = ()

    @classmethod
    def with_lists(
        cls, lists: Mapping[str, Sequence[str]], *, mode: str = "extend"
    ) -> CheckSettings:
        """Settings that extend (or replace) the named lists in every language."""
        return cls(
            overrides=tuple(
                PhraseOverride(language, name, mode, tuple(phrases))
                for name, phrases in sorted(lists.items())
                for language in LANGUAGES
            )
        )


DEFAULT_SETTINGS = CheckSettings()
# The verdict of a check outside its channels (immutable: one instance serves every one).
NOT_APPLICABLE = Verdict(NA)


@dataclass(slots=True)
class CheckOutcome:
    """Verdicts of every check (built-in then custom) and the signals, of one interaction."""

    language: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    signals: dict[str, Any] = field(default_factory=dict)
    # No word of conversation to read (a call row of a spreadsheet with only its agent,
    # date and duration): every check that reads text is ``na``, none can be failed.
    no_text: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "checks": {check_id: v.as_json() for check_id, v in self.verdicts.items()},
            "signals": dict(self.signals),
        }


MessageTuple = tuple[str, str, datetime | None, float | None, float | None]

# Built-in checks that read a call's measured recording when it has no timed transcript
# (checks/audio.py): the only ones a conversation without text still has an answer for.
RECORDING_CHECKS = frozenset({"hold_announced", "no_interruption"})


def interaction_language(language: str | None, texts: Iterable[str]) -> str:
    """The stated language when it is one we check, else the detected one."""
    if language:
        short = language.lower()[:2]
        if short in LANGUAGES:
            return short
    return detect_language(texts)


_books_by_settings: dict[tuple[int, str], tuple[CheckSettings, PhraseBook]] = {}


def _book_for(settings: CheckSettings, language: str) -> PhraseBook:
    """The compiled book of these settings, found by identity first (no hashing per call)."""
    cached = _books_by_settings.get((id(settings), language))
    if cached is not None and cached[0] is settings:
        return cached[1]
    extra: dict[str, tuple[str, ...]] = {}
    for custom in settings.custom_checks:
        extra.update(custom.phrase_lists(language))
    for derived in settings.source_checks:
        extra.update(derived.phrase_lists(language))
    book = phrase_book(language, settings.overrides, extra)
    if len(_books_by_settings) > 256:
        _books_by_settings.clear()
    _books_by_settings[(id(settings), language)] = (settings, book)
    return book


def prepare(
    *,
    channel: str,
    messages: Sequence[MessageTuple],
    language: str | None = None,
    direction: str = "inbound",
    started_at: datetime | None = None,
    customer_name: str | None = None,
    agent_name: str | None = None,
    followups: Iterable[datetime] = (),
    settings: CheckSettings = DEFAULT_SETTINGS,
    ended_at: datetime | None = None,
    recording: Path | None = None,
    topic: str | None = None,
) -> Conversation:
    """A conversation ready for the checks, with the workspace's phrase book.

    ``recording``: the call's WAV file, read for the agent's loudness (calm_tone).
    """
    lang = interaction_language(language, (m[1] for m in messages))
    book = _book_for(settings, lang)
    conversation = Conversation.prepare(
        channel=channel,
        language=lang,
        messages=messages,
        book=book,
        direction=direction,
        started_at=started_at,
        customer_name=customer_name,
        agent_name=agent_name,
        followups=followups,
        ended_at=ended_at,
    )
    conversation.topic = topic
    if recording is not None and channel == "call" and conversation.timed:
        conversation.loudness = recording_levels(
            recording, [(m.role, m.start, m.end) for m in conversation.messages]
        )
    return conversation


def run_checks(
    conversation: Conversation, settings: CheckSettings = DEFAULT_SETTINGS
) -> CheckOutcome:
    """Every built-in check (``na`` outside its channels), the custom checks, the signals."""
    no_text = not any(message.text.strip() for message in conversation.messages)
    outcome = CheckOutcome(conversation.language, no_text=no_text)
    verdicts = outcome.verdicts
    channel = conversation.channel
    # Without text only the checks that measure the call's recording have something to read.
    readable = RECORDING_CHECKS if conversation.audio is not None else frozenset()
    for check_id, definition in checks.items():
        if channel not in definition.channels or (no_text and check_id not in readable):
            verdicts[check_id] = NOT_APPLICABLE
        else:
            verdicts[check_id] = definition.function(conversation)
    for custom in settings.custom_checks:
        if custom.applies_to(conversation.channel) and not no_text:
            outcome.verdicts[custom.id] = custom.evaluate(conversation)
        else:
            outcome.verdicts[custom.id] = NOT_APPLICABLE
    for derived in settings.source_checks:
        if derived.applies_to(conversation.channel) and not no_text:
            outcome.verdicts[derived.id] = derived.evaluate(conversation)
        else:
            outcome.verdicts[derived.id] = NOT_APPLICABLE
    outcome.signals = compute_signals(conversation)
    return outcome


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time as naive UTC (how the store keeps times); ``None`` if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    return float(value)


def record_messages(record: Mapping[str, Any]) -> list[MessageTuple]:
    """The (role, text, at, start, end) of each message of a FORMAT.md record."""
    out: list[MessageTuple] = []
    for message in record.get("messages") or []:
        out.append(
            (
                str(message.get("role", "")),
                str(message.get("text") or ""),
                parse_time(message.get("at")),
                _number(message.get("start")),
                _number(message.get("end")),
            )
        )
    return out


def check_record(
    record: Mapping[str, Any],
    *,
    settings: CheckSettings = DEFAULT_SETTINGS,
    followups: Iterable[datetime] = (),
    recordings: Path | None = None,
) -> dict[str, Any]:
    """``{"checks": {...}, "signals": {...}}`` of one interaction dict (spec/FORMAT.md).

    ``followups`` are the start times of later outbound interactions with the same
    customer (for ``promise_kept``); the database path finds them itself.
    ``recordings``: the directory the record's ``recording`` may be read from.
    """
    conversation = prepare(
        channel=str(record.get("channel", "chat")),
        messages=record_messages(record),
        language=record.get("language"),
        direction=str(record.get("direction") or "inbound"),
        started_at=parse_time(record.get("started_at")),
        ended_at=parse_time(record.get("ended_at")),
        customer_name=record.get("customer_name"),
        agent_name=record.get("agent_name"),
        followups=followups,
        settings=settings,
        recording=local_recording(record.get("recording"), recordings) if recordings else None,
        topic=record.get("topic"),
    )
    return run_checks(conversation, settings).as_json()
