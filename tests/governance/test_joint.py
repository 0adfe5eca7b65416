"""Decisions across co-ops: docs/governance.md, rule 13 (examples 13.1-13.4), and certificates."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from coopfed.governance.charter import Charter
from coopfed.governance.joint import (
    DEFAULT_GRACE,
    JointRule,
    MemberCoop,
    ReceivedCertificate,
    ResultCertificate,
    RuleKind,
    Weighting,
    combine,
)
from coopfed.governance.methods import tally
from coopfed.governance.result import DecisionStatus

from .support import T0, ballots_from_counts, electorate

CLOSES = T0 + timedelta(days=7)
GRACE = timedelta(hours=1)
COOPS = [
    MemberCoop("https://x.example/coop", "px", 120),
    MemberCoop("https://y.example/coop", "py", 30),
    MemberCoop("https://z.example/coop", "pz", 8),
]


def certificate(
    coop: MemberCoop, status: DecisionStatus, yes: int = 0, no: int = 0
) -> ResultCertificate:
    return ResultCertificate(
        proposal_id=coop.linked_proposal_id,
        coop_actor_id=coop.coop_actor_id,
        method="proposal@1",
        electorate_hash="e" * 64,
        electorate_size=coop.members_at_record_date,
        counts={"yes": yes, "no": no, "abstain": 0},
        status=status,
        log_head="0" * 64,
        closed_at=CLOSES,
    )


def received(
    *certs: ResultCertificate, late: bool = False, verified: bool = True
) -> list[ReceivedCertificate]:
    at = CLOSES + (GRACE + timedelta(seconds=1) if late else GRACE)
    return [ReceivedCertificate(cert, at, verified) for cert in certs]


X, Y, Z = COOPS
XYZ = received(
    certificate(X, DecisionStatus.PASSED),
    certificate(Y, DecisionStatus.PASSED),
    certificate(Z, DecisionStatus.REJECTED),
)
MAJORITY = JointRule(RuleKind.COOP_MAJORITY, threshold=Fraction(1, 2))


def test_equal_weights_coop_majority_passes() -> None:
    result = combine(COOPS, XYZ, MAJORITY, closes_at=CLOSES, grace=GRACE)
    assert result.status is DecisionStatus.PASSED
    assert result.detail == {"passed_weight": Fraction(2), "total_weight": Fraction(3)}


def test_unanimity_is_rejected() -> None:
    result = combine(COOPS, XYZ, JointRule(RuleKind.UNANIMITY), closes_at=CLOSES, grace=GRACE)
    assert result.status is DecisionStatus.REJECTED


def test_weights_by_members_pass_with_150_of_158() -> None:
    result = combine(
        COOPS, XYZ, MAJORITY, weighting=Weighting.MEMBERS, closes_at=CLOSES, grace=GRACE
    )
    assert result.status is DecisionStatus.PASSED
    assert result.detail == {"passed_weight": Fraction(150), "total_weight": Fraction(158)}


def test_z_never_reports_and_every_coop_must_report_is_no_quorum() -> None:
    rule = JointRule(RuleKind.COOP_MAJORITY, coop_quorum=Fraction(1))
    result = combine(COOPS, XYZ[:2], rule, closes_at=CLOSES, grace=GRACE)
    assert result.status is DecisionStatus.NO_QUORUM
    assert result.did_not_take_part == {Z.coop_actor_id: "missing"}


def test_missing_coop_stays_in_the_denominator() -> None:
    only_x = received(certificate(X, DecisionStatus.PASSED))
    result = combine(COOPS, only_x, MAJORITY, closes_at=CLOSES, grace=GRACE)
    assert result.status is DecisionStatus.REJECTED  # 1 of 3, not 1 of 1
    by_members = combine(
        COOPS, only_x, MAJORITY, weighting=Weighting.MEMBERS, closes_at=CLOSES, grace=GRACE
    )
    assert by_members.status is DecisionStatus.PASSED  # 120 > 79


def test_late_and_unverified_certificates_do_not_take_part() -> None:
    certs = [
        *received(certificate(X, DecisionStatus.PASSED)),
        *received(certificate(Y, DecisionStatus.PASSED), late=True),
        *received(certificate(Z, DecisionStatus.PASSED), verified=False),
    ]
    result = combine(COOPS, certs, MAJORITY, closes_at=CLOSES, grace=timedelta(hours=1))
    assert result.did_not_take_part == {Y.coop_actor_id: "late", Z.coop_actor_id: "unverified"}
    assert result.status is DecisionStatus.REJECTED
    graced = combine(COOPS, certs, MAJORITY, closes_at=CLOSES, grace=timedelta(hours=2))
    assert graced.status is DecisionStatus.PASSED


def test_conflicting_certificates_from_one_coop_are_not_counted() -> None:
    certs = received(certificate(X, DecisionStatus.PASSED), certificate(X, DecisionStatus.REJECTED))
    result = combine(COOPS, certs, MAJORITY, closes_at=CLOSES, grace=GRACE)
    assert result.did_not_take_part[X.coop_actor_id] == "conflicting"
    assert X.coop_actor_id not in result.took_part


def test_certificate_for_another_proposal_is_ignored() -> None:
    stray = certificate(X, DecisionStatus.PASSED)
    stray = (
        ResultCertificate(**{**stray.__dict__, "proposal_id": "other"})
        if hasattr(stray, "__dict__")
        else stray
    )
    other = ResultCertificate(
        "other",
        X.coop_actor_id,
        "proposal@1",
        "e" * 64,
        1,
        {},
        DecisionStatus.PASSED,
        "0" * 64,
        CLOSES,
    )
    result = combine(COOPS, received(other), MAJORITY, closes_at=CLOSES, grace=GRACE)
    assert result.did_not_take_part[X.coop_actor_id] == "missing"


def test_proportional_weights_support() -> None:
    certs = received(
        certificate(X, DecisionStatus.REJECTED, yes=40, no=60),  # support 2/5, weight 1
        certificate(Y, DecisionStatus.PASSED, yes=9, no=1),  # support 9/10
        certificate(Z, DecisionStatus.PASSED, yes=0, no=0),  # took part, abstained
    )
    rule = JointRule(RuleKind.PROPORTIONAL)
    result = combine(COOPS, certs, rule, closes_at=CLOSES, grace=GRACE)
    assert result.detail["yes"] == Fraction(13, 10) and result.detail["no"] == Fraction(7, 10)
    assert result.status is DecisionStatus.PASSED  # 2 * 13/10 > 2
    by_members = combine(
        COOPS, certs, rule, weighting=Weighting.MEMBERS, closes_at=CLOSES, grace=GRACE
    )
    assert by_members.detail["yes"] == Fraction(48 + 27)
    assert by_members.status is DecisionStatus.REJECTED  # 75 of 150
    quorate = JointRule(RuleKind.PROPORTIONAL, quorum=Fraction(1))
    missing_z = combine(COOPS, certs[:2], quorate, closes_at=CLOSES, grace=GRACE)
    assert missing_z.status is DecisionStatus.NO_QUORUM


def test_certificate_bytes_from_a_result_are_canonical() -> None:
    record = tally(
        "proposal@1",
        {},
        electorate(3),
        ballots_from_counts([("yes", 2)]),
        Charter(),
        proposal_id="px",
    )
    cert = ResultCertificate.from_result(record, X.coop_actor_id, "a" * 64, CLOSES)
    assert cert.counts == {"yes": 2, "no": 0, "block": 0, "abstain": 0, "invalid": 0}
    data = cert.canonical_bytes()
    assert data.startswith(b'{"closed_at":"2026-03-08T12:00:00Z","coop_actor_id":')
    assert b" " not in data
    assert cert.canonical_bytes() == data


def test_joint_result_bytes_are_stable() -> None:
    first = combine(
        COOPS, XYZ, MAJORITY, weighting=Weighting.MEMBERS, closes_at=CLOSES, grace=GRACE
    )
    second = combine(
        COOPS,
        list(reversed(XYZ)),
        MAJORITY,
        weighting=Weighting.MEMBERS,
        closes_at=CLOSES,
        grace=GRACE,
    )
    assert first.canonical_bytes() == second.canonical_bytes()
    assert b'"passed_weight":"150/1"' in first.canonical_bytes()


def test_the_hosts_own_certificate_is_never_late() -> None:
    """Regression (issue 14): with a grace of 0 even the host's certificate, made at close,
    arrived "late", and every joint proposal came out rejected."""
    certs = received(certificate(X, DecisionStatus.PASSED), certificate(Y, DecisionStatus.PASSED))
    result = combine(
        COOPS, certs, MAJORITY, closes_at=CLOSES, grace=timedelta(0), host=X.coop_actor_id
    )
    assert result.took_part == {X.coop_actor_id: DecisionStatus.PASSED}
    assert result.did_not_take_part == {Y.coop_actor_id: "late", Z.coop_actor_id: "missing"}


def test_when_no_coop_took_part_the_result_is_no_quorum_not_rejected() -> None:
    for rule in (MAJORITY, JointRule(RuleKind.UNANIMITY), JointRule(RuleKind.PROPORTIONAL)):
        late = received(certificate(X, DecisionStatus.PASSED), late=True)
        result = combine(COOPS, late, rule, closes_at=CLOSES, grace=GRACE)
        assert result.status is DecisionStatus.NO_QUORUM, rule
        assert result.took_part == {}


def test_the_default_grace_is_an_hour_and_never_zero() -> None:
    assert timedelta(hours=1) == DEFAULT_GRACE
