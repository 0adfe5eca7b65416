"""Signed session cookies for local members, and who is looking at a page.

The cookie holds `username.issued.tag.mac`: no server-side row, so every web process accepts it.
`tag` is a MAC of the account's password hash and session generation, checked on every request:
changing the password, or raising the generation (`services.accounts.end_sessions`: sign-out,
a membership ended or suspended), ends every session issued before, copies of the cookie
included; `issued` bounds a session's life to `web.session_days`. The cookie is HttpOnly,
SameSite=Lax, and Secure when the node's public URL is https.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from coopfed.i18n import N_
from coopfed.store import actors as actor_store
from coopfed.store import members as member_store
from coopfed.web.keys import WebKeys, web_keys
from coopfed.web.signing import mac, macs_match
from coopfed.web.state import node_of

SESSION_COOKIE = "coopfed_session"
_COOKIE_SHAPE = re.compile(
    r"^([a-z0-9_]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$"
)


def macs_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Viewer:
    """The signed-in person behind a request. Membership (class, shares) joins here later."""

    username: str
    is_admin: bool
    account_id: int
    actor_id: int
    language: str | None = None  # the member's own choice of language (None: no choice)


class SignInRequired(Exception):
    """Raised by `require_member`; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def cookies_secure(request: Request) -> bool:
    return node_of(request).settings.base_url.startswith("https://")


def _account_tag(keys: WebKeys, account: actor_store.Account) -> str:
    """What ties a cookie to the account as it is now (generation 0 signs as before 0019, so
    sessions begun before that upgrade stay valid)."""
    signed = "password:" + account.password_hash
    if account.session_generation:
        signed += f"\ngeneration:{account.session_generation}"
    return mac(keys.session, signed)[:22]


def session_value(keys: WebKeys, account: actor_store.Account, issued: datetime) -> str:
    body = f"{account.username}.{int(issued.timestamp())}.{_account_tag(keys, account)}"
    return f"{body}.{mac(keys.session, body)}"


def start_session(
    request: Request, response: Response, keys: WebKeys, account: actor_store.Account
) -> None:
    node = node_of(request)
    response.set_cookie(
        SESSION_COOKIE,
        session_value(keys, account, node.now()),
        max_age=node.settings.web.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookies_secure(request),
    )


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookies_secure(request)
    )


async def _viewer_from_cookie(request: Request, value: str) -> Viewer | None:
    match = _COOKIE_SHAPE.fullmatch(value)
    if match is None:
        return None
    username, issued, tag, claimed = match.groups()
    keys = await web_keys(request)
    if not macs_match(keys.session, f"{username}.{issued}.{tag}", claimed):
        return None
    node = node_of(request)
    age = node.now().timestamp() - int(issued)
    if not 0 <= age <= node.settings.web.session_days * 86400:
        return None
    async with node.engine.connect() as conn:
        account = await actor_store.get_account(conn, username)
        # Read with the account, on its connection: every signed-in page needs the language.
        language = await member_store.language_of_actor(conn, node.uris.actor(username))
    if account is None or not macs_equal(_account_tag(keys, account), tag):
        return None  # account gone, its password changed or its sessions ended since
    return Viewer(account.username, account.is_admin, account.id, account.actor_id, language)


async def current_viewer(request: Request) -> Viewer | None:
    """The signed-in person, or None; looked up once per request."""
    if "viewer" in request.scope.get("state", {}):
        cached: Viewer | None = request.state.viewer
        return cached
    value = request.cookies.get(SESSION_COOKIE)
    viewer = await _viewer_from_cookie(request, value) if value else None
    request.state.viewer = viewer
    return viewer


async def require_member(request: Request) -> Viewer:
    """The signed-in person; anyone else is sent to the sign-in page and back here after."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise SignInRequired(request.url.path)
    return viewer


async def require_admin(request: Request) -> Viewer:
    viewer = await require_member(request)
    if not viewer.is_admin:
        raise HTTPException(403, N_("This page is for the co-op's admins."))
    return viewer
