"""RFC 9421 HTTP Message Signatures: the request subset ActivityPub servers use.

Covered components may be the derived components of a request (`@method`, `@target-uri`,
`@authority`, `@scheme`, `@request-target`, `@path`, `@query`) and plain header fields.
Component parameters (`;sf`, `;key`, `;bs`, `;req`, `@query-param;name=`) are refused.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from . import crypto
from .errors import SignatureError, SignatureFailure
from .keys import PrivateKey
from .message import RequestView
from .structured import (
    InnerList,
    Item,
    Params,
    StructuredFieldError,
    parse_dictionary,
    serialize_inner_list,
)

_DERIVED: dict[str, Callable[[RequestView], str]] = {
    "@method": lambda view: view.method,
    "@target-uri": lambda view: view.url,
    "@authority": lambda view: view.authority,
    "@scheme": lambda view: view.scheme,
    "@request-target": lambda view: view.request_target,
    "@path": lambda view: view.path,
    "@query": lambda view: "?" + (view.query or ""),
}


@dataclass(frozen=True, slots=True)
class Rfc9421Signature:
    label: str
    components: tuple[str, ...]
    params_text: str  # the serialised inner list, i.e. the "@signature-params" value
    key_id: str
    algorithm: str | None  # `alg`, None = infer from the key
    created: int | None
    expires: int | None
    signature: bytes


def _malformed(detail: str) -> SignatureError:
    return SignatureError(SignatureFailure.malformed_signature, detail)


def _parse(header: str, value: str) -> dict[str, Item | InnerList]:
    try:
        return parse_dictionary(value)
    except StructuredFieldError as exc:
        raise _malformed(f"{header}: {exc}") from exc


def _components(inner: InnerList) -> tuple[str, ...]:
    names: list[str] = []
    for item in inner.items:
        name = item.value
        if type(name) is not str or name != name.lower() or not name:
            raise _malformed("component identifiers must be lower-case strings")
        if item.params:
            raise SignatureError(
                SignatureFailure.unsupported_component, f"component parameters on {name!r}"
            )
        if name in names:
            raise _malformed(f"component {name!r} is repeated")
        names.append(name)
    return tuple(names)


def _typed(params: Params, name: str, kind: type) -> object:
    value = params.get(name)
    if value is None:
        return None
    # bool is an int subclass and Token a str subclass; neither is acceptable here.
    if type(value) is not kind:
        raise _malformed(f"signature parameter {name} has the wrong type")
    return value


def _signature_value(signatures: dict[str, Item | InnerList], label: str) -> bytes:
    member = signatures[label]
    if not isinstance(member, Item) or not isinstance(member.value, bytes):
        raise _malformed(f"Signature {label} is not a byte sequence")
    return member.value


def parse_signature(signature_input: str, signature: str) -> Rfc9421Signature:
    """Pick the first label of `Signature-Input` that also has a `Signature` value."""
    inputs = _parse("Signature-Input", signature_input)
    signatures = _parse("Signature", signature)
    label = next((name for name in inputs if name in signatures), None)
    if label is None:
        raise _malformed("no Signature-Input label has a matching Signature")
    inner = inputs[label]
    if not isinstance(inner, InnerList):
        raise _malformed(f"Signature-Input {label} is not an inner list")
    key_id = _typed(inner.params, "keyid", str)
    if not isinstance(key_id, str) or not key_id:
        raise _malformed("keyid is required")
    algorithm = _typed(inner.params, "alg", str)
    if algorithm is not None and algorithm not in crypto.SUPPORTED_ALGORITHMS:
        raise SignatureError(SignatureFailure.unsupported_algorithm, f"alg {algorithm}")
    created = _typed(inner.params, "created", int)
    expires = _typed(inner.params, "expires", int)
    return Rfc9421Signature(
        label=label,
        components=_components(inner),
        params_text=serialize_inner_list(inner),
        key_id=key_id,
        algorithm=algorithm if isinstance(algorithm, str) else None,
        created=created if isinstance(created, int) else None,
        expires=expires if isinstance(expires, int) else None,
        signature=_signature_value(signatures, label),
    )


def component_value(view: RequestView, name: str) -> str:
    derived = _DERIVED.get(name)
    if derived is not None:
        return derived(view)
    if name.startswith("@"):
        raise SignatureError(SignatureFailure.unsupported_component, f"component {name}")
    value = view.headers.get(name)
    if value is None:
        reason = (
            SignatureFailure.date_missing if name == "date" else SignatureFailure.missing_header
        )
        raise SignatureError(reason, f"covered field {name} is not in the request")
    return value


def signature_base(view: RequestView, components: tuple[str, ...], params_text: str) -> bytes:
    lines = [f'"{name}": {component_value(view, name)}' for name in components]
    lines.append(f'"@signature-params": {params_text}')
    try:
        return "\n".join(lines).encode("latin-1")
    except UnicodeEncodeError as exc:
        raise _malformed("covered value is not latin-1") from exc


def create_signature(
    view: RequestView,
    components: tuple[str, ...],
    params: Params,
    private_key: PrivateKey,
    algorithm: str,
    label: str = "sig1",
) -> tuple[str, str]:
    """Return (`Signature-Input`, `Signature`) header values."""
    inner = InnerList(tuple(Item(name, {}) for name in components), params)
    params_text = serialize_inner_list(inner)
    base = signature_base(view, components, params_text)
    signature = crypto.sign_bytes(algorithm, private_key, base)
    encoded = base64.b64encode(signature).decode("ascii")
    return f"{label}={params_text}", f"{label}=:{encoded}:"
