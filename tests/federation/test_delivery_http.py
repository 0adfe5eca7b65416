"""Delivery POSTs on httpcore directly: the signed headers verify, replies map to results."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from coopfed.federation.delivery_http import rsa_signer, signed_headers
from coopfed.federation.httpsig import CavageSigner, PublicKeyRecord, verify_request

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
        raw = signed_headers(signer, httpx.URL(url), body, b"coopfed/test")
        headers = {name.decode(): value.decode() for name, value in raw}
        assert headers["Content-Length"] == str(len(body))
        assert "digest" in headers["Signature"]
        verified = await verify_request("POST", url, headers, body, Keys(), NOW)
        assert verified.key_id == KEY_ID


async def test_a_cached_digest_still_follows_the_body() -> None:
    signer = CavageSigner(KEY_ID, KEY, clock=lambda: NOW)
    url = httpx.URL("http://127.0.0.2/inbox")
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
