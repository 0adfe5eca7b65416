"""Accounts and a signed-in helper for web tests (in-process app through httpx)."""

from __future__ import annotations

import re

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.accounts import create_local_account
from coopfed.store.remote_actors import RemoteActor

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html,application/xhtml+xml"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
XSS_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
async def accounts(node: Node) -> None:
    """`ada` (admin) and `bea` (member), both with PASSWORD."""
    async with node.engine.begin() as conn:
        for username, is_admin in (("ada", True), ("bea", False)):
            await create_local_account(
                conn, username=username, password=PASSWORD, is_admin=is_admin, now=node.now()
            )


def form_token(page: httpx.Response) -> str:
    found = _TOKEN.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in_token(client: httpx.AsyncClient) -> str:
    page = await client.get("/sign-in", headers=HTML)
    assert page.status_code == 200
    return form_token(page)


async def attempt_sign_in(
    client: httpx.AsyncClient, username: str, password: str, **headers: str
) -> httpx.Response:
    token = await sign_in_token(client)
    form = {"csrf_token": token, "username": username, "password": password}
    return await client.post("/sign-in", data=form, headers={**HTML, **headers})


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    response = await attempt_sign_in(client, username, password)
    assert response.status_code == 303, response.text


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, **fields: str
) -> httpx.Response:
    """Open `page` for its CSRF token, then post `fields` to `page/action` as its form would."""
    shown = await client.get(page, headers=HTML)
    assert shown.status_code == 200
    form = {"csrf_token": form_token(shown), **fields}
    return await client.post(f"{page}/{action}", data=form, headers=HTML)


def remote_actor(uri: str, name: str, kind: str = "Group") -> RemoteActor:
    """A fetched remote actor `uri` (https://host/users/name) displayed as `name`."""
    host = uri.split("/")[2]
    username = uri.rsplit("/", 1)[1]
    return RemoteActor(
        uri=uri, host=host, type=kind, preferred_username=username, display_name=name,
        inbox=uri + "/inbox", shared_inbox=None, key_id=None, public_key_pem=None, document="{}",
    )  # fmt: skip
