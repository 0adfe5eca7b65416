"""Result records: what a tally decided, with the hashes needed to recompute it anywhere."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coopfed.governance.ballots import Ballot
from coopfed.governance.canonical import (
    canonical_json,
    plain_canonical_json,
    sha256_hex,
    to_jsonable,
)


class DecisionStatus(enum.StrEnum):
    PASSED = "passed"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    TIE = "tie"
    VETOED = "vetoed"
    INCONCLUSIVE = "inconclusive"
    # Choice methods (approval, score, ranked...) elect winners rather than pass a motion.
    DECIDED = "decided"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one method computed from the counted ballots, before the record wraps it."""

    status: DecisionStatus
    counts: Mapping[str, Any]
    detail: Mapping[str, Any] = field(default_factory=dict)
    tie: Mapping[str, Any] | None = None
    # None: the registry checks the pooled quorum itself (choice methods).
    quorum_met: bool | None = None


def inputs_hash(
    method: str,
    spec: Mapping[str, Any],
    charter_hash: str,
    electorate_hash: str,
    ballots: Sequence[Ballot],
) -> str:
    """Hash of everything a tally depends on: rules version, spec, charter, electorate,
    and the counted ballots ([member id, kind, choice], sorted by member id).

    = sha256 of the canonical JSON of {"ballots": [...], "charter_hash", "electorate_hash",
    "method", "spec"}. Counted choices have passed their method's validation, so they are
    plain JSON (strings, integers, lists, objects) and go to the encoder directly.
    """
    counted = sorted((ballot.counted_form() for ballot in ballots), key=lambda b: b[0])
    header = canonical_json(
        {
            "method": method,
            "spec": spec,
            "charter_hash": charter_hash,
            "electorate_hash": electorate_hash,
        }
    )
    # Same bytes as canonical_json of the whole object: "ballots" sorts before every other key.
    body = plain_canonical_json(counted)
    return sha256_hex(b'{"ballots":' + body + b"," + header[1:])


def lot_seed(proposal_id: str, inputs_digest: str) -> bytes:
    """sha256(proposal id || inputs hash): the published seed of any lot in this tally."""
    return hashlib.sha256((proposal_id + inputs_digest).encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """A tally's result; `canonical_bytes()` are identical on every machine."""

    proposal_id: str
    method: str
    spec: Mapping[str, Any]
    charter_hash: str
    electorate_hash: str
    electorate_size: int
    turnout: int
    quorum_met: bool
    status: DecisionStatus
    counts: Mapping[str, Any]
    detail: Mapping[str, Any]
    inputs_hash: str
    tie: Mapping[str, Any] | None = None
    lot_seed: str | None = None
    log_head: str | None = None
    set_aside: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "method": self.method,
            "spec": to_jsonable(self.spec),
            "charter_hash": self.charter_hash,
            "electorate_hash": self.electorate_hash,
            "electorate_size": self.electorate_size,
            "turnout": self.turnout,
            "quorum_met": self.quorum_met,
            "status": self.status.value,
            "counts": to_jsonable(self.counts),
            "detail": to_jsonable(self.detail),
            "inputs_hash": self.inputs_hash,
            "tie": to_jsonable(self.tie),
            "lot_seed": self.lot_seed,
            "log_head": self.log_head,
            "set_aside": dict(self.set_aside),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_dict())

    def result_hash(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()
