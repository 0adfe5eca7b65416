"""`/password/{token}` (set a password from an invitation or reset e-mail) and `/password-reset`
("Forgot your password?").

The link's page shows a form only while the link works: an unknown link answers 404, an
expired, replaced or used one 410, each with a page saying why and what to do. Setting the
password sends the person to the sign-in page. A reset request always answers the same page,
whether or not the address is known, and is rate-limited per client address and per address
asked for (`login_limit.ResetKeys`): 429 past the limit. Pages carrying a link's secret are
never cached.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.services.errors import ServiceError
from coopfed.services.password_links import (
    REFUSALS,
    LinkRefused,
    LinkState,
    Purpose,
    check_link,
    redeem_link,
    request_reset,
)
from coopfed.web import login_limit
from coopfed.web.clientaddr import client_of
from coopfed.web.csrf import csrf_protected
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import N_, page_translator

# token_urlsafe(32) is 43 characters; anything else cannot be one of ours.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
STATUS = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410, LinkState.USED: 410}
MAX_EMAIL_FIELD = 320
TOO_MANY_RESETS = N_(
    "Too many reset requests from here or for this address. Wait %(minutes)s minutes, then try"
    " again."
)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


async def _refused(request: Request, state: LinkState) -> Response:
    context = {"message": REFUSALS[state], "state": state.value}
    response = await render(request, "password_link_refused.html", context, status=STATUS[state])
    return _no_store(response)


async def _form(
    request: Request, username: str, purpose: Purpose, error: str = "", status: int = 200
) -> Response:
    context = {"username": username, "purpose": purpose.value, "error": error}
    return _no_store(await render(request, "password_set.html", context, status=status))


async def password_page(request: Request) -> Response:
    token = request.path_params["token"]
    if not _TOKEN_SHAPE.fullmatch(token):
        return await _refused(request, LinkState.UNKNOWN)
    check = await check_link(node_of(request), token)
    if check.state is not LinkState.VALID:
        return await _refused(request, check.state)
    assert check.purpose is not None
    return await _form(request, check.username, check.purpose)


@csrf_protected
async def set_password(request: Request, form: FormData) -> Response:
    node = node_of(request)
    token = request.path_params["token"]
    if not _TOKEN_SHAPE.fullmatch(token):
        return await _refused(request, LinkState.UNKNOWN)
    password = form.get("password")
    again = form.get("password_again")
    check = await check_link(node, token)
    if check.state is not LinkState.VALID:
        return await _refused(request, check.state)
    assert check.purpose is not None
    if not isinstance(password, str) or not password:
        return await _form(
            request,
            check.username,
            check.purpose,
            (await page_translator(request)).gettext("Enter a password."),
            400,
        )
    if password != again:
        error = (await page_translator(request)).gettext(
            "The two passwords differ: type the same one twice."
        )
        return await _form(request, check.username, check.purpose, error, 400)
    try:
        await redeem_link(node, token, password)
    except LinkRefused as refused:  # used in another tab, or expired, since the check
        return await _refused(request, refused.state)
    except ServiceError as error:
        message = str(error)
        message = message[:1].upper() + message[1:] + "."
        return await _form(request, check.username, check.purpose, message, 400)
    return RedirectResponse("/sign-in?password=set", status_code=303)


async def reset_page(request: Request) -> Response:
    context = {"email": "", "error": "", "notice": "", "sent": False}
    return await render(request, "password_reset.html", context)


@csrf_protected
async def reset_request(request: Request, form: FormData) -> Response:
    node = node_of(request)
    raw = form.get("email")
    email = raw.strip()[:MAX_EMAIL_FIELD] if isinstance(raw, str) else ""
    if not email:
        context = {
            "email": "",
            "error": (await page_translator(request)).gettext("Enter your e-mail address."),
            "notice": "",
            "sent": False,
        }
        return await render(request, "password_reset.html", context, status=400)
    keys = login_limit.ResetKeys(address=client_of(request), email=email.lower())
    if await login_limit.reset_is_blocked(node, keys):
        minutes = node.settings.web.login_window_minutes
        notice = (await page_translator(request)).gettext(TOO_MANY_RESETS, minutes=minutes)
        context = {"email": email, "error": "", "notice": notice, "sent": False}
        response = await render(request, "password_reset.html", context, status=429)
        response.headers["Retry-After"] = str(login_limit.retry_after_seconds(node))
        return response
    await login_limit.note_reset_request(node, keys)
    await request_reset(node, email)
    context = {"email": email, "error": "", "notice": "", "sent": True}
    return await render(request, "password_reset.html", context)


routes = [
    Route("/password-reset", reset_page, methods=["GET"]),
    Route("/password-reset", reset_request, methods=["POST"]),
    Route("/password/{token}", password_page, methods=["GET"]),
    Route("/password/{token}", set_password, methods=["POST"]),
]
