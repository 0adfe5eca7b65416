"""draft-cavage-http-signatures-12: parsing the `Signature` header and building signing strings."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from . import crypto
from .errors import SignatureError, SignatureFailure
from .keys import PrivateKey
from .message import RequestView

# One `name="quoted value"` or `name=token` parameter, followed by a comma or the end. The
# quoted part is an "unrolled loop" (no per-character alternation): 7x faster on signatures.
_PARAM = re.compile(
    r'[ \t]*([A-Za-z]+)[ \t]*=[ \t]*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([!#$%&\'*+\-.^_`|~0-9A-Za-z]+))'
    r"[ \t]*(?:,|\Z)"
)
_UNESCAPE = re.compile(r"\\(.)")
_TIMESTAMP = re.compile(r"\d{1,15}(?:\.\d{1,9})?")
_SIGNATURE_SCHEME = re.compile(r"[Ss][Ii][Gg][Nn][Aa][Tt][Uu][Rr][Ee] +")

# Cavage `algorithm` values we accept, mapped to crypto names; None means "from the key".
_ALGORITHMS: dict[str | None, str | None] = {
    None: None,
    "hs2019": None,
    "rsa-sha256": crypto.RSA_V1_5_SHA256,
}


@dataclass(frozen=True, slots=True)
class CavageSignature:
    key_id: str
    algorithm_name: str | None  # as sent, lower-cased
    algorithm: str | None  # crypto algorithm, None = infer from the key (hs2019 / absent)
    headers: tuple[str, ...]  # lower-case covered header names, in order
    signature: bytes
    created: str | None
    expires: str | None


def _malformed(detail: str) -> SignatureError:
    return SignatureError(SignatureFailure.malformed_signature, detail)


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            raise _malformed(f"unparsable Signature parameters at offset {pos}")
        name = match.group(1).lower()
        if name in params:
            raise _malformed(f"duplicate Signature parameter {name!r}")
        quoted = match.group(2)
        if quoted is None:
            params[name] = match.group(3)
        else:
            params[name] = _UNESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = match.end()
    return params


def signature_params_text(headers: dict[str, str]) -> str | None:
    """The cavage parameter list from `Signature`, or from `Authorization: Signature ...`."""
    value = headers.get("signature")
    if value is not None:
        return value
    authorization = headers.get("authorization")
    if authorization is not None:
        match = _SIGNATURE_SCHEME.match(authorization)
        if match is not None:
            return authorization[match.end() :]
    return None


def _timestamp(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and _TIMESTAMP.fullmatch(value) is None:
        raise _malformed(f"{name} is not a timestamp")
    return value


def parse_signature(text: str) -> CavageSignature:
    params = _parse_params(text)
    key_id = params.get("keyid")
    encoded = params.get("signature")
    if not key_id or not encoded:
        raise _malformed("keyId and signature are required")
    algorithm_name = params["algorithm"].lower() if "algorithm" in params else None
    if algorithm_name not in _ALGORITHMS:
        raise SignatureError(
            SignatureFailure.unsupported_algorithm, f"algorithm {algorithm_name} is not accepted"
        )
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed("signature is not base64") from exc
    # Mastodon's default for a missing `headers` is "date" (cavage-12 says "(created)").
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered:
        raise _malformed("headers is empty")
    return CavageSignature(
        key_id=key_id,
        algorithm_name=algorithm_name,
        algorithm=_ALGORITHMS[algorithm_name],
        headers=covered,
        signature=signature,
        created=_timestamp(params, "created"),
        expires=_timestamp(params, "expires"),
    )


def _line(view: RequestView, name: str, created: str | None, expires: str | None) -> str:
    if name == "(request-target)":
        return f"(request-target): {view.method.lower()} {view.request_target}"
    if name == "(created)" or name == "(expires)":
        value = created if name == "(created)" else expires
        if value is None:
            raise _malformed(f"{name} is signed but the parameter is missing")
        return f"{name}: {value}"
    if name.startswith("("):
        raise SignatureError(SignatureFailure.unsupported_component, f"unknown {name}")
    value = view.headers.get(name)
    if value is None and name == "host":
        value = view.authority
    if value is None:
        reason = (
            SignatureFailure.date_missing if name == "date" else SignatureFailure.missing_header
        )
        raise SignatureError(reason, f"signed header {name} is not in the request")
    return f"{name}: {value}"


def signing_string(
    view: RequestView,
    covered: tuple[str, ...],
    created: str | None = None,
    expires: str | None = None,
) -> bytes:
    text = "\n".join(_line(view, name, created, expires) for name in covered)
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise SignatureError(SignatureFailure.malformed_signature, "header not latin-1") from exc


def signature_header(
    key_id: str,
    private_key: PrivateKey,
    view: RequestView,
    covered: tuple[str, ...],
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """`Signature` header value for an outgoing request (rsa-sha256, or hs2019 for Ed25519)."""
    algorithm = crypto.default_algorithm(private_key)
    name = "rsa-sha256" if algorithm == crypto.RSA_V1_5_SHA256 else "hs2019"
    created_text = None if created is None else str(created)
    expires_text = None if expires is None else str(expires)
    base = signing_string(view, covered, created_text, expires_text)
    encoded = base64.b64encode(crypto.sign_bytes(algorithm, private_key, base)).decode("ascii")
    quoted_key_id = key_id.replace("\\", "\\\\").replace('"', '\\"')
    times = "".join(
        f"{param}={value},"
        for param, value in (("created", created_text), ("expires", expires_text))
        if value is not None
    )
    return (
        f'keyId="{quoted_key_id}",algorithm="{name}",{times}'
        f'headers="{" ".join(covered)}",signature="{encoded}"'
    )
