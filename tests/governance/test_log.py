"""Hash-chained ballot log."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from coopfed.governance.ballots import cast
from coopfed.governance.canonical import canonical_json
from coopfed.governance.log import GENESIS, BallotLog, LogError, verify_chain

from .support import T0


def filled_log() -> BallotLog:
    log = BallotLog("p1")
    log.append(cast("m1", "yes", T0))
    log.append(cast("m2", "no", T0))
    log.append(cast("m1", "no", T0))
    return log


def test_entry_hash_is_sha256_of_prev_hash_and_canonical_entry() -> None:
    log = BallotLog("p1")
    entry = log.append(cast("m1", "yes", T0))
    body = {"proposal_id": "p1", "index": 0, "ballot": entry.ballot.to_dict()}
    expected = hashlib.sha256(GENESIS.encode() + canonical_json(body)).hexdigest()
    assert entry.entry_hash == expected
    assert log.head_hash == expected


def test_chain_verifies_and_receipts_point_at_entries() -> None:
    log = filled_log()
    assert verify_chain(log, "p1") == log.head_hash
    receipts = log.receipts_of("m1")
    assert receipts == [log[0].entry_hash, log[2].entry_hash]
    assert log.has_voted("m2") and not log.has_voted("m9")
    assert [b.choice for b in log.ballots()] == ["yes", "no", "no"]


def test_tampering_is_found_at_its_index() -> None:
    entries = list(filled_log())
    entries[1] = replace(entries[1], ballot=cast("m2", "yes", T0))
    with pytest.raises(LogError, match="entry 1") as error:
        verify_chain(entries)
    assert error.value.index == 1
    with pytest.raises(LogError):
        verify_chain([entries[0], entries[2]])
    with pytest.raises(LogError, match="belongs to"):
        verify_chain(filled_log(), "p2")


def test_log_rebuilds_only_from_a_valid_chain() -> None:
    entries = list(filled_log())
    assert BallotLog("p1", entries).head_hash == entries[-1].entry_hash
    with pytest.raises(LogError):
        BallotLog("p1", entries[1:])
    assert BallotLog("p9").head_hash == GENESIS
