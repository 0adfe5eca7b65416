"""Origins, host normalization and public-address classification."""

from __future__ import annotations

import ipaddress

import pytest

from coopfed.activitypub.origin import (
    InvalidURL,
    is_public_address,
    normalize_host,
    origin_of,
    same_origin,
)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://example.com/users/a", "https://example.com"),
        ("HTTPS://EXAMPLE.COM:443/x?y#z", "https://example.com"),
        ("https://example.com.:8443/", "https://example.com:8443"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:443", "http://example.com:443"),
        ("https://example.com:80/", "https://example.com:80"),
        ("https://Bücher.Example/", "https://xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example"),
        ("https://[::1]:8443/a", "https://[::1]:8443"),
        ("https://[0:0:0:0:0:0:0:1]/", "https://[::1]"),
        ("https://127.0.0.1/", "https://127.0.0.1"),
        ("https://user:pw@example.com/", "https://example.com"),
        ("https://my_host.example/", "https://my_host.example"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "mailto:a@example.com",
        "/relative/path",
        "https:///no-host",
        "https://exa mple.com/",
        "https://-bad.example/",
        "https://a..b/",
        "not a url at all",
    ],
)
def test_origin_of_rejects_non_http_or_hostless(url: str) -> None:
    with pytest.raises(InvalidURL):
        origin_of(url)


def test_same_origin() -> None:
    assert same_origin("https://A.example/x", "https://a.example.:443/y")
    assert same_origin("https://bücher.example/a", "https://xn--bcher-kva.example/b")
    assert not same_origin("https://a.example/", "http://a.example/")
    assert not same_origin("https://a.example/", "https://a.example:8443/")
    assert not same_origin("https://a.example/", "https://b.a.example/")
    assert not same_origin("https://a.example/", "ftp://a.example/")
    assert not same_origin("garbage", "garbage")


@pytest.mark.parametrize(
    ("host", "normalized"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        (" example.com ", "example.com"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("[::FFFF:127.0.0.1]", "::ffff:7f00:1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("192.0.2.1", "192.0.2.1"),
    ],
)
def test_normalize_host(host: str, normalized: str) -> None:
    assert normalize_host(host) == normalized


@pytest.mark.parametrize(
    "host", ["", ".", "a/b", "a@b", "a:b", "a b", "a%2fb", "-x.example", "x" * 64 + ".example"]
)
def test_normalize_host_rejects_non_hosts(host: str) -> None:
    with pytest.raises(InvalidURL):
        normalize_host(host)


NOT_PUBLIC = [
    # IPv4 from docs/threats.md SSRF-1 and the special-purpose registry
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "0.0.0.0",
    "0.1.2.3",
    "192.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "2001::1",  # Teredo
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "3fff::1",
    "100::1",
    "64:ff9b:1::a00:1",  # local-use NAT64
    # IPv4 inside IPv6
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::ffff:0:10.0.0.1",  # SIIT translated
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",  # IPv4-compatible is refused outright (deprecated)
    "64:ff9b::127.0.0.1",  # NAT64 well-known prefix
    "64:ff9b::10.0.0.1",
    "64:ff9b::169.254.169.254",
    # not addresses
    "",
    "localhost",
    "example.com",
    "1.2.3",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a01:4f8::1",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "[2606:4700::1]",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_public_address(address)


def test_address_objects_are_accepted() -> None:
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))
    assert not is_public_address(ipaddress.ip_address("::ffff:192.168.1.1"))
