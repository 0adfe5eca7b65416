"""What a decided proposal publishes so anyone can recompute its result (issue #14).

One bundle: the charter and method the tally used, the electorate (its hash always; the list
of members only when the reader may see the member roll), the hash-chained ballot log and the
result record. The web layer serves it whole (`/bundle`) and as ActivityStreams collections
(`/electorate`, `/ballots`, `/record`).

Who may read it is the proposal's own rule (`audience.may_see_proposal`, the predicate the
Question GET uses): a members-only proposal publishes nothing to strangers. Without the roll,
voter ids are pseudonyms (sha256 of proposal id, NUL, member id), so the log still shows how
many ballots there were and what they chose, and the chain links still check, but not who.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping import publication as mapping
from coopfed.governance.charter import charter_hash, charter_to_dict
from coopfed.governance.log import GENESIS, LogEntry
from coopfed.governance.proposal import ProposalState
from coopfed.services.audience import may_see_proposal, may_see_roll
from coopfed.services.members import coop_actor
from coopfed.services.object_proofs import sign_as
from coopfed.services.proposals import departed_members
from coopfed.store import ballots as ballot_store
from coopfed.store.actors import LocalActor
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

BUNDLE_VERSION = 1


def pseudonym(proposal_id: str, member_id: str) -> str:
    """A voter id that is stable within one proposal and says nothing about the member."""
    return hashlib.sha256(f"{proposal_id}\0{member_id}".encode()).hexdigest()


def _entry(entry: LogEntry, named: bool) -> dict[str, Any]:
    data = entry.to_dict()
    if not named:
        ballot = dict(data["ballot"])
        ballot["member_id"] = pseudonym(entry.proposal_id, entry.ballot.member_id)
        if entry.ballot.cast_by is not None:  # a proxy holder is a voter too: hidden alike
            ballot["cast_by"] = pseudonym(entry.proposal_id, entry.ballot.cast_by)
        data["ballot"] = ballot
        data["pseudonymous"] = True
    return data


async def readable_bundle(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, reader: str | None
) -> dict[str, Any] | None:
    """The bundle of a decided proposal, or None when it is not decided or not visible."""
    proposal = record.proposal
    decided = proposal.state is ProposalState.DECIDED and record.result is not None
    if not decided or proposal.electorate is None or proposal.opened_at is None:
        return None
    if not await may_see_proposal(conn, record, reader):
        return None
    coop = await coop_actor(conn)
    bundle = await _bundle(conn, record, await may_see_roll(conn, coop, reader))
    bundle["record_document"] = record_document(coop, uris, record)
    return bundle


def record_document(coop: LocalActor, uris: Uris, record: ProposalRecord) -> dict[str, Any]:
    """The result record as a Document signed by the co-op, dated at the close."""
    closed_at = record.proposal.closed_at
    assert closed_at is not None  # decided proposals are closed
    document = mapping.record_document(
        record.uri, uris.actor(coop.username), record.proposal.result_hash, record.result or {}
    )
    return sign_as(coop, uris, document, closed_at)


async def _bundle(conn: AsyncConnection, record: ProposalRecord, named: bool) -> dict[str, Any]:
    proposal = record.proposal
    electorate = proposal.electorate
    assert electorate is not None  # checked by the caller
    log = await ballot_store.load_entries(conn, record.row_id, record.uri)
    result = dict(record.result or {})
    return {
        "version": BUNDLE_VERSION,
        "proposal": record.uri,
        "method": proposal.method,
        "spec": result.get("spec", dict(proposal.spec)),
        "charter": charter_to_dict(proposal.charter),
        "charter_hash": charter_hash(proposal.charter),
        "author_member_id": (proposal.author_member_id or None) if named else None,
        "departed": sorted(await _departed(conn, record)) if named else None,
        "electorate": {
            "hash": electorate.electorate_hash(),
            "size": electorate.size,
            "record_date": electorate.to_dict()["record_date"],
            "members": electorate.to_dict()["members"] if named else None,
        },
        "log": {
            "length": len(log),
            "head": log[-1].entry_hash if log else GENESIS,
            "entries": [_entry(entry, named) for entry in log],
        },
        "result": result,
        "result_hash": proposal.result_hash,
    }


async def _departed(conn: AsyncConnection, record: ProposalRecord) -> frozenset[str]:
    """The members of the electorate who had left when the result was decided, as stored with
    it (the tally needs them: the charter may set their ballots aside). A leave after the
    close changes nothing. Results decided before migration 0022 have no stored list: the
    members who have left by now is the best there is."""
    if record.departed is not None:
        return record.departed
    return await departed_members(conn, record)
