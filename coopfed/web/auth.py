"""Sign in and sign out (argon2 passwords, signed session cookies, rate-limited)."""

from __future__ import annotations

import asyncio
import functools

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.services import accounts
from coopfed.services.accounts import hash_password, password_matches
from coopfed.store import actors as actor_store
from coopfed.web import login_limit
from coopfed.web.clientaddr import client_of
from coopfed.web.csrf import csrf_protected, csrf_token, set_csrf_cookie
from coopfed.web.keys import web_keys
from coopfed.web.sessions import current_viewer, end_session, start_session
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import N_, page_translator

WRONG_CREDENTIALS = N_("The username or password is not right.")
PASSWORD_SET = N_("Your password is set: sign in with your username and the new password.")
TOO_MANY_TRIES = N_(
    "Too many failed sign-ins from here or for this username. "
    "Wait %(minutes)s minutes, then try again."
)


def safe_next(value: object) -> str:
    """Only a path on this site: `//evil.example` or `https://…` would be an open redirect."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/me"


@functools.cache
def _decoy_hash() -> str:
    return hash_password("decoy password, never anyone's")


def _password_ok(account: actor_store.Account | None, password: str) -> bool:
    # Unknown usernames cost an argon2 check too, so timing does not reveal who has an account.
    if account is None:
        password_matches(_decoy_hash(), password)
        return False
    return password_matches(account.password_hash, password)


async def sign_in_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if await current_viewer(request) is not None:
        return RedirectResponse(next_path, status_code=303)
    password_set = request.query_params.get("password") == "set"
    done = (await page_translator(request)).gettext(PASSWORD_SET) if password_set else ""
    context = {"next_path": next_path, "username": "", "errors": {}, "notice": "", "done": done}
    return await render(request, "sign_in.html", context)


async def _form_again(
    request: Request, username: str, next_path: str, errors: dict[str, str], status: int, **kw: str
) -> Response:
    context = {"next_path": next_path, "username": username, "errors": errors, "notice": ""}
    context.update(kw)
    return await render(request, "sign_in.html", context, status=status)


async def sign_in(request: Request, form: FormData) -> Response:
    node = node_of(request)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    next_path = safe_next(form.get("next"))
    tr = await page_translator(request)
    errors = {}
    if not username:
        errors["username"] = tr.gettext("Enter your username.")
    if not password:
        errors["password"] = tr.gettext("Enter your password.")
    if errors:
        return await _form_again(request, username, next_path, errors, 400)
    address = client_of(request)
    keys = login_limit.LoginKeys(address=address, username=username)
    if await login_limit.is_blocked(node, keys):
        notice = tr.gettext(TOO_MANY_TRIES, minutes=node.settings.web.login_window_minutes)
        retry = str(login_limit.retry_after_seconds(node))
        response = await _form_again(request, username, next_path, {}, 429, notice=notice)
        response.headers["Retry-After"] = retry
        return response
    async with node.engine.connect() as conn:
        account = await actor_store.get_account(conn, username)
    if not await asyncio.to_thread(_password_ok, account, password):
        await login_limit.note_failure(node, keys)
        errors = {"password": tr.gettext(WRONG_CREDENTIALS)}
        return await _form_again(request, username, next_path, errors, 400)
    await login_limit.note_success(node, keys)
    response = RedirectResponse(next_path, status_code=303)
    web = await web_keys(request)
    assert account is not None  # _password_ok is False without an account
    start_session(request, response, web, account)
    csrf_token(request, web, renew=True)  # a new browser id: tokens seen before sign-in die
    set_csrf_cookie(request, response)
    return response


async def sign_out(request: Request, form: FormData) -> Response:
    viewer = await current_viewer(request)
    if viewer is not None:  # every copy of this cookie (and the account's others) ends too
        await accounts.sign_out(node_of(request), viewer.account_id)
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


routes = [
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", csrf_protected(sign_in), methods=["POST"]),
    Route("/sign-out", csrf_protected(sign_out), methods=["POST"]),
]
