from __future__ import annotations

import base64
import hashlib

import pytest

from coopfed.activitypub.httpsig import (
    SignatureError,
    content_digest_header,
    digest_header,
    verify_content_digest_header,
    verify_digest_header,
)

BODY = b'{"hello": "world"}'


def reason(call: object, *args: object) -> str:
    with pytest.raises(SignatureError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.reason.value


def test_digest_header_format() -> None:
    expected = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert digest_header(BODY) == f"SHA-256={expected}"
    verify_digest_header(digest_header(BODY), BODY)


def test_rfc9530_example_values() -> None:
    # RFC 9530 / RFC 9421 B.2 values for the body {"hello": "world"}.
    assert content_digest_header(BODY) == ("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")
    assert content_digest_header(BODY, "sha-512") == (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHW"
        "XvJwew==:"
    )
    verify_content_digest_header(content_digest_header(BODY, "sha-512"), BODY)


def test_digest_accepts_case_and_several_algorithms() -> None:
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    verify_digest_header("sha-256=" + digest_header(BODY)[8:] + f", SHA-512={sha512}", BODY)
    verify_digest_header(f"MD5=abc, SHA-512={sha512}", BODY)


def test_content_digest_ignores_unknown_when_a_known_one_is_present() -> None:
    verify_content_digest_header("md5=:AAAA:, " + content_digest_header(BODY), BODY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MD5=rL0Y20zC+Fzt72VPzMSk2A==", "digest_unsupported"),
        ("UNIXsum=30637", "digest_unsupported"),
        ("SHA-256", "digest_malformed"),
        ("=abc", "digest_malformed"),
        ("SHA-256=***", "digest_malformed"),
        ("SHA-256=AAAA", "digest_malformed"),
        (
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=, sha-256=X48E9q",
            "digest_malformed",
        ),
        ("SHA-256=" + base64.b64encode(bytes(32)).decode(), "digest_mismatch"),
    ],
)
def test_digest_failures(value: str, expected: str) -> None:
    assert reason(verify_digest_header, value, BODY) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("md5=:rL0Y20zC+Fzt72VPzMSk2A==:", "digest_unsupported"),
        ("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "digest_malformed"),
        ("sha-256=:X48E9q:", "digest_malformed"),
        ("sha-256=:!!:", "digest_malformed"),
        ("", "digest_malformed"),
        ("SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", "digest_malformed"),
        ("sha-256=:" + base64.b64encode(bytes(32)).decode() + ":", "digest_mismatch"),
    ],
)
def test_content_digest_failures(value: str, expected: str) -> None:
    assert reason(verify_content_digest_header, value, BODY) == expected


def test_content_digest_unknown_algorithm_to_create() -> None:
    with pytest.raises(ValueError):
        content_digest_header(BODY, "md5")
