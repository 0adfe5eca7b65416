"""NodeKeyResolver: cache, database, signed fetch, separate key documents, rotation; FEP-521a
Multikeys (Ed25519, RSA) bound like publicKey keys, and RFC 9421 Ed25519 posts to the inbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from coopfed.activitypub.httpsig import (
    KeyUnavailable,
    Rfc9421Signer,
    cavage,
    content_digest_header,
    digest_header,
    http_date,
)
from coopfed.activitypub.httpsig.keys import (
    generate_ed25519_key,
    generate_rsa_key,
    load_public_key_pem,
    public_key_to_multibase,
    public_key_to_pem,
)
from coopfed.activitypub.httpsig.message import request_view
from coopfed.federation.keyresolver import NodeKeyResolver
from coopfed.federation.runtime import FederationRuntime
from coopfed.node import Node
from coopfed.services.setup import INSTANCE_USERNAME
from coopfed.store import actors as local_store
from coopfed.store import remote_actors as remote_store
from tests.federation.conftest import count_rows
from tests.federation.inbox_support import (
    COOP_INBOX,
    dumps,
    follow,
    nothing_stored,
    post_raw,
    stored,
)
from tests.support.fediverse import AS_JSON, FediverseServer, TestActor


async def test_fetches_once_signed_then_serves_from_memory_and_database(
    node: Node, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    record = await NodeKeyResolver(node.federation).resolve(alice.key_id, refresh=False)
    assert record.owner == alice.uri
    assert remote_fresh.fetches[0].signed  # signed by the instance actor
    await NodeKeyResolver(node.federation).resolve(alice.key_id, refresh=False)
    # A fresh runtime (another process) finds it in the database.
    other = FederationRuntime(node)
    again = await NodeKeyResolver(other).resolve(alice.key_id, refresh=False)
    assert again.owner == alice.uri
    assert len(remote_fresh.fetches) == 1
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_key_id(conn, alice.key_id)
    assert stored is not None and stored.inbox == alice.inbox


async def test_refresh_picks_up_a_rotated_key(node: Node, remote_fresh: FediverseServer) -> None:
    bob = remote_fresh.actor("bob")
    resolver = NodeKeyResolver(node.federation)
    old = await resolver.resolve(bob.key_id, refresh=False)
    original = bob.private_key
    try:
        bob.private_key = generate_rsa_key()
        cached = await resolver.resolve(bob.key_id, refresh=False)
        assert cached.public_key.public_numbers() == old.public_key.public_numbers()  # type: ignore[union-attr]
        fresh = await resolver.resolve(bob.key_id, refresh=True)
        assert fresh.public_key.public_numbers() == bob.private_key.public_key().public_numbers()  # type: ignore[union-attr]
    finally:
        bob.private_key = original


async def test_a_separate_key_document_listed_by_its_owner_is_accepted(
    node: Node, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    key_url = f"{remote_fresh.origin}/keys/alice"
    pem = public_key_to_pem(alice.private_key.public_key())
    remote_fresh.serve_json("/keys/alice", {"id": key_url, "owner": alice.uri, "publicKeyPem": pem})
    document = alice.document()
    document["publicKey"] = [
        document["publicKey"],
        {"id": key_url, "owner": alice.uri, "publicKeyPem": pem},
    ]
    remote_fresh.serve_json("/users/alice", document)
    record = await NodeKeyResolver(node.federation).resolve(key_url, refresh=False)
    assert record.owner == alice.uri
    assert [f.path for f in remote_fresh.fetches] == ["/keys/alice", "/users/alice"]


async def test_unreachable_keys_are_unavailable(node: Node, remote_fresh: FediverseServer) -> None:
    with pytest.raises(KeyUnavailable, match="fetch_failed"):
        await NodeKeyResolver(node.federation).resolve(
            f"{remote_fresh.origin}/users/nobody#main-key", refresh=False
        )
    with pytest.raises(KeyUnavailable, match="not an http"):
        await NodeKeyResolver(node.federation).resolve("urn:uuid:1", refresh=False)


async def test_concurrent_first_posts_of_an_unknown_actor_are_all_accepted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Regression: each request fetched the key and inserted the actor; the losers got a 500."""
    mallory = remote_fresh.actor("mallory")
    activities = [follow(mallory) for _ in range(8)]
    answers = await asyncio.gather(
        *(mallory.apost(client, COOP_INBOX, activity) for activity in activities)
    )
    assert [answer.status_code for answer in answers] == [202] * 8
    assert await count_rows(node, "remote_actors") == 1


# --- FEP-521a Multikeys (assertionMethod): Ed25519 and RSA, same binding rules -------------


def _edna(remote: FediverseServer) -> TestActor:
    """An actor listing an Ed25519 Multikey beside its RSA publicKey (a fresh one per test)."""
    return remote.add_actor("edna", ed25519=True)


async def test_an_ed25519_multikey_is_fetched_bound_and_stored(
    node: Node, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    record = await NodeKeyResolver(node.federation).resolve(edna.multikey_id, refresh=False)
    assert record.owner == edna.uri
    assert isinstance(record.public_key, ed25519.Ed25519PublicKey)
    assert edna.ed25519_key is not None
    assert record.public_key.public_bytes_raw() == edna.ed25519_key.public_key().public_bytes_raw()
    # Another process finds both keys of the actor in the database, without a fetch.
    other = FederationRuntime(node)
    again = await NodeKeyResolver(other).resolve(edna.multikey_id, refresh=False)
    main = await NodeKeyResolver(other).resolve(edna.key_id, refresh=False)
    assert (again.owner, main.owner) == (edna.uri, edna.uri)
    assert len(remote_fresh.fetches) == 1
    assert await count_rows(node, "remote_actor_keys") == 2


async def test_an_rsa_multikey_is_accepted(node: Node, remote_fresh: FediverseServer) -> None:
    edna = _edna(remote_fresh)
    document = edna.document()
    rsa_multikey = {
        "id": f"{edna.uri}#multikey-1",  # Fedify lists its RSA key so, beside #main-key
        "type": "Multikey",
        "controller": edna.uri,
        "publicKeyMultibase": public_key_to_multibase(edna.private_key.public_key()),
    }
    document["assertionMethod"].insert(0, rsa_multikey)
    remote_fresh.serve_json("/users/edna", document)
    record = await NodeKeyResolver(node.federation).resolve(rsa_multikey["id"], refresh=False)
    assert record.owner == edna.uri
    assert isinstance(record.public_key, rsa.RSAPublicKey)


@pytest.mark.parametrize("case", ["wrong_controller", "not_listed", "other_origin"])
async def test_multikeys_that_do_not_bind_are_unavailable(
    node: Node, remote_fresh: FediverseServer, other_remote: FediverseServer, case: str
) -> None:
    edna = _edna(remote_fresh)
    document = edna.document()
    key_id = edna.multikey_id
    if case == "wrong_controller":
        document["assertionMethod"][0]["controller"] = remote_fresh.actor("bob").uri
        expected = "not owned by"
    elif case == "not_listed":
        del document["assertionMethod"]
        expected = "does not list key"
    else:  # a key document on edna's origin naming an actor of another origin
        key_id = f"{remote_fresh.origin}/keys/edna"
        eve = other_remote.actor("eve").uri
        remote_fresh.serve_json("/keys/edna", {**edna.multikey(), "id": key_id, "controller": eve})
        expected = "another origin"
    remote_fresh.serve_json("/users/edna", document)
    with pytest.raises(KeyUnavailable, match=expected):
        await NodeKeyResolver(node.federation).resolve(key_id, refresh=False)
    assert await count_rows(node, "remote_actor_keys") == 0


async def test_a_multikey_served_as_its_own_document_is_accepted_when_listed(
    node: Node, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    key_url = f"{remote_fresh.origin}/keys/edna"
    multikey = {**edna.multikey(), "id": key_url}
    remote_fresh.serve_json("/keys/edna", multikey)
    document = edna.document()
    document["assertionMethod"] = [multikey]
    remote_fresh.serve_json("/users/edna", document)
    record = await NodeKeyResolver(node.federation).resolve(key_url, refresh=False)
    assert record.owner == edna.uri
    assert [f.path for f in remote_fresh.fetches] == ["/keys/edna", "/users/edna"]


async def test_refresh_picks_up_a_rotated_multikey(
    node: Node, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    resolver = NodeKeyResolver(node.federation)
    await resolver.resolve(edna.multikey_id, refresh=False)
    edna.ed25519_key = generate_ed25519_key()
    fresh = await resolver.resolve(edna.multikey_id, refresh=True)
    assert fresh.public_key.public_bytes_raw() == edna.ed25519_key.public_key().public_bytes_raw()  # type: ignore[union-attr]
    # The database holds the new key too.
    async with node.engine.connect() as conn:
        found = await remote_store.get_key(conn, edna.multikey_id)
    assert found is not None and found[1] == public_key_to_pem(edna.ed25519_key.public_key())


async def test_an_rfc9421_ed25519_signed_post_is_accepted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    response = await edna.apost(client, COOP_INBOX, follow(edna), scheme="rfc9421", key="ed25519")
    assert response.status_code == 202, response.text
    assert await stored(node) == 1


async def test_a_cavage_hs2019_post_signed_with_the_ed25519_multikey_is_accepted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    assert edna.ed25519_key is not None
    body = dumps(follow(edna))
    headers = {
        "Host": "coop.test",
        "Date": http_date(datetime.now(UTC)),
        "Digest": digest_header(body),
        "Content-Type": AS_JSON,
    }
    view = request_view("POST", COOP_INBOX, headers)
    covered = ("(request-target)", "host", "date", "digest")
    headers["Signature"] = cavage.signature_header(
        edna.multikey_id, edna.ed25519_key, view, covered
    )
    assert 'algorithm="hs2019"' in headers["Signature"]
    response = await post_raw(client, body, headers)
    assert response.status_code == 202, response.text
    assert await stored(node) == 1


async def test_an_rfc9421_ed25519_post_with_tampered_body_or_wrong_key_is_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    edna = _edna(remote_fresh)
    body = dumps(follow(edna))
    headers = edna.signed_headers("POST", COOP_INBOX, body, scheme="rfc9421", key="ed25519")
    tampered = body.replace(b'"Follow"', b'"Block"')
    digest_left = await post_raw(client, tampered, headers)
    # Same tampered body with a matching Content-Digest: the signature itself must fail.
    resigned = {**headers, "content-digest": content_digest_header(tampered)}
    digest_fixed = await post_raw(client, tampered, resigned)
    impostor = Rfc9421Signer(edna.multikey_id, generate_ed25519_key())
    request = httpx.Request("POST", COOP_INBOX, content=body, headers={"Content-Type": AS_JSON})
    impostor.sign(request)
    wrong_key = await post_raw(client, body, dict(request.headers.items()))
    answers = [
        (r.status_code, r.json().get("reason")) for r in (digest_left, digest_fixed, wrong_key)
    ]
    assert answers == [
        (401, "digest_mismatch"),
        (401, "bad_signature"),
        (401, "bad_signature"),
    ]
    assert await nothing_stored(node)


def _expanded_key(key: dict[str, str]) -> dict[str, Any]:
    security = "https://w3id.org/security#"
    return {
        "@id": key["id"],
        security + "owner": [{"@id": key["owner"]}],
        security + "publicKeyPem": [{"@value": key["publicKeyPem"]}],
    }


async def test_an_actor_serving_its_key_in_expanded_json_ld_is_accepted(
    node: Node, remote_fresh: FediverseServer
) -> None:
    # Regression (issue 13, "Also"): the expanded security terms were refused with 401.
    alice = remote_fresh.actor("alice")
    document = alice.document()
    document["https://w3id.org/security#publicKey"] = _expanded_key(document.pop("publicKey"))
    remote_fresh.serve_json("/users/alice", document)
    record = await NodeKeyResolver(node.federation).resolve(alice.key_id, refresh=False)
    assert record.owner == alice.uri
    assert record.public_key.public_numbers() == alice.private_key.public_key().public_numbers()  # type: ignore[union-attr]
    assert [f.path for f in remote_fresh.fetches] == ["/users/alice"]  # no context fetched


async def test_a_separate_expanded_key_document_is_accepted(
    node: Node, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    key_url = f"{remote_fresh.origin}/keys/alice"
    pem = public_key_to_pem(alice.private_key.public_key())
    key = {"id": key_url, "owner": alice.uri, "publicKeyPem": pem}
    remote_fresh.serve_json("/keys/alice", _expanded_key(key))
    document = alice.document()
    document["publicKey"] = [document["publicKey"], key]
    remote_fresh.serve_json("/users/alice", document)
    record = await NodeKeyResolver(node.federation).resolve(key_url, refresh=False)
    assert record.owner == alice.uri
    assert [f.path for f in remote_fresh.fetches] == ["/keys/alice", "/users/alice"]


async def test_our_own_actors_keys_come_from_our_database(node: Node) -> None:
    """A GET signed by this node's instance actor (`coopfed verify` on the node, reading a
    joint proposal it hosts) is checked with the key in our database: the fetcher refuses our
    own origin, so before this the signature could never verify."""
    username = INSTANCE_USERNAME
    async with node.engine.connect() as conn:
        actor = await local_store.get_local_actor(conn, username)
    assert actor is not None
    record = await NodeKeyResolver(node.federation).resolve(
        node.uris.actor_key(username), refresh=True
    )
    assert record.owner == node.uris.actor(username)
    assert public_key_to_pem(record.public_key) == public_key_to_pem(
        load_public_key_pem(actor.rsa_public_pem)
    )
    for unknown in (node.uris.actor_key("nobody"), f"{node.uris.actor(username)}#other-key"):
        with pytest.raises(KeyUnavailable):
            await NodeKeyResolver(node.federation).resolve(unknown, refresh=False)
