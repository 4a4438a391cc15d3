"""Domain errors to HTTP answers, in one place: JSON under /api, pages elsewhere.

:data:`STATUS` is the one map from a domain error to its HTTP status. An error
a handler lets through becomes the error page (or ``{"detail": ...}`` under
/api) with that status; a form that shows itself again with the message of a
refusal (:data:`REFUSALS`) answers with the same status, from
:func:`status_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kontrol.accounts.policy import RoleRequired
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, KontrolError, NotFound
from kontrol.i18n import translate
from kontrol.i18n.messages import error_text
from kontrol.store.database import database_unavailable
from kontrol.web.render import render_framed
from kontrol.web.security import CsrfFailed, LoginRequired, locale_of

STATUS: dict[type[KontrolError], int] = {
    LoginRequired: 401,
    CsrfFailed: 403,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
}
# What a form answers by showing itself again, with the message and what was typed:
# the person can correct the input, or reload and see the other change.
REFUSALS: tuple[type[KontrolError], ...] = (InvalidInput, Conflict)
MESSAGE_KEYS = {401: "error.forbidden", 403: "error.forbidden", 404: "error.not_found"}


def status_of(error: KontrolError) -> int:
    """The HTTP status of a domain error."""
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _page(
    request: Request, status: int, detail: str, key: str, *, roles: str = ""
) -> Response:
    """The error page: inside the person's frame (menu, workspace, name) when logged in."""
    context = {
        "status": status,
        "message": translate(locale_of(request), key),
        "detail": detail,
        "roles": roles,
    }
    return await run_in_threadpool(render_framed, request, "error.html", context, status=status)


def roles_text(error: RoleRequired, locale: str) -> str:
    """ "Нужна роль: администратор или руководитель ОКК. Ваша роль — оператор." """
    names = [translate(locale, f"roles.{role.value}") for role in error.needed]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1])
    if len(names) > 1:
        joined += translate(locale, "error.roles_or") + names[-1]
    text = translate(locale, "error.roles_needed")
    return text.replace("{roles}", joined).replace(
        "{role}", translate(locale, f"roles.{error.role.value}")
    )


async def on_domain_error(request: Request, error: Exception) -> Response:
    """Map a :class:`KontrolError` to a status code."""
    assert isinstance(error, KontrolError)
    status = status_of(error)
    if _is_api(request):
        return JSONResponse({"detail": str(error)}, status_code=status)
    if isinstance(error, LoginRequired):
        return RedirectResponse("/login", status_code=303)
    key = (
        "error.csrf" if isinstance(error, CsrfFailed) else MESSAGE_KEYS.get(status, "error.invalid")
    )
    locale = locale_of(request)
    detail = error_text(error, locale)
    if error.key is None and status in MESSAGE_KEYS and locale != "en":
        # "no interaction 12" says no more than "Не найдено." on the page of its address.
        detail = ""
    roles = roles_text(error, locale) if isinstance(error, RoleRequired) and error.needed else ""
    return await _page(request, status, detail, key, roles=roles)


async def on_http_error(request: Request, error: Exception) -> Response:
    """Framework errors (404 for an unknown path, 405...) in the same two shapes."""
    assert isinstance(error, StarletteHTTPException)
    if _is_api(request):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    key = MESSAGE_KEYS.get(error.status_code, "error.invalid")
    # The framework's own words ("Not Found", "Method Not Allowed") are English only.
    detail = str(error.detail) if locale_of(request) == "en" else ""
    return await _page(request, error.status_code, detail, key)


async def on_invalid_request(request: Request, error: Exception) -> Response:
    """A path parameter out of its range (an id above 2**63, or 0) names no row: 404.

    Other invalid parameters and bodies keep FastAPI's 422 with the field at fault.
    """
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    if problems and all(problem["loc"][0] == "path" for problem in problems):
        return await on_http_error(request, StarletteHTTPException(404, "Not Found"))
    if _is_api(request):
        return await request_validation_exception_handler(request, error)
    # A page: the frame, and which field is wrong and why in the reader's words.
    locale = locale_of(request)
    detail = "; ".join(_problem_text(problem, locale) for problem in problems[:3])
    return await _page(request, 422, detail, "error.invalid")


# What pydantic says is wrong, as the catalogue says it ({ge}, {le}: the bounds).
_PROBLEM_KEYS = {
    "int_parsing": "error.field.whole_number",
    "int_from_float": "error.field.whole_number",
    "float_parsing": "error.field.number",
    "greater_than_equal": "error.field.at_least",
    "greater_than": "error.field.above",
    "less_than_equal": "error.field.at_most",
    "less_than": "error.field.below",
    "missing": "error.field.missing",
}


def _problem_text(problem: Mapping[str, Any], locale: str) -> str:
    """«Поле»: what is wrong with it (a query or form field of a page)."""
    name = str(problem["loc"][-1])
    label = translate(locale, f"field.{name}")
    if label == f"field.{name}":
        label = name
    text = translate(locale, _PROBLEM_KEYS.get(str(problem.get("type")), "error.field.invalid"))
    for bound, value in (problem.get("ctx") or {}).items():
        text = text.replace("{" + bound + "}", str(value))
    return (
        translate(locale, "error.field.problem")
        .replace("{field}", label)
        .replace("{problem}", text)
    )


# SQLSTATE numeric_value_out_of_range: PostgreSQL's answer to a number its column cannot hold.
OUT_OF_RANGE = "22003"


async def on_number_out_of_range(request: Request, error: Exception) -> Response:
    """A number no column can hold reached the database (a form field, a JSON body): 422.

    Paths and queries are bounded at the edge (``web/params.Id``); this catches
    the numbers of bodies and forms, on SQLite (``OverflowError`` binding the
    parameter) and on PostgreSQL (``bigint out of range``).
    """
    if isinstance(error, DataError) and getattr(error.orig, "sqlstate", None) != OUT_OF_RANGE:
        raise error
    return await on_domain_error(request, InvalidInput("a number is too large"))


# How long a client is told to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


async def on_database_error(request: Request, error: Exception) -> Response:
    """The database is unreachable (restarting, failed over, network gone): 503, not a 500.

    Browsers get a translated page, the API a JSON problem; both say when to try
    again. The engine's pool checks connections before use, so the first request
    after the database is back is served again without a restart. Any other
    database error is a bug and stays a 500.
    """
    assert isinstance(error, DBAPIError)
    if not database_unavailable(error):
        raise error
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = translate(locale_of(request), "error.unavailable")
    if _is_api(request):
        problem = {"detail": message, "status": 503, "title": "database unavailable"}
        return JSONResponse(problem, status_code=503, headers=headers)
    response = await _page(request, 503, "", "error.unavailable")
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(KontrolError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(OverflowError, on_number_out_of_range)
    app.add_exception_handler(DataError, on_number_out_of_range)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
