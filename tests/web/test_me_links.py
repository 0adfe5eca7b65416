"""/me's "Fediverse account" section: a code shown once, linked accounts with their host
(names escaped), unlinking; both forms need the CSRF token."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from coopfed.node import Node
from coopfed.services.account_links import redeem_code
from coopfed.services.members import add_member
from coopfed.store import remote_actors as remote_store
from coopfed.store.tables import link_codes, linked_actors
from tests.web.conftest import HTML, XSS_NAME, form_token, remote_actor, sign_in

pytestmark = pytest.mark.usefixtures("accounts")

REMOTE = "https://remote.example/users/mal"
CODE = re.compile(r'<p class="link-code"><code>([A-Z0-9]{4}-[A-Z0-9]{4})</code></p>')


async def _count(node: Node, table: str) -> int:
    chosen = {"link_codes": link_codes, "linked_actors": linked_actors}[table]
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(chosen))).scalar_one())


async def _new_code(client: httpx.AsyncClient) -> httpx.Response:
    page = await client.get("/me", headers=HTML)
    return await client.post("/me/links/code", data={"csrf_token": form_token(page)}, headers=HTML)


async def _link_remote(node: Node, code: str) -> None:
    async with node.engine.begin() as conn:
        await remote_store.upsert(conn, remote_actor(REMOTE, XSS_NAME, "Person"), now=node.now())
        assert (await redeem_code(conn, REMOTE, code, node.now())).linked


async def _bea_linked_to_remote(node: Node, client: httpx.AsyncClient) -> None:
    """`bea` becomes a member, signs in, asks for a code and links REMOTE with it."""
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    found = CODE.search((await _new_code(client)).text)
    assert found
    await _link_remote(node, found.group(1))


async def test_a_code_is_shown_once_with_the_instruction(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_member(node, local_username="bea")
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert '<h2 id="section-links">Fediverse account</h2>' in page.text
    assert "No fediverse account is linked." in page.text
    answer = await _new_code(client)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"
    found = CODE.search(answer.text)
    assert found, answer.text
    assert (
        "Send a direct message containing this code to <code>@testcoop@coop.test</code>"
        " from your fediverse account"  # {% trans %} collapses the template's line breaks
    ) in answer.text
    again = await client.get("/me", headers=HTML)
    assert found.group(1) not in again.text and "A code you asked for is valid until" in again.text
    assert await _count(node, "link_codes") == 1


async def test_linked_accounts_show_their_host_escaped_and_can_be_unlinked(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _bea_linked_to_remote(node, client)
    page = await client.get("/me", headers=HTML)
    assert "@mal@remote.example" in page.text and "&lt;script&gt;" in page.text
    assert "<script>" not in page.text and "<img" not in page.text
    row = re.search(r'name="link" value="(\d+)"', page.text)
    assert row
    refused = await client.post("/me/links/unlink", data={"link": row.group(1)}, headers=HTML)
    assert refused.status_code == 403 and await _count(node, "linked_actors") == 1
    form = {"csrf_token": form_token(page), "link": row.group(1)}
    unlinked = await client.post("/me/links/unlink", data=form, headers=HTML)
    assert unlinked.status_code == 200 and f"Unlinked <code>{REMOTE}</code>" in unlinked.text
    assert await _count(node, "linked_actors") == 0
    missing = await client.post("/me/links/unlink", data=form, headers=HTML)
    assert missing.status_code == 404 and "no such linked account" in missing.text


async def test_making_a_code_needs_the_csrf_token_and_a_session(
    node: Node, client: httpx.AsyncClient
) -> None:
    await add_member(node, local_username="bea")
    stranger = await client.post("/me/links/code", data={}, headers=HTML)
    assert stranger.status_code == 403
    await sign_in(client, "bea")
    forged = await client.post("/me/links/code", data={"csrf_token": "x" * 43}, headers=HTML)
    assert forged.status_code == 403 and await _count(node, "link_codes") == 0
    bad = await client.post(
        "/me/links/unlink",
        data={"csrf_token": form_token(await client.get("/me", headers=HTML)), "link": "x"},
        headers=HTML,
    )
    assert bad.status_code == 400 and "no linked account chosen" in bad.text


async def test_an_account_without_membership_has_no_section(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    assert "Fediverse account" not in page.text
    answer = await client.post(
        "/me/links/code", data={"csrf_token": form_token(page)}, headers=HTML
    )
    assert answer.status_code == 404 and "you are not a member" in answer.text


async def test_admins_see_linked_accounts_in_the_member_list(
    node: Node, client: httpx.AsyncClient
) -> None:
    await _bea_linked_to_remote(node, client)
    client.cookies.clear()  # signed out
    await sign_in(client, "ada")
    page = await client.get("/admin/members", headers=HTML)
    assert page.status_code == 200
    assert "Linked: &lt;script&gt;" in page.text and "(@mal@remote.example)" in page.text
    assert "<script>" not in page.text
