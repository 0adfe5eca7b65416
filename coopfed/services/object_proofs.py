"""Sign what a co-op publishes with its Ed25519 assertion key (FEP-8b32 `eddsa-jcs-2022`).

The key is the one the actor lists under `assertionMethod` (federation/mapping/actors.py), so
anyone holding the actor document can check the proof, however the object reached them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coopfed.activitypub.httpsig.keys import load_private_key_pem
from coopfed.activitypub.proofs import create_proof
from coopfed.governance.proposal import ProposalState
from coopfed.store.actors import LocalActor
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris


def sign_as(
    actor: LocalActor, uris: Uris, document: Mapping[str, Any], created: datetime
) -> dict[str, Any]:
    key = load_private_key_pem(actor.ed25519_private_pem)
    if not isinstance(key, Ed25519PrivateKey):  # setup always makes Ed25519 keys
        raise TypeError(f"{actor.username} has no Ed25519 key")
    method = uris.actor_ed25519_key(actor.username)
    return create_proof(document, key, verification_method=method, created=created)


def sign_if_final(
    actor: LocalActor, uris: Uris, record: ProposalRecord, question: Mapping[str, Any]
) -> dict[str, Any]:
    """A decided proposal's Question carries a proof dated at its close (the same proof on
    every GET and in the final Update; for members-only ones, per reader: each copy names its
    recipient, and the proof covers `to`); any other Question is returned unchanged."""
    proposal = record.proposal
    if proposal.state is not ProposalState.DECIDED or proposal.closed_at is None:
        return dict(question)
    return sign_as(actor, uris, question, proposal.closed_at)
