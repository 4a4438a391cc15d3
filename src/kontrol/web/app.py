"""The FastAPI application: pages, the JSON API, sessions and security headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import date, datetime, tzinfo
from pathlib import Path
from types import CodeType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.bccache import Bucket, BytecodeCache
from markupsafe import Markup, escape
from starlette.middleware.sessions import SessionMiddleware

from kontrol import __version__
from kontrol.accounts.installation import open_database, session_secret
from kontrol.accounts.policy import Action, allowed, interaction_reach
from kontrol.domain.clock import zone
from kontrol.heap import freeze_startup_objects
from kontrol.i18n import DEFAULT_LOCALE, translate
from kontrol.i18n.formats import (
    any_period_label,
    day_label,
    moment_label,
    mood,
    number_label,
    range_label,
    signal_label,
)
from kontrol.i18n.plurals import fill, plural, plural_text
from kontrol.ingest.effects_backlog import BacklogDrainer
from kontrol.jobs import background_jobs
from kontrol.plugins import freeze_all
from kontrol.review.evaluations import can_review
from kontrol.review.routing.reasons import kind_help, reason_text
from kontrol.review.routing.rules import priority_level
from kontrol.settings import get_settings
from kontrol.web import errors
from kontrol.web.api import accounts as accounts_api
from kontrol.web.api import analysis as analysis_api
from kontrol.web.api import audits as audits_api
from kontrol.web.api import checks as checks_api
from kontrol.web.api import feedback as feedback_api
from kontrol.web.api import improvement as improvement_api
from kontrol.web.api import ingest as ingest_api
from kontrol.web.api import interactions as interactions_api
from kontrol.web.api import learning as learning_api
from kontrol.web.api import metrics as metrics_api
from kontrol.web.api import mystery as mystery_api
from kontrol.web.api import reports as reports_api
from kontrol.web.api import scripts as scripts_api
from kontrol.web.api import speech as speech_api
from kontrol.web.api import staff as staff_api
from kontrol.web.api import worktools as worktools_api
from kontrol.web.api.ingest import IngestLane
from kontrol.web.api.review import calibration as calibration_api
from kontrol.web.api.review import evaluations as review_api
from kontrol.web.api.review import routing as routing_api
from kontrol.web.date_filters import date_problem_text
from kontrol.web.filter_guard import FilterGuard, number_problem_text
from kontrol.web.headers import SecureSessionCookie, SecurityHeaders
from kontrol.web.pages import accounts as accounts_pages
from kontrol.web.pages import alerts as alerts_pages
from kontrol.web.pages import analysis as analysis_pages
from kontrol.web.pages import audit_log as audit_log_pages
from kontrol.web.pages import audits as audits_pages
from kontrol.web.pages import brand as brand_pages
from kontrol.web.pages import checks as checks_pages
from kontrol.web.pages import feedback as feedback_pages
from kontrol.web.pages import health as health_pages
from kontrol.web.pages import home as home_pages
from kontrol.web.pages import improvement as improvement_pages
from kontrol.web.pages import ingest as ingest_pages
from kontrol.web.pages import interactions as interactions_pages
from kontrol.web.pages import jobs as jobs_pages
from kontrol.web.pages import judging as judging_pages
from kontrol.web.pages import learning as learning_pages
from kontrol.web.pages import metrics as metrics_pages
from kontrol.web.pages import mystery as mystery_pages
from kontrol.web.pages import reports as reports_pages
from kontrol.web.pages import scorecard_editor
from kontrol.web.pages import scripts as scripts_pages
from kontrol.web.pages import speech as speech_pages
from kontrol.web.pages import staff as staff_pages
from kontrol.web.pages import surveys as surveys_pages
from kontrol.web.pages import worktools as worktools_pages
from kontrol.web.pages.review import calibration as calibration_pages
from kontrol.web.pages.review import evaluations as review_pages
from kontrol.web.pages.review import routing as routing_pages
from kontrol.web.security import csrf_token, locale_of
from kontrol.web.state import AppState

# HTML pages (kept out of the OpenAPI schema by their routers) and the JSON API under
# /api/v1, one module per feature. Order matters only where two paths could match
# the same URL, and each module keeps its own literal paths before its {id} ones.
PAGES = (
    health_pages.router,
    accounts_pages.router,
    home_pages.router,
    audit_log_pages.router,
    brand_pages.router,
    interactions_pages.router,
    ingest_pages.router,
    jobs_pages.router,
    surveys_pages.router,
    alerts_pages.router,
    metrics_pages.router,
    # Before the checks' pages: /scorecards/new is not the scorecard named "new".
    scorecard_editor.router,
    checks_pages.router,
    judging_pages.router,
    learning_pages.router,
    routing_pages.router,
    review_pages.router,
    feedback_pages.router,
    calibration_pages.router,
    speech_pages.router,
    mystery_pages.router,
    worktools_pages.router,
    scripts_pages.router,
    improvement_pages.router,
    audits_pages.router,
    staff_pages.router,
    analysis_pages.router,
    reports_pages.router,
)
API = (
    accounts_api.router,
    interactions_api.router,
    ingest_api.rejects_router,
    ingest_api.router,
    metrics_api.router,
    checks_api.router,
    routing_api.router,
    review_api.router,
    feedback_api.router,
    calibration_api.router,
    speech_api.router,
    mystery_api.router,
    worktools_api.router,
    scripts_api.router,
    improvement_api.router,
    audits_api.router,
    staff_api.router,
    analysis_api.router,
    learning_api.router,
    reports_api.router,
)

_HERE = Path(__file__).parent

SESSION_COOKIE = "kontrol_session"


def _page_context(request: Request) -> dict[str, Any]:
    locale = locale_of(request)

    def t(key: str, **params: object) -> str:
        # Parameters fill {name} in the text (plain replacement: braces elsewhere stay);
        # a plural entry takes the form of its number among them (a keyed error's limit).
        counted = plural_text(locale, key, params)
        return counted if counted is not None else fill(translate(locale, key), params)

    def with_number(key: str, n: float, **params: object) -> str:
        # A number with its word in the right form: {{ plural("checks.phrases.count", 21) }}.
        return plural(locale, key, n, **params)

    def routing_help(kind: str, values: Mapping[str, object] | None = None) -> str:
        # A routing kind's help with the rule's own numbers ("the last 14 days").
        return kind_help(kind, values, locale)

    return {
        "t": t,
        "plural": with_number,
        "routing_help": routing_help,
        "locale": locale,
        "csrf_token": csrf_token(request),
        "date_problem": date_problem_text(request, locale),
        "number_problem": number_problem_text(request, locale),
    }


def _zone(context: Any) -> tzinfo | None:
    """The workspace's time zone on a signed-in page: every time a person reads is in it."""
    viewer = context.get("viewer")
    return zone(viewer.workspace.timezone) if viewer is not None else None


@pass_context
def _day(context: Any, value: date | str | None) -> str:
    return day_label(value, context.get("locale", DEFAULT_LOCALE), zone=_zone(context))


@pass_context
def _moment(context: Any, value: datetime | str | None, seconds: bool = False) -> str:
    locale = context.get("locale", DEFAULT_LOCALE)
    return moment_label(value, locale, seconds=seconds, zone=_zone(context))


@pass_context
def _signal(context: Any, value: float | None, key: str) -> str:
    return signal_label(key, value, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _num(context: Any, value: float | int | None, places: int = 1, sign: bool = False) -> str:
    return number_label(value, context.get("locale", DEFAULT_LOCALE), places, sign=sign)


@pass_context
def _span(context: Any, dates: Any) -> str:
    return range_label(dates.first, dates.last, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _period(context: Any, key: str) -> str:
    return any_period_label(str(key), context.get("locale", DEFAULT_LOCALE))


@pass_context
def _reason(context: Any, value: str | None) -> str:
    return reason_text(value, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _priority(context: Any, value: int | None) -> str:
    if value is None:
        return ""
    return translate(
        context.get("locale", DEFAULT_LOCALE), f"routing.priority.{priority_level(value)}"
    )


def _catalogued(prefix: str) -> Callable[..., str]:
    """A filter naming a code by the catalogue's ``<prefix>.<code>``, else the code as it is.

    A topic code ("delivery" -> "Доставка"), a language ("ru" -> "русский"); a
    CRM's own topic that the catalogue does not know is data and shows as it is.
    """

    @pass_context
    def name(context: Any, value: str | None) -> str:
        if not value:
            return ""
        key = f"{prefix}.{value}"
        text = translate(context.get("locale", DEFAULT_LOCALE), key)
        return value if text == key else text

    return name


_BACKTICKED = re.compile(r"`([^`]+)`")


def _codes(text: str) -> Markup:
    return Markup(_BACKTICKED.sub(r"<code>\1</code>", str(escape(text))))


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, whichever app asks first.

    Jinja compiles a template on its first use in an environment; each app has
    its own environment, so a process making several apps (the tests make one per
    test) compiled every page again. The code is keyed by the template's name and
    the checksum of its source: an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], CodeType] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[(bucket.key, bucket.checksum)] = bucket.code

    def clear(self) -> None:
        self._code.clear()


_COMPILED = _CompiledTemplates()


def create_app(database_url: str, *, demo: bool | None = None) -> FastAPI:
    """The web app on the database at ``database_url`` (created or upgraded if needed)."""
    engine = open_database(database_url)
    environment = Environment(
        loader=FileSystemLoader(str(_HERE / "templates")),
        autoescape=True,  # every template escapes, whatever its name ends with
        bytecode_cache=_COMPILED,
    )
    templates = Jinja2Templates(env=environment, context_processors=[_page_context])
    # Templates ask the policy before showing a link: {% if allowed(viewer, Action.X) %}.
    templates.env.globals["allowed"] = allowed
    templates.env.globals["Action"] = Action
    templates.env.globals["interaction_reach"] = interaction_reach
    templates.env.globals["can_review"] = can_review
    # Days and times in the reader's way: {{ row.created_at|moment }}, {{ row.day|day }}.
    templates.env.filters["day"] = _day
    templates.env.filters["moment"] = _moment
    templates.env.filters["signal"] = _signal
    templates.env.filters["mood"] = mood
    # A period key ("2026-W42", "2026-11") as people write it: "нед. 42 · 12.10–18.10".
    templates.env.filters["period"] = _period
    # Why an item is in a review queue, and a topic code, in the reader's words.
    templates.env.filters["reason"] = _reason
    templates.env.filters["topic"] = _catalogued("topic")
    # A queue item's or rule's priority (a number) as the word the rules use: «высокий».
    templates.env.filters["priority"] = _priority
    templates.env.filters["language"] = _catalogued("language")
    # A check's id ("empathy") by its catalogue name ("Сочувствие"), else the id as it is.
    templates.env.filters["check"] = _catalogued("checks.check")
    # Every number a person reads: {{ x|num }} (42,9), {{ x|num(3) }}, {{ x|num(0, sign=True) }}.
    templates.env.filters["num"] = _num
    # A range of days (``.first``, ``.last``) as a span: "1–7 дек.", "Dec 1–7".
    templates.env.filters["span"] = _span
    # A catalogue text's `names` (commands, YAML keys) shown as code: {{ t("x")|codes }}.
    templates.env.filters["codes"] = _codes

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Plugins are fixed for the life of the process before the first request.
        freeze_all()
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
    settings = get_settings()
    # The cookie only carries the session's token; the session itself is on the
    # server (accounts/sessions.py), which ends it on logout and after its timeouts.
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(engine),
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=False,
        max_age=settings.session_max_hours * 3600,
    )
    app.add_middleware(SecureSessionCookie, cookie=SESSION_COOKIE, mode=settings.cookie_secure)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(FilterGuard)
    # Outermost: the ingest API's requests skip sessions and routing (web/api/ingest.py).
    app.add_middleware(IngestLane, engine=engine)

    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The tab icon, for browsers and tools that ask the root for it."""
        return FileResponse(_HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    for router in (*PAGES, *API):
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app on ``KONTROL_DATABASE_URL``: the factory for several uvicorn workers.

    ``uvicorn --factory kontrol.web.app:app_from_environment --workers 4``
    """
    from kontrol.accounts.installation import database_url

    return create_app(database_url())
