"""`coopfed verify JOINT_URL`: a decided joint proposal, checked without trusting its host.

What is fetched (FEDERATION.md "Shared projects"): the joint proposal's IRI (the signed
`Update{JointProposal}` document), the project actor, `<IRI>/bundle`, each certifying co-op's
actor, and each co-op's own linked proposal (its Question and bundle, from that co-op's
node). None of it is public: the fetches are signed GETs as the local node's instance actor
(verify_reading.Reader). The checks are the pure ones of governance/joint_verification.py and
governance/verification.py; what differs is named, prefixed with the co-op it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from coopfed.cli.support import CliError
from coopfed.cli.verify_reading import Publication, Reader, proof_check, proof_checks
from coopfed.federation.mapping.alliances import ShapeRefused
from coopfed.federation.mapping.joint import ap_to_certificate
from coopfed.federation.mapping.publication import question_claims
from coopfed.governance.joint import ResultCertificate
from coopfed.governance.joint_verification import check_certificate, check_combination
from coopfed.governance.verification import Check, Unverifiable, check_receipt, verify


def is_joint(document: dict[str, Any]) -> bool:
    return document.get("type") == "JointProposal"


def _time(value: object, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Unverifiable(f"{what} is not an RFC 3339 time: {value!r}") from None
    if moment.tzinfo is None:
        raise Unverifiable(f"{what} has no time zone")
    return moment


def _certificates(
    reader: Reader, bundle: dict[str, Any], joint_url: str
) -> tuple[list[Check], list[tuple[ResultCertificate, datetime]]]:
    """Each stored certificate's shape and its co-op's proof; the certificates that parse,
    with when the host says it received them (in the bundle's order: the first of a co-op is
    the one that counts)."""
    checks: list[Check] = []
    parsed: list[tuple[ResultCertificate, datetime]] = []
    entries = bundle.get("certificates")
    if not isinstance(entries, list):
        raise Unverifiable("the joint bundle has no certificate list")
    for position, entry in enumerate(entries):
        document = entry.get("document") if isinstance(entry, dict) else None
        if not isinstance(document, dict):
            checks.append(Check(f"certificate#{position}", False, "not a certificate document"))
            continue
        try:
            certificate, joint = ap_to_certificate(document)
        except ShapeRefused as error:
            checks.append(Check(f"certificate#{position}", False, f"refused: {error}"))
            continue
        coop = certificate.coop_actor_id
        if joint != joint_url:
            checks.append(Check(f"certificate[{coop}].joint", False, f"for {joint}"))
        actor = reader.get(coop)
        checks.append(proof_check(f"certificate[{coop}].proof", document, actor))
        parsed.append((certificate, _time(entry.get("received_at"), "received_at")))
    return checks, parsed


def _linked(
    reader: Reader, certificate: ResultCertificate, joint_url: str
) -> tuple[list[Check], dict[str, Any]]:
    """The co-op's own linked proposal, verified as `coopfed verify` verifies any decided
    proposal (its checks prefixed `linked[CO-OP].`), then the certificate against its result
    record. Returns the checks and the linked bundle (for receipts)."""
    coop = certificate.coop_actor_id
    question = reader.get(certificate.proposal_id)
    claims = question_claims(question)
    if claims.bundle_url is None:
        raise CliError(f"{certificate.proposal_id} is not a decided proposal (no resultBundle)")
    bundle = reader.get(claims.bundle_url)
    actor = reader.get(coop)
    prefix = f"linked[{coop}]"
    checks = [
        Check(
            f"{prefix}.joint_proposal",
            question.get("jointProposal") == joint_url,
            f"the Question names {question.get('jointProposal')!r}",
        ),
        Check(
            f"{prefix}.co_op",
            claims.coop_uri == coop,
            f"attributed to {claims.coop_uri!r}",
        ),
    ]
    try:
        own = [*proof_checks(Publication(question, claims, bundle, actor)), *verify(bundle, claims)]
    except Unverifiable as error:
        raise CliError(f"cannot verify {certificate.proposal_id}: {error}") from error
    checks.extend(Check(f"{prefix}.{c.name}", c.ok, c.detail) for c in own)
    result = bundle.get("result")
    checks.extend(check_certificate(certificate, result if isinstance(result, dict) else {}, coop))
    return checks, bundle


def _receipts(receipts: Sequence[str], bundles: Sequence[dict[str, Any]]) -> list[Check]:
    """A receipt is found in whichever co-op's linked proposal logged it."""
    checks = []
    for receipt in receipts:
        holding = [b for b in bundles if check_receipt(b, receipt).ok]
        if holding:
            where = ", ".join(str(b.get("proposal")) for b in holding)
            checks.append(Check("receipt", True, f"{receipt} is in the ballot log of {where}"))
        else:
            detail = f"{receipt} is in no linked proposal's ballot log"
            checks.append(Check("receipt", False, detail))
    return checks


def verify_joint(
    reader: Reader, url: str, document: dict[str, Any], receipts: Sequence[str]
) -> list[Check]:
    """Every check of a decided joint proposal whose IRI `url` served `document`."""
    published = document.get("jointResult")
    if not isinstance(published, dict):
        raise CliError(f"{url} is a joint proposal not decided yet (no jointResult)")
    project = document.get("attributedTo")
    if not isinstance(project, str):
        raise CliError(f"{url} names no project (attributedTo)")
    checks = [proof_check("proof_joint_result", document, reader.get(project))]
    bundle = reader.get(f"{url.rstrip('/')}/bundle")
    try:
        if bundle.get("joint_proposal") != url:
            raise Unverifiable("the joint bundle belongs to another joint proposal")
        same = bundle.get("result") == document
        detail = "same document" if same else "the bundle's joint result differs from the IRI's"
        checks.append(Check("joint_result_document", same, detail))
        charter = bundle.get("charter")
        if not isinstance(charter, dict):
            raise Unverifiable("the joint bundle has no charter")
        signed_charter = document.get("projectCharter")
        checks.append(
            Check(
                "joint_charter",
                charter == signed_charter,
                "the charter the project signed"
                if charter == signed_charter
                else f"bundle {charter!r}, signed {signed_charter!r}",
            )
        )
        closes_at = _time(bundle.get("closes_at"), "closes_at")
        signed_end = _time(document.get("endTime"), "endTime")
        checks.append(
            Check("joint_closes_at", closes_at == signed_end, f"bundle {closes_at.isoformat()}")
        )
        host = bundle.get("host")
        shape_checks, certificates = _certificates(reader, bundle, url)
        checks.extend(shape_checks)
        checks.extend(
            check_combination(
                charter,
                certificates,
                published,
                closes_at=closes_at,
                host=host if isinstance(host, str) else None,
            )
        )
    except Unverifiable as error:
        raise CliError(f"cannot verify {url}: {error}") from error
    bundles = []
    seen: set[str] = set()
    for certificate, _ in certificates:
        if certificate.coop_actor_id in seen:
            continue  # a conflicting second certificate: named by the combination already
        seen.add(certificate.coop_actor_id)
        linked_checks, linked_bundle = _linked(reader, certificate, url)
        checks.extend(linked_checks)
        bundles.append(linked_bundle)
    checks.extend(_receipts(receipts, bundles))
    return checks


__all__ = ["is_joint", "verify_joint"]
