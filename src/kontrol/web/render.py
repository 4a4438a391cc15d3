"""Rendering a template into an answer, and the one layout context of signed-in pages.

``base.html`` draws the frame of every page a signed-in person sees: the menu
(:mod:`kontrol.web.navigation`, whose links ask the policy), the workspace
switch and the person's name.
:func:`layout_context` is the only place that knows what the frame needs;
page modules add their own context to it through :meth:`Page.render`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from kontrol.accounts.access import Viewer
from kontrol.accounts.brands import brand_display_names
from kontrol.accounts.logins import memberships_of
from kontrol.accounts.workspaces import DEFAULT_WORKSPACE, Workspace
from kontrol.domain.errors import KontrolError
from kontrol.i18n import translate
from kontrol.i18n.messages import error_text
from kontrol.web.navigation import menu_for
from kontrol.web.pickers import Pickers
from kontrol.web.security import load_viewer, locale_of
from kontrol.web.state import app_state


def render(
    request: Request, name: str, context: Mapping[str, Any], *, status: int = 200
) -> Response:
    """The template ``name`` rendered with ``context`` (no layout: public pages, fragments)."""
    templates = app_state(request).templates
    return templates.TemplateResponse(request, name, dict(context), status_code=status)


def render_framed(
    request: Request, name: str, context: Mapping[str, Any], *, status: int
) -> Response:
    """``name`` inside the signed-in frame when someone is logged in, else the simple one.

    For answers made outside a handler (error pages): the request's own
    transaction is over, so this reads the viewer on a connection of its own and
    writes nothing (the session is not touched). When the viewer cannot be read
    (logged out, the database away), the page keeps the simple frame.
    """
    engine = app_state(request).engine
    try:
        with engine.connect() as connection:
            viewer = load_viewer(connection, request, touch=False)
            full = layout_context(connection, viewer, request.url.path, locale_of(request))
            full.update(context)
            return render(request, name, full, status=status)
    except (KontrolError, DBAPIError):
        return render(request, name, context, status=status)


def workspace_label(workspace: Workspace, display_name: str | None, locale: str) -> str:
    """How the frame names a workspace: its brand's display name, else its name.

    The workspace every installation starts with is called ``default`` inside;
    a person reads «Рабочее пространство» (Workspace) instead of the slug.
    """
    if display_name:
        return display_name
    if workspace.name == DEFAULT_WORKSPACE:
        return translate(locale, "nav.workspace.default")
    return workspace.name


def layout_context(
    connection: Connection, viewer: Viewer, path: str, locale: str
) -> dict[str, Any]:
    """What ``base.html`` needs around every signed-in page at ``path``."""
    memberships = memberships_of(connection, viewer.account)
    brands = brand_display_names(connection, [m.workspace.id for m in memberships])
    names = {
        m.workspace.id: workspace_label(m.workspace, brands.get(m.workspace.id), locale)
        for m in memberships
    }
    names.setdefault(
        viewer.workspace.id,
        workspace_label(viewer.workspace, brands.get(viewer.workspace.id), locale),
    )
    return {
        "viewer": viewer,
        "memberships": memberships,
        "workspace_names": names,
        "menu": menu_for(viewer, path),
        "pickers": Pickers(connection, viewer),
    }


@dataclass(frozen=True)
class Page:
    """A signed-in page being answered: the request, its connection and the viewer.

    Handlers get one from :data:`kontrol.web.deps.CurrentPage`.
    """

    request: Request
    connection: Connection
    viewer: Viewer

    def render(
        self, name: str, context: Mapping[str, Any] | None = None, *, status: int = 200
    ) -> Response:
        """The template ``name`` inside the layout, with the page's own ``context``."""
        full = layout_context(
            self.connection, self.viewer, self.request.url.path, locale_of(self.request)
        )
        full.update(context or {})
        return render(self.request, name, full, status=status)

    def t(self, key: str) -> str:
        """The text for ``key`` in the viewer's interface language."""
        return translate(locale_of(self.request), key)

    def says(self, error: BaseException) -> str:
        """A refused action's reason in the viewer's language (its catalogue key, else its text)."""
        return error_text(error, locale_of(self.request))
