"""verify_request: round trips, docs/threats.md "Signatures and keys", tampering, time, rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from coopfed.activitypub.httpsig import (
    CavageSigner,
    PrivateKey,
    PublicKeyRecord,
    Rfc9421Signer,
    SignatureError,
    SignatureFailure,
    VerifiedSignature,
    content_digest_header,
    http_date,
    rfc9421,
    verify_request,
)
from coopfed.activitypub.httpsig.keys import generate_ed25519_key
from coopfed.activitypub.httpsig.message import request_view

from .support import (
    BODY,
    INBOX,
    KEY_ID,
    NOW,
    OWNER,
    FakeResolver,
    cavage_headers,
    signed_httpx_request,
)

POST_COVERED = ("(request-target)", "host", "date", "digest")
GET_COVERED = ("(request-target)", "host", "date")
ACTOR_URL = "https://coop.example/users/coop"


async def verify(
    headers: dict[str, str],
    resolver: FakeResolver,
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    now_offset: timedelta = timedelta(0),
) -> VerifiedSignature:
    return await verify_request(method, url, headers, body, resolver, NOW + now_offset)


async def failure(headers: dict[str, str], resolver: FakeResolver, **kwargs: object) -> str:
    with pytest.raises(SignatureError) as caught:
        await verify(headers, resolver, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason.value


def rfc9421_headers(
    key: PrivateKey,
    components: tuple[str, ...],
    params: dict[str, int | str | bytes | bool],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    algorithm: str = "ed25519",
) -> dict[str, str]:
    headers = {"Host": "coop.example", "Date": http_date(NOW)}
    if body:
        headers["Content-Digest"] = content_digest_header(body)
    view = request_view(method, url, headers)
    signature_input, signature = rfc9421.create_signature(view, components, params, key, algorithm)
    return headers | {"Signature-Input": signature_input, "Signature": signature}


def created_params(key_id: str = KEY_ID, **extra: int | str) -> dict[str, int | str | bytes | bool]:
    return {"created": int(NOW.timestamp()), "keyid": key_id, **extra}


# --- round trips -------------------------------------------------------------------------


async def test_cavage_signer_post_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    request = signed_httpx_request(CavageSigner(KEY_ID, rsa_key, clock=lambda: NOW))
    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, FakeResolver(rsa_key), NOW
    )
    assert verified == VerifiedSignature(KEY_ID, OWNER, "cavage", "rsa-v1_5-sha256")


async def test_cavage_signer_get_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    request = signed_httpx_request(
        CavageSigner(KEY_ID, rsa_key, clock=lambda: NOW), "GET", ACTOR_URL + "?page=2", b""
    )
    assert "digest" not in request.headers
    verified = await verify_request(
        "GET", str(request.url), request.headers, b"", FakeResolver(rsa_key), NOW
    )
    assert verified.scheme == "cavage"


async def test_cavage_hs2019_with_ed25519_key(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = cavage_headers(ed_key, POST_COVERED)
    assert 'algorithm="hs2019"' in headers["Signature"]
    verified = await verify(headers, FakeResolver(ed_key))
    assert (verified.scheme, verified.algorithm) == ("cavage", "ed25519")


async def test_cavage_absent_algorithm_is_hs2019(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256",', "")
    assert (await verify(headers, FakeResolver(rsa_key))).algorithm == "rsa-v1_5-sha256"


async def test_cavage_in_authorization_header(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    assert (await verify(headers, FakeResolver(rsa_key))).key_id == KEY_ID


async def test_header_names_are_case_insensitive(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = {name.upper(): value for name, value in cavage_headers(rsa_key, POST_COVERED).items()}
    assert (await verify(headers, FakeResolver(rsa_key))).owner == OWNER


async def test_cavage_created_and_expires_with_hs2019(ed_key: ed25519.Ed25519PrivateKey) -> None:
    created = int(NOW.timestamp())
    covered = ("(request-target)", "host", "(created)", "(expires)", "digest")
    headers = cavage_headers(ed_key, covered, created=created, expires=created + 36000)
    assert f"created={created}," in headers["Signature"]
    del headers["Date"]  # not needed: (created) is signed
    resolver = FakeResolver(ed_key)
    # A signed expires of 10 h is honoured: 10.5 h later is still within expiry + 1 h skew.
    later = timedelta(hours=10, minutes=30)
    assert (await verify(headers, resolver, now_offset=later)).algorithm == "ed25519"
    too_late = timedelta(hours=11, minutes=1)
    assert await failure(headers, resolver, now_offset=too_late) == "expired"


async def test_cavage_unsigned_expires_is_ignored(rsa_key: rsa.RSAPrivateKey) -> None:
    created = int(NOW.timestamp())
    # expires is in the header but not covered: it must not stretch the Date-only window.
    headers = cavage_headers(rsa_key, POST_COVERED, expires=created + 36000)
    later = timedelta(hours=2)
    assert await failure(headers, FakeResolver(rsa_key), now_offset=later) == "expired"


async def test_cavage_created_signed_but_absent(ed_key: ed25519.Ed25519PrivateKey) -> None:
    created = int(NOW.timestamp())
    covered = ("(request-target)", "host", "(created)", "digest")
    headers = cavage_headers(ed_key, covered, created=created)
    headers["Signature"] = headers["Signature"].replace(f"created={created},", "")
    assert await failure(headers, FakeResolver(ed_key)) == "malformed_signature"


@pytest.mark.parametrize("algorithm", ["ed25519", "rsa-v1_5-sha256", "rsa-pss-sha512"])
async def test_rfc9421_signer_round_trip(
    algorithm: str, rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    key: PrivateKey = ed_key if algorithm == "ed25519" else rsa_key
    request = signed_httpx_request(Rfc9421Signer(KEY_ID, key, algorithm, clock=lambda: NOW))
    assert request.headers["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "content-digest");created='
    )
    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, FakeResolver(key), NOW
    )
    assert verified == VerifiedSignature(KEY_ID, OWNER, "rfc9421", algorithm)


async def test_rfc9421_get_round_trip(ed_key: ed25519.Ed25519PrivateKey) -> None:
    request = signed_httpx_request(
        Rfc9421Signer(KEY_ID, ed_key, clock=lambda: NOW), "GET", ACTOR_URL, b""
    )
    assert "content-digest" not in request.headers
    verified = await verify_request(
        "GET", ACTOR_URL, request.headers, b"", FakeResolver(ed_key), NOW
    )
    assert verified.scheme == "rfc9421"


async def test_rfc9421_alg_inferred_from_key(rsa_key: rsa.RSAPrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(rsa_key, components, created_params(), algorithm="rsa-v1_5-sha256")
    assert (await verify(headers, FakeResolver(rsa_key))).algorithm == "rsa-v1_5-sha256"


async def test_rfc9421_preferred_over_cavage(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(ed_key, components, created_params())
    headers["Digest"] = cavage_headers(rsa_key, POST_COVERED)["Digest"]
    assert (await verify(headers, FakeResolver(ed_key))).scheme == "rfc9421"


# --- docs/threats.md: Signatures and keys ----------------------------------------------------


async def test_no_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    del headers["Signature"]
    assert await failure(headers, FakeResolver(rsa_key)) == "missing_signature"
    headers["Authorization"] = "Bearer abc"
    assert await failure(headers, FakeResolver(rsa_key)) == "missing_signature"


async def test_signature_input_without_signature(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    del headers["Signature"]
    assert await failure(headers, FakeResolver(ed_key)) == "missing_signature"


async def test_post_without_signed_digest(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, GET_COVERED)
    assert await failure(headers, FakeResolver(rsa_key)) == "digest_missing"


async def test_rfc9421_post_without_content_digest(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(ed_key, ("@method", "@target-uri"), created_params())
    assert await failure(headers, FakeResolver(ed_key)) == "digest_missing"


async def test_signed_digest_header_absent(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    del headers["Digest"]
    assert await failure(headers, FakeResolver(rsa_key)) == "digest_missing"


async def test_digest_mismatch(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    assert await failure(headers, FakeResolver(rsa_key), body=BODY + b" ") == "digest_mismatch"


async def test_content_digest_mismatch(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    assert await failure(headers, FakeResolver(ed_key), body=b"{}") == "digest_mismatch"


@pytest.mark.parametrize(
    ("digest", "reason"),
    [
        ("MD5=rL0Y20zC+Fzt72VPzMSk2A==", "digest_unsupported"),
        ("SHA-256=not base64!", "digest_malformed"),
        ("SHA-256", "digest_malformed"),
        ("SHA-256=AAAA", "digest_malformed"),
    ],
)
async def test_unknown_or_malformed_digest(
    rsa_key: rsa.RSAPrivateKey, digest: str, reason: str
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, extra={"Digest": digest})
    assert await failure(headers, FakeResolver(rsa_key)) == reason


async def test_neither_date_nor_created_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, ("(request-target)", "host", "digest"))
    assert await failure(headers, FakeResolver(rsa_key)) == "date_missing"


async def test_rfc9421_neither_date_nor_created(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(ed_key, components, {"keyid": KEY_ID})
    assert await failure(headers, FakeResolver(ed_key)) == "date_missing"


async def test_signed_date_header_absent(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    del headers["Date"]
    assert await failure(headers, FakeResolver(rsa_key)) == "date_missing"


async def test_unparsable_date(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, extra={"Date": "yesterday"})
    assert await failure(headers, FakeResolver(rsa_key)) == "date_invalid"


@pytest.mark.parametrize(
    ("date_offset", "reason"),
    [
        (timedelta(hours=2), "clock_skew_future"),
        (timedelta(hours=-13), "expired"),
        (timedelta(minutes=-66), "expired"),
    ],
)
async def test_date_outside_window(
    rsa_key: rsa.RSAPrivateKey, date_offset: timedelta, reason: str
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, date=NOW + date_offset)
    assert await failure(headers, FakeResolver(rsa_key)) == reason


@pytest.mark.parametrize(
    "date_offset", [timedelta(minutes=59), timedelta(minutes=-50), timedelta(minutes=-64)]
)
async def test_date_inside_window(rsa_key: rsa.RSAPrivateKey, date_offset: timedelta) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, date=NOW + date_offset)
    assert (await verify(headers, FakeResolver(rsa_key))).key_id == KEY_ID


async def test_rfc9421_created_in_future(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(ed_key, components, created_params())
    early = -timedelta(hours=1, minutes=1)
    assert await failure(headers, FakeResolver(ed_key), now_offset=early) == "clock_skew_future"


async def test_rfc9421_expires(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    created = int(NOW.timestamp())
    headers = rfc9421_headers(ed_key, components, created_params(expires=created + 60))
    resolver = FakeResolver(ed_key)
    assert (await verify(headers, resolver, now_offset=timedelta(minutes=61))).key_id == KEY_ID
    assert await failure(headers, resolver, now_offset=timedelta(minutes=62)) == "expired"


async def test_rfc9421_expires_capped_at_12_hours(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    created = int(NOW.timestamp())
    headers = rfc9421_headers(ed_key, components, created_params(expires=created + 86400 * 7))
    late = timedelta(hours=13, seconds=1)
    assert await failure(headers, FakeResolver(ed_key), now_offset=late) == "expired"


async def test_hmac_sha256_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "hmac-sha256")
    resolver = FakeResolver(rsa_key)
    assert await failure(headers, resolver) == "unsupported_algorithm"
    assert resolver.calls == []  # refused before any key fetch


async def test_rfc9421_unknown_alg_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(ed_key, components, created_params(alg="hmac-sha256"))
    assert await failure(headers, FakeResolver(ed_key)) == "unsupported_algorithm"


async def test_rsa_sha256_with_ed25519_key(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    assert await failure(headers, FakeResolver(ed_key)) == "unsupported_algorithm"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda sig: sig + ',keyId="https://evil.example/k"',
        lambda sig: sig.replace("keyId=", 'algorithm="rsa-sha256",keyId=', 1),
        lambda sig: "garbage",
        lambda sig: sig + ",,,",
        lambda sig: sig.replace('signature="', 'signature="%%'),
        lambda sig: sig.replace("keyId=", "keyid=").replace(",algorithm", ',keyId="x",algorithm'),
        lambda sig: sig.split(",signature=")[0],
        lambda sig: "",
        lambda sig: '"' * 5000,
    ],
)
async def test_malformed_signature_header(
    rsa_key: rsa.RSAPrivateKey, mangle: Callable[[str], str]
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Signature"] = mangle(headers["Signature"])
    resolver = FakeResolver(rsa_key)
    assert await failure(headers, resolver) == "malformed_signature"
    assert resolver.calls == []


async def test_rfc9421_duplicate_label_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    headers["Signature-Input"] += ", " + headers["Signature-Input"]
    assert await failure(headers, FakeResolver(ed_key)) == "malformed_signature"


async def test_rfc9421_component_parameters_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        '"content-digest"', '"content-digest";sf'
    )
    assert await failure(headers, FakeResolver(ed_key)) == "unsupported_component"


# --- required components ----------------------------------------------------------------


async def test_get_without_signed_host(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, ("(request-target)", "date"), method="GET", body=b"")
    reason = await failure(headers, FakeResolver(rsa_key), method="GET", body=b"")
    assert reason == "missing_required_component"


async def test_rfc9421_get_with_authority_is_enough(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@path", "@authority")
    headers = rfc9421_headers(ed_key, components, created_params(), method="GET", body=b"")
    assert (await verify(headers, FakeResolver(ed_key), method="GET", body=b"")).key_id == KEY_ID


async def test_rfc9421_get_without_host(ed_key: ed25519.Ed25519PrivateKey) -> None:
    components = ("@method", "@path")
    headers = rfc9421_headers(ed_key, components, created_params(), method="GET", body=b"")
    reason = await failure(headers, FakeResolver(ed_key), method="GET", body=b"")
    assert reason == "missing_required_component"


async def test_request_target_must_be_signed(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, ("host", "date", "digest"))
    assert await failure(headers, FakeResolver(rsa_key)) == "missing_required_component"


# --- tampering ---------------------------------------------------------------------------


async def test_changed_body_with_matching_digest(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    other = b'{"type":"Delete"}'
    headers["Digest"] = cavage_headers(rsa_key, POST_COVERED, body=other)["Digest"]
    assert await failure(headers, FakeResolver(rsa_key), body=other) == "bad_signature"


async def test_changed_path(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    url = "https://coop.example/users/bob/inbox"
    assert await failure(headers, FakeResolver(rsa_key), url=url) == "bad_signature"


async def test_changed_query(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, url=INBOX + "?a=1")
    assert await failure(headers, FakeResolver(rsa_key), url=INBOX + "?a=2") == "bad_signature"


async def test_changed_host_header(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Host"] = "other.example"
    assert await failure(headers, FakeResolver(rsa_key)) == "bad_signature"


async def test_rfc9421_changed_host(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    url = "https://other.example/inbox"
    assert await failure(headers, FakeResolver(ed_key), url=url) == "bad_signature"


async def test_rfc9421_changed_method(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    assert await failure(headers, FakeResolver(ed_key), method="PUT") == "bad_signature"


async def test_rfc9421_changed_signature_params(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    created = str(int(NOW.timestamp()))
    headers["Signature-Input"] = headers["Signature-Input"].replace(created, str(int(created) + 1))
    assert await failure(headers, FakeResolver(ed_key)) == "bad_signature"


# --- keys and rotation -------------------------------------------------------------------


async def test_rotation_refetches_once(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    resolver = FakeResolver(rsa_key, stale=other_rsa_key)
    assert (await verify(headers, resolver)).key_id == KEY_ID
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rotation_rfc9421(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = rfc9421_headers(
        ed_key, ("@method", "@target-uri", "content-digest"), created_params()
    )
    resolver = FakeResolver(ed_key, stale=generate_ed25519_key())
    assert (await verify(headers, resolver)).scheme == "rfc9421"
    assert [refresh for _, refresh in resolver.calls] == [False, True]


async def test_wrong_key_fails_after_one_refresh(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    resolver = FakeResolver(other_rsa_key)
    assert await failure(headers, resolver) == "bad_signature"
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_good_key_is_not_refetched(rsa_key: rsa.RSAPrivateKey) -> None:
    resolver = FakeResolver(rsa_key)
    await verify(cavage_headers(rsa_key, POST_COVERED), resolver)
    assert resolver.calls == [(KEY_ID, False)]


async def test_key_unavailable(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    assert await failure(headers, FakeResolver(None)) == "key_unavailable"


async def test_key_gone_on_refresh(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    assert await failure(headers, FakeResolver(None, stale=other_rsa_key)) == "key_unavailable"


async def test_record_for_another_key_id_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    class Redirected:
        async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
            return PublicKeyRecord("https://elsewhere.example/k", OWNER, rsa_key.public_key())

    headers = cavage_headers(rsa_key, POST_COVERED)
    with pytest.raises(SignatureError) as caught:
        await verify_request("POST", INBOX, headers, BODY, Redirected(), NOW)
    assert caught.value.reason is SignatureFailure.key_unavailable


async def test_owner_comes_from_the_key_record(rsa_key: rsa.RSAPrivateKey) -> None:
    resolver = FakeResolver(rsa_key, owner="https://remote.example/users/bob")
    verified = await verify(cavage_headers(rsa_key, POST_COVERED), resolver)
    assert verified.owner == "https://remote.example/users/bob"


@pytest.mark.parametrize(
    ("created", "reason"),
    [
        (253402300000, "clock_skew_future"),  # year 9999: must not overflow
        (-99999999999999, "date_invalid"),
    ],
)
async def test_extreme_created_values(
    ed_key: ed25519.Ed25519PrivateKey, created: int, reason: str
) -> None:
    components = ("@method", "@target-uri", "content-digest")
    headers = rfc9421_headers(ed_key, components, {"created": created, "keyid": KEY_ID})
    assert await failure(headers, FakeResolver(ed_key)) == reason


async def test_date_at_the_end_of_time(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED, extra={"Date": "Fri, 31 Dec 9999 23:59:59 GMT"})
    assert await failure(headers, FakeResolver(rsa_key)) == "clock_skew_future"


async def test_failure_detail_is_bounded(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = cavage_headers(rsa_key, POST_COVERED)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "x" * 5000)
    with pytest.raises(SignatureError) as caught:
        await verify(headers, FakeResolver(rsa_key))
    assert caught.value.reason is SignatureFailure.unsupported_algorithm
    assert len(caught.value.detail) <= 200
