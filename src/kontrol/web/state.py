"""What one running web app holds: its database engine and templates."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine


@dataclass(frozen=True)
class AppState:
    """Stored on ``app.state.kontrol`` by :func:`kontrol.web.app.create_app`."""

    engine: Engine
    templates: Jinja2Templates
    demo: bool


def app_state(request: Request) -> AppState:
    """The running app's state."""
    state: AppState = request.app.state.kontrol
    return state
