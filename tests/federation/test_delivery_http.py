"""Delivery POSTs on httpcore directly: the signed headers verify, replies map to results."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from coopfed.activitypub.httpsig import CavageSigner, PublicKeyRecord, verify_request
from coopfed.federation.delivery_http import _PLAIN_URL, parse_target, rsa_signer, signed_headers

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_ID = "http://coop.test/actors/coop#main-key"


class Keys:
    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        return PublicKeyRecord(key_id, "http://coop.test/actors/coop", KEY.public_key())


async def test_signed_headers_verify_with_our_own_verifier() -> None:
    signer = CavageSigner(KEY_ID, KEY, clock=lambda: NOW)
    for url in ("http://127.0.0.2:8080/users/a/inbox", "https://b.test/inbox?x=1&y=%20"):
        body = b'{"type":"Create"}'
        raw = signed_headers(signer, parse_target(url), body, b"coopfed/test")
        headers = {name.decode(): value.decode() for name, value in raw}
        assert headers["Content-Length"] == str(len(body))
        assert "digest" in headers["Signature"]
        verified = await verify_request("POST", url, headers, body, Keys(), NOW)
        assert verified.key_id == KEY_ID


async def test_a_cached_digest_still_follows_the_body() -> None:
    signer = CavageSigner(KEY_ID, KEY, clock=lambda: NOW)
    url = parse_target("http://127.0.0.2/inbox")
    first = dict(signed_headers(signer, url, b'{"n":1}', b"ua"))
    again = dict(signed_headers(signer, url, b'{"n":1}', b"ua"))
    other = dict(signed_headers(signer, url, b'{"n":2}', b"ua"))
    assert first[b"Digest"] == again[b"Digest"] != other[b"Digest"]


def test_the_senders_key_is_parsed_once_across_runs() -> None:
    pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    first = rsa_signer(KEY_ID, pem, lambda: NOW)
    second = rsa_signer(KEY_ID, pem, lambda: NOW)  # the next delivery run
    assert first.private_key is second.private_key
    assert first.private_key.private_numbers() == KEY.private_numbers()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rotated = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert rsa_signer(KEY_ID, rotated, lambda: NOW).private_key.public_key().public_numbers() == (
        other.public_key().public_numbers()
    )


def _as_httpx(url: str) -> tuple[str, str, int | None, str, str]:
    parsed = httpx.URL(url)
    return (
        parsed.scheme,
        parsed.raw_host.decode(),
        parsed.port,
        parsed.raw_path.decode(),
        parsed.netloc.decode(),
    )


def _as_target(url: str) -> tuple[str, str, int | None, str, str]:
    target = parse_target(url)
    return (target.scheme, target.host, target.port, target.target, target.netloc)


@given(st.from_regex(_PLAIN_URL, fullmatch=True))
def test_the_plain_url_fast_path_agrees_with_httpx(url: str) -> None:
    try:
        expected = _as_httpx(url)
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            parse_target(url)
        return
    assert _as_target(url) == expected
    path = url.partition("://")[2].partition("/")[2].partition("?")[0]
    # With a path, the URL as requested is httpx's too; not after httpx removed dot segments,
    # where its str() drops the "/" it sends ("http://0/." is requested as "/", shown "http://0").
    dot_segments = any(part in (".", "..") for part in path.split("/"))
    if "/" in url.partition("://")[2] and not dot_segments:
        assert parse_target(url).url == str(httpx.URL(url))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:8080/users/a/inbox",
        "https://B.Example/Inbox",  # upper case: httpx lowers the host
        "http://a.example:80/inbox",  # default port dropped
        "https://a.example/in box?x=1 2",  # escaped
        "http://[::1]:8080/inbox",
        "http://a.example/inbox#fragment",
        "http://a.example/inbox?",
        "http://a.example",
        "https://bücher.example/inbox",
        # Dot segments: httpx removes them; the fast path once sent "/." as is (regression).
        "http://0/.",
        "http://a.example/./inbox",
        "http://a.example/users/a/../b/inbox?x=/..",
        "http://a.example/%2E%2e/inbox",
    ],
)
def test_other_urls_are_parsed_as_httpx_does(url: str) -> None:
    assert _as_target(url) == _as_httpx(url)


@pytest.mark.parametrize("url", ["http://999.0.0.1/inbox", "http://a.example:port/inbox"])
def test_urls_httpx_refuses_are_refused(url: str) -> None:
    with pytest.raises(httpx.InvalidURL):
        parse_target(url)
