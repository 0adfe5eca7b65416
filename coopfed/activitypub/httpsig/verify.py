"""Verifying the HTTP signature of an incoming request (draft-cavage-12 or RFC 9421).

Cheap checks (parsing, required components, time window, body digest) run before the key is
resolved, so junk never costs a key fetch. On a cryptographic mismatch the key is resolved
once more with refresh=True (the actor may have rotated it) and the check is retried once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from . import cavage, crypto, rfc9421
from .digest import verify_content_digest_header, verify_digest_header
from .errors import KeyUnavailable, SignatureError, SignatureFailure
from .keys import PublicKey
from .message import RequestView, request_view
from .policy import (
    check_time_window,
    from_timestamp,
    needs_digest,
    needs_host,
    parse_http_date,
    require,
)

Scheme = Literal["cavage", "rfc9421"]

_RFC9421_TARGETS = frozenset({"@target-uri", "@request-target", "@path"})
_RFC9421_HOSTS = frozenset({"host", "@authority", "@target-uri"})


@dataclass(frozen=True, slots=True)
class PublicKeyRecord:
    key_id: str
    owner: str  # the actor id the key document names as owner
    public_key: PublicKey


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    key_id: str
    owner: str
    scheme: Scheme
    algorithm: str  # RFC 9421 name of what was checked: rsa-v1_5-sha256, rsa-pss-sha512, ed25519


class KeyResolver(Protocol):
    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        """Return the key; raise KeyUnavailable when it cannot be had."""
        ...


@dataclass(frozen=True, slots=True)
class _Candidate:
    scheme: Scheme
    key_id: str
    algorithm: str | None  # None: infer from the key
    signature: bytes
    message: bytes


def _signed_date(view: RequestView) -> datetime:
    value = view.headers.get("date")
    if value is None:
        raise SignatureError(SignatureFailure.date_missing, "Date header is missing")
    return parse_http_date(value)


def _prepare_cavage(view: RequestView, body: bytes, now: datetime) -> _Candidate:
    text = cavage.signature_params_text(view.headers)
    if text is None:
        raise SignatureError(SignatureFailure.missing_signature, "no Signature header")
    sig = cavage.parse_signature(text)
    covered = frozenset(sig.headers)
    signs_created = "(created)" in covered
    require(
        "date" in covered or signs_created,
        SignatureFailure.date_missing,
        "neither date nor (created) is signed",
    )
    require(
        "(request-target)" in covered,
        SignatureFailure.missing_required_component,
        "(request-target) is not signed",
    )
    if needs_digest(view.method, body):
        require("digest" in covered, SignatureFailure.digest_missing, "digest is not signed")
    if needs_host(view.method):
        require("host" in covered, SignatureFailure.missing_required_component, "host unsigned")
    if signs_created:
        require(sig.created is not None, SignatureFailure.malformed_signature, "no created")
    created = from_timestamp(sig.created) if signs_created and sig.created else _signed_date(view)
    signs_expires = "(expires)" in covered and sig.expires is not None
    expires = from_timestamp(sig.expires) if signs_expires and sig.expires else None
    check_time_window(created, expires, now)
    if "digest" in covered:
        digest = view.headers.get("digest")
        if digest is None:
            raise SignatureError(SignatureFailure.digest_missing, "Digest header is missing")
        verify_digest_header(digest, body)
    message = cavage.signing_string(view, sig.headers, sig.created, sig.expires)
    return _Candidate("cavage", sig.key_id, sig.algorithm, sig.signature, message)


def _prepare_rfc9421(view: RequestView, body: bytes, now: datetime) -> _Candidate:
    signature = view.headers.get("signature")
    if signature is None:
        raise SignatureError(
            SignatureFailure.missing_signature, "Signature-Input without Signature"
        )
    sig = rfc9421.parse_signature(view.headers["signature-input"], signature)
    covered = frozenset(sig.components)
    require(
        sig.created is not None or "date" in covered,
        SignatureFailure.date_missing,
        "neither created nor date is signed",
    )
    require(
        not covered.isdisjoint(_RFC9421_TARGETS),
        SignatureFailure.missing_required_component,
        "the target URI is not signed",
    )
    if needs_digest(view.method, body):
        require(
            "content-digest" in covered,
            SignatureFailure.digest_missing,
            "content-digest is not signed",
        )
    if needs_host(view.method):
        require(
            not covered.isdisjoint(_RFC9421_HOSTS),
            SignatureFailure.missing_required_component,
            "the host is not signed",
        )
    created = from_timestamp(sig.created) if sig.created is not None else _signed_date(view)
    expires = from_timestamp(sig.expires) if sig.expires is not None else None
    check_time_window(created, expires, now)
    if "content-digest" in covered:
        digest = view.headers.get("content-digest")
        if digest is None:
            raise SignatureError(SignatureFailure.digest_missing, "Content-Digest is missing")
        verify_content_digest_header(digest, body)
    message = rfc9421.signature_base(view, sig.components, sig.params_text)
    return _Candidate("rfc9421", sig.key_id, sig.algorithm, sig.signature, message)


async def _resolve(keys: KeyResolver, key_id: str, *, refresh: bool) -> PublicKeyRecord:
    try:
        record = await keys.resolve(key_id, refresh=refresh)
    except KeyUnavailable as exc:
        raise SignatureError(SignatureFailure.key_unavailable, f"{key_id}: {exc}") from exc
    if record.key_id != key_id:
        raise SignatureError(
            SignatureFailure.key_unavailable, f"asked for {key_id}, got {record.key_id}"
        )
    return record


def _check(candidate: _Candidate, record: PublicKeyRecord) -> VerifiedSignature | None:
    key = record.public_key
    if candidate.algorithm is not None:
        algorithms: tuple[str, ...] = (candidate.algorithm,)
    else:
        algorithms = crypto.inferred_algorithms(key)
    for algorithm in algorithms:
        if crypto.verify_bytes(algorithm, key, candidate.signature, candidate.message):
            return VerifiedSignature(record.key_id, record.owner, candidate.scheme, algorithm)
    return None


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    keys: KeyResolver,
    now: datetime,
) -> VerifiedSignature:
    """Verify a request's signature or raise `SignatureError`.

    `url` must be the absolute URL the sender addressed (scheme, host, port, raw path and
    query as on the wire); `headers` names are matched case-insensitively.
    """
    view = request_view(method, url, headers)
    if "signature-input" in view.headers:
        candidate = _prepare_rfc9421(view, body, now)
    else:
        candidate = _prepare_cavage(view, body, now)
    verified = _check(candidate, await _resolve(keys, candidate.key_id, refresh=False))
    if verified is None:
        # The actor may have rotated its key since we cached it: refetch once.
        verified = _check(candidate, await _resolve(keys, candidate.key_id, refresh=True))
    if verified is None:
        raise SignatureError(SignatureFailure.bad_signature, "signature does not verify")
    return verified
