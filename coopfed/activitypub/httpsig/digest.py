"""Body digests: cavage `Digest: SHA-256=<b64>` (RFC 3230) and RFC 9530 `Content-Digest`.

Both verifiers accept SHA-256 and SHA-512, ignore other algorithms when a known one is present
(RFC 3230 and 9530 allow several), require every known one offered to match, and report
problems as `SignatureError` with a digest_* reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable

from .errors import SignatureError, SignatureFailure
from .structured import Item, StructuredFieldError, parse_dictionary

_HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda body: hashlib.sha256(body).digest(),
    "sha-512": lambda body: hashlib.sha512(body).digest(),
}
_DIGEST_SIZES = {"sha-256": 32, "sha-512": 64}


def digest_header(body: bytes) -> str:
    """Value for the cavage-era `Digest` header."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """Value for the RFC 9530 `Content-Digest` header."""
    if algorithm not in _HASHES:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    encoded = base64.b64encode(_HASHES[algorithm](body)).decode("ascii")
    return f"{algorithm}=:{encoded}:"


def _fail(reason: SignatureFailure, detail: str) -> SignatureError:
    return SignatureError(reason, detail)


def parse_digest_header(value: str) -> dict[str, bytes]:
    """Parse `Digest` into {lower-case algorithm: raw digest}; unknown algorithms kept raw-less."""
    digests: dict[str, bytes] = {}
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise _fail(SignatureFailure.digest_malformed, f"Digest entry {part.strip()!r}")
        if name in digests:
            raise _fail(SignatureFailure.digest_malformed, f"Digest repeats {name!r}")
        if name not in _HASHES:
            digests[name] = b""
            continue
        try:
            digests[name] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail(SignatureFailure.digest_malformed, f"Digest {name} is not base64") from exc
    return digests


def parse_content_digest_header(value: str) -> dict[str, bytes]:
    """Parse `Content-Digest` into {algorithm: raw digest} (unknown algorithms map to b"")."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as exc:
        raise _fail(SignatureFailure.digest_malformed, f"Content-Digest: {exc}") from exc
    if not members:
        raise _fail(SignatureFailure.digest_malformed, "Content-Digest is empty")
    digests: dict[str, bytes] = {}
    for name, member in members.items():
        if name not in _HASHES:
            digests[name] = b""
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise _fail(SignatureFailure.digest_malformed, f"Content-Digest {name} is not bytes")
        digests[name] = member.value
    return digests


def _check(digests: dict[str, bytes], body: bytes, header: str) -> None:
    known = [name for name in digests if name in _HASHES]
    if not known:
        offered = ", ".join(sorted(digests)) or "nothing"
        raise _fail(SignatureFailure.digest_unsupported, f"{header} offers only {offered}")
    for name in known:
        if len(digests[name]) != _DIGEST_SIZES[name]:
            raise _fail(SignatureFailure.digest_malformed, f"{header} {name} has a wrong length")
        if digests[name] != _HASHES[name](body):
            raise _fail(SignatureFailure.digest_mismatch, f"{header} {name} does not match body")


def verify_digest_header(value: str, body: bytes) -> None:
    """Check a cavage `Digest` header against the body; raises `SignatureError`."""
    _check(parse_digest_header(value), body, "Digest")


def verify_content_digest_header(value: str, body: bytes) -> None:
    """Check an RFC 9530 `Content-Digest` header against the body; raises `SignatureError`."""
    _check(parse_content_digest_header(value), body, "Content-Digest")
