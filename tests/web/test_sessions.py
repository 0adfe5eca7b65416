"""Session cookies: signed, bounded in time, ended by a password change, valid in every process."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from coopfed.app import create_app
from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import member_lifecycle, members
from coopfed.services.accounts import hash_password
from coopfed.store import actors as actor_store
from coopfed.store.tables import accounts, local_actors
from coopfed.web.sessions import SESSION_COOKIE
from tests.conftest import TEST_BASE_URL, make_settings
from tests.web.conftest import HTML, form_token, sign_in

pytestmark = pytest.mark.usefixtures("accounts")


async def _me(client: httpx.AsyncClient) -> int:
    return (await client.get("/me", headers=HTML)).status_code


async def test_a_tampered_cookie_is_no_session(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    value = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, value.replace("bea.", "ada.", 1), domain="coop.test")
    assert await _me(client) == 303


async def test_garbage_cookies_are_ignored(client: httpx.AsyncClient) -> None:
    for junk in ("", "x", "ada.1.2.3", "a" * 5000, "ada.99999999999.abc." + "A" * 43):
        client.cookies.set(SESSION_COOKIE, junk, domain="coop.test")
        assert await _me(client) == 303, junk


async def test_sessions_expire(client: httpx.AsyncClient, node: Node) -> None:
    await sign_in(client, "bea")
    start = node.now()
    node.clock = lambda: start + timedelta(days=13)
    assert await _me(client) == 200
    node.clock = lambda: start + timedelta(days=14, minutes=1)
    assert await _me(client) == 303


async def test_a_password_change_ends_sessions(client: httpx.AsyncClient, node: Node) -> None:
    await sign_in(client, "bea")
    assert await _me(client) == 200
    actor_id = accounts.c.actor_id.in_(
        local_actors.select()
        .with_only_columns(local_actors.c.id)
        .where(local_actors.c.username == "bea")
    )
    async with node.engine.begin() as conn:
        await conn.execute(
            update(accounts).where(actor_id).values(password_hash=hash_password("new password!"))
        )
    assert await _me(client) == 303


async def test_another_process_accepts_the_session(client: httpx.AsyncClient, node: Node) -> None:
    """Two apps (as two web processes) on one database load the same stored key."""
    await sign_in(client, "bea")
    other_node = Node.from_settings(node.settings)
    try:
        app = create_app(node.settings, run_worker=False, node=other_node)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as other:
            other.cookies = client.cookies
            assert await _me(other) == 200
    finally:
        await other_node.close()


async def test_https_nodes_mark_cookies_secure(node: Node) -> None:
    settings = make_settings(
        node.settings.database_url,
        node.settings.data_path.parent,
        server={"url": "https://coop.test"},
    )
    app = create_app(settings, run_worker=False, node=Node(settings, node.engine, node.uris))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://coop.test") as client:
        page = await client.get("/sign-in", headers=HTML)
        assert "Secure" in page.headers["set-cookie"]
        assert "max-age=31536000" in page.headers["strict-transport-security"]
        response = await client.post(
            "/sign-in",
            data={
                "csrf_token": page.text.split('name="csrf_token" value="')[1].split('"')[0],
                "username": "bea",
                "password": "correct horse battery",
            },
            headers=HTML,
        )
        cookies = response.headers.get_list("set-cookie")
        assert all("Secure" in cookie for cookie in cookies) and len(cookies) == 2


async def _generation(node: Node, username: str) -> int:
    async with node.engine.connect() as conn:
        account = await actor_store.get_account(conn, username)
    assert account is not None
    return account.session_generation


async def _with_cookie(client: httpx.AsyncClient, value: str) -> httpx.Response:
    client.cookies.set(SESSION_COOKIE, value, domain="coop.test")
    return await client.get("/me", headers=HTML)


def _sent_to_sign_in(page: httpx.Response) -> bool:
    return page.status_code == 303 and page.headers["location"].startswith("/sign-in")


async def test_a_cookie_copied_before_sign_out_opens_nothing_after(
    client: httpx.AsyncClient, node: Node
) -> None:
    """Issue 13, hole 6: sign-out used to delete only this browser's cookie; a copy (another
    browser, a stolen cookie) still opened /me until it expired."""
    await sign_in(client, "bea")
    copied = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    await sign_in(client, "ada")
    other_account = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, copied, domain="coop.test")
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200 and "bea" in page.text
    out = await client.post("/sign-out", data={"csrf_token": form_token(page)}, headers=HTML)
    assert out.status_code == 303
    assert await _generation(node, "bea") == 1 and await _generation(node, "ada") == 0
    assert _sent_to_sign_in(await _with_cookie(client, copied))
    assert (await _with_cookie(client, other_account)).status_code == 200  # not ada's sessions
    client.cookies.clear()
    await sign_in(client, "bea")  # a fresh sign-in works, the old copy still does not
    assert await _me(client) == 200
    assert _sent_to_sign_in(await _with_cookie(client, copied))


@pytest.mark.parametrize(
    ("status", "how"),
    [
        (MemberStatus.SUSPENDED, "end_membership"),
        (MemberStatus.EXPELLED, "end_membership"),
        (MemberStatus.LEFT, "end_membership"),
        (MemberStatus.SUSPENDED, "change_status"),
    ],
)
async def test_suspension_or_end_of_membership_ends_the_members_sessions(
    client: httpx.AsyncClient, node: Node, status: MemberStatus, how: str
) -> None:
    record = await members.add_member(node, local_username="bea")
    await sign_in(client, "bea")
    copied = client.cookies[SESSION_COOKIE]
    assert await _me(client) == 200
    if how == "end_membership":
        await member_lifecycle.end_membership(
            node, record.member_id, status, reason="decided by the assembly", decided_by="ada"
        )
    else:
        await members.change_status(node, record.member_id, status)
    assert await _generation(node, "bea") == 1
    assert _sent_to_sign_in(await _with_cookie(client, copied))
    client.cookies.clear()
    await sign_in(client, "bea")  # the account remains: signing in again works
    assert await _me(client) == 200
