"""FEP-8b32 `eddsa-jcs-2022` proofs: the FEP's own example, the W3C vc-di-eddsa vector, round
trips, tampering, and key resolution through the actor's `assertionMethod` (FEP-521a)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from coopfed.activitypub.httpsig.keys import base58btc_decode, ed25519_to_multibase
from coopfed.activitypub.proofs import (
    ProofError,
    assertion_key,
    create_proof,
    verify_by_actor,
    verify_proof,
)

# The test key of W3C vc-di-eddsa, used by FEP-8b32's example too. Never use it for anything.
SECRET_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
PUBLIC_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
ALICE = "https://server.example/users/alice"


def vector_key() -> ed25519.Ed25519PrivateKey:
    raw = base58btc_decode(SECRET_MULTIBASE[1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])


def fep_example() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/data-integrity/v1",
        ],
        "type": "Create",
        "actor": ALICE,
        "object": {"type": "Note", "content": "Hello world"},
    }


FEP_PROOF_VALUE = (
    "z3sXaxjKs4M3BRicwWA9peyNPJvJqxtGsDmpt1jjoHCjgeUf71TRFz56osPSfDErszyLp5Ks1EhYSgpDaNM977Rg2"
)


def test_the_vector_key_is_the_published_public_key() -> None:
    assert ed25519_to_multibase(vector_key().public_key()) == PUBLIC_MULTIBASE


def test_fep_8b32_example_is_reproduced_byte_for_byte() -> None:
    signed = create_proof(
        fep_example(), vector_key(), verification_method=f"{ALICE}#ed25519-key", created=CREATED
    )
    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": f"{ALICE}#ed25519-key",
        "proofPurpose": "assertionMethod",
        "proofValue": FEP_PROOF_VALUE,
        "created": "2023-02-24T23:36:38Z",
    }
    verify_proof(signed, vector_key().public_key())


def test_w3c_vector_with_a_proof_context_verifies() -> None:
    context = [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ]
    did = f"did:key:{PUBLIC_MULTIBASE}#{PUBLIC_MULTIBASE}"
    document = {
        "@context": context,
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2023-02-24T23:36:38Z",
            "verificationMethod": did,
            "proofPurpose": "assertionMethod",
            "@context": context,
            "proofValue": "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FC"
            "zpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
        },
    }
    verify_proof(document, vector_key().public_key())


def signed_example() -> dict[str, Any]:
    return create_proof(
        fep_example(), vector_key(), verification_method=f"{ALICE}#ed25519-key", created=CREATED
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["object"].update(content="Hello world!"),
        lambda d: d.update(actor="https://evil.example/users/alice"),
        lambda d: d["proof"].update(created="2023-02-24T23:36:39Z"),
        lambda d: d["proof"].update(verificationMethod=f"{ALICE}#other"),
        lambda d: d["proof"].update(proofValue="z" + "1" * 80),
        lambda d: d["proof"].update(proofValue="not multibase"),
        lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"),
        lambda d: d["proof"].update(proofPurpose="authentication"),
        lambda d: d.pop("proof"),
        lambda d: d.update(extra=1),
    ],
)
def test_any_change_breaks_the_proof(tamper: Any) -> None:
    document = signed_example()
    tamper(document)
    with pytest.raises(ProofError):
        verify_proof(document, vector_key().public_key())


def test_another_key_does_not_verify() -> None:
    with pytest.raises(ProofError):
        verify_proof(signed_example(), ed25519.Ed25519PrivateKey.generate().public_key())


def test_round_trip_with_unicode_and_nested_values() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    document = {"id": "https://a.example/x", "name": "Coöp 😀", "n": [1, {"b": None, "a": True}]}
    signed = create_proof(document, key, verification_method="https://a.example/k", created=CREATED)
    reordered = dict(reversed(list(copy.deepcopy(signed).items())))
    verify_proof(reordered, key.public_key())  # key order on the wire does not matter


def actor_document(multibase: str = PUBLIC_MULTIBASE, **method: Any) -> dict[str, Any]:
    entry = {
        "id": f"{ALICE}#ed25519-key",
        "type": "Multikey",
        "controller": ALICE,
        "publicKeyMultibase": multibase,
        **method,
    }
    return {"id": ALICE, "type": "Person", "assertionMethod": [entry]}


def test_verify_by_actor_uses_the_listed_assertion_method() -> None:
    verify_by_actor(signed_example(), actor_document())


@pytest.mark.parametrize(
    "document",
    [
        actor_document(controller="https://server.example/users/bob"),
        actor_document(type="JsonWebKey2020"),
        actor_document(id=f"{ALICE}#another-key"),
        actor_document(
            multibase=ed25519_to_multibase(ed25519.Ed25519PrivateKey.generate().public_key())
        ),
        {"id": ALICE, "type": "Person"},
    ],
)
def test_keys_not_listed_or_controlled_by_the_actor_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        verify_by_actor(signed_example(), document)


def test_a_method_on_another_origin_never_vouches_for_the_actor() -> None:
    document = actor_document(id="https://evil.example/keys#k")
    with pytest.raises(ProofError, match="origin"):
        assertion_key(document, "https://evil.example/keys#k")
