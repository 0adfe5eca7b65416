"""The pure half of `coopfed verify` on a joint proposal: the combination recomputed by the same
`joint_decision` the host decides with, and each certificate against its co-op's result."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from coopfed.governance.joint import ResultCertificate, certificate_hash, joint_decision
from coopfed.governance.joint_verification import check_certificate, check_combination
from coopfed.governance.result import DecisionStatus

from .support import T0

A, B, C = (f"https://{x}.example/actors/coop{x}" for x in "abc")
CHARTER = {"rule": "coop_majority", "threshold": "1/2", "coops": [A, B, C], "grace_seconds": 60}
CLOSES = T0 + timedelta(days=1)


def cert(coop: str, yes: int, no: int) -> ResultCertificate:
    status = DecisionStatus.PASSED if yes > no else DecisionStatus.REJECTED
    return ResultCertificate(
        proposal_id=f"{coop}/p", coop_actor_id=coop, method="proposal@1",
        electorate_hash="e" * 64, electorate_size=3, counts={"yes": yes, "no": no},
        status=status, log_head="h" * 64, closed_at=CLOSES,
    )  # fmt: skip


CERTS = [(cert(A, 2, 1), CLOSES), (cert(B, 2, 1), CLOSES), (cert(C, 1, 2), CLOSES)]


def published() -> dict[str, object]:
    status, result = joint_decision(CHARTER, CERTS, closes_at=CLOSES, host=A)
    return {"status": status, **result}


def test_the_host_decision_recombines() -> None:
    result = published()
    assert result["status"] == "passed"  # 2 of 3 co-ops > 1/2
    assert result["certificates"] == {c.coop_actor_id: certificate_hash(c) for c, _ in CERTS}
    checks = check_combination(CHARTER, CERTS, result, closes_at=CLOSES, host=A)
    assert [(c.name, c.ok) for c in checks] == [("combination", True)]


def test_an_altered_certificate_or_result_is_named() -> None:
    altered = [CERTS[0], (replace(CERTS[1][0], counts={"yes": 1, "no": 2},
                                   status=DecisionStatus.REJECTED), CLOSES), CERTS[2]]  # fmt: skip
    checks = check_combination(CHARTER, altered, published(), closes_at=CLOSES, host=A)
    names = {c.name for c in checks if not c.ok}
    assert {"combination.status", "combination.certificates", "combination.took_part"} <= names
    edited = {**published(), "status": "rejected"}
    checks = check_combination(CHARTER, CERTS, edited, closes_at=CLOSES, host=A)
    assert [c.name for c in checks if not c.ok] == ["combination.status"]


def test_a_late_certificate_counts_out_but_never_the_hosts() -> None:
    late = [(c, CLOSES + timedelta(minutes=5)) for c, _ in CERTS]
    status, result = joint_decision(CHARTER, late, closes_at=CLOSES, host=A)
    assert result["did_not_take_part"] == {B: "late", C: "late"}
    assert result["took_part"] == {A: "passed"}
    assert status == "rejected"  # A's weight alone, 1 of 3, is not more than 1/2


def test_a_certificate_against_its_coops_result() -> None:
    certificate = CERTS[0][0]
    record = {**certificate.to_dict(), "detail": {"winners": None}, "counts_note": "x"}
    assert [c.ok for c in check_certificate(certificate, record, A)] == [True]
    lied = {**record, "counts": {"yes": 1, "no": 2}, "status": "rejected"}
    assert [c.name for c in check_certificate(certificate, lied, A)] == [
        f"certificate[{A}].counts",
        f"certificate[{A}].status",
    ]
    unread = check_certificate(certificate, None, A)
    assert unread[0].ok and "not compared" in unread[0].detail
