"""A Question relayed by someone other than its co-op (`Announce` of the Question or of its
`Update`): authentic when the co-op's FEP-8b32 proof verifies with its `assertionMethod` key;
otherwise fetched from its origin, or ignored. Through the inbox's own pipeline (the HTTP
POST, then the worker)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from coopfed.activitypub.proofs import create_proof
from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.services.equivocations import list_equivocations
from coopfed.store.tables import inbox_items
from tests.federation.inbox_support import COOP, SHARED_INBOX, new_id
from tests.support.fediverse import FediverseServer, TestActor

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _question(coop: TestActor, uri: str, result: str, key: Ed25519PrivateKey | None) -> Any:
    question = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": "Question",
        "attributedTo": coop.uri,
        "resultHash": result * 64,
    }
    if key is None:
        return question
    return create_proof(question, key, verification_method=coop.multikey_id, created=NOW)


def _relayed(relay: TestActor, coop: TestActor, question: Any, *, wrapped: bool = True) -> Any:
    """`relay` announces the co-op's `Update(Question)` (or, unwrapped, the Question)."""
    update = {"id": new_id(coop), "type": "Update", "actor": coop.uri, "object": question}
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_id(relay),
        "type": "Announce",
        "actor": relay.uri,
        "to": COOP,
        "object": update if wrapped else question,
    }


async def _relay(client: httpx.AsyncClient, node: Node, relay: TestActor, activity: Any) -> str:
    """Post through the inbox, let the worker process it; the item's outcome."""
    assert (await relay.apost(client, SHARED_INBOX, activity)).status_code == 202
    assert await process_inbox_batch(node) == 1
    async with node.engine.connect() as conn:
        query = select(inbox_items.c.outcome).where(inbox_items.c.activity_id == activity["id"])
        return str((await conn.execute(query)).scalar_one())


async def test_a_relayed_question_is_authentic_by_its_coops_proof(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    coop, relay = remote_fresh.add_actor("relayed1", ed25519=True), other_remote.actor("eve")
    assert coop.ed25519_key is not None
    uri = f"{remote_fresh.origin}/proposals/r1"
    first = _relayed(relay, coop, _question(coop, uri, "1", coop.ed25519_key))
    outcome = await _relay(client, node, relay, first)
    assert "authenticated by its proof" in outcome, outcome
    second = _question(coop, uri, "2", coop.ed25519_key)  # a second result: equivocation
    outcome = await _relay(client, node, relay, _relayed(relay, coop, second, wrapped=False))
    assert "equivocation recorded" in outcome, outcome
    (found,) = await list_equivocations(node)
    assert (found.kind, found.actor_uri) == ("result", coop.uri)  # the co-op's word, not eve's
    assert '"proof"' in found.first_document and '"proof"' in found.second_document
    assert not any(f.path == "/proposals/r1" for f in remote_fresh.fetches)  # no fetch needed


async def test_without_a_valid_proof_it_is_fetched_from_its_origin(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    coop, relay = remote_fresh.add_actor("relayed2", ed25519=True), other_remote.actor("eve")
    assert coop.ed25519_key is not None
    uri = f"{remote_fresh.origin}/proposals/r2"
    remote_fresh.serve_json("/proposals/r2", _question(coop, uri, "1", coop.ed25519_key))
    forged_key = Ed25519PrivateKey.generate()  # a key the co-op does not list
    for forged in (_question(coop, uri, "2", forged_key), _question(coop, uri, "3", None)):
        outcome = await _relay(client, node, relay, _relayed(relay, coop, forged))
        assert "fetched from its origin" in outcome, outcome
    assert [f.path for f in remote_fresh.fetches].count("/proposals/r2") == 2
    assert await list_equivocations(node) == []  # only the origin's own result was observed
    honest = _relayed(relay, coop, _question(coop, uri, "1", coop.ed25519_key))
    assert "authenticated by its proof" in await _relay(client, node, relay, honest)
    assert await list_equivocations(node) == []  # the same result as fetched


async def test_an_unprovable_relay_that_cannot_be_fetched_changes_nothing(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    coop, relay = remote_fresh.add_actor("relayed3", ed25519=True), other_remote.actor("eve")
    uri = f"{remote_fresh.origin}/proposals/r3"
    remote_fresh.serve_json("/proposals/r3", {"error": "gone"}, status=404)
    forged = _question(coop, uri, "2", Ed25519PrivateKey.generate())
    outcome = await _relay(client, node, relay, _relayed(relay, coop, forged))
    assert "not fetched" in outcome, outcome
    served = _question(coop, uri, "4", Ed25519PrivateKey.generate())  # origin's proof is bad
    remote_fresh.serve_json("/proposals/r3", served)
    unsigned = _relayed(relay, coop, _question(coop, uri, "5", None))
    outcome = await _relay(client, node, relay, unsigned)
    assert "does not verify" in outcome, outcome
    fetched = len(remote_fresh.fetches)
    note = {"id": new_id(coop, "notes"), "type": "Note", "attributedTo": coop.uri}
    ours = {"id": "http://coop.test/proposals/p1", "type": "Question", "attributedTo": COOP}
    # A bare id (never fetched on a relay's word), no Question at all, our own Question.
    for other in (uri, note, 17, ours):
        outcome = await _relay(client, node, relay, _relayed(relay, coop, other, wrapped=False))
        assert "Question" in outcome and outcome.startswith(("an Announce", "a relayed")), outcome
    assert len(remote_fresh.fetches) == fetched
    assert await list_equivocations(node) == []


def _forwarded(forwarder: TestActor, question: Any) -> Any:
    """`forwarder` (another actor of the co-op's origin) sends the Update(Question) itself."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_id(forwarder),
        "type": "Update",
        "actor": forwarder.uri,
        "to": COOP,
        "object": question,
    }


async def test_a_forwarded_update_is_believed_only_by_the_coops_proof(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    coop, forwarder = remote_fresh.add_actor("forwarded1", ed25519=True), remote_fresh.actor("bob")
    assert coop.ed25519_key is not None
    uri = f"{remote_fresh.origin}/proposals/f1"
    unsigned = _forwarded(forwarder, _question(coop, uri, "1", None))
    outcome = await _relay(client, node, forwarder, unsigned)
    assert "needs its proof" in outcome, outcome
    wrong_key = _forwarded(forwarder, _question(coop, uri, "1", Ed25519PrivateKey.generate()))
    outcome = await _relay(client, node, forwarder, wrong_key)
    assert "proof refused" in outcome, outcome
    signed = _forwarded(forwarder, _question(coop, uri, "1", coop.ed25519_key))
    outcome = await _relay(client, node, forwarder, signed)
    assert outcome == "question heads observed", outcome  # was refused: "signed it"
    second = _forwarded(forwarder, _question(coop, uri, "2", coop.ed25519_key))
    outcome = await _relay(client, node, forwarder, second)
    assert "equivocation recorded" in outcome, outcome
    (found,) = await list_equivocations(node)
    assert (found.kind, found.actor_uri) == ("result", coop.uri)  # the co-op's, not bob's
