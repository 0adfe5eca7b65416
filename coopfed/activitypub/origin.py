"""URL origins and address classification (docs/protocol.md "Origin rules", docs/threats.md SSRF-1).

Origins are computed with httpx's URL parser, the same one the fetcher sends with, so a host
that compares equal here is the host that is actually contacted (IDN to punycode included).
"""

from __future__ import annotations

import functools
import ipaddress
import re

import httpx

__all__ = [
    "DEFAULT_PORTS",
    "InvalidURL",
    "is_public_address",
    "normalize_host",
    "origin_of",
    "same_origin",
]

DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Letters, digits, hyphen; underscore too because some real fediverse hosts use it.
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")

# Anything that would change how a URL built around the host is split.
_NOT_HOST_CHARS = re.compile(r"[/?#@:\[\]\\%\s]")

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IPv4 ranges that are never a remote peer (RFC 6890 special-purpose registry, plus multicast).
_BLOCKED_V4 = tuple(
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network", includes unspecified 0.0.0.0
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast
    )
)

# Only 2000::/3 is global unicast; inside it these are special-purpose.
_GLOBAL_UNICAST_V6 = _V6("2000::/3")
_BLOCKED_V6 = tuple(
    _V6(net)
    for net in (
        "2001::/23",  # IETF protocol assignments, includes Teredo (embeds an obfuscated IPv4)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4 (embeds an IPv4, deprecated)
        "3fff::/20",  # documentation
    )
)
# Forms that carry an IPv4 address: judged by that address. IPv4-compatible (::a.b.c.d, ::/96)
# is deprecated and lies outside 2000::/3, so it is refused outright along with :: and ::1.
_MAPPED_V6 = _V6("::ffff:0:0/96")
_TRANSLATED_V6 = _V6("::ffff:0:0:0/96")  # SIIT
_NAT64_V6 = _V6("64:ff9b::/96")  # NAT64 well-known prefix (64:ff9b:1::/48 is local: refused)


class InvalidURL(ValueError):
    """Not an absolute http(s) URL with a usable host."""


def normalize_host(host: str) -> str:
    """Lowercase, drop one trailing dot, IDN to punycode; IPv6 compressed without brackets.

    Raises InvalidURL for anything that is not a DNS name or an IP literal.
    """
    candidate = host.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    address = _parse_address(candidate)
    if address is not None:
        return address.compressed
    if candidate.endswith("."):
        candidate = candidate[:-1]
    if _NOT_HOST_CHARS.search(candidate):
        raise InvalidURL(f"bad host {host!r}")
    try:
        ascii_host = httpx.URL(f"http://{candidate}/").raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise InvalidURL(f"bad host {host!r}") from exc
    if not _is_dns_name(ascii_host):
        raise InvalidURL(f"bad host {host!r}")
    return ascii_host


def origin_of(url: str | httpx.URL) -> str:
    """`scheme://host[:port]` with the host normalized and the scheme's default port dropped."""
    if isinstance(url, str):
        return _origin_of_text(url)
    return _origin_of_url(url)


# An inbox POST asks for the origin of the same few strings (actor, id, object, key id) six or
# more times, and each httpx parse is tens of µs: 6% of the PostgreSQL inbox's CPU. Refusals
# (InvalidURL) are not cached; the cache is bounded, so made-up URLs only evict.
@functools.lru_cache(maxsize=4096)
def _origin_of_text(url: str) -> str:
    return _origin_of_url(url)


def _origin_of_url(url: str | httpx.URL) -> str:
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidURL(f"unparseable URL {url!r}") from exc
    scheme = parsed.scheme
    if scheme not in DEFAULT_PORTS or not parsed.raw_host:
        raise InvalidURL(f"not an absolute http(s) URL: {url!r}")
    host = normalize_host(parsed.raw_host.decode("ascii"))
    shown_host = f"[{host}]" if ":" in host else host
    port = parsed.port
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown_host}"
    return f"{scheme}://{shown_host}:{port}"


def same_origin(a: str | httpx.URL, b: str | httpx.URL) -> bool:
    """True only when both are valid http(s) URLs with the same origin."""
    try:
        return origin_of(a) == origin_of(b)
    except InvalidURL:
        return False


def is_public_address(ip: str | IPAddress) -> bool:
    """True if `ip` is a globally routable unicast address we may connect to.

    Unparseable strings are not public. IPv6 zone ids (fe80::1%eth0) are link-local anyway.
    """
    address = ip if isinstance(ip, IPAddress) else _parse_address(ip)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public_v4(address)
    return _is_public_v6(address)


def _is_public_v4(address: ipaddress.IPv4Address) -> bool:
    return not any(address in net for net in _BLOCKED_V4)


def _is_public_v6(address: ipaddress.IPv6Address) -> bool:
    embedded = _embedded_v4(address)
    if embedded is not None:
        return _is_public_v4(embedded)
    if address not in _GLOBAL_UNICAST_V6:
        return False
    return not any(address in net for net in _BLOCKED_V6)


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if any(address in net for net in (_MAPPED_V6, _TRANSLATED_V6, _NAT64_V6)):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_dns_name(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    return all(_LABEL.fullmatch(label) for label in host.split("."))
