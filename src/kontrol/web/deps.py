"""What a handler asks FastAPI for, as ``Annotated`` aliases.

A handler reads like the four steps it does: load (``db``, the ``viewer``),
authorize (``require(viewer, Action...)`` or the feature asks the policy),
call the feature with ``db``, render (``page.render``) or answer JSON::

    @router.get("/alerts")
    def alerts_page(db: Db, viewer: CurrentViewer, page: CurrentPage) -> Response:
        require(viewer, Action.VIEW_ALERTS)
        return page.render("alerts/alerts.html", {"alerts": list_alerts(db, viewer)})

The transaction rule: **one transaction per request**. :data:`Db` begins it
before the handler runs and commits it when the handler returns, before the
answer leaves (so a redirect never points at a change not yet committed), or
rolls it back when the handler raises (a domain error then becomes its status
in :mod:`kontrol.web.errors`). A handler that answers a refused form with the
form again runs the refused call in :func:`attempt`, a savepoint that is
rolled back, so nothing the call wrote is committed with the page.

The few feature functions that take the engine (answering a survey, importing
routing rules, retrying a job) commit on their own connection; they publish
events after their commit, which a request's transaction cannot do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.store.database import hold_write_lock
from kontrol.web.render import Page
from kontrol.web.security import load_viewer
from kontrol.web.state import AppState, app_state

State = Annotated[AppState, Depends(app_state)]


def request_connection(state: State) -> Iterator[Connection]:
    """The request's connection, in its one transaction (see the module docstring)."""
    with state.engine.begin() as connection:
        yield connection


@contextmanager
def attempt(db: Connection) -> Iterator[None]:
    """Run a call whose refusal shows the form again: in a savepoint, rolled back on error.

    On SQLite the savepoint would open the transaction at its first read, and a
    transaction that has read cannot become a writer once another writer (the
    background jobs of this process) has committed: SQLite answers "database is
    locked" at once instead of waiting. So the write lock is taken first; writers
    take turns on SQLite anyway. Handlers that let a feature commit on its own
    connection (retrying a job, importing rules files) never hold it.
    """
    hold_write_lock(db)
    with db.begin_nested():
        yield


# scope="function": the commit happens when the handler returns, not after the
# answer is sent (FastAPI's default for dependencies with yield).
Db = Annotated[Connection, Depends(request_connection, scope="function")]


def current_viewer(request: Request, db: Db) -> Viewer:
    """The logged-in viewer, or ``LoginRequired`` (pages redirect, the API answers 401)."""
    return load_viewer(db, request)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def current_page(request: Request, db: Db, viewer: CurrentViewer) -> Page:
    """The page being answered, to render templates inside the viewer's layout."""
    return Page(request=request, connection=db, viewer=viewer)


CurrentPage = Annotated[Page, Depends(current_page)]
