"""CSRF: every POST form carries a token bound to the browser; anything else is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.routing import Route

from coopfed.app import create_app
from coopfed.settings import Settings
from coopfed.web.csrf import CSRF_COOKIE, is_csrf_protected
from tests.web.conftest import HTML, PASSWORD, form_token, sign_in, sign_in_token

pytestmark = pytest.mark.usefixtures("accounts")

REFUSED = "did not come from this site"


async def test_sign_in_without_a_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/sign-in", headers=HTML)
    response = await client.post(
        "/sign-in", data={"username": "ada", "password": PASSWORD}, headers=HTML
    )
    assert response.status_code == 403
    assert REFUSED in response.text and "<h1>" in response.text


async def test_a_wrong_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/sign-in", headers=HTML)
    form = {"csrf_token": "A" * 43, "username": "ada", "password": PASSWORD}
    assert (await client.post("/sign-in", data=form, headers=HTML)).status_code == 403


async def test_a_token_without_its_cookie_is_refused(client: httpx.AsyncClient) -> None:
    token = await sign_in_token(client)
    client.cookies.delete(CSRF_COOKIE)
    form = {"csrf_token": token, "username": "ada", "password": PASSWORD}
    assert (await client.post("/sign-in", data=form, headers=HTML)).status_code == 403


async def test_another_browsers_token_is_refused(client: httpx.AsyncClient) -> None:
    token = await sign_in_token(client)
    client.cookies.clear()
    await client.get("/sign-in", headers=HTML)  # a new browser id
    form = {"csrf_token": token, "username": "ada", "password": PASSWORD}
    assert (await client.post("/sign-in", data=form, headers=HTML)).status_code == 403


async def test_sign_out_needs_the_token(client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada")
    assert (await client.post("/sign-out", data={}, headers=HTML)).status_code == 403
    assert (await client.get("/me", headers=HTML)).status_code == 200


async def test_tokens_from_before_sign_in_die_with_it(client: httpx.AsyncClient) -> None:
    old_token = await sign_in_token(client)
    await sign_in(client, "ada")
    refused = await client.post("/sign-out", data={"csrf_token": old_token}, headers=HTML)
    assert refused.status_code == 403
    page = await client.get("/me", headers=HTML)
    ok = await client.post("/sign-out", data={"csrf_token": form_token(page)}, headers=HTML)
    assert ok.status_code == 303


async def test_scripts_get_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/sign-out", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.json()["error"] == "csrf_refused"


async def test_forms_without_a_length_or_too_large_are_refused(
    client: httpx.AsyncClient,
) -> None:
    token = await sign_in_token(client)
    big = {"csrf_token": token, "username": "ada", "password": "x" * 70_000}
    assert (await client.post("/sign-in", data=big, headers=HTML)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield f"csrf_token={token}&username=ada&password=x".encode()

    chunked = await client.post(
        "/sign-in",
        content=chunks(),
        headers={**HTML, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413


def test_every_post_route_is_csrf_protected_or_activitypub(settings: Settings) -> None:
    """A guard for forms added later: wrap them in `csrf_protected`."""
    app = create_app(settings, run_worker=False)
    unprotected = [
        route.path
        for route in app.routes
        if isinstance(route, Route)
        and "POST" in (route.methods or set())
        and not is_csrf_protected(route.endpoint)
        and not route.path.endswith("/inbox")  # ActivityPub: signed by servers, not forms
        # RFC 8058 one-click unsubscribe: posted by mail providers; its token is the credential
        and route.path != "/unsubscribe/{token}"
    ]
    assert unprotected == []
