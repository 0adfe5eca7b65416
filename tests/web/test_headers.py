"""Security headers on pages, static files, JSON and errors alike."""

from __future__ import annotations

import httpx

from coopfed.web.headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import HTML


async def test_every_kind_of_response_is_hardened(client: httpx.AsyncClient) -> None:
    for path in ("/", "/sign-in", "/static/site.css", "/healthz", "/nowhere"):
        response = await client.get(path, headers=HTML)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers  # http node


def test_the_policy_allows_no_script_and_no_framing() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
