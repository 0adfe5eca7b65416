"""JSON-LD context and vocabulary constants for what coopfed sends.

coopfed's own terms are defined INLINE in every document (never a context URL a peer would have
to fetch); FEDERATION.md documents each term.
"""

from __future__ import annotations

from typing import Any, Final

AS_NS: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1: Final = "https://w3id.org/security/v1"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
COOPFED_NS: Final = "https://coopfed.org/ns#"

PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
# Fedify serves `as:Public`, some older software plain `Public`: all three mean the public.
PUBLIC_ALIASES: Final = frozenset({PUBLIC, "as:Public", "Public"})

INLINE_TERMS: Final[dict[str, Any]] = {
    "coopfed": COOPFED_NS,
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "votersCount": "toot:votersCount",
    "discoverable": "toot:discoverable",
    "members": {"@id": "coopfed:members", "@type": "@id"},
    # Proposals published as Questions (FEDERATION.md "Proposals and votes").
    "proposalState": "coopfed:proposalState",
    "visibility": "coopfed:visibility",
    "votingMethod": "coopfed:votingMethod",
    "quorum": "coopfed:quorum",
    "threshold": "coopfed:threshold",
    "thresholdBase": "coopfed:thresholdBase",
    "hiddenResults": "coopfed:hiddenResults",
    "charterHash": "coopfed:charterHash",
    "electorateSize": "coopfed:electorateSize",
    "electorateHash": "coopfed:electorateHash",
    "ballotLogHead": "coopfed:ballotLogHead",
    "ballotLogLength": "coopfed:ballotLogLength",
    "resultStatus": "coopfed:resultStatus",
    "resultHash": "coopfed:resultHash",
    # The result record as its canonical JSON text: sha256 of these exact bytes = resultHash.
    "resultRecord": "coopfed:resultRecord",
    "jointProposal": {"@id": "coopfed:jointProposal", "@type": "@id"},
    # What a decided proposal publishes for `coopfed verify` (FEDERATION.md "Published results").
    "resultBundle": {"@id": "coopfed:resultBundle", "@type": "@id"},
    "ballotLog": {"@id": "coopfed:ballotLog", "@type": "@id"},
    "electorateCollection": {"@id": "coopfed:electorateCollection", "@type": "@id"},
    "resultRecordDocument": {"@id": "coopfed:resultRecordDocument", "@type": "@id"},
    # Alliances and shared projects (FEDERATION.md "Alliances and shared projects").
    "Alliance": "coopfed:Alliance",
    "JointProposal": "coopfed:JointProposal",
    "ResultCertificate": "coopfed:ResultCertificate",
    "projectCharter": "coopfed:projectCharter",
    "proposalSpec": "coopfed:proposalSpec",
    "certificate": "coopfed:certificate",
    "jointResult": "coopfed:jointResult",
}

CONTEXT: Final[list[Any]] = [AS_NS, SECURITY_V1, MULTIKEY_V1, INLINE_TERMS]
# Objects carrying an integrity proof (FEP-8b32) add the Data Integrity terms.
DATA_INTEGRITY_V1: Final = "https://w3id.org/security/data-integrity/v1"
PROOF_CONTEXT: Final[list[Any]] = [AS_NS, SECURITY_V1, MULTIKEY_V1, DATA_INTEGRITY_V1, INLINE_TERMS]
