"""What an outbound fetch may do (docs/threats.md SSRF-1 to SSRF-4), and how names resolve."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Protocol

__all__ = ["FetchPolicy", "Resolver", "SystemResolver"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of one fetcher.

    allow_private: "host" or "host:port" entries ("[::1]:8080" for IPv6 literals) that may
        resolve to non-public addresses; meant for tests and operator-declared local peers.
    our_origins: our own origins ("https://coop.example"); never fetched, even via redirect.
        Compared by origin (scheme, host, port), so two nodes on 127.0.0.1 can still talk.
    """

    allow_private: frozenset[str] = frozenset()
    allow_http: bool = False
    max_bytes: int = MIB
    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    max_redirects: int = 3
    our_origins: frozenset[str] = frozenset()
    user_agent: str = "coopfed/0.1"


class Resolver(Protocol):
    """Turns a host name into IP address strings; the fetcher vets each one before connecting."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver, via the running event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[str] = []
        for *_, sockaddr in infos:
            address = str(sockaddr[0])
            if address not in addresses:
                addresses.append(address)
        return addresses
