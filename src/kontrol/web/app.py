"""The FastAPI application: pages, the JSON API, sessions and security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from kontrol import __version__
from kontrol.accounts.installation import open_database, session_secret
from kontrol.accounts.policy import Action, allowed, interaction_reach
from kontrol.heap import freeze_startup_objects
from kontrol.i18n import translate
from kontrol.ingest.effects_backlog import BacklogDrainer
from kontrol.jobs import background_jobs
from kontrol.review.calibration.sessions import can_calibrate
from kontrol.review.evaluations import can_review
from kontrol.review.routing.queues import can_see_queues
from kontrol.settings import get_settings
from kontrol.web import errors
from kontrol.web.api import ingest as ingest_api
from kontrol.web.api import interactions as api
from kontrol.web.api.ingest import IngestLane
from kontrol.web.headers import SecurityHeaders
from kontrol.web.pages import accounts as people_pages
from kontrol.web.pages import alerts as alert_pages
from kontrol.web.pages import checks as checks_pages
from kontrol.web.pages import feedback as feedback_pages
from kontrol.web.pages import interactions as pages
from kontrol.web.pages import jobs as admin_pages
from kontrol.web.pages import metrics as dashboard
from kontrol.web.pages import surveys as survey_pages
from kontrol.web.pages.review import calibration as calibration_pages
from kontrol.web.pages.review import evaluations as review_pages
from kontrol.web.pages.review import routing as routing_pages
from kontrol.web.security import csrf_token, locale_of
from kontrol.web.state import AppState

_HERE = Path(__file__).parent


def _page_context(request: Request) -> dict[str, Any]:
    locale = locale_of(request)

    def t(key: str) -> str:
        return translate(locale, key)

    return {"t": t, "locale": locale, "csrf_token": csrf_token(request)}


def create_app(database_url: str, *, demo: bool | None = None) -> FastAPI:
    """The web app on the database at ``database_url`` (created or upgraded if needed)."""
    engine = open_database(database_url)
    templates = Jinja2Templates(
        directory=str(_HERE / "templates"), context_processors=[_page_context]
    )
    # Templates ask the policy before showing a link: {% if allowed(viewer, Action.X) %}.
    templates.env.globals["allowed"] = allowed
    templates.env.globals["Action"] = Action
    templates.env.globals["interaction_reach"] = interaction_reach
    templates.env.globals["can_manage_integrations"] = lambda viewer: allowed(
        viewer, Action.MANAGE_INTEGRATIONS
    )
    templates.env.globals["can_see_alerts"] = lambda viewer: allowed(viewer, Action.VIEW_ALERTS)
    templates.env.globals["can_manage_places"] = lambda viewer: allowed(
        viewer, Action.MANAGE_PLACES
    )
    templates.env.globals["can_see_queues"] = can_see_queues
    templates.env.globals["can_review"] = can_review
    templates.env.globals["can_calibrate"] = can_calibrate

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with background_jobs(engine, alongside=(BacklogDrainer,)):
            freeze_startup_objects()
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="Kontrol API",
        version=__version__,
        description="Quality control of customer service: interactions, surveys, rejects.",
        openapi_url="/api/v1/openapi.json",
        # Swagger UI and ReDoc load their scripts from a CDN: unusable offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.kontrol = AppState(
        engine=engine,
        templates=templates,
        demo=get_settings().demo if demo is None else demo,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(engine),
        session_cookie="kontrol_session",
        same_site="lax",
        https_only=False,
        max_age=14 * 24 * 3600,
    )

    app.add_middleware(SecurityHeaders)
    # Outermost: the ingest API's requests skip sessions and routing (web/api/ingest.py).
    app.add_middleware(IngestLane, engine=engine)

    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(ingest_api.router)
    app.include_router(admin_pages.router)
    app.include_router(survey_pages.router)
    app.include_router(alert_pages.router)
    app.include_router(dashboard.router)
    app.include_router(checks_pages.router)
    app.include_router(people_pages.router)
    app.include_router(routing_pages.router)
    app.include_router(routing_pages.api_router)
    app.include_router(review_pages.router)
    app.include_router(review_pages.api)
    app.include_router(feedback_pages.router)
    app.include_router(feedback_pages.api)
    app.include_router(calibration_pages.router)
    return app


def app_from_environment() -> FastAPI:
    """The app on ``KONTROL_DATABASE_URL``: the factory for several uvicorn workers.

    ``uvicorn --factory kontrol.web.app:app_from_environment --workers 4``
    """
    from kontrol.accounts.installation import database_url

    return create_app(database_url())
