"""RFC 9421: the appendix B / section 3.2 test vectors, parsing and signature bases."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from coopfed.activitypub.httpsig import (
    PublicKey,
    PublicKeyRecord,
    SignatureError,
    crypto,
    rfc9421,
    verify_request,
)
from coopfed.activitypub.httpsig.keys import load_public_key_pem
from coopfed.activitypub.httpsig.message import request_view

# RFC 9421 appendix B.1 test keys (published test material, not secrets).
ED25519_SEED = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU="
RSA_PSS_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
RSA_PUBLIC_PKCS1_PEM = """-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----
"""

# The B.2 "test-request".
TEST_URL = "https://example.com/foo?param=Value&Pet=dog"
TEST_BODY = b'{"hello": "world"}'
TEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHW"
        "XvJwew==:"
    ),
    "Content-Length": "18",
}
CREATED = datetime.fromtimestamp(1618884473, UTC)

B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
    "BKRCw==:"
)
B21_INPUT = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgG"
    "xbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx"
    "2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5Tmc"
    "AnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
)
B23_INPUT = (
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
    '"content-length");created=1618884473;keyid="test-key-rsa-pss"'
)
B23_SIGNATURE = (
    "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683"
    "+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH"
    "1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8"
    "LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
)
# Section 3.2: a proxy re-signs the request with rsa-v1_5-sha256 (test-key-rsa).
PROXY_URL = "https://origin.host.internal.example/foo?param=Value&Pet=dog"
PROXY_FORWARDED = "for=192.0.2.123;host=example.com;proto=https"
PROXY_INPUT = (
    'proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" '
    '"forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540'
)
PROXY_SIGNATURE = (
    "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz"
    "+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8"
    "tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0"
    "B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:"
)


def ed25519_test_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(ED25519_SEED))


class VectorKeys:
    def __init__(self, key: PublicKey) -> None:
        self.key = key

    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        return PublicKeyRecord(key_id, "https://example.com/owner", self.key)


def verify_low_level(
    signature_input: str, signature: str, key: PublicKey, url: str, algorithm: str
) -> bool:
    parsed = rfc9421.parse_signature(signature_input, signature)
    view = request_view("POST", url, TEST_HEADERS)
    base = rfc9421.signature_base(view, parsed.components, parsed.params_text)
    return crypto.verify_bytes(algorithm, key, parsed.signature, base)


def test_b26_ed25519_signing_reproduces_the_rfc() -> None:
    view = request_view("POST", TEST_URL, TEST_HEADERS)
    components = ("date", "@method", "@path", "@authority", "content-type", "content-length")
    params: dict[str, int | str | bytes | bool] = {
        "created": 1618884473,
        "keyid": "test-key-ed25519",
    }
    produced = rfc9421.create_signature(
        view, components, params, ed25519_test_key(), "ed25519", "sig-b26"
    )
    assert produced == (B26_INPUT, B26_SIGNATURE)


def test_b26_signature_base() -> None:
    parsed = rfc9421.parse_signature(B26_INPUT, B26_SIGNATURE)
    base = rfc9421.signature_base(
        request_view("POST", TEST_URL, TEST_HEADERS), parsed.components, parsed.params_text
    )
    assert base.decode() == (
        '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
        '"@method": POST\n'
        '"@path": /foo\n'
        '"@authority": example.com\n'
        '"content-type": application/json\n'
        '"content-length": 18\n'
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
        '"content-length");created=1618884473;keyid="test-key-ed25519"'
    )


def test_b26_verifies_and_tampering_fails() -> None:
    public = ed25519_test_key().public_key()
    assert verify_low_level(B26_INPUT, B26_SIGNATURE, public, TEST_URL, "ed25519")
    other_url = TEST_URL.replace("/foo", "/bar")
    assert not verify_low_level(B26_INPUT, B26_SIGNATURE, public, other_url, "ed25519")


async def test_b26_is_refused_by_policy_without_content_digest() -> None:
    # Valid crypto, but a POST whose signature does not cover content-digest is not accepted.
    headers = TEST_HEADERS | {"Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    keys = VectorKeys(ed25519_test_key().public_key())
    with pytest.raises(SignatureError) as caught:
        await verify_request("POST", TEST_URL, headers, TEST_BODY, keys, CREATED)
    assert caught.value.reason.value == "digest_missing"


def test_b21_minimal_rsa_pss_with_extra_parameter() -> None:
    parsed = rfc9421.parse_signature(B21_INPUT, B21_SIGNATURE)
    assert parsed.components == ()
    assert parsed.params_text == B21_INPUT.removeprefix("sig-b21=")
    key = load_public_key_pem(RSA_PSS_PUBLIC_PEM)
    assert verify_low_level(B21_INPUT, B21_SIGNATURE, key, TEST_URL, "rsa-pss-sha512")
    assert not verify_low_level(B21_INPUT, B21_SIGNATURE, key, TEST_URL, "rsa-v1_5-sha256")


async def test_b23_full_coverage_rsa_pss_through_verify_request() -> None:
    headers = TEST_HEADERS | {"Signature-Input": B23_INPUT, "Signature": B23_SIGNATURE}
    keys = VectorKeys(load_public_key_pem(RSA_PSS_PUBLIC_PEM))
    # No alg parameter and an RSA key: rsa-v1_5-sha256 is tried first, then rsa-pss-sha512.
    verified = await verify_request("POST", TEST_URL, headers, TEST_BODY, keys, CREATED)
    assert (verified.scheme, verified.key_id, verified.algorithm) == (
        "rfc9421",
        "test-key-rsa-pss",
        "rsa-pss-sha512",
    )
    with pytest.raises(SignatureError) as caught:
        await verify_request("POST", TEST_URL, headers, TEST_BODY + b" ", keys, CREATED)
    assert caught.value.reason.value == "digest_mismatch"


async def test_proxy_signature_rsa_v1_5_through_verify_request() -> None:
    headers = TEST_HEADERS | {
        "Forwarded": PROXY_FORWARDED,
        "Signature-Input": PROXY_INPUT,
        "Signature": PROXY_SIGNATURE,
    }
    keys = VectorKeys(load_public_key_pem(RSA_PUBLIC_PKCS1_PEM))
    now = datetime.fromtimestamp(1618884480, UTC)
    verified = await verify_request("POST", PROXY_URL, headers, TEST_BODY, keys, now)
    assert (verified.scheme, verified.algorithm) == ("rfc9421", "rsa-v1_5-sha256")
