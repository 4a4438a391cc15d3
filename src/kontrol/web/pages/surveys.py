"""Customer survey pages (public, no login) and the staff pages that make them.

Public: ``/s/<token>`` (a link for one interaction, answered once),
``/p/<token>`` (a place's QR code), ``/k/<token>`` (a kiosk tablet: thanks,
then ready for the next customer). Each is rate-limited per IP and per token,
its form carries a token bound to the survey token (no session needed), and it
shows nothing of anyone but the company name and the agent's first name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from kontrol.accounts.installation import session_secret
from kontrol.accounts.policy import Action, require
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.i18n import DEFAULT_LOCALE, LOCALES, browser_locale, pick_locale, translate
from kontrol.ratelimit import RateLimiter, make_rate_limiter
from kontrol.settings import Settings
from kontrol.surveys.links import (
    SCALES,
    SurveyPage,
    answer_link,
    answer_place,
    check_form_token,
    check_score,
    clean_comment,
    create_link,
    form_token,
    link_page,
    place_page,
)
from kontrol.surveys.places import (
    create_place,
    get_place,
    list_places,
    qr_code,
    set_active,
)
from kontrol.web.deps import CurrentPage, CurrentViewer, Db, State, attempt
from kontrol.web.errors import REFUSALS, status_of
from kontrol.web.params import Id
from kontrol.web.render import Page, render
from kontrol.web.security import check_csrf

router = APIRouter(include_in_schema=False)

# Requests per window (seconds): per client address, and per survey token.
IP_LIMIT = (120, 600)
LINK_LIMIT = (10, 600)
PLACE_ANSWERS_PER_IP = (5, 3600)
KIOSK_ANSWERS = (40, 600)
_limiters: dict[str, RateLimiter] = {}


def _limiter() -> RateLimiter:
    url = Settings().redis_url
    key = url or ""
    if key not in _limiters:
        _limiters[key] = make_rate_limiter(url)
    return _limiters[key]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _allowed(request: Request, token: str, per_token: tuple[int, int]) -> bool:
    limiter = _limiter()
    return limiter.hit(f"ip:{_client(request)}", *IP_LIMIT) and limiter.hit(
        f"token:{token[:16]}", *per_token
    )


def _language(request: Request, page: SurveyPage, chosen: str | None) -> str:
    """The page's language: the one the customer chose on it, else their browser's
    when we have it (a link or a QR code opens on the customer's own phone; a kiosk
    is the workspace's tablet), else the place's or the conversation's, else Russian."""
    if chosen in LOCALES:
        return str(chosen)
    if not page.kiosk:
        browser = browser_locale(request.headers.get("accept-language"))
        if browser is not None:
            return browser
    if page.language and page.language[:2] in LOCALES:
        return page.language[:2]
    return DEFAULT_LOCALE


def _public(
    request: Request, name: str, lang: str, context: dict[str, Any], status: int = 200
) -> Response:
    def tr(key: str) -> str:
        return translate(lang, key)

    kiosk = request.url.path.startswith("/k/")
    response = render(
        request,
        name,
        {"tr": tr, "lang": lang, "languages": LOCALES, "kiosk": kiosk, **context},
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _gone(request: Request, lang: str, reason: str, status: int) -> Response:
    context = {"reason": reason, "page": None}
    return _public(request, "surveys/survey_closed.html", lang, context, status)


def _too_many(request: Request, lang: str) -> Response:
    response = _gone(request, lang, "busy", 429)
    response.headers["Retry-After"] = "60"
    return response


def _form(
    state: State,
    request: Request,
    page: SurveyPage,
    token: str,
    lang: str,
    *,
    action: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    low, high = SCALES[page.kind]
    return _public(
        request,
        "surveys/survey_form.html",
        lang,
        {
            "page": page,
            "action": action,
            "scores": list(range(low, high + 1)),
            "form_token": form_token(session_secret(state.engine), token),
            "error": error,
        },
        status,
    )


def _page_of(db: Connection, token: str, prefix: str) -> SurveyPage:
    if prefix == "s":
        return link_page(db, token)
    return place_page(db, token, kiosk=prefix == "k")


@router.get("/s/{token}")
@router.get("/p/{token}")
@router.get("/k/{token}")
def survey_form(
    request: Request, state: State, db: Db, token: str, lang: str | None = None
) -> Response:
    """The survey page of a link, a QR code or a kiosk."""
    prefix = request.url.path.split("/")[1]
    chosen = lang if lang in LOCALES else pick_locale(request.headers.get("accept-language"))
    if len(token) > 100 or not _allowed(request, token, (200, 600)):
        return _too_many(request, chosen)
    try:
        page = _page_of(db, token, prefix)
    except NotFound:
        return _gone(request, chosen, "unknown", 404)
    chosen = _language(request, page, lang)
    if page.state != "open":
        return _gone(request, chosen, page.state, 410)
    return _form(state, request, page, token, chosen, action=f"/{prefix}/{token}")


@router.post("/s/{token}")
@router.post("/p/{token}")
@router.post("/k/{token}")
def survey_answer(
    request: Request,
    state: State,
    db: Db,
    token: str,
    score: Annotated[str | None, Form()] = None,
    comment: Annotated[str | None, Form()] = None,
    form: Annotated[str | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Store an answer; a link answers once, a place once per IP in a while."""
    prefix = request.url.path.split("/")[1]
    chosen = lang if lang in LOCALES else pick_locale(request.headers.get("accept-language"))
    per_token = LINK_LIMIT if prefix == "s" else KIOSK_ANSWERS
    if len(token) > 100 or not _allowed(request, token, per_token):
        return _too_many(request, chosen)
    try:
        page = _page_of(db, token, prefix)
    except NotFound:
        return _gone(request, chosen, "unknown", 404)
    chosen = _language(request, page, lang)
    if page.state != "open":
        return _gone(request, chosen, page.state, 410)
    try:
        check_form_token(session_secret(state.engine), token, form)
        value = check_score(page.kind, score)
        text = clean_comment(comment)
    except InvalidInput as error:
        key = "surveys.error.expired" if "form token" in str(error) else "surveys.error.score"
        if "comment" in str(error):
            key = "surveys.error.comment"
        return _form(
            state,
            request,
            page,
            token,
            chosen,
            action=f"/{prefix}/{token}",
            error=translate(chosen, key),
            status=status_of(error),
        )
    if prefix == "p" and not _limiter().hit(
        f"answer:{_client(request)}:{token[:16]}", *PLACE_ANSWERS_PER_IP
    ):
        return _too_many(request, chosen)
    # The answer commits on its own connection: it publishes SurveysStored after it.
    try:
        if prefix == "s":
            answer_link(state.engine, token, score=value, comment=text)
        else:
            answer_place(state.engine, page, score=value, comment=text, language=chosen)
    except Conflict:
        return _gone(request, chosen, "used", 410)
    again = f"/k/{token}?lang={chosen}" if prefix == "k" else None
    return _public(
        request,
        "surveys/survey_thanks.html",
        chosen,
        {"page": page, "again": again, "low": value <= (2 if page.kind == "csat" else 6)},
    )


# -- staff pages -------------------------------------------------------------------


@router.post("/interactions/{interaction_id}/survey-link")
def make_survey_link(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    interaction_id: Id,
    kind: Annotated[str, Form()] = "csat",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """A new single-use survey link for an interaction the viewer may see."""
    check_csrf(request, csrf_token)
    require(viewer, Action.SEND_SURVEY_LINKS)
    link = create_link(
        db,
        workspace=viewer.workspace,
        interaction_id=interaction_id,
        created_by=viewer.account.username,
        kind=kind,
        hours=Settings().survey_link_hours,
        viewer=viewer,
    )
    url = str(request.base_url).rstrip("/") + link.path()
    context = {"url": url, "link": link, "interaction_id": interaction_id, "viewer": viewer}
    if request.headers.get("hx-request"):
        return render(request, "surveys/_survey_link.html", context)
    return page.render("surveys/survey_link_page.html", context)


def _places_page(
    page: Page, *, error: str | None = None, form: dict[str, str] | None = None, status: int = 200
) -> Response:
    context = {
        "places": list_places(page.connection, page.viewer.workspace),
        "base": str(page.request.base_url).rstrip("/"),
        "error": error,
        "form": form or {},
    }
    return page.render("surveys/survey_places.html", context, status=status)


@router.get("/surveys/places")
def places_page(viewer: CurrentViewer, page: CurrentPage) -> Response:
    """Survey places with their QR codes and kiosk links."""
    require(viewer, Action.MANAGE_PLACES)
    return _places_page(page)


@router.post("/surveys/places")
def add_place(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    page: CurrentPage,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "csat",
    language: Annotated[str, Form()] = "ru",
    team: Annotated[str, Form()] = "",
    agent: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Create a place (admins, QA leads)."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_PLACES)
    try:
        with attempt(db):
            create_place(
                db,
                workspace=viewer.workspace,
                name=name,
                kind=kind,
                language=language,
                team=team,
                agent_id=agent,
                created_by=viewer.account.username,
            )
    except REFUSALS as error:
        form = {"name": name, "team": team, "agent": agent, "kind": kind}
        return _places_page(page, error=page.says(error), form=form, status=status_of(error))
    return RedirectResponse("/surveys/places", status_code=303)


@router.post("/surveys/places/{place_id}/active")
def toggle_place(
    request: Request,
    db: Db,
    viewer: CurrentViewer,
    place_id: Id,
    active: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch a place's QR code and kiosk on or off."""
    check_csrf(request, csrf_token)
    require(viewer, Action.MANAGE_PLACES)
    set_active(db, viewer.workspace, place_id, active=active == "1")
    return RedirectResponse("/surveys/places", status_code=303)


@router.get("/surveys/places/{place_id}/qr.{fmt}")
def place_qr(request: Request, db: Db, viewer: CurrentViewer, place_id: Id, fmt: str) -> Response:
    """The place's QR code, PNG or SVG, to print."""
    require(viewer, Action.MANAGE_PLACES)
    if fmt not in ("png", "svg"):
        raise NotFound("QR codes come as .png or .svg", key="surveys.error.qr_format")
    place = get_place(db, viewer.workspace, place_id)
    url = str(request.base_url).rstrip("/") + place.public_path
    media = "image/png" if fmt == "png" else "image/svg+xml"
    return Response(
        qr_code(url, kind=fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="kontrol-qr-{place.id}.{fmt}"'},
    )
