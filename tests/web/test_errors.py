"""Errors: HTML pages for browsers, JSON for servers and scripts, never a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.app import create_app
from coopfed.node import Node
from tests.conftest import TEST_BASE_URL
from tests.web.conftest import HTML


async def test_404_is_a_page_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text


async def test_404_is_json_for_scripts_and_servers(client: httpx.AsyncClient) -> None:
    for accept in ("application/json", "application/activity+json", "*/*"):
        response = await client.get("/no/such/page", headers={"Accept": accept})
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "Not Found"}


async def test_405_is_a_page_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.put("/sign-in", headers=HTML)
    assert response.status_code == 405
    assert "<h1>Not allowed here</h1>" in response.text


@pytest.fixture
async def failing_client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    async def boom(request: Request) -> Response:
        raise RuntimeError("secret internals /etc/passwd")

    app = create_app(node.settings, run_worker=False, node=node)
    app.router.routes.append(Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as client:
        yield client


async def test_500_is_a_page_without_a_stack_trace(
    failing_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await failing_client.get("/boom", headers=HTML)
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "secret internals" in caplog.text  # the operator's log has it


async def test_500_is_json_for_scripts(failing_client: httpx.AsyncClient) -> None:
    response = await failing_client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.json()["error"] == "internal_error"
