"""Client addresses: X-Forwarded-For only counts when the peer is a trusted proxy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from coopfed.app import create_app
from coopfed.federation import inbox as pipeline
from coopfed.node import Node
from coopfed.web.clientaddr import client_address, proxy_networks
from tests.conftest import TEST_BASE_URL, make_settings


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(_request("203.0.113.5", "1.2.3.4"), []) == "203.0.113.5"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    assert client_address(_request("203.0.113.5", "1.2.3.4"), ["10.0.0.1"]) == "203.0.113.5"


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_address(_request("10.0.0.1", "198.51.100.7"), ["10.0.0.1"]) == "198.51.100.7"


def test_the_rightmost_untrusted_hop_wins_over_forged_entries() -> None:
    request = _request("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2")
    assert client_address(request, ["10.0.0.0/24"]) == "198.51.100.7"


def test_only_trusted_hops_means_the_leftmost() -> None:
    assert client_address(_request("10.0.0.1", "10.0.0.3, 10.0.0.2"), ["10.0.0.0/8"]) == "10.0.0.3"


def test_a_trusted_proxy_without_the_header_is_the_client() -> None:
    assert client_address(_request("10.0.0.1"), ["10.0.0.1"]) == "10.0.0.1"


def test_bad_entries_in_the_setting_are_ignored() -> None:
    assert [str(n) for n in proxy_networks(["proxy.local", "::1", " 10.1.0.0/16 "])] == [
        "::1/128",
        "10.1.0.0/16",
    ]


async def test_the_inbox_counts_clients_by_the_same_rule_as_the_site(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the inbox had its own rule (exact string match, last hop), so behind a
    proxy network its key-fetch limits counted other clients than sign-in and /apply."""
    settings = make_settings(database_url, tmp_path, server={"trusted_proxies": ["10.0.0.0/24"]})
    seen: list[str] = []

    async def record(node: Node, request: pipeline.InboxRequest) -> pipeline.InboxAnswer:
        seen.append(request.client)
        return pipeline.InboxAnswer(status=202)

    monkeypatch.setattr(pipeline, "receive", record)
    node = Node.from_settings(settings)
    app = create_app(settings, run_worker=False, node=node)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
    forwarded = "6.6.6.6, 198.51.100.7, 10.0.0.2"
    try:
        async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as http:
            await http.post("/inbox", content=b"{}", headers={"x-forwarded-for": forwarded})
    finally:
        await node.close()
    site_rule = client_address(_request("10.0.0.1", forwarded), ["10.0.0.0/24"])
    assert seen == [site_rule] == ["198.51.100.7"]
