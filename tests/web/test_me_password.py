"""The "Password" section of /me: the current password is required, the change ends every
other session and keeps this browser signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from coopfed.app import create_app
from coopfed.node import Node
from tests.conftest import TEST_BASE_URL
from tests.web.conftest import (
    HTML,
    PASSWORD,
    attempt_sign_in,
    post_form,
    sign_in,
    sign_in_token,
)

pytestmark = pytest.mark.usefixtures("accounts")
NEW = "bea's newer password"


@pytest.fixture
async def other_browser(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(node.settings, run_worker=False, node=node)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as http:
        yield http


async def change(client: httpx.AsyncClient, current: str, new: str, again: str) -> httpx.Response:
    return await post_form(client, "/me", "password", current=current, password=new,
                           password_again=again)  # fmt: skip


async def test_the_section_is_on_me(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert 'id="section-password"' in page.text and 'action="/me/password"' in page.text


async def test_refusals_say_why_and_change_nothing(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient
) -> None:
    await sign_in(client, "bea")
    wrong = await change(client, "not my password", NEW, NEW)
    assert wrong.status_code == 400 and "The current password is not right." in wrong.text
    differ = await change(client, PASSWORD, NEW, "something else")
    assert differ.status_code == 400 and "The two new passwords differ" in differ.text
    short = await change(client, PASSWORD, "short", "short")
    assert short.status_code == 400 and "at least 10 characters" in short.text
    empty = await change(client, "", "", "")
    assert empty.status_code == 400 and "Enter both passwords." in empty.text
    assert (await client.get("/me", headers=HTML)).status_code == 200
    await sign_in(other_browser, "bea", PASSWORD)


async def test_a_change_ends_other_sessions_and_keeps_this_one(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient
) -> None:
    await sign_in(client, "bea")
    await sign_in(other_browser, "bea")
    done = await change(client, PASSWORD, NEW, NEW)
    assert done.status_code == 200 and "Your password is changed." in done.text
    assert (await client.get("/me", headers=HTML)).status_code == 200
    assert (await other_browser.get("/me", headers=HTML)).status_code == 303
    assert (await attempt_sign_in(other_browser, "bea", PASSWORD)).status_code == 400
    await sign_in(other_browser, "bea", NEW)


async def test_signed_out_posts_go_to_sign_in(client: httpx.AsyncClient) -> None:
    token = await sign_in_token(client)
    form = {"csrf_token": token, "current": PASSWORD, "password": NEW, "password_again": NEW}
    answer = await client.post("/me/password", data=form, headers=HTML)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    await sign_in(client, "bea", PASSWORD)
