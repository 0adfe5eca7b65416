"""Joint proposals, result certificates and joint results on the wire.

- `Create{JointProposal}` by the project actor to its member co-ops.
- `Create{ResultCertificate}` by a member co-op to the project, with a FEP-8b32 proof by the
  co-op's own key: `certificate` holds `ResultCertificate.to_dict()` exactly.
- `Update{JointProposal}` by the project with `jointResult` (the combined result and the hash of
  every certificate counted), proven by the project's key.
Parsing is strict: anything off-shape raises `ShapeRefused` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coopfed.activitypub.vocab import CONTEXT, PROOF_CONTEXT
from coopfed.federation.mapping.alliances import ShapeRefused
from coopfed.governance.canonical import rfc3339
from coopfed.governance.joint import ResultCertificate
from coopfed.governance.result import DecisionStatus

MAX_COUNT = 10**12


@dataclass(frozen=True)
class JointProposalIn:
    uri: str
    project_uri: str
    title: str
    body: str
    method: str
    spec: Mapping[str, Any]
    charter: Mapping[str, Any]
    opened_at: datetime
    closes_at: datetime


def joint_proposal_to_ap(
    *,
    uri: str,
    project_uri: str,
    title: str,
    body: str,
    method: str,
    spec: Mapping[str, Any],
    charter: Mapping[str, Any],
    opened_at: datetime,
    closes_at: datetime,
    to: list[str],
) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "JointProposal",
        "attributedTo": project_uri,
        "name": title,
        "content": body,
        "votingMethod": method,
        "proposalSpec": dict(spec),
        "projectCharter": dict(charter),
        "published": rfc3339(opened_at),
        "endTime": rfc3339(closes_at),
        "to": to,
    }


def joint_proposal_document(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The joint proposal as its IRI serves it: the Create's object with a context."""
    return {"@context": CONTEXT, **obj}


def wrap(kind: str, activity_id: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    context = PROOF_CONTEXT if "proof" in obj else CONTEXT
    return {
        "@context": context,
        "id": activity_id,
        "type": kind,
        "actor": obj["attributedTo"],
        "object": dict(obj),
        "to": obj["to"],
    }


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise ShapeRefused(f"{name} must be a string")
    return value


def _time(obj: Mapping[str, Any], name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(obj, name).replace("Z", "+00:00"))
    except ValueError:
        raise ShapeRefused(f"{name} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ShapeRefused(f"{name} needs a time zone")
    return moment


def _mapping(obj: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = obj.get(name)
    if not isinstance(value, dict):
        raise ShapeRefused(f"{name} must be an object")
    return value


def ap_to_joint_proposal(obj: Mapping[str, Any]) -> JointProposalIn:
    if obj.get("type") != "JointProposal":
        raise ShapeRefused("not a JointProposal")
    return JointProposalIn(
        uri=_text(obj, "id"),
        project_uri=_text(obj, "attributedTo"),
        title=_text(obj, "name")[:300],
        body=_text(obj, "content"),
        method=_text(obj, "votingMethod"),
        spec=_mapping(obj, "proposalSpec"),
        charter=_mapping(obj, "projectCharter"),
        opened_at=_time(obj, "published"),
        closes_at=_time(obj, "endTime"),
    )


def certificate_to_ap(
    certificate: ResultCertificate, *, joint_uri: str, project_uri: str
) -> dict[str, Any]:
    """The unsigned certificate object (the caller adds the proof)."""
    return {
        "@context": PROOF_CONTEXT,
        "id": f"{certificate.proposal_id}#certificate",
        "type": "ResultCertificate",
        "attributedTo": certificate.coop_actor_id,
        "jointProposal": joint_uri,
        "certificate": certificate.to_dict(),
        "to": [project_uri],
    }


def _counts(raw: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, value in raw.items():
        if type(value) is not int or not 0 <= value <= MAX_COUNT:
            raise ShapeRefused("counts must be non-negative integers")
        counts[str(key)] = value
    return counts


def ap_to_certificate(obj: Mapping[str, Any]) -> tuple[ResultCertificate, str]:
    """(certificate, joint proposal IRI); the caller verifies the proof and the sender."""
    if obj.get("type") != "ResultCertificate":
        raise ShapeRefused("not a ResultCertificate")
    raw = _mapping(obj, "certificate")
    size = raw.get("electorate_size")
    if type(size) is not int or not 0 <= size <= MAX_COUNT:
        raise ShapeRefused("electorate_size must be a non-negative integer")
    try:
        status = DecisionStatus(_text(raw, "status"))
    except ValueError:
        raise ShapeRefused("unknown status") from None
    certificate = ResultCertificate(
        proposal_id=_text(raw, "proposal_id"),
        coop_actor_id=_text(raw, "coop_actor_id"),
        method=_text(raw, "method"),
        electorate_hash=_text(raw, "electorate_hash"),
        electorate_size=size,
        counts=_counts(_mapping(raw, "counts")),
        status=status,
        log_head=_text(raw, "log_head"),
        closed_at=_time(raw, "closed_at"),
    )
    if certificate.coop_actor_id != obj.get("attributedTo"):
        raise ShapeRefused("a certificate is attributed to the co-op it certifies")
    if certificate.to_dict() != raw:
        raise ShapeRefused("the certificate has fields we do not know or non-canonical values")
    return certificate, _text(obj, "jointProposal")


def joint_result_to_ap(
    joint: Mapping[str, Any], *, status: str, result: Mapping[str, Any]
) -> dict[str, Any]:
    """The joint proposal again, with its decision (the caller adds the project's proof)."""
    return {**joint, "@context": PROOF_CONTEXT, "jointResult": {"status": status, **result}}


def ap_to_joint_result(obj: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """(status, result) of an Update{JointProposal}."""
    result = _mapping(obj, "jointResult")
    status = _text(result, "status")
    try:
        DecisionStatus(status)
    except ValueError:
        raise ShapeRefused("unknown joint status") from None
    return status, result
