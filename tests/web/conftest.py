"""Accounts and a signed-in helper for web tests (in-process app through httpx)."""

from __future__ import annotations

import re

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.accounts import create_local_account

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html,application/xhtml+xml"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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
