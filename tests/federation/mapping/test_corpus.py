"""Every real payload in the fixture corpus maps to a vote or poll, or is refused with a reason.

The corpus (tests/fixtures/fediverse/, from Lemmy's test assets plus Mastodon's poll shapes)
holds what a dozen servers really send; none of it may raise anything but a typed refusal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coopfed.federation.mapping.polls import PollRefusal, RemotePoll, ap_to_poll
from coopfed.federation.mapping.votes import RemoteVote, VoteRefusal, ap_to_vote

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "fediverse"
PAYLOADS = sorted(CORPUS.rglob("*.json"))
PREFIX = "https://coop.example/proposals/"


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def test_the_corpus_is_there() -> None:
    assert len(PAYLOADS) > 100
    assert len({path.relative_to(CORPUS).parts[0] for path in PAYLOADS}) >= 14


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_payload_maps_or_is_refused_with_a_reason(path: Path) -> None:
    payload = _load(path)
    vote = ap_to_vote(payload, proposals_prefix=PREFIX)
    assert isinstance(vote, RemoteVote) or (isinstance(vote, VoteRefusal) and vote.reason)
    inner = payload.get("object") if isinstance(payload, dict) else None
    for candidate in (payload, inner):
        poll = ap_to_poll(candidate)
        assert isinstance(poll, RemotePoll) or (isinstance(poll, PollRefusal) and poll.reason)


def _name(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def test_only_the_mastodon_vote_is_a_vote_on_our_proposals() -> None:
    votes = [
        _name(p)
        for p in PAYLOADS
        if isinstance(ap_to_vote(_load(p), proposals_prefix=PREFIX), RemoteVote)
    ]
    assert votes == ["mastodon/polls/vote_create_note.json"]


def test_only_questions_read_as_polls() -> None:
    polls = []
    for path in PAYLOADS:
        payload = _load(path)
        inner = payload.get("object") if isinstance(payload, dict) else None
        if isinstance(ap_to_poll(payload), RemotePoll) or isinstance(ap_to_poll(inner), RemotePoll):
            polls.append(_name(path))
    assert polls == ["mastodon/polls/question_create.json", "mastodon/polls/question_update.json"]
