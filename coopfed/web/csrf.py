"""CSRF protection for every HTML form, signed in or not (sign-in forms included).

Each browser gets a random id in an HttpOnly cookie; its form token is a MAC of that id. A
cross-site page can make the browser send the cookie but cannot read it or compute the MAC, so
it cannot forge the token. Form endpoints are wrapped in `csrf_protected`; a test walks the
routes and fails on any POST route that is neither wrapped nor an ActivityPub endpoint.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from coopfed.web.keys import WebKeys, web_keys
from coopfed.web.sessions import cookies_secure
from coopfed.web.signing import mac, macs_match

CSRF_COOKIE = "coopfed_csrf"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024
_ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

FormHandler = Callable[[Request, FormData], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class CsrfRefused(Exception):
    """A form came without a valid token: answered 403 with a readable page."""


class FormTooLarge(Exception):
    """A form body over MAX_FORM_BYTES, or of unknown length: answered 413."""


def _browser_id(request: Request) -> str | None:
    value = request.cookies.get(CSRF_COOKIE, "")
    return value if _ID_SHAPE.fullmatch(value) else None


def _token(keys: WebKeys, browser_id: str) -> str:
    return mac(keys.csrf, browser_id)


def csrf_token(request: Request, keys: WebKeys, *, renew: bool = False) -> str:
    """The token for forms on this page; mints the browser's id when it has none (or on renew).

    A newly minted id is remembered on the request; `set_csrf_cookie` sends it with the response,
    so pages without forms set no cookie.
    """
    minted: str | None = getattr(request.state, "csrf_minted", None)
    browser_id = minted or (None if renew else _browser_id(request))
    if browser_id is None:
        browser_id = secrets.token_urlsafe(32)
        request.state.csrf_minted = browser_id
    return _token(keys, browser_id)


def set_csrf_cookie(request: Request, response: Response) -> None:
    minted: str | None = getattr(request.state, "csrf_minted", None)
    if minted is None:
        return
    response.set_cookie(
        CSRF_COOKIE,
        minted,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookies_secure(request),
    )
    # A page carrying a token must not be stored by shared caches.
    response.headers["Cache-Control"] = "private, no-store"


async def checked_form(request: Request) -> FormData:
    """The submitted form, after checking its size and CSRF token; raises otherwise."""
    # Browsers always send a length with a form; without one the body could be unbounded.
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge()
    form = await request.form(max_files=0, max_fields=100, max_part_size=MAX_FORM_BYTES)
    browser_id = _browser_id(request)
    claimed = form.get(CSRF_FIELD)
    if browser_id is None or not isinstance(claimed, str):
        raise CsrfRefused()
    if not macs_match((await web_keys(request)).csrf, browser_id, claimed):
        raise CsrfRefused()
    return form


def csrf_protected(handler: FormHandler) -> Endpoint:
    """An endpoint that hands `handler` the form only when its CSRF token is right."""

    async def endpoint(request: Request) -> Response:
        return await handler(request, await checked_form(request))

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    endpoint.csrf_protected = True  # type: ignore[attr-defined]
    return endpoint


def is_csrf_protected(endpoint: object) -> bool:
    return getattr(endpoint, "csrf_protected", False) is True
