"""Append-only, hash-chained ballot log of one proposal.

`entry_hash = sha256(prev_hash || canonical JSON of the entry)`, where `prev_hash` is the
previous entry hash as 64 lowercase hex characters (ASCII) and the first entry's prev_hash is
64 zeros. The entry holds the proposal id, its index and the ballot, so an entry cannot be
moved to another proposal or position. A member's receipt is the hash of their entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from coopfed.governance.ballots import Ballot
from coopfed.governance.canonical import canonical_json
from coopfed.governance.errors import GovernanceError

GENESIS = "0" * 64


class LogError(GovernanceError):
    """A chain that does not verify: says at which index and why."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"ballot log entry {index}: {message}")
        self.index = index


@dataclass(frozen=True, slots=True)
class LogEntry:
    proposal_id: str
    index: int
    prev_hash: str
    ballot: Ballot
    entry_hash: str

    def body(self) -> dict[str, Any]:
        return entry_body(self.proposal_id, self.index, self.ballot)

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "entry_hash": self.entry_hash}


def entry_body(proposal_id: str, index: int, ballot: Ballot) -> dict[str, Any]:
    return {"proposal_id": proposal_id, "index": index, "ballot": ballot.to_dict()}


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def make_entry(proposal_id: str, index: int, prev_hash: str, ballot: Ballot) -> LogEntry:
    digest = chain_hash(prev_hash, entry_body(proposal_id, index, ballot))
    return LogEntry(proposal_id, index, prev_hash, ballot, digest)


class BallotLog:
    """The log of one proposal. Entries can be appended, never changed or removed."""

    def __init__(self, proposal_id: str, entries: Iterable[LogEntry] = ()) -> None:
        self.proposal_id = proposal_id
        self._entries: list[LogEntry] = []
        for entry in entries:
            self._accept(entry)

    def _accept(self, entry: LogEntry) -> None:
        expected = make_entry(self.proposal_id, len(self._entries), self.head_hash, entry.ballot)
        if entry != expected:
            raise LogError(entry.index, "does not continue this chain")
        self._entries.append(entry)

    @property
    def head_hash(self) -> str:
        return self._entries[-1].entry_hash if self._entries else GENESIS

    def append(self, ballot: Ballot) -> LogEntry:
        """Append a ballot; the returned entry's hash is the voter's receipt."""
        entry = make_entry(self.proposal_id, len(self._entries), self.head_hash, ballot)
        self._entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(tuple(self._entries))

    def __getitem__(self, index: int) -> LogEntry:
        return self._entries[index]

    def ballots(self) -> list[Ballot]:
        return [entry.ballot for entry in self._entries]

    def receipts_of(self, member_id: str) -> list[str]:
        """Every receipt of a member, oldest first (the last one is the ballot that counts)."""
        return [e.entry_hash for e in self._entries if e.ballot.member_id == member_id]

    def has_voted(self, member_id: str) -> bool:
        return any(entry.ballot.member_id == member_id for entry in self._entries)


def verify_chain(entries: Iterable[LogEntry], proposal_id: str | None = None) -> str:
    """Recompute every hash; return the head hash or raise LogError at the first break."""
    prev = GENESIS
    for position, entry in enumerate(entries):
        if entry.index != position:
            raise LogError(position, f"index {entry.index} out of place")
        if proposal_id is not None and entry.proposal_id != proposal_id:
            raise LogError(position, f"belongs to proposal {entry.proposal_id}")
        if entry.prev_hash != prev:
            raise LogError(position, "prev_hash does not match the previous entry")
        if chain_hash(prev, entry.body()) != entry.entry_hash:
            raise LogError(position, "entry_hash does not match its content")
        prev = entry.entry_hash
    return prev
