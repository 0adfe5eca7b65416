"""The address of the person behind a request, trusting X-Forwarded-For only from our proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

from coopfed.web.state import node_of

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(trusted: Iterable[str]) -> list[IPNetwork]:
    """`server.trusted_proxies` entries: single addresses or networks (10.0.0.0/8)."""
    networks: list[IPNetwork] = []
    for entry in trusted:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # not an address: it can never match a peer
    return networks


def _is_trusted(address: str, networks: list[IPNetwork]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: Request, trusted: Iterable[str]) -> str:
    """The peer address; behind trusted proxies, the right-most untrusted X-Forwarded-For hop.

    Each proxy appends the address it saw, so entries left of the last trusted hop were written
    by the client and can be forged: we walk from the right and stop at the first stranger.
    """
    peer = request.client.host if request.client else "unknown"
    networks = proxy_networks(trusted)
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    address = peer
    for hop in reversed([hop for hop in hops if hop]):
        address = hop
        if not _is_trusted(hop, networks):
            break
    return address


def client_of(request: Request) -> str:
    """The client address by the node's `server.trusted_proxies`: the one rule for the whole
    site (sign-in and /apply limits, signed GETs, the inbox's key-fetch limits)."""
    return client_address(request, node_of(request).settings.server.trusted_proxies)
