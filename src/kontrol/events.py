"""What happened to the stored data, for the parts that react to it.

Importing (files or the API) publishes an event after each committed batch;
scoring, rollups, routing and alerts subscribe. Publishers never import their
subscribers: the modules that hold subscribers are named in the
``kontrol.subscribers`` entry-point group (pyproject.toml) and loaded into the
registry ``subscribers`` the first time something is published.

A subscriber declared ``background=True`` is heavy (scoring, rollups): when an
event carries more than ``KONTROL_BACKGROUND_THRESHOLD`` rows it runs through
the job queue as the job ``events.<module>.<function>`` with the ids, so a
large import or API batch does not wait for it (docs/jobs.md). Such a
subscriber must be idempotent: it may run again for the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any, TypeVar

from sqlalchemy import Engine

from kontrol.jobs.registry import JobContext, add_loader, register_job
from kontrol.plugins import Registry
from kontrol.settings import current_settings


@dataclass(frozen=True)
class InteractionsStored:
    """Interactions inserted, or changed (their messages replaced), and committed."""

    workspace_id: int
    interaction_ids: tuple[int, ...]


@dataclass(frozen=True)
class SurveysStored:
    """Survey answers inserted or changed and committed, by the interaction they rate.

    ``interaction_ids`` holds only surveys already linked to an interaction.
    """

    workspace_id: int
    interaction_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrdersStored:
    """Orders inserted or changed and committed."""

    workspace_id: int
    order_ids: tuple[int, ...]


@dataclass(frozen=True)
class WorkItemsStored:
    """Work items (CRM deals, tickets, tasks) inserted or changed and committed."""

    workspace_id: int
    work_item_ids: tuple[int, ...]


@dataclass(frozen=True)
class InteractionsScored:
    """Interactions checked and scored (their automatic evaluations committed)."""

    workspace_id: int
    interaction_ids: tuple[int, ...]


@dataclass(frozen=True)
class ComplaintsFound:
    """Interactions the checks found to be complaints (flag and tag just set)."""

    workspace_id: int
    interaction_ids: tuple[int, ...]


Event = (
    InteractionsStored
    | SurveysStored
    | OrdersStored
    | WorkItemsStored
    | InteractionsScored
    | ComplaintsFound
)
E = TypeVar(
    "E",
    InteractionsStored,
    SurveysStored,
    OrdersStored,
    WorkItemsStored,
    InteractionsScored,
    ComplaintsFound,
)
Handler = Callable[[Engine, Any], None]


@dataclass(frozen=True)
class Subscriber:
    """A function called with each event of one type.

    ``job_name`` is set for a heavy subscriber: the job that runs it in the background.
    """

    event_type: type
    handler: Handler
    job_name: str | None = None


# Subscribers are called in the order of their modules' entry-point names, not in
# the order their modules happened to be imported: scoring (10_scoring) first, so
# that, run inline, the complaint flag it sets is there for the KPI facts and the
# alerts; run in the background, it publishes ComplaintsFound. Subscribers of a
# module no entry point names come last, in registration order.
subscribers: Registry[Subscriber] = Registry("event subscriber", group="kontrol.subscribers")


def subscriber(
    event_type: type[E], *, background: bool = False
) -> Callable[[Callable[[Engine, E], None]], Callable[[Engine, E], None]]:
    """Register the decorated function to be called with each event of ``event_type``.

    ``background=True``: events larger than the threshold go through the job queue.
    """

    def register(handler: Callable[[Engine, E], None]) -> Callable[[Engine, E], None]:
        job_name = None
        if background:
            job_name = background_job_name(handler)
            register_job(job_name, BackgroundRun(event_type, handler))
        name = f"{handler.__module__}.{handler.__qualname__}:{event_type.__name__}"
        subscribers.add(name, Subscriber(event_type, handler, job_name))
        return handler

    return register


def background_job_name(handler: Callable[..., None]) -> str:
    """The job that runs a heavy subscriber: ``events.<module>.<function>``."""
    return f"events.{handler.__module__}.{handler.__qualname__}"


@dataclass(frozen=True)
class BackgroundRun:
    """The job of a heavy subscriber: rebuilds the event from the payload and calls it.

    A dataclass, not a closure, so registering the same subscriber again gives an
    equal job (harmless) rather than a second one under the same name.
    """

    event_type: type
    handler: Handler

    def __call__(self, ctx: JobContext, *, workspace_id: int, ids: list[int]) -> None:
        self.handler(ctx.engine, self.event_type(workspace_id, tuple(ids)))


# Workers must know the background jobs: loading the jobs loads the subscribers.
add_loader(subscribers.load_entry_points)


@lru_cache(maxsize=1)
def _module_ranks() -> dict[str, int]:
    """Each subscriber module's place among the group's entry points, by name."""
    named = sorted(entry_points(group=subscribers.group), key=lambda point: point.name)
    return {point.value.partition(":")[0]: rank for rank, point in enumerate(named)}


def calling_order() -> list[Subscriber]:
    """Every subscriber, in the order ``publish`` calls them."""
    ranks = _module_ranks()
    return sorted(subscribers.values(), key=lambda s: ranks.get(s.handler.__module__, len(ranks)))


def publish(engine: Engine, event: Event, *, inline: bool = False) -> None:
    """Call every subscriber of the event's type, in :func:`calling_order`.

    Heavy subscribers get a queued job instead when the event is large, unless
    ``inline``: then every subscriber runs here, whatever the size (a temporary
    database that no worker sees, as ``kontrol score FILE`` and ``kontrol kpi FILE`` use).
    """
    ids = event_ids(event)
    if not ids:
        return
    large = not inline and len(ids) > current_settings().background_threshold
    for found in calling_order():
        if found.event_type is not type(event):
            continue
        if found.job_name is not None and large:
            from kontrol.jobs import enqueue

            enqueue(engine, found.job_name, workspace_id=event.workspace_id, ids=list(ids))
        else:
            found.handler(engine, event)


def event_ids(event: Event) -> tuple[int, ...]:
    """The ids an event names: orders for ``OrdersStored``, work items for
    ``WorkItemsStored``, interactions otherwise."""
    if isinstance(event, OrdersStored):
        return event.order_ids
    if isinstance(event, WorkItemsStored):
        return event.work_item_ids
    return event.interaction_ids


# -- work a subscriber leaves for the end of a held release ---------------------------

# What waits, by the name of its finisher, then by workspace: keys (days...) to redo.
EndNotes = dict[str, dict[int, set[Any]]]
Finisher = Callable[[Engine, dict[int, set[Any]]], None]

_finishers: dict[str, Finisher] = {}
_end_notes: ContextVar[EndNotes | None] = ContextVar("end_notes", default=None)


def finish_at_end(name: str, finisher: Finisher) -> None:
    """Register what ``finish`` does with the keys noted under ``name``."""
    _finishers[name] = finisher


def leave_for_end(name: str, workspace_id: int, keys: Iterable[Any]) -> bool:
    """Inside :func:`notes_for_end`, note keys whose work waits for the end and answer
    True; elsewhere answer False (the subscriber does the work now)."""
    notes = _end_notes.get()
    if notes is None:
        return False
    notes.setdefault(name, {}).setdefault(workspace_id, set()).update(keys)
    return True


@contextmanager
def notes_for_end() -> Iterator[EndNotes]:
    """Subscribers called inside may leave work for the end (a database nobody reads
    meanwhile, as the temporary one of ``kontrol score FILE``); yields the notes,
    which the caller hands to :func:`finish` (another process's may be merged in)."""
    notes: EndNotes = {}
    token = _end_notes.set(notes)
    try:
        yield notes
    finally:
        _end_notes.reset(token)


def merge_notes(into: EndNotes, more: EndNotes) -> None:
    """Add ``more`` (from another process) to ``into``."""
    for name, by_workspace in more.items():
        for workspace_id, keys in by_workspace.items():
            into.setdefault(name, {}).setdefault(workspace_id, set()).update(keys)


def finish(engine: Engine, notes: EndNotes) -> None:
    """Do the work left in ``notes``, each kind by its finisher."""
    subscribers.load_entry_points()  # the finishers register with their subscribers
    for name, by_workspace in sorted(notes.items()):
        if by_workspace:
            _finishers[name](engine, by_workspace)
