"""Object integrity proofs (FEP-8b32): `DataIntegrityProof` with the `eddsa-jcs-2022` suite.

A proof lets an object (a co-op's result certificate, a joint result) stay verifiable when it is
relayed or stored, independently of the HTTP signature of the request that carried it.

Signing input (W3C vc-di-eddsa, JCS variant): `sha256(JCS(proof options)) || sha256(JCS(document
without "proof"))`, signed with Ed25519; `proofValue` is multibase base58btc ('z'). The proof
options are the proof without `proofValue` (so a proof carrying its own `@context`, as the W3C
vectors do, verifies too). The verification method must be a Multikey listed under the actor's
`assertionMethod` (FEP-521a) whose controller is that actor, on the same origin as the object's
actor (FEP-fe34): a key of one server never vouches for another server's objects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from coopfed.activitypub.httpsig.errors import KeyFormatError
from coopfed.activitypub.httpsig.keys import (
    base58btc_decode,
    base58btc_encode,
    multibase_to_ed25519,
)
from coopfed.activitypub.jcs import JcsError, canonicalize
from coopfed.activitypub.origin import InvalidURL, origin_of

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"
SIGNATURE_BYTES = 64


class ProofError(ValueError):
    """A proof that is missing, malformed, from the wrong key, or does not verify."""


def signing_input(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """What Ed25519 signs: hash of the proof options, then hash of the document."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    try:
        options_hash = hashlib.sha256(canonicalize(dict(options))).digest()
        document_hash = hashlib.sha256(canonicalize(unsecured)).digest()
    except JcsError as error:
        raise ProofError(f"no canonical form: {error}") from None
    return options_hash + document_hash


def create_proof(
    document: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """A copy of `document` with a `proof` by `private_key` (any earlier proof replaced)."""
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": PURPOSE,
        "created": _seconds_utc(created),
    }
    signature = private_key.sign(signing_input(document, options))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return {**unsecured, "proof": {**options, "proofValue": "z" + base58btc_encode(signature)}}


def proof_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document's one eddsa-jcs-2022 proof, checked for shape (not yet verified)."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("no proof (one DataIntegrityProof object expected)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof: {proof.get('type')!r}/{proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != PURPOSE:
        raise ProofError("the proof's purpose must be assertionMethod")
    for name in ("verificationMethod", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise ProofError(f"the proof has no {name}")
    return proof


def verify_proof(document: Mapping[str, Any], public_key: ed25519.Ed25519PublicKey) -> None:
    """Raise ProofError unless the document's proof verifies with `public_key`."""
    proof = proof_of(document)
    value = str(proof["proofValue"])
    if not value.startswith("z"):
        raise ProofError("proofValue must be multibase base58btc ('z')")
    try:
        signature = base58btc_decode(value[1:])
    except KeyFormatError as error:
        raise ProofError(str(error)) from None
    if len(signature) != SIGNATURE_BYTES:
        raise ProofError("an Ed25519 signature has 64 bytes")
    options = {key: item for key, item in proof.items() if key != "proofValue"}
    try:
        public_key.verify(signature, signing_input(document, options))
    except InvalidSignature:
        raise ProofError("the proof does not verify (changed, or another key)") from None


def _origin(url: str) -> str | None:
    try:
        return origin_of(url)
    except InvalidURL:
        return None


def assertion_key(actor_document: Mapping[str, Any], method_id: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 Multikey `method_id` from the actor's `assertionMethod` (FEP-521a).

    The key must be listed by the actor itself, controlled by it, and on its origin.
    """
    actor_id = actor_document.get("id")
    if not isinstance(actor_id, str) or _origin(method_id) != _origin(actor_id):
        raise ProofError("the verification method is not on the actor's origin")
    methods = actor_document.get("assertionMethod")
    for method in methods if isinstance(methods, list) else [methods]:
        if not isinstance(method, dict) or method.get("id") != method_id:
            continue
        if method.get("type") != "Multikey" or method.get("controller") != actor_id:
            raise ProofError("the verification method is not a Multikey of this actor")
        try:
            return multibase_to_ed25519(str(method.get("publicKeyMultibase", "")))
        except KeyFormatError as error:
            raise ProofError(f"unusable key: {error}") from None
    raise ProofError(f"{actor_id} lists no assertion method {method_id}")


def verify_by_actor(document: Mapping[str, Any], actor_document: Mapping[str, Any]) -> None:
    """Verify a proof that must come from `actor_document`'s own assertion key."""
    method_id = str(proof_of(document)["verificationMethod"])
    verify_proof(document, assertion_key(actor_document, method_id))


def _seconds_utc(moment: datetime) -> str:
    """RFC 3339 UTC to the second, as Data Integrity's `created` is written."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime cannot be encoded: {moment!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
