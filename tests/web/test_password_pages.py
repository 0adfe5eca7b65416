"""`/password/{token}` and `/password-reset`: a link sets a password once (404 unknown, 410
used or expired, with a page saying why), the reset answer never tells whether an address is
known, requests are rate-limited, and a reset ends every earlier session."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from coopfed.app import create_app
from coopfed.node import Node
from coopfed.services import members
from coopfed.web.auth import PASSWORD_SET
from tests.conftest import TEST_BASE_URL
from tests.support.password_links import last_link, queued
from tests.web.conftest import HTML, attempt_sign_in, form_token, sign_in

NEW = "erin's chosen password"


@pytest.fixture
async def second_client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same node (its own cookies)."""
    app = create_app(node.settings, run_worker=False, node=node)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as http:
        yield http


async def invited_erin(node: Node) -> str:
    await members.add_member(node, local_username="erin", email="erin@example.org")
    return await last_link(node)


async def set_with_link(
    client: httpx.AsyncClient, secret: str, password: str, again: str | None = None
) -> httpx.Response:
    page = await client.get(f"/password/{secret}", headers=HTML)
    assert page.status_code == 200, page.text
    form = {"csrf_token": form_token(page), "password": password,
            "password_again": password if again is None else again}  # fmt: skip
    return await client.post(f"/password/{secret}", data=form, headers=HTML)


async def test_the_invitation_link_sets_erins_password_once(
    node: Node, client: httpx.AsyncClient
) -> None:
    secret = await invited_erin(node)
    page = await client.get(f"/password/{secret}", headers=HTML)
    assert page.status_code == 200
    assert "Set your password" in page.text and "<strong>erin</strong>" in page.text
    assert page.headers["cache-control"] == "private, no-store"

    differ = await set_with_link(client, secret, NEW, again="something else entirely")
    assert differ.status_code == 400 and "The two passwords differ" in differ.text
    short = await set_with_link(client, secret, "short")
    assert short.status_code == 400 and "at least 10 characters" in short.text

    done = await set_with_link(client, secret, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?password=set"
    sign_in_page = await client.get("/sign-in?password=set", headers=HTML)
    assert PASSWORD_SET in sign_in_page.text
    await sign_in(client, "erin", NEW)
    assert "erin" in (await client.get("/me", headers=HTML)).text

    again = await client.get(f"/password/{secret}", headers=HTML)
    assert again.status_code == 410 and "already used" in again.text
    assert "/password-reset" in again.text


async def test_a_used_link_posted_again_is_refused_and_changes_nothing(
    node: Node, client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    secret = await invited_erin(node)
    stale = await client.get(f"/password/{secret}", headers=HTML)  # a form opened in a tab
    assert (await set_with_link(second_client, secret, NEW)).status_code == 303
    form = {"csrf_token": form_token(stale), "password": "an attacker's password",
            "password_again": "an attacker's password"}  # fmt: skip
    replay = await client.post(f"/password/{secret}", data=form, headers=HTML)
    assert replay.status_code == 410 and "already used" in replay.text
    assert (await attempt_sign_in(client, "erin", "an attacker's password")).status_code == 400
    await sign_in(client, "erin", NEW)


async def test_unknown_and_expired_links(node: Node, client: httpx.AsyncClient) -> None:
    for token in ("x" * 43, "short", "x" * 44):
        page = await client.get(f"/password/{token}", headers=HTML)
        assert page.status_code == 404 and "not valid" in page.text
    secret = await invited_erin(node)
    start = node.now()
    node.clock = lambda: start + timedelta(days=8)
    page = await client.get(f"/password/{secret}", headers=HTML)
    assert page.status_code == 410 and "expired" in page.text


async def test_a_form_without_its_csrf_token_is_refused(
    node: Node, client: httpx.AsyncClient
) -> None:
    secret = await invited_erin(node)
    form = {"password": NEW, "password_again": NEW}
    assert (await client.post(f"/password/{secret}", data=form, headers=HTML)).status_code == 403
    assert (await client.post("/password-reset", data={"email": "x@y.org"})).status_code == 403


async def request_reset(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    page = await client.get("/password-reset", headers=HTML)
    assert page.status_code == 200
    form = {"csrf_token": form_token(page), "email": email}
    return await client.post("/password-reset", data=form, headers={**HTML, **headers})


def answer(page: httpx.Response, email: str) -> str:
    found = re.search(r'<p role="status">(.*?)</p>', page.text, re.DOTALL)
    assert found, "no answer on the page"
    return found.group(1).replace(email, "ADDRESS")


async def test_forgot_password_is_linked_from_sign_in_and_answers_the_same_for_anyone(
    node: Node, client: httpx.AsyncClient
) -> None:
    assert 'href="/password-reset"' in (await client.get("/sign-in", headers=HTML)).text
    await set_with_link(client, await invited_erin(node), NEW)
    mails_before = len(await queued(node))
    known = await request_reset(client, "Erin@Example.org")
    unknown = await request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert answer(known, "Erin@Example.org") == answer(unknown, "nobody@example.org")
    assert "is on its way" in answer(unknown, "nobody@example.org")
    messages = await queued(node)
    sent = [(to, kind) for to, kind, _ in messages[mails_before:]]
    assert sent == [("erin@example.org", "reset")]
    empty = await request_reset(client, "  ")
    assert empty.status_code == 400 and "Enter your e-mail address" in empty.text


async def test_a_reset_sets_a_new_password_and_ends_earlier_sessions(
    node: Node, client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    await set_with_link(client, await invited_erin(node), NEW)
    await sign_in(second_client, "erin", NEW)
    assert (await second_client.get("/me", headers=HTML)).status_code == 200
    await request_reset(client, "erin@example.org")
    reset = await last_link(node)
    page = await client.get(f"/password/{reset}", headers=HTML)
    assert "Choose a new password" in page.text
    assert (await set_with_link(client, reset, "my newer password")).status_code == 303
    signed_out = await second_client.get("/me", headers=HTML)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
    assert (await attempt_sign_in(client, "erin", NEW)).status_code == 400
    await sign_in(client, "erin", "my newer password")
    reuse = await client.get(f"/password/{reset}", headers=HTML)
    assert reuse.status_code == 410


async def test_reset_requests_are_limited_per_address_asked_for_and_per_client(
    node: Node, client: httpx.AsyncClient
) -> None:
    for _ in range(5):
        assert (await request_reset(client, "nobody@example.org")).status_code == 200
    blocked = await request_reset(client, "NOBODY@example.org")
    assert blocked.status_code == 429 and "Too many reset requests" in blocked.text
    assert blocked.headers["retry-after"] == "900"
    # The same client, other addresses: the per-client count is full too.
    assert (await request_reset(client, "other@example.org")).status_code == 429
    start = node.now()
    node.clock = lambda: start + timedelta(minutes=16)
    assert (await request_reset(client, "nobody@example.org")).status_code == 200
