"""Outgoing signing through real httpx clients (MockTransport captures what would be sent)."""

from __future__ import annotations

import re

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from coopfed.activitypub.httpsig import (
    CavageSigner,
    Rfc9421Signer,
    SignatureError,
    SignatureFailure,
    cavage,
    digest_header,
    verify_request,
)
from coopfed.activitypub.httpsig.message import request_view
from coopfed.activitypub.httpsig.policy import parse_http_date

from .support import KEY_ID, NOW, FakeResolver

IMF_FIXDATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
ACTIVITY = {"type": "Follow", "actor": "https://coop.example/users/coop"}


def capturing_transport(captured: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(202)

    return httpx.MockTransport(handler)


def covered_headers(request: httpx.Request) -> tuple[str, ...]:
    return cavage.parse_signature(request.headers["Signature"]).headers


async def test_cavage_sync_client_post_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    captured: list[httpx.Request] = []
    signer = CavageSigner(KEY_ID, rsa_key, clock=lambda: NOW)
    with httpx.Client(transport=capturing_transport(captured), auth=signer) as client:
        client.post("https://remote.example:8443/users/bob/inbox?x=1", json=ACTIVITY)
    (request,) = captured
    assert request.headers["Host"] == "remote.example:8443"
    assert request.headers["Date"] == "Thu, 01 May 2025 12:00:00 GMT"
    assert request.headers["Digest"] == digest_header(request.content)
    assert covered_headers(request) == ("(request-target)", "host", "date", "digest")
    assert 'algorithm="rsa-sha256"' in request.headers["Signature"]
    view = request_view(request.method, str(request.url), request.headers)
    signing = cavage.signing_string(view, covered_headers(request)).decode()
    assert signing.startswith(
        "(request-target): post /users/bob/inbox?x=1\nhost: remote.example:8443"
    )
    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, FakeResolver(rsa_key), NOW
    )
    assert verified.scheme == "cavage"


async def test_cavage_async_client_get(rsa_key: rsa.RSAPrivateKey) -> None:
    captured: list[httpx.Request] = []
    signer = CavageSigner(KEY_ID, rsa_key)
    async with httpx.AsyncClient(transport=capturing_transport(captured), auth=signer) as client:
        await client.get("https://remote.example:443/users/bob", params={"page": "1"})
    (request,) = captured
    assert request.headers["Host"] == "remote.example"
    assert IMF_FIXDATE.fullmatch(request.headers["Date"])
    assert "Digest" not in request.headers
    assert covered_headers(request) == ("(request-target)", "host", "date")
    # The real clock was used; verify at "now" as read from the Date header.
    now = parse_http_date(request.headers["Date"])
    verified = await verify_request(
        "GET", str(request.url), request.headers, b"", FakeResolver(rsa_key), now
    )
    assert verified.key_id == KEY_ID


async def test_rfc9421_async_client_post(ed_key: ed25519.Ed25519PrivateKey) -> None:
    captured: list[httpx.Request] = []
    signer = Rfc9421Signer(KEY_ID, ed_key, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=capturing_transport(captured), auth=signer) as client:
        await client.post("http://127.0.0.1:8123/inbox", json=ACTIVITY)
    (request,) = captured
    assert request.headers["Content-Digest"].startswith("sha-256=:")
    assert request.headers["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())}'
        f';keyid="{KEY_ID}";alg="ed25519"'
    )
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/=]+:", request.headers["Signature"])
    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, FakeResolver(ed_key), NOW
    )
    assert (verified.scheme, verified.algorithm) == ("rfc9421", "ed25519")


async def test_signed_request_fails_against_the_wrong_inbox(rsa_key: rsa.RSAPrivateKey) -> None:
    captured: list[httpx.Request] = []
    signer = CavageSigner(KEY_ID, rsa_key, clock=lambda: NOW)
    with httpx.Client(transport=capturing_transport(captured), auth=signer) as client:
        client.post("https://remote.example/users/bob/inbox", json=ACTIVITY)
    (request,) = captured
    elsewhere = "https://remote.example/users/carol/inbox"
    with pytest.raises(SignatureError) as caught:
        await verify_request(
            "POST", elsewhere, request.headers, request.content, FakeResolver(rsa_key), NOW
        )
    assert caught.value.reason is SignatureFailure.bad_signature
