"""Check a joint result without trusting the host that combined it (`coopfed verify` on a
joint proposal; FEDERATION.md "Shared projects").

Pure: the caller has fetched the documents, parsed each certificate and checked its proof
(activitypub/proofs.py). Here: each certificate against its co-op's own published result
(where the caller could read it), and the combination recomputed with
`governance.joint.joint_decision`, the very function the host decided with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from coopfed.governance.joint import ResultCertificate, joint_decision
from coopfed.governance.verification import Check


def check_certificate(
    certificate: ResultCertificate, coop_result: Mapping[str, Any] | None, coop: str
) -> list[Check]:
    """The certificate's numbers against the result record its co-op published for the
    linked proposal (None: not readable by the verifier, so not compared)."""
    name = f"certificate[{coop}]"
    if coop_result is None:
        return [Check(name, True, "its co-op's own result was not readable here: not compared")]
    published = {
        "proposal_id": coop_result.get("proposal_id"),
        "method": coop_result.get("method"),
        "electorate_hash": coop_result.get("electorate_hash"),
        "electorate_size": coop_result.get("electorate_size"),
        "counts": {
            k: v for k, v in (coop_result.get("counts") or {}).items() if isinstance(v, int)
        },
        "status": coop_result.get("status"),
        "log_head": coop_result.get("log_head"),
    }
    claimed = certificate.to_dict()
    differing = sorted(k for k in published if claimed.get(k) != published[k])
    if not differing:
        return [Check(name, True, "matches its co-op's published result")]
    return [
        Check(f"{name}.{key}", False, f"certificate {claimed.get(key)!r}, co-op {published[key]!r}")
        for key in differing
    ]


def check_combination(
    charter: Mapping[str, Any],
    certificates: Sequence[tuple[ResultCertificate, datetime]],
    published: Mapping[str, Any],
    *,
    closes_at: datetime,
    host: str | None,
) -> list[Check]:
    """Recombine the certificates by the project charter; compare with the signed
    `jointResult` field by field. Which co-ops "left" is taken from the published result
    (it only names why a co-op is out, never changes the status)."""
    out = published.get("did_not_take_part") or {}
    left = frozenset(coop for coop, why in out.items() if why == "left")
    status, result = joint_decision(
        charter, certificates, closes_at=closes_at, host=host, left=left
    )
    recomputed = {"status": status, **result}
    differing = sorted(
        k for k in recomputed.keys() | published.keys() if recomputed.get(k) != published.get(k)
    )
    if not differing:
        return [Check("combination", True, f"recombined: {status}")]
    return [
        Check(
            f"combination.{key}",
            False,
            f"recomputed {recomputed.get(key)!r}, published {published.get(key)!r}",
        )
        for key in differing
    ]


__all__ = ["check_certificate", "check_combination"]
