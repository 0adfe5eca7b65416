"""An allied node that publishes two ballot-log heads for one log length (or two results for
one proposal) is caught by a peer that receives both Update(Question)s; the evidence is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coopfed.activitypub.proofs import create_proof
from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.services.accounts import create_local_account
from coopfed.services.equivocations import list_equivocations
from tests.federation.inbox_support import COOP, SHARED_INBOX, new_id
from tests.support.fediverse import FediverseServer, TestActor
from tests.web.conftest import HTML, PASSWORD, sign_in

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _signed(obj: dict[str, Any], key: Ed25519PrivateKey, coop: TestActor) -> dict[str, Any]:
    return create_proof(obj, key, verification_method=coop.multikey_id, created=NOW)


def _update(actor: TestActor, question: str, **facts: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_id(actor),
        "type": "Update",
        "actor": actor.uri,
        "to": COOP,
        "object": {"id": question, "type": "Question", "attributedTo": actor.uri, **facts},
    }


async def _send(client: httpx.AsyncClient, node: Node, actor: TestActor, activity: Any) -> None:
    assert (await actor.apost(client, SHARED_INBOX, activity)).status_code == 202
    await process_inbox_batch(node)


async def test_two_heads_for_one_length_are_kept_as_evidence(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    peer = remote_fresh.actor("alice")
    question = f"{remote_fresh.origin}/proposals/p1"
    first = _update(peer, question, ballotLogHead="a" * 64, ballotLogLength=3)
    await _send(client, node, peer, first)
    await _send(client, node, peer, _update(peer, question, ballotLogHead="a" * 64,
                                            ballotLogLength=3))  # fmt: skip
    await _send(client, node, peer, _update(peer, question, ballotLogHead="c" * 64,
                                            ballotLogLength=4))  # fmt: skip
    assert await list_equivocations(node) == []  # a repeat, then a longer log: honest
    second = _update(peer, question, ballotLogHead="b" * 64, ballotLogLength=3)
    await _send(client, node, peer, second)
    (found,) = await list_equivocations(node)
    assert (found.kind, found.log_length, found.actor_uri) == ("log_head", 3, peer.uri)
    assert (found.first_value, found.second_value) == ("a" * 64, "b" * 64)
    assert '"' + first["id"] + '"' in found.first_document
    assert '"' + second["id"] + '"' in found.second_document


async def test_two_results_for_one_proposal_are_caught(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    peer = remote_fresh.actor("alice")
    question = f"{remote_fresh.origin}/proposals/p2"
    await _send(client, node, peer, _update(peer, question, resultHash="1" * 64))
    await _send(client, node, peer, _update(peer, question, resultHash="2" * 64))
    (found,) = await list_equivocations(node)
    assert found.kind == "result" and found.second_value == "2" * 64


async def test_a_question_of_another_origin_is_not_observed(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    peer = remote_fresh.actor("alice")
    elsewhere = "https://other.example/proposals/p3"
    for value in ("1", "2"):  # the inbox refuses it already (origin rules, FEP-fe34)
        forged = _update(peer, elsewhere, resultHash=value * 64)
        answer = await peer.apost(client, SHARED_INBOX, forged)
        assert answer.status_code == 403
    await process_inbox_batch(node)
    assert await list_equivocations(node) == []


async def test_admins_see_equivocations_on_the_admin_page(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    async with node.engine.begin() as conn:
        await create_local_account(conn, username="ada", password=PASSWORD, is_admin=True,
                                   now=node.now())  # fmt: skip
    await sign_in(client, "ada")
    assert "No peer has contradicted itself." in (await client.get("/admin", headers=HTML)).text
    peer = remote_fresh.actor("alice")
    question = f"{remote_fresh.origin}/proposals/p4"
    for value in ("1", "2"):
        await _send(client, node, peer, _update(peer, question, resultHash=value * 64))
    page = (await client.get("/admin", headers=HTML)).text
    assert "two results" in page and "2" * 64 in page and question in page


async def test_a_signed_question_is_kept_only_with_a_valid_proof(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    coop = remote_fresh.add_actor("signer", ed25519=True)
    assert coop.ed25519_key is not None
    question = f"{remote_fresh.origin}/proposals/p5"
    other_key = Ed25519PrivateKey.generate()
    for value, key in (("1", other_key), ("2", other_key)):  # signed by a key it does not list
        activity = _update(coop, question, resultHash=value * 64)
        activity["object"] = _signed(activity["object"], key, coop)
        await _send(client, node, coop, activity)
    assert await list_equivocations(node) == []  # both refused: nothing observed
    for value in ("1", "2"):
        activity = _update(coop, question, resultHash=value * 64)
        activity["object"] = _signed(activity["object"], coop.ed25519_key, coop)
        await _send(client, node, coop, activity)
    (found,) = await list_equivocations(node)
    assert found.kind == "result" and '"proof"' in found.second_document
