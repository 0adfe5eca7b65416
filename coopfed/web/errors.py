"""Error answers: JSON bodies for servers and scripts, HTML pages for browsers.

Never a stack trace: a 500 says the server failed and that the operator's log has details.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from coopfed.web.csrf import CsrfRefused, FormTooLarge
from coopfed.web.negotiation import wants_activity_json
from coopfed.web.sessions import SignInRequired
from coopfed.web.templating import render_plain
from coopfed.web.translate import N_, plain_translator

log = logging.getLogger(__name__)

PAGE_TEXT = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    403: (N_("Not allowed"), N_("You are not allowed to see this page.")),
    404: (N_("Not found"), N_("There is nothing here.")),
    405: (N_("Not allowed here"), N_("This address does not accept that kind of request.")),
    413: (N_("Too large"), N_("What you sent is too large.")),
    500: (N_("Something went wrong"), N_("The server failed; the operator's log has the details.")),
}
CSRF_REFUSED = N_(
    "This form could not be accepted: it has expired or did not come from this site. "
    "Go back, reload the page and try again."
)


def error_response(status: int, reason: str, detail: str = "", **headers: str) -> JSONResponse:
    body = {"error": reason, "detail": detail} if detail else {"error": reason}
    return JSONResponse(body, status_code=status, headers=headers or None)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not wants_activity_json(request)


def error_page(request: Request, status: int, message: str = "", **headers: str) -> Response:
    """The error page in the page's language: `message` too when it is a catalogue message
    (marked with N_ where it is raised); any other text is shown as it is."""
    tr = plain_translator(request)
    title, default_message = PAGE_TEXT.get(status, (N_("Error"), N_("The request failed.")))
    shown = tr.gettext(message or default_message)
    context = {"status": status, "title": tr.gettext(title), "message": shown}
    response = render_plain(request, "error.html", context, status=status)
    response.headers.update(headers)
    return response


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if wants_html(request):
        # Starlette's default detail is the bare status phrase; our own texts read better.
        default = exc.detail in {"Not Found", "Method Not Allowed"} or not exc.detail
        return error_page(request, exc.status_code, "" if default else str(exc.detail), **headers)
    reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, reason, str(exc.detail), **headers)


async def csrf_refused(request: Request, exc: Exception) -> Response:
    if wants_html(request):
        return error_page(request, 403, CSRF_REFUSED)
    return error_response(403, "csrf_refused", CSRF_REFUSED)


async def form_too_large(request: Request, exc: Exception) -> Response:
    if wants_html(request):
        return error_page(request, 413)
    return error_response(413, "too_large", "forms are limited to 64 KiB, with a length")


async def sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse("/sign-in?" + urlencode({"next": exc.next_path}), status_code=303)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if wants_html(request):
        return error_page(request, 500)
    return error_response(
        500, "internal_error", "the server failed; the operator's log has details"
    )


exception_handlers = {
    CsrfRefused: csrf_refused,
    FormTooLarge: form_too_large,
    SignInRequired: sign_in_required,
    HTTPException: http_exception,
    Exception: server_error,
}
