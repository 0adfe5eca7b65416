"""Proposals as Questions: the JSON we send, compared with Mastodon's own poll shapes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from coopfed.activitypub.vocab import CONTEXT, INLINE_TERMS, PUBLIC
from coopfed.federation.mapping.polls import (
    PollKind,
    PollTally,
    RemotePoll,
    ap_to_poll,
    poll_kind,
    poll_tally,
)
from coopfed.federation.mapping.proposals import (
    ProposalView,
    Visibility,
    proposal_to_question,
    question_create_activity,
    question_update_activity,
)
from coopfed.governance.ballots import abstain, cast
from coopfed.governance.canonical import canonical_text, sha256_hex
from coopfed.governance.charter import Charter
from coopfed.governance.members import Member
from coopfed.governance.proposal import (
    Proposal,
    ProposalState,
    close_proposal,
    open_proposal,
    withdraw,
)
from coopfed.governance.result import DecisionStatus

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fediverse" / "mastodon" / "polls"
BASE = "https://coop.example"
COOP = f"{BASE}/actors/coop"
FOLLOWERS = f"{COOP}/followers"
T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
MEMBERS = [Member(f"m{i}", f"https://social.example/users/u{i}", "member") for i in range(3)]


def load(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text())
    assert isinstance(document, dict)
    return document


def opened(
    method: str = "proposal@1", spec: dict[str, Any] | None = None, charter: Charter | None = None
) -> Proposal:
    draft = Proposal(
        proposal_id=f"{BASE}/proposals/p17",
        author_member_id="m0",
        title="Move the <b>assembly</b> to Tuesday",
        method=method,
        spec=spec or {},
        charter=charter or Charter(quorum=Fraction(1, 2)),
    )
    proposal, _ = open_proposal(draft, MEMBERS, T0, T0 + timedelta(days=7))
    return proposal


def view(proposal: Proposal, **changes: Any) -> ProposalView:
    base = ProposalView(
        proposal=proposal,
        body="First paragraph.\n\nSecond <script>alert(1)</script> line",
        visibility=Visibility.PUBLIC,
        coop_actor=COOP,
        coop_followers=FOLLOWERS,
        tally=PollTally({"yes": 2, "no": 1, "block": 0}, 3),
        log_head="ab" * 32,
        log_length=4,
    )
    return replace(base, **changes)


def test_public_question_has_mastodons_poll_shape() -> None:
    mastodon = load("question_create.json")["object"]
    question = proposal_to_question(view(opened()))
    for key in ("id", "type", "attributedTo", "to", "cc", "content", "endTime", "votersCount"):
        assert key in mastodon and key in question, key
    assert question["type"] == "Question"
    assert question["to"] == [PUBLIC] and question["cc"] == [FOLLOWERS]
    assert question["endTime"] == "2026-09-08T10:00:00Z"
    assert question["published"] == "2026-09-01T10:00:00Z"
    assert question["votersCount"] == 3
    assert question["oneOf"] == [
        {"type": "Note", "name": "yes", "replies": {"type": "Collection", "totalItems": 2}},
        {"type": "Note", "name": "no", "replies": {"type": "Collection", "totalItems": 1}},
        {"type": "Note", "name": "block", "replies": {"type": "Collection", "totalItems": 0}},
    ]
    # Option entries have exactly the keys of Mastodon's own.
    assert {frozenset(o) for o in question["oneOf"]} == {frozenset(mastodon["oneOf"][0])}
    assert "closed" not in question and "updated" not in question


def test_our_question_reads_like_mastodons_own() -> None:
    ours = ap_to_poll(proposal_to_question(view(opened())))
    theirs = ap_to_poll(load("question_create.json")["object"])
    assert isinstance(ours, RemotePoll) and isinstance(theirs, RemotePoll)
    assert ours.kind is theirs.kind is PollKind.ONE_OF
    assert dict(ours.counts) == {"yes": 2, "no": 1, "block": 0}
    assert ours.voters == 3 and ours.closed is None


def test_content_is_escaped_html_with_title_text_and_link() -> None:
    content = proposal_to_question(view(opened()))["content"]
    assert content.startswith("<p><strong>Move the &lt;b&gt;assembly&lt;/b&gt; to Tuesday")
    assert "<p>First paragraph.</p>" in content
    assert "&lt;script&gt;" in content and "<script>" not in content
    assert f'<a href="{BASE}/proposals/p17">' in content


def test_coopfed_facts_use_inline_terms() -> None:
    question = proposal_to_question(view(opened()))
    assert question["@context"] == CONTEXT
    electorate = opened().electorate
    assert electorate is not None
    assert question["votingMethod"] == "proposal@1"
    assert question["quorum"] == "1/2"
    assert question["threshold"] == "majority"
    assert question["electorateSize"] == 3
    assert question["electorateHash"] == electorate.electorate_hash()
    assert question["ballotLogHead"] == "ab" * 32 and question["ballotLogLength"] == 4
    coopfed_keys = {
        "proposalState",
        "visibility",
        "votingMethod",
        "quorum",
        "threshold",
        "thresholdBase",
        "hiddenResults",
        "electorateSize",
        "electorateHash",
        "ballotLogHead",
        "ballotLogLength",
    }
    assert coopfed_keys <= set(question)
    assert all(key in INLINE_TERMS for key in coopfed_keys)


def test_members_only_is_addressed_to_each_member_and_mentions_them() -> None:
    actors = tuple(member.actor_id for member in MEMBERS)
    question = proposal_to_question(
        view(opened(), visibility=Visibility.MEMBERS, member_actors=actors)
    )
    assert question["to"] == sorted(actors) and question["cc"] == []
    assert PUBLIC not in json.dumps(question)
    assert [tag["href"] for tag in question["tag"]] == sorted(actors)


def test_allies_hook_addresses_allied_coops() -> None:
    ally = "https://other.example/actors/coop"
    question = proposal_to_question(
        view(opened(), visibility=Visibility.ALLIES, ally_actors=(ally,))
    )
    assert question["to"] == [ally] and question["cc"] == []


def test_approval_is_any_of_and_single_approval_one_of() -> None:
    spec = {"options": ["Mon", "Tue", "Wed"]}
    question = proposal_to_question(
        view(opened("approval@1", spec), tally=PollTally({"Mon": 1, "Tue": 2, "Wed": 0}, 2))
    )
    assert [o["name"] for o in question["anyOf"]] == ["Mon", "Tue", "Wed"]
    assert "oneOf" not in question
    assert poll_kind("approval@1", {**spec, "max_choices": 1}) is PollKind.ONE_OF


def test_meeting_is_any_of_the_slots_and_says_a_tap_is_yes() -> None:
    spec = {"options": ["Mon 18h", "Tue 18h"]}
    question = proposal_to_question(
        view(opened("meeting@1", spec), tally=PollTally({"Mon 18h": 2, "Tue 18h": 0}, 2))
    )
    assert question["type"] == "Question"
    assert [(o["name"], o["replies"]["totalItems"]) for o in question["anyOf"]] == [
        ("Mon 18h", 2),
        ("Tue 18h", 0),
    ]
    assert "a tap means yes" in question["content"]
    assert poll_kind("meeting@1", spec) is PollKind.ANY_OF


def test_poll_tally_of_a_meeting_counts_yes_answers() -> None:
    proposal = opened("meeting@1", {"options": ["Mon", "Tue"]})
    ballots = [
        cast("m0", {"Mon": "yes", "Tue": "if_need_be"}, T0),
        cast("m1", {"Mon": "no", "Tue": "yes"}, T0),
        cast("m2", {"Mon": "if_need_be"}, T0),
    ]
    tally = poll_tally(proposal, ballots)
    assert dict(tally.counts) == {"Mon": 1, "Tue": 1}
    assert tally.voters == 2  # m2 answered no slot with yes: nothing shows in the poll


@pytest.mark.parametrize(
    ("method", "spec"),
    [
        ("irv@1", {"options": ["a", "b"]}),
        ("stv@1", {"options": ["a", "b", "c"], "seats": 2}),
        ("schulze@1", {"options": ["a", "b"]}),
        ("borda@1", {"options": ["a", "b"]}),
        ("score@1", {"options": ["a", "b"]}),
        ("dots@1", {"options": ["a", "b"], "dots": 3}),
        ("budget@1", {"options": ["a", "b"], "costs": {"a": 1, "b": 2}, "budget": 2}),
    ],
)
def test_methods_a_poll_cannot_show_become_a_note_linking_to_the_page(
    method: str, spec: dict[str, Any]
) -> None:
    question = proposal_to_question(view(opened(method, spec), tally=None))
    assert question["type"] == "Note"
    assert "oneOf" not in question and "anyOf" not in question and "endTime" not in question
    assert f'<a href="{BASE}/proposals/p17">' in question["content"]
    assert method in question["content"] and question["votingMethod"] == method
    assert isinstance(ap_to_poll(question), type(ap_to_poll(None)))  # not read as a poll


def test_hidden_results_publish_no_counts_until_close() -> None:
    proposal = opened(charter=Charter(hidden_results=True))
    question = proposal_to_question(view(proposal))
    assert "votersCount" not in question and "ballotLogHead" not in question
    assert all("replies" not in option for option in question["oneOf"])
    closed, _ = close_proposal(proposal, T0 + timedelta(days=7))
    final = proposal_to_question(view(closed))
    assert final["votersCount"] == 3 and final["oneOf"][0]["replies"]["totalItems"] == 2


def test_closed_question_sets_closed_and_carries_the_result() -> None:
    closed, _ = close_proposal(opened(), T0 + timedelta(days=7))
    record = {"proposal_id": closed.proposal_id, "status": "passed", "counts": {"yes": 2}}
    decided = replace(
        closed,
        state=ProposalState.DECIDED,
        status=DecisionStatus.PASSED,
        result_hash=sha256_hex(b"x"),
    )
    question = proposal_to_question(view(decided, result=record))
    assert question["closed"] == "2026-09-08T10:00:00Z"
    assert question["resultStatus"] == "passed" and question["proposalState"] == "decided"
    assert question["resultRecord"] == canonical_text(record)
    assert "updated" not in question
    polled = ap_to_poll(question)
    assert isinstance(polled, RemotePoll) and polled.closed == "2026-09-08T10:00:00Z"


def test_withdrawn_question_is_closed_with_status_withdrawn() -> None:
    withdrawn, _ = withdraw(opened(), T0 + timedelta(days=1), by="admin")
    question = proposal_to_question(view(withdrawn))
    assert question["closed"] == "2026-09-02T10:00:00Z"
    assert question["resultStatus"] == "withdrawn"


def test_create_and_update_wrap_the_question_like_mastodon() -> None:
    mastodon_create, mastodon_update = load("question_create.json"), load("question_update.json")
    question = proposal_to_question(view(opened()))
    create = question_create_activity(question)
    update = question_update_activity(question, sequence=1788000000)
    assert set(mastodon_create) - {"published"} <= set(create)
    assert set(mastodon_update) <= set(update)
    assert create["id"] == f"{BASE}/proposals/p17/activity"
    assert update["id"] == f"{BASE}/proposals/p17#updates/1788000000"
    for activity in (create, update):
        assert activity["actor"] == COOP and activity["object"]["id"] == question["id"]
        assert activity["to"] == question["to"] and activity["cc"] == question["cc"]
        assert "@context" not in activity["object"]
        assert activity["object"]["oneOf"] == question["oneOf"]


def test_content_does_not_change_when_counts_do() -> None:
    proposal = opened()
    first = proposal_to_question(view(proposal, tally=PollTally({"yes": 0}, 0)))
    later = proposal_to_question(view(proposal, tally=PollTally({"yes": 9}, 9)))
    assert first["content"] == later["content"]


def test_poll_tally_counts_the_ballots_that_would_count() -> None:
    proposal = opened()
    ballots = [
        cast("m0", "yes", T0),
        cast("m1", "no", T0 + timedelta(seconds=1)),
        cast("m1", "yes", T0 + timedelta(seconds=2)),  # replaces m1's first ballot
        abstain("m2", T0 + timedelta(seconds=3)),
        cast("outsider", "no", T0 + timedelta(seconds=4)),  # not in the electorate
    ]
    tally = poll_tally(proposal, ballots)
    assert dict(tally.counts) == {"yes": 2, "no": 0, "block": 0}
    assert tally.voters == 2


def test_poll_tally_of_multiple_choice_counts_each_option_once_per_member() -> None:
    proposal = opened("approval@1", {"options": ["Mon", "Tue", "Wed"]})
    ballots = [cast("m0", ["Mon", "Tue"], T0), cast("m1", ["Tue", "Tue", "Zzz"], T0)]
    tally = poll_tally(proposal, ballots)
    assert dict(tally.counts) == {"Mon": 1, "Tue": 2, "Wed": 0}
    assert tally.voters == 2


def test_mastodon_update_fixture_reads_with_counts_and_closed() -> None:
    polled = ap_to_poll(load("question_update.json")["object"])
    assert isinstance(polled, RemotePoll)
    assert dict(polled.counts) == {"Monday": 9, "Tuesday": 3}
    assert polled.voters == 12 and polled.closed == "2026-09-08T10:00:00Z"
