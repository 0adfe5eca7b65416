"""The interop harness works on its own: two Fedify peers federate with each other.

No coopfed code is involved; if these fail, fix the harness before blaming coopfed.
"""

from __future__ import annotations

import pytest

from .conftest import PeerFactory
from .fedify_peer import FedifyPeer, Record, of_type

pytestmark = pytest.mark.interop


def _verified_by(record: Record, peer: FedifyPeer, actor: str) -> bool:
    signature = record["httpSignature"]
    return bool(signature["verified"] and signature["keyId"] == f"{peer.actor_url(actor)}#main-key")


@pytest.fixture
def two_peers(fedify_peer: PeerFactory) -> tuple[FedifyPeer, FedifyPeer]:
    return fedify_peer(), fedify_peer()


def test_peers_serve_actors_and_webfinger(two_peers: tuple[FedifyPeer, FedifyPeer]) -> None:
    first, second = two_peers
    assert first.port != second.port

    resolved = first.resolve(second.acct("carol"))
    looked_up = first.lookup(resolved, actor="alice")

    assert resolved == second.actor_url("carol")
    assert looked_up["type"] == "Person"
    assert looked_up["json"]["inbox"] == second.inbox_url("carol")
    assert looked_up["json"]["publicKey"]["id"] == f"{second.actor_url('carol')}#main-key"


def test_follow_is_accepted_with_verified_signatures(
    two_peers: tuple[FedifyPeer, FedifyPeer],
) -> None:
    first, second = two_peers

    sent = first.follow("alice", second.actor_url("bob"))
    follow = second.wait_for("bob", of_type("Follow"))
    accept = first.wait_for("alice", of_type("Accept"))

    assert follow["id"] == sent["followId"]
    assert follow["actor"] == first.actor_url("alice")
    assert follow["objectId"] == second.actor_url("bob")
    assert _verified_by(follow, first, "alice")
    assert follow["httpSignature"]["scheme"] == "rfc9421"  # Fedify's first knock
    assert follow["hasProof"] and follow["hasLdSignature"]
    assert accept["actor"] == second.actor_url("bob")
    assert accept["acceptsFollow"] == sent["followId"]
    assert _verified_by(accept, second, "bob")
    following = first.state("alice")["actors"]["alice"]["following"]
    assert following[0]["id"] == second.actor_url("bob") and following[0]["accepted"]
    followers = second.state("bob")["actors"]["bob"]["followers"]
    assert [f["id"] for f in followers] == [first.actor_url("alice")]


def test_question_reaches_followers_and_votes_come_back_in_mastodon_shape(
    two_peers: tuple[FedifyPeer, FedifyPeer],
) -> None:
    alice_peer, bob_peer = two_peers
    bob_peer.follow("bob", alice_peer.actor_url("alice"))
    bob_peer.wait_for("bob", of_type("Accept"))

    published = alice_peer.question("alice", ["Yes", "No"], end_time="2031-01-01T00:00:00Z")
    create = bob_peer.wait_for("bob", of_type("Create"))
    bob_peer.vote("bob", published["questionId"], ["Yes"])
    vote = alice_peer.wait_for("alice", lambda r: r["type"] == "Create" and r["note"] is not None)

    question = create["question"]
    assert create["objectType"] == "Question"
    assert question["id"] == published["questionId"]
    assert [o["name"] for o in question["exclusiveOptions"]] == ["Yes", "No"]
    assert [o["totalItems"] for o in question["exclusiveOptions"]] == [0, 0]
    assert question["endTime"] == "2031-01-01T00:00:00Z"
    assert question["closed"] is None
    assert vote["note"]["name"] == "Yes"
    assert vote["note"]["inReplyTo"] == published["questionId"]
    assert vote["note"]["content"] is None
    assert vote["note"]["to"] == [alice_peer.actor_url("alice")]
    assert _verified_by(vote, bob_peer, "bob")
    tallied = bob_peer.lookup(published["questionId"], actor="bob")["question"]
    assert [o["totalItems"] for o in tallied["exclusiveOptions"]] == [1, 0]


def test_raw_send_is_verified_or_rejected_by_the_receiving_peer(
    two_peers: tuple[FedifyPeer, FedifyPeer],
) -> None:
    first, second = two_peers
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{first.base_url}/activities/raw-like",
        "type": "Like",
        "actor": first.actor_url("alice"),
        "object": second.actor_url("bob"),
    }

    unsigned = first.send("alice", second.inbox_url("bob"), like, sign=False)
    signed = first.send("alice", second.inbox_url("bob"), like)

    assert unsigned["status"] == 401
    assert signed["status"] == 202
    statuses = [(d["status"], d["httpSignature"]["scheme"]) for d in second.deliveries()]
    assert statuses == [(401, "none"), (202, "draft-cavage-http-signatures-12")]
    received = second.wait_for("bob", of_type("Like"))
    assert _verified_by(received, first, "alice")
    assert received["raw"] == like


def test_sender_falls_back_to_cavage_when_rfc9421_is_refused(fedify_peer: PeerFactory) -> None:
    first = fedify_peer()
    second = fedify_peer(host="127.0.0.2")  # another loopback address is another host
    second.configure(reject_signature_schemes=["rfc9421"])

    first.follow("alice", second.actor_url("bob"))
    follow = second.wait_for("bob", of_type("Follow"))

    attempts = [(d["status"], d["httpSignature"]["scheme"]) for d in second.deliveries()]
    assert attempts == [(401, "rfc9421"), (202, "draft-cavage-http-signatures-12")]
    assert follow["httpSignature"]["scheme"] == "draft-cavage-http-signatures-12"
    assert _verified_by(follow, first, "alice")
    assert second.base_url.startswith("http://127.0.0.2:")


def test_multiple_choice_closed_question_parses_as_fedify_sees_it(
    fedify_peer: PeerFactory,
) -> None:
    peer = fedify_peer()
    published = peer.question(
        "carol",
        ["Red", "Green", "Blue"],
        multiple=True,
        end_time="2030-06-01T12:00:00Z",
        content="<p>Colours?</p>",
    )

    seen = peer.lookup(published["questionId"])

    assert seen["type"] == "Question"
    assert seen["question"]["exclusiveOptions"] == []
    assert [o["name"] for o in seen["question"]["inclusiveOptions"]] == ["Red", "Green", "Blue"]
    assert seen["question"]["attributedTo"] == peer.actor_url("carol")
    assert seen["json"]["anyOf"][0]["replies"]["totalItems"] == 0
