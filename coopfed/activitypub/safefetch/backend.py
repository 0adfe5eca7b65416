"""An httpcore network backend that vets every address at connect time.

The name is resolved here, each address is checked, and the socket is opened to the vetted
address itself, so a DNS answer that changes between a check and the connect (rebinding) cannot
slip through. TLS still verifies and sends SNI for the name: httpcore calls `start_tls` on the
returned stream with `server_hostname` taken from the URL, not from the address.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

import httpcore

from coopfed.activitypub.origin import InvalidURL, is_public_address, normalize_host
from coopfed.activitypub.safefetch.errors import FetchFailed, FetchRefused
from coopfed.activitypub.safefetch.policy import Resolver

__all__ = ["PrivateAllowList", "VettingBackend"]


class PrivateAllowList:
    """Operator-allowed "host" / "host:port" entries for hosts with non-public addresses."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._any_port: set[str] = set()
        self._with_port: set[tuple[str, int]] = set()
        for entry in entries:
            self._add(entry)

    def allows(self, host: str, port: int) -> bool:
        return host in self._any_port or (host, port) in self._with_port

    def _add(self, entry: str) -> None:
        host, port = _split_entry(entry.strip())
        if port is None:
            self._any_port.add(normalize_host(host))
        else:
            self._with_port.add((normalize_host(host), port))


def _split_entry(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port)
    return entry, None  # a name, an IPv4 address, or a bare IPv6 address


class VettingBackend(httpcore.AsyncNetworkBackend):
    """Resolves, refuses non-public addresses unless allowed, then connects to the address."""

    def __init__(
        self,
        resolver: Resolver,
        allow_private: PrivateAllowList,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        addresses = await self.vetted_addresses(host, port, timeout)
        failure: Exception | None = None
        for address in addresses:
            remaining = None if deadline is None else max(deadline - loop.time(), 0.0)
            try:
                return await self._inner.connect_tcp(
                    address, port, remaining, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # vetted_addresses never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchRefused("address", "unix sockets are never used for outbound fetches")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def vetted_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """Every address `host` resolves to, or FetchRefused if any is off-limits."""
        try:
            name = normalize_host(host)
        except InvalidURL as exc:
            raise FetchRefused("address", str(exc)) from None
        addresses = await self._resolve(name, port, timeout)
        # One non-public answer refuses the host: a mixed answer is how rebinding starts.
        blocked = [address for address in addresses if not is_public_address(address)]
        if blocked and not self._allow_private.allows(name, port):
            raise FetchRefused("address", f"{name} resolves to non-public address {blocked[0]}")
        return addresses

    async def _resolve(self, name: str, port: int, timeout: float | None) -> list[str]:
        if _is_ip_literal(name):
            return [name]
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver.resolve(name, port)
        except TimeoutError:
            raise FetchFailed("timeout", f"resolving {name} took over {timeout}s") from None
        except OSError as exc:
            raise FetchFailed("dns", f"cannot resolve {name}: {exc}") from None
        if not addresses:
            raise FetchFailed("dns", f"{name} has no addresses")
        return addresses


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
