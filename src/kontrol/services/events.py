"""What happened to the stored data, for the parts that react to it.

Importing (files or the API) publishes an event after each committed batch;
scoring, rollups, routing and alerts subscribe. Publishers never import their
subscribers: the modules that hold subscribers are named in ``SUBSCRIBERS`` and
loaded the first time something is published.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine


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


Event = InteractionsStored | SurveysStored | OrdersStored
E = TypeVar("E", InteractionsStored, SurveysStored, OrdersStored)
Handler = Callable[[Engine, Any], None]

# Modules whose import registers subscribers (with ``@subscriber``).
SUBSCRIBERS: tuple[str, ...] = ("kontrol.services.scoring",)

_handlers: dict[type, list[Handler]] = {}
_loaded = False


def subscriber(
    event_type: type[E],
) -> Callable[[Callable[[Engine, E], None]], Callable[[Engine, E], None]]:
    """Register the decorated function to be called with each event of ``event_type``."""

    def register(handler: Callable[[Engine, E], None]) -> Callable[[Engine, E], None]:
        handlers = _handlers.setdefault(event_type, [])
        if handler not in handlers:
            handlers.append(handler)
        return handler

    return register


def _load_subscribers() -> None:
    global _loaded
    if not _loaded:
        for module in SUBSCRIBERS:
            importlib.import_module(module)
        _loaded = True


def publish(engine: Engine, event: Event) -> None:
    """Call every subscriber of the event's type, in registration order."""
    if not _event_has_rows(event):
        return
    _load_subscribers()
    for handler in _handlers.get(type(event), []):
        handler(engine, event)


def _event_has_rows(event: Event) -> bool:
    if isinstance(event, OrdersStored):
        return bool(event.order_ids)
    return bool(event.interaction_ids)
