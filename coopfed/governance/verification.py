"""Check a published result without trusting the node that published it (`coopfed verify`).

Input: the bundle (services/publication.py, FEDERATION.md "Published results") and what the
decided Question claims about it (read off the wire by federation/mapping/publication.py).
Each check is named and says what differs; the tally is recomputed here with the named method
and charter, by the same governance functions the node used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coopfed.governance import methods
from coopfed.governance.ballots import Ballot, BallotKind
from coopfed.governance.canonical import canonical_json, canonical_text, plain_canonical_json
from coopfed.governance.charter import charter_from_dict, charter_hash
from coopfed.governance.electorate import Electorate
from coopfed.governance.errors import GovernanceError
from coopfed.governance.log import LogEntry, LogError, chain_hash, verify_chain


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class PublishedClaims:
    """What a decided Question says about its count; None where it says nothing."""

    proposal_id: str | None = None
    log_head: str | None = None  # the ballotLogHead published during voting
    log_length: int | None = None
    electorate_hash: str | None = None
    result_hash: str | None = None
    result_record: str | None = None  # the result record as canonical text
    bundle_url: str | None = None
    coop_uri: str | None = None


class Unverifiable(Exception):
    """The documents are not a decided proposal's publication: nothing to check."""


def _ballot(data: Mapping[str, Any]) -> Ballot:
    return Ballot(
        member_id=str(data["member_id"]),
        kind=BallotKind(data["kind"]),
        choice=data["choice"],
        cast_at=datetime.fromisoformat(str(data["cast_at"])),
        reason=str(data.get("reason", "")),
        invalid_reason=str(data.get("invalid_reason", "")),
        # A proxy ballot names its holder; absent on a member's own ballot (and in older logs).
        cast_by=None if data.get("cast_by") is None else str(data["cast_by"]),
    )


def log_entries(bundle: Mapping[str, Any]) -> list[LogEntry]:
    try:
        return [
            LogEntry(
                str(e["proposal_id"]),
                int(e["index"]),
                str(e["prev_hash"]),
                _ballot(e["ballot"]),
                str(e["entry_hash"]),
            )
            for e in bundle["log"]["entries"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise Unverifiable(f"the ballot log is malformed: {error}") from error


def check_chain(bundle: Mapping[str, Any], claims: PublishedClaims) -> list[Check]:
    """The hash chain, its head against the result and against the head the Question
    published during voting (ballotLogHead)."""
    entries = log_entries(bundle)
    pseudonymous = any(e.get("pseudonymous") for e in bundle["log"]["entries"])
    if pseudonymous:
        return [_links_only(bundle)]
    try:
        head = verify_chain(entries, str(bundle["proposal"]))
    except LogError as error:
        return [Check("ballot_chain", False, str(error))]
    checks = [Check("ballot_chain", True, f"{len(entries)} entries, head {head}")]
    recorded = bundle["result"].get("log_head")
    checks.append(_same("log_head_in_result", head, recorded))
    if claims.log_head is not None:
        checks.append(_same("log_head_published", head, claims.log_head))
    return checks


def _links_only(bundle: Mapping[str, Any]) -> Check:
    """Pseudonymous entries: their hashes cannot be recomputed, only their links."""
    prev = "0" * 64
    for position, entry in enumerate(bundle["log"]["entries"]):
        if entry.get("prev_hash") != prev:
            return Check("ballot_chain", False, f"entry {position}: prev_hash does not link")
        prev = str(entry.get("entry_hash"))
    return Check("ballot_chain", True, "links only: voter ids are pseudonymous here")


def _same(name: str, actual: object, expected: object) -> Check:
    if actual == expected:
        return Check(name, True, str(actual))
    return Check(name, False, f"recomputed {actual}, published {expected}")


def check_electorate(bundle: Mapping[str, Any], claims: PublishedClaims) -> list[Check]:
    published = bundle["electorate"]
    checks = [_same("electorate_hash_question", published["hash"], claims.electorate_hash)]
    checks.append(
        _same("electorate_hash_result", published["hash"], bundle["result"].get("electorate_hash"))
    )
    members = published.get("members")
    if members is not None:
        pairs = [[str(m), str(c)] for m, c in members]
        digest = hashlib.sha256(plain_canonical_json(pairs)).hexdigest()
        checks.append(_same("electorate_list", digest, published["hash"]))
    return checks


def check_result_record(bundle: Mapping[str, Any], claims: PublishedClaims) -> list[Check]:
    digest = hashlib.sha256(canonical_json(bundle["result"])).hexdigest()
    checks = [_same("result_hash", digest, bundle.get("result_hash"))]
    if claims.result_hash is not None:
        checks.append(_same("result_hash_question", digest, claims.result_hash))
    if claims.result_record is not None:
        same = claims.result_record == canonical_text(bundle["result"])
        detail = "same record" if same else "the Question carries a different result record"
        checks.append(Check("result_record_question", same, detail))
    return checks


def retally(bundle: Mapping[str, Any]) -> list[Check]:
    """Recompute the result from the log, electorate and charter; compare field by field."""
    members = bundle["electorate"].get("members")
    if members is None or any(e.get("pseudonymous") for e in bundle["log"]["entries"]):
        return [Check("tally", True, "not recomputed: the electorate list is not public")]
    try:
        charter = charter_from_dict(bundle["charter"])
        electorate = Electorate.from_pairs(
            datetime.fromisoformat(bundle["electorate"]["record_date"]),
            [(str(m), str(c)) for m, c in members],
        )
        record = methods.tally(
            bundle["method"],
            bundle["spec"],
            electorate,
            [entry.ballot for entry in log_entries(bundle)],
            charter,
            proposal_id=str(bundle["proposal"]),
            author_member_id=bundle.get("author_member_id"),
            departed=frozenset(bundle.get("departed") or ()),
            log_head=bundle["result"].get("log_head"),
        )
    except (GovernanceError, KeyError, TypeError, ValueError) as error:
        return [Check("tally", False, f"could not recount: {error}")]
    checks = [_same("charter_hash", charter_hash(charter), bundle["result"].get("charter_hash"))]
    recomputed = record.to_dict()
    published = bundle["result"]
    differing = sorted(
        k for k in recomputed.keys() | published.keys() if recomputed.get(k) != published.get(k)
    )
    if not differing:
        checks.append(Check("tally", True, f"recounted: {record.status.value}"))
    for key in differing:
        checks.append(
            Check(
                f"tally.{key}",
                False,
                f"recomputed {recomputed.get(key)!r}, published {published.get(key)!r}",
            )
        )
    return checks


def check_receipt(bundle: Mapping[str, Any], receipt: str) -> Check:
    found = any(e.get("entry_hash") == receipt for e in bundle["log"]["entries"])
    detail = f"{receipt} is in the ballot log" if found else f"{receipt} is not in the ballot log"
    return Check("receipt", found, detail)


CHECKS: tuple[Callable[[Mapping[str, Any], PublishedClaims], list[Check]], ...] = (
    check_chain,
    check_electorate,
    check_result_record,
)


def verify(
    bundle: Mapping[str, Any], claims: PublishedClaims, receipts: Sequence[str] = ()
) -> list[Check]:
    """Every check, in order; raises Unverifiable when the documents are not a publication."""
    for key in ("proposal", "log", "electorate", "result", "charter", "method"):
        if key not in bundle:
            raise Unverifiable(f"the bundle has no {key!r}")
    if claims.proposal_id != bundle["proposal"]:
        raise Unverifiable("the bundle belongs to another proposal")
    checks = [check for step in CHECKS for check in step(bundle, claims)]
    checks.extend(retally(bundle))
    checks.extend(check_receipt(bundle, receipt) for receipt in receipts)
    return checks


__all__ = ["Check", "PublishedClaims", "Unverifiable", "chain_hash", "verify"]
