"""Client addresses: X-Forwarded-For only counts when the peer is a trusted proxy."""

from __future__ import annotations

from starlette.requests import Request

from coopfed.web.clientaddr import client_address, proxy_networks


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
