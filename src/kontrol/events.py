"""What happened to the stored data, for the parts that react to it.

Importing (files or the API) publishes an event after each committed batch;
scoring, rollups, routing and alerts subscribe. Publishers never import their
subscribers: the modules that hold subscribers are named in ``SUBSCRIBERS`` and
loaded the first time something is published.

A subscriber declared ``background=True`` is heavy (scoring, rollups): when an
event carries more than ``KONTROL_BACKGROUND_THRESHOLD`` rows it runs through
the job queue as the job ``events.<module>.<function>`` with the ids, so a
large import or API batch does not wait for it (docs/jobs.md). Such a
subscriber must be idempotent: it may run again for the same ids.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine

from kontrol.jobs.registry import JobContext, add_loader, register_job
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
class InteractionsScored:
    """Interactions checked and scored (their automatic evaluations committed)."""

    workspace_id: int
    interaction_ids: tuple[int, ...]


@dataclass(frozen=True)
class ComplaintsFound:
    """Interactions the checks found to be complaints (flag and tag just set)."""

    workspace_id: int
    interaction_ids: tuple[int, ...]


Event = InteractionsStored | SurveysStored | OrdersStored | InteractionsScored | ComplaintsFound
E = TypeVar(
    "E", InteractionsStored, SurveysStored, OrdersStored, InteractionsScored, ComplaintsFound
)
Handler = Callable[[Engine, Any], None]

# Modules whose import registers subscribers (with ``@subscriber``).
# Scoring first: when it runs inline, the complaint flag it sets is there for the KPI
# facts and the alerts; when it runs in the background it publishes ComplaintsFound.
SUBSCRIBERS: tuple[str, ...] = (
    "kontrol.checks.scoring",
    "kontrol.metrics.facts",
    "kontrol.alerts.raising",
    "kontrol.review.routing.runs",
)

_handlers: dict[type, list[Handler]] = {}
# Heavy subscribers, with the name of the job that runs them in the background.
_background: dict[Handler, str] = {}
_loaded = False


def subscriber(
    event_type: type[E], *, background: bool = False
) -> Callable[[Callable[[Engine, E], None]], Callable[[Engine, E], None]]:
    """Register the decorated function to be called with each event of ``event_type``.

    ``background=True``: events larger than the threshold go through the job queue.
    """

    def register(handler: Callable[[Engine, E], None]) -> Callable[[Engine, E], None]:
        handlers = _handlers.setdefault(event_type, [])
        if handler not in handlers:
            handlers.append(handler)
        if background and handler not in _background:
            _background[handler] = _register_background_job(event_type, handler)
        return handler

    return register


def background_job_name(handler: Callable[..., None]) -> str:
    """The job that runs a heavy subscriber: ``events.<module>.<function>``."""
    return f"events.{handler.__module__}.{handler.__qualname__}"


def _register_background_job(event_type: type[E], handler: Callable[[Engine, E], None]) -> str:
    name = background_job_name(handler)

    def run(ctx: JobContext, *, workspace_id: int, ids: list[int]) -> None:
        handler(ctx.engine, event_type(workspace_id, tuple(ids)))

    register_job(name, run)
    return name


def _load_subscribers() -> None:
    global _loaded
    if not _loaded:
        for module in SUBSCRIBERS:
            importlib.import_module(module)
        _loaded = True


# The job queue loads the subscriber modules so that workers know the background jobs.
add_loader(_load_subscribers)


def publish(engine: Engine, event: Event) -> None:
    """Call every subscriber of the event's type, in registration order.

    Heavy subscribers get a queued job instead when the event is large.
    """
    ids = event_ids(event)
    if not ids:
        return
    _load_subscribers()
    large = len(ids) > current_settings().background_threshold
    for handler in _handlers.get(type(event), []):
        job_name = _background.get(handler)
        if job_name is not None and large:
            from kontrol.jobs import enqueue

            enqueue(engine, job_name, workspace_id=event.workspace_id, ids=list(ids))
        else:
            handler(engine, event)


def event_ids(event: Event) -> tuple[int, ...]:
    """The ids an event names: orders for ``OrdersStored``, interactions otherwise."""
    if isinstance(event, OrdersStored):
        return event.order_ids
    return event.interaction_ids
