"""Votes from the fediverse: Mastodon's shape is a vote, everything else a typed refusal."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.activitypub.vocab import PUBLIC_ALIASES
from coopfed.federation.mapping.votes import (
    CountedNotice,
    RemoteVote,
    VoteNotice,
    VoteRefusal,
    VoteRefusalReason,
    ap_to_vote,
    counted_notice_to_ap,
    vote_notice_to_ap,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fediverse" / "mastodon"
PREFIX = "https://coop.example/proposals/"


def mastodon_vote() -> dict[str, Any]:
    document = json.loads((FIXTURES / "polls" / "vote_create_note.json").read_text())
    assert isinstance(document, dict)
    return document


def refusal(activity: Any) -> VoteRefusalReason:
    result = ap_to_vote(activity, proposals_prefix=PREFIX)
    assert isinstance(result, VoteRefusal), result
    return result.reason


def test_mastodon_vote_maps_to_a_remote_vote() -> None:
    vote = ap_to_vote(mastodon_vote(), proposals_prefix=PREFIX)
    assert vote == RemoteVote(
        voter="https://mastodon.example/users/bob",
        question="https://coop.example/proposals/17",
        option="Approve",
        activity_id="https://mastodon.example/users/bob#votes/123/activity",
        note_id="https://mastodon.example/users/bob#votes/123",
    )


def test_a_reply_with_content_is_not_a_vote() -> None:
    activity = mastodon_vote()
    activity["object"]["content"] = "<p>I approve!</p>"
    assert refusal(activity) is VoteRefusalReason.HAS_CONTENT
    activity["object"].pop("content")
    activity["object"]["contentMap"] = {"en": "<p>hi</p>"}
    assert refusal(activity) is VoteRefusalReason.HAS_CONTENT


def test_attributed_to_someone_else_is_refused_as_a_vote_attempt() -> None:
    activity = mastodon_vote()
    activity["object"]["attributedTo"] = "https://mastodon.example/users/alice"
    result = ap_to_vote(activity, proposals_prefix=PREFIX)
    assert isinstance(result, VoteRefusal)
    assert result.reason is VoteRefusalReason.ATTRIBUTION and result.is_vote_attempt


def test_reply_to_someone_elses_question_is_not_ours() -> None:
    activity = mastodon_vote()
    activity["object"]["inReplyTo"] = "https://mastodon.example/users/alice/statuses/1"
    assert refusal(activity) is VoteRefusalReason.NOT_OURS
    activity["object"]["inReplyTo"] = PREFIX  # the prefix alone names no proposal
    assert refusal(activity) is VoteRefusalReason.NOT_OURS


def test_announce_of_a_vote_is_never_a_vote() -> None:
    announce = {
        "id": "https://relay.example/announces/1",
        "type": "Announce",
        "actor": "https://relay.example/actor",
        "object": mastodon_vote(),
    }
    assert refusal(announce) is VoteRefusalReason.NOT_CREATE


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda a: a.update(object="https://mastodon.example/users/bob#votes/123"), "not_embedded"),
        (lambda a: a["object"].update(type="Article"), "not_note"),
        (lambda a: a["object"].pop("inReplyTo"), "not_a_reply"),
        (lambda a: a["object"].pop("name"), "no_option"),
        (lambda a: a["object"].update(name="  "), "no_option"),
        (lambda a: a["object"].update(name=["a"]), "no_option"),
        (lambda a: a.pop("id"), "malformed"),
        (lambda a: a.update(actor=7), "malformed"),
        (lambda a: a["object"].update(name="x" * 1001), "malformed"),
    ],
)
def test_malformed_votes_are_refused_with_a_reason(change: Any, reason: str) -> None:
    activity = mastodon_vote()
    change(activity)
    assert refusal(activity).value == reason


def test_in_reply_to_as_object_or_single_item_list_is_read() -> None:
    activity = mastodon_vote()
    activity["object"]["inReplyTo"] = [{"id": "https://coop.example/proposals/17"}]
    vote = ap_to_vote(activity, proposals_prefix=PREFIX)
    assert isinstance(vote, RemoteVote) and vote.question.endswith("/17")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)


@given(json_values)
def test_any_json_value_gives_a_vote_or_a_refusal(value: Any) -> None:
    assert isinstance(ap_to_vote(value, proposals_prefix=PREFIX), RemoteVote | VoteRefusal)


@given(st.dictionaries(st.sampled_from(["type", "name", "inReplyTo", "content"]), json_values))
def test_any_note_fields_give_a_vote_or_a_refusal(fields: dict[str, Any]) -> None:
    activity = copy.deepcopy(mastodon_vote())
    activity["object"].update(fields)
    assert isinstance(ap_to_vote(activity, proposals_prefix=PREFIX), RemoteVote | VoteRefusal)


def test_vote_notice_is_a_private_mention_of_the_voter_only() -> None:
    voter = "https://mastodon.example/users/bob"
    notice = VoteNotice(
        note_id="https://coop.example/notes/1",
        activity_id="https://coop.example/activities/1",
        coop_actor="https://coop.example/actors/coop",
        voter=voter,
        question="https://coop.example/proposals/17",
        title="<Budget>",
        reason="you are not a member of this proposal's electorate",
        published="2026-09-01T10:00:00Z",
    )
    activity = vote_notice_to_ap(notice)
    note = activity["object"]
    assert activity["type"] == "Create" and note["type"] == "Note"
    assert activity["to"] == note["to"] == [voter] and activity["cc"] == note["cc"] == []
    assert note["tag"] == [{"type": "Mention", "href": voter}]
    assert not PUBLIC_ALIASES & set(json.dumps(activity).split('"'))
    assert "&lt;Budget&gt;" in note["content"] and "not a member" in note["content"]
    assert note["inReplyTo"] == notice.question
    # Our own notice is a reply with content: never mistaken for a vote.
    assert refusal(activity) is not None


@pytest.mark.parametrize("invalid", [False, True])
def test_counted_notice_carries_the_receipt_to_the_voter_only(invalid: bool) -> None:
    voter = "https://mastodon.example/users/bob"
    receipt = "ab" * 32
    notice = CountedNotice(
        note_id="https://coop.example/proposals/17/receipts/abababababababababababab",
        activity_id="https://coop.example/proposals/17/receipts/abababababababababababab/activity",
        coop_actor="https://coop.example/actors/coop",
        voter=voter,
        question="https://coop.example/proposals/17",
        title="<Budget>",
        receipt=receipt,
        invalid=invalid,
        published="2026-09-01T10:00:00Z",
    )
    activity = counted_notice_to_ap(notice)
    note = activity["object"]
    assert activity["to"] == note["to"] == [voter] and activity["cc"] == note["cc"] == []
    assert not PUBLIC_ALIASES & set(json.dumps(activity).split('"'))
    assert f"Receipt: {receipt}" in note["content"] and "&lt;Budget&gt;" in note["content"]
    assert f"--receipt {receipt}" in note["content"]
    assert ("not a valid ballot" in note["content"]) is invalid
    assert refusal(activity) is not None  # a reply with content: never mistaken for a vote
