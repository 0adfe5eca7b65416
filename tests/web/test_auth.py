"""Sign in and out: argon2 passwords, errors by the field, rate limit, safe redirects."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from coopfed.app import create_app
from coopfed.node import Node
from coopfed.web.auth import WRONG_CREDENTIALS, safe_next
from coopfed.web.sessions import SESSION_COOKIE
from tests.conftest import TEST_BASE_URL, make_settings
from tests.web.conftest import HTML, PASSWORD, attempt_sign_in, form_token, sign_in


@pytest.mark.usefixtures("accounts")
async def test_sign_in_sets_a_hardened_session_cookie(client: httpx.AsyncClient) -> None:
    response = await attempt_sign_in(client, "ada", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/me"
    session = next(
        value for value in response.headers.get_list("set-cookie") if SESSION_COOKIE in value
    )
    assert "HttpOnly" in session and "SameSite=lax" in session
    assert "Secure" not in session  # the test node's URL is http
    page = await client.get("/me", headers=HTML)
    assert page.status_code == 200 and "ada" in page.text


@pytest.mark.usefixtures("accounts")
async def test_username_is_case_insensitive(client: httpx.AsyncClient) -> None:
    assert (await attempt_sign_in(client, " Ada ", PASSWORD)).status_code == 303


@pytest.mark.usefixtures("accounts")
async def test_wrong_password_shows_the_error_next_to_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await attempt_sign_in(client, "ada", "not the password")
    assert response.status_code == 400
    assert 'aria-describedby="field-password-error"' in response.text
    assert f'id="field-password-error">{WRONG_CREDENTIALS}</p>' in response.text
    assert 'value="ada"' in response.text  # the username is kept, the password never echoed
    assert "not the password" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.usefixtures("accounts")
async def test_unknown_user_gets_the_same_answer(client: httpx.AsyncClient) -> None:
    response = await attempt_sign_in(client, "nobody", "whatever password")
    assert response.status_code == 400 and WRONG_CREDENTIALS in response.text


@pytest.mark.usefixtures("accounts")
async def test_empty_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await attempt_sign_in(client, "", "")
    assert response.status_code == 400
    assert 'id="field-username-error">Enter your username.</p>' in response.text
    assert 'id="field-password-error">Enter your password.</p>' in response.text


@pytest.mark.usefixtures("accounts")
async def test_sign_in_returns_to_the_page_asked_for(client: httpx.AsyncClient) -> None:
    first = await client.get("/admin", headers=HTML)
    assert first.status_code == 303 and first.headers["location"] == "/sign-in?next=%2Fadmin"
    page = await client.get(first.headers["location"], headers=HTML)
    assert 'name="next" value="/admin"' in page.text
    form = {"csrf_token": form_token(page), "username": "ada", "password": PASSWORD}
    response = await client.post("/sign-in", data={**form, "next": "/admin"}, headers=HTML)
    assert response.headers["location"] == "/admin"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/admin", "/admin"),
        ("//evil.example/", "/me"),
        ("/\\evil.example", "/me"),
        ("https://evil.example/", "/me"),
        ("", "/me"),
        (None, "/me"),
    ],
)
def test_next_is_never_an_open_redirect(value: object, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.usefixtures("accounts")
async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bea")
    page = await client.get("/me", headers=HTML)
    response = await client.post("/sign-out", data={"csrf_token": form_token(page)}, headers=HTML)
    assert response.status_code == 303
    assert (await client.get("/me", headers=HTML)).status_code == 303


@pytest.mark.usefixtures("accounts")
async def test_five_failures_for_a_username_then_429(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await attempt_sign_in(client, "ada", "wrong password")).status_code == 400
    blocked = await attempt_sign_in(client, "ada", PASSWORD)  # even the right one, for now
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    assert blocked.headers["retry-after"] == str(15 * 60)


@pytest.mark.usefixtures("accounts")
async def test_the_limit_is_per_address_too(client: httpx.AsyncClient) -> None:
    for number in range(5):
        await attempt_sign_in(client, f"guess{number}", "wrong password")
    assert (await attempt_sign_in(client, "bea", PASSWORD)).status_code == 429


@pytest.mark.usefixtures("accounts")
async def test_the_window_passes(client: httpx.AsyncClient, node: Node) -> None:
    for _ in range(5):
        await attempt_sign_in(client, "ada", "wrong password")
    start = node.now()
    node.clock = lambda: start + timedelta(minutes=16)
    assert (await attempt_sign_in(client, "ada", PASSWORD)).status_code == 303


async def _client_for(node: Node, trusted: list[str]) -> httpx.AsyncClient:
    settings = make_settings(
        node.settings.database_url,
        node.settings.data_path.parent,
        server={"trusted_proxies": trusted},
    )
    app = create_app(settings, run_worker=False, node=Node(settings, node.engine, node.uris))
    # ASGITransport's peer is 127.0.0.1.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=TEST_BASE_URL)


@pytest.mark.usefixtures("accounts")
async def test_forwarded_for_is_ignored_from_untrusted_peers(node: Node) -> None:
    async with await _client_for(node, []) as client:
        for number in range(5):
            spoofed = {"X-Forwarded-For": f"203.0.113.{number}"}
            await attempt_sign_in(client, f"guess{number}", "wrong password", **spoofed)
        blocked = await attempt_sign_in(client, "bea", PASSWORD, **{"X-Forwarded-For": "1.2.3.4"})
        assert blocked.status_code == 429


@pytest.mark.usefixtures("accounts")
async def test_forwarded_for_from_a_trusted_proxy_names_the_client(node: Node) -> None:
    async with await _client_for(node, ["127.0.0.1"]) as client:
        for number in range(5):
            hop = {"X-Forwarded-For": "203.0.113.7"}
            await attempt_sign_in(client, f"guess{number}", "wrong password", **hop)
        other = {"X-Forwarded-For": "198.51.100.9"}
        assert (await attempt_sign_in(client, "bea", PASSWORD, **other)).status_code == 303
