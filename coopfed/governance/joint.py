"""Decisions across co-ops: result certificates and the rules that combine them.

Each member co-op decides under its own charter and publishes a signed `ResultCertificate`
(signing lives in federation/; this module only gives the canonical bytes to sign). The
hosting node combines verified certificates by the project's rule. A missing, late (received
after closes_at + grace), unverified or conflicting certificate means the co-op did not take
part: it stays in every denominator and is never an abstention.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from coopfed.governance.canonical import canonical_json, rfc3339, sha256_hex, to_jsonable
from coopfed.governance.charter import Comparison, ThresholdBase
from coopfed.governance.counting import quorum_met
from coopfed.governance.errors import GovernanceError
from coopfed.governance.result import DecisionStatus, ResultRecord

# How long after closing a member co-op's certificate still counts when none is given: long
# enough for real networks (retries, a node restarting), never zero (docs/governance.md).
DEFAULT_GRACE = timedelta(hours=1)


class JointError(GovernanceError):
    """A joint rule or project that cannot be used."""


@dataclass(frozen=True, slots=True)
class ResultCertificate:
    """What one co-op publishes about its linked proposal once it is decided."""

    proposal_id: str
    coop_actor_id: str
    method: str
    electorate_hash: str
    electorate_size: int
    counts: Mapping[str, int]
    status: DecisionStatus
    log_head: str
    closed_at: datetime

    @classmethod
    def from_result(
        cls, record: ResultRecord, coop_actor_id: str, log_head: str, closed_at: datetime
    ) -> ResultCertificate:
        counts = {k: v for k, v in record.counts.items() if isinstance(v, int)}
        return cls(
            proposal_id=record.proposal_id,
            coop_actor_id=coop_actor_id,
            method=record.method,
            electorate_hash=record.electorate_hash,
            electorate_size=record.electorate_size,
            counts=counts,
            status=record.status,
            log_head=log_head,
            closed_at=closed_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "coop_actor_id": self.coop_actor_id,
            "method": self.method,
            "electorate_hash": self.electorate_hash,
            "electorate_size": self.electorate_size,
            "counts": dict(sorted(self.counts.items())),
            "status": self.status.value,
            "log_head": self.log_head,
            "closed_at": rfc3339(self.closed_at),
        }

    def canonical_bytes(self) -> bytes:
        """The bytes a co-op signs (FEP-8b32 with eddsa-jcs-2022 signs this JCS form)."""
        return canonical_json(self.to_dict())


@dataclass(frozen=True, slots=True)
class ReceivedCertificate:
    """A certificate as the hosting node got it: when, and whether its proof verified."""

    certificate: ResultCertificate
    received_at: datetime
    verified: bool


class RuleKind(enum.StrEnum):
    UNANIMITY = "unanimity"
    COOP_MAJORITY = "coop_majority"
    PROPORTIONAL = "proportional"


class Weighting(enum.StrEnum):
    EQUAL = "equal"
    MEMBERS = "members"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class JointRule:
    """How certificates combine. `coop_quorum`: share of member co-ops that must report.

    coop_majority uses `threshold` t (passed iff Σ W[passed] > t ΣW). proportional applies
    `quorum`, `base` and `comparison` to the weighted yes/no, like a proposal.
    """

    kind: RuleKind
    threshold: Fraction = Fraction(1, 2)
    coop_quorum: Fraction | None = None
    quorum: Fraction | None = None
    base: ThresholdBase = ThresholdBase.CAST_EXCL_ABSTAIN
    comparison: Comparison = field(default_factory=Comparison.majority)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "threshold": self.threshold,
            "coop_quorum": self.coop_quorum,
            "quorum": self.quorum,
            "base": self.base.value,
            "comparison": self.comparison.to_str(),
        }


@dataclass(frozen=True, slots=True)
class MemberCoop:
    """A member co-op of a shared project, its linked proposal, its size at the record date."""

    coop_actor_id: str
    linked_proposal_id: str
    members_at_record_date: int = 0
    fixed_weight: Fraction = Fraction(1)


@dataclass(frozen=True, slots=True)
class JointResult:
    status: DecisionStatus
    rule: JointRule
    weighting: Weighting
    weights: Mapping[str, Fraction]
    took_part: Mapping[str, DecisionStatus]
    did_not_take_part: Mapping[str, str]
    detail: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "rule": self.rule.to_dict(),
            "weighting": self.weighting.value,
            "weights": to_jsonable(dict(self.weights)),
            "took_part": {coop: status.value for coop, status in self.took_part.items()},
            "did_not_take_part": dict(self.did_not_take_part),
            "detail": to_jsonable(self.detail),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_dict())


def coop_weights(coops: Sequence[MemberCoop], weighting: Weighting) -> dict[str, Fraction]:
    if weighting is Weighting.EQUAL:
        return {coop.coop_actor_id: Fraction(1) for coop in coops}
    if weighting is Weighting.MEMBERS:
        return {coop.coop_actor_id: Fraction(coop.members_at_record_date) for coop in coops}
    return {coop.coop_actor_id: coop.fixed_weight for coop in coops}


def accepted_certificates(
    coops: Sequence[MemberCoop],
    received: Iterable[ReceivedCertificate],
    deadline: datetime,
    host: str | None = None,
) -> tuple[dict[str, ResultCertificate], dict[str, str]]:
    """Sort certificates into those that count and the reason each other co-op is out.

    `host` is the hosting co-op: its own certificate is made at close on the host itself, so
    it is never late (with a short grace the host's worker could otherwise miss its own)."""
    linked = {coop.coop_actor_id: coop.linked_proposal_id for coop in coops}
    kept: dict[str, ResultCertificate] = {}
    out: dict[str, str] = {}
    for item in received:
        cert = item.certificate
        coop = cert.coop_actor_id
        if coop not in linked or cert.proposal_id != linked[coop]:
            continue  # not about this joint proposal: ignore, not evidence of anything
        if not item.verified:
            out.setdefault(coop, "unverified")
        elif item.received_at > deadline and coop != host:
            out.setdefault(coop, "late")
        elif coop in kept and kept[coop] != cert:
            out[coop] = "conflicting"
        else:
            kept[coop] = cert
    for coop in [c for c in kept if out.get(c) == "conflicting"]:
        del kept[coop]
    for coop in linked:
        if coop in kept:
            out.pop(coop, None)
        else:
            out.setdefault(coop, "missing")
    return kept, dict(sorted(out.items()))


def combine(
    coops: Sequence[MemberCoop],
    received: Iterable[ReceivedCertificate],
    rule: JointRule,
    *,
    weighting: Weighting = Weighting.EQUAL,
    closes_at: datetime,
    grace: timedelta,
    host: str | None = None,
) -> JointResult:
    """Combine the member co-ops' certificates by the project's rule.

    A certificate received after `closes_at + grace` (by the hosting node's clock) is late,
    except the host's own. When no co-op took part the result says so: no_quorum.
    """
    if not coops:
        raise JointError("a shared project needs at least one member co-op")
    weights = coop_weights(coops, weighting)
    kept, out = accepted_certificates(coops, received, closes_at + grace, host)
    took_part = {coop: kept[coop].status for coop in sorted(kept)}
    if rule.coop_quorum is not None and not quorum_met(len(kept), len(coops), rule.coop_quorum):
        status, detail = DecisionStatus.NO_QUORUM, {"reported": len(kept), "coops": len(coops)}
    elif rule.kind is RuleKind.UNANIMITY:
        status, detail = _unanimity(weights, took_part)
    elif rule.kind is RuleKind.COOP_MAJORITY:
        status, detail = _coop_majority(weights, took_part, rule.threshold)
    else:
        status, detail = _proportional(weights, kept, rule)
    if not kept:  # nobody took part: nothing was decided, whatever the rule would say
        status, detail = DecisionStatus.NO_QUORUM, {**detail, "reported": 0, "coops": len(coops)}
    return JointResult(status, rule, weighting, weights, took_part, out, detail)


def _unanimity(
    weights: Mapping[str, Fraction], took_part: Mapping[str, DecisionStatus]
) -> tuple[DecisionStatus, dict[str, Any]]:
    passed = [coop for coop in weights if took_part.get(coop) is DecisionStatus.PASSED]
    status = DecisionStatus.PASSED if len(passed) == len(weights) else DecisionStatus.REJECTED
    return status, {"passed": len(passed), "coops": len(weights)}


def _coop_majority(
    weights: Mapping[str, Fraction],
    took_part: Mapping[str, DecisionStatus],
    threshold: Fraction,
) -> tuple[DecisionStatus, dict[str, Any]]:
    total = sum(weights.values(), Fraction(0))
    passed = sum(
        (w for coop, w in weights.items() if took_part.get(coop) is DecisionStatus.PASSED),
        Fraction(0),
    )
    ok = total > 0 and passed > threshold * total
    status = DecisionStatus.PASSED if ok else DecisionStatus.REJECTED
    return status, {"passed_weight": passed, "total_weight": total}


def _proportional(
    weights: Mapping[str, Fraction], kept: Mapping[str, ResultCertificate], rule: JointRule
) -> tuple[DecisionStatus, dict[str, Any]]:
    """Each reporting co-op adds W*support yes and W*(1-support) no, support = yes/(yes+no).
    A co-op with no yes or no ballots took part with its whole weight as an abstention."""
    yes = no = abstain = Fraction(0)
    for coop, cert in kept.items():
        weight = weights[coop]
        cast = cert.counts.get("yes", 0) + cert.counts.get("no", 0)
        if cast == 0:
            abstain += weight
            continue
        support = Fraction(cert.counts.get("yes", 0), cast)
        yes += weight * support
        no += weight * (1 - support)
    total = sum(weights.values(), Fraction(0))
    base = {
        ThresholdBase.CAST_EXCL_ABSTAIN: yes + no,
        ThresholdBase.CAST_INCL_ABSTAIN: yes + no + abstain,
        ThresholdBase.ELIGIBLE: total,
    }[rule.base]
    detail = {"yes": yes, "no": no, "abstain": abstain, "base": base, "total_weight": total}
    turnout = yes + no + abstain
    if (
        rule.quorum is not None
        and turnout * rule.quorum.denominator < rule.quorum.numerator * total
    ):
        return DecisionStatus.NO_QUORUM, detail
    if rule.comparison.holds(yes, base):
        return DecisionStatus.PASSED, detail
    return DecisionStatus.REJECTED, detail


def certificate_hash(certificate: ResultCertificate) -> str:
    """What a joint result names each counted certificate by."""
    return sha256_hex(certificate.canonical_bytes())


def rule_of(charter: Mapping[str, Any]) -> tuple[JointRule, Weighting, timedelta]:
    """The rule, weighting and grace a project charter (as frozen at opening) sets."""
    quorum = charter.get("coop_quorum")
    rule = JointRule(
        kind=RuleKind(charter["rule"]),
        threshold=Fraction(charter.get("threshold") or "1/2"),
        coop_quorum=None if quorum is None else Fraction(quorum),
    )
    grace = timedelta(seconds=int(charter.get("grace_seconds", 0)))
    return rule, Weighting(charter.get("weighting", "equal")), grace


def joint_decision(
    charter: Mapping[str, Any],
    certificates: Sequence[tuple[ResultCertificate, datetime]],
    *,
    closes_at: datetime,
    host: str | None,
    left: frozenset[str] = frozenset(),
) -> tuple[str, dict[str, Any]]:
    """THE combination of a joint proposal, as the host decides it and `coopfed verify`
    recomputes it: (status, the `jointResult` body, plain JSON).

    `charter`: the project charter frozen at opening (its `coops` all count, also those that
    left since: they stay in every denominator). `certificates`: the verified ones, in the
    order they were received, with when. `host`: the hosting co-op (its own is never late).
    `left`: co-ops no longer in the project; a missing one is named "left", not "missing".
    """
    rule, weighting, grace = rule_of(charter)
    coops = list(charter.get("coops", []))
    first: dict[str, ResultCertificate] = {}
    for certificate, _ in certificates:
        first.setdefault(certificate.coop_actor_id, certificate)
    if not coops:
        return "no_quorum", {"did_not_take_part": {}, "took_part": {}, "detail": {"coops": 0}}
    fixed = charter.get("weights", {})
    member_coops = [
        MemberCoop(
            coop,
            first[coop].proposal_id if coop in first else "",
            first[coop].electorate_size if coop in first else 0,
            Fraction(int(fixed.get(coop, 0))),
        )
        for coop in coops
    ]
    received = [ReceivedCertificate(c, at, True) for c, at in certificates]
    result = combine(
        member_coops, received, rule, weighting=weighting, closes_at=closes_at, grace=grace,
        host=host,
    )  # fmt: skip
    counted = {coop: certificate_hash(first[coop]) for coop in result.took_part}
    out = {
        c: "left" if c in left and why == "missing" else why
        for c, why in result.did_not_take_part.items()
    }
    plain = to_jsonable({**result.to_dict(), "did_not_take_part": out, "certificates": counted})
    assert isinstance(plain, dict)  # Fractions -> "p/q"
    return result.status.value, plain
