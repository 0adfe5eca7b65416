"""Acceptance of issue 3: a Fedify peer follows the co-op of a real `coopfed serve` process.

Both directions are checked: coopfed verified the peer's signature (RFC 9421 first, as Fedify
knocks) before storing the Follow, and the peer verified coopfed's signature on the Accept.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import coopfed, free_port, running

from .conftest import PeerFactory
from .fedify_peer import FedifyPeer, JsonDict, of_type

pytestmark = [pytest.mark.interop, pytest.mark.slow]

PEER_HOST = "127.0.0.2"


@pytest.fixture
def served_coop(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed(
        "init", "--url", base, "--name", "Interop Co-op", "--handle", "river", cwd=tmp_path
    )
    assert init.returncode == 0, init.stderr
    env = {
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": PEER_HOST,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
        "COOPFED_WORKER__POLL_INTERVAL": "0.1",
    }
    log = tmp_path / "serve.log"
    with running("serve", cwd=tmp_path, env=env, log=log, health_url=f"{base}/healthz"):
        yield base
    print(log.read_text(errors="replace")[-6000:])


def test_fedify_follows_the_coop_and_receives_a_verified_accept(
    served_coop: str, fedify_peer: PeerFactory
) -> None:
    peer: FedifyPeer = fedify_peer(host=PEER_HOST)
    coop = f"{served_coop}/actors/river"

    sent = peer.follow("alice", coop)
    accept = peer.wait_for("alice", of_type("Accept"), timeout=30)

    # The peer verified our signature on the Accept, made with the co-op's key.
    assert accept["actor"] == coop
    assert accept["acceptsFollow"] == sent["followId"]
    assert accept["httpSignature"]["verified"], accept["httpSignature"]
    assert accept["httpSignature"]["keyId"] == f"{coop}#main-key"
    following = peer.state("alice")["actors"]["alice"]["following"]
    assert following[0]["id"] == coop and following[0]["accepted"]

    # Our side verified the peer's signature: only verified activities become followers.
    followers = httpx.get(f"{coop}/followers?page=1").json()
    assert followers["orderedItems"] == [peer.actor_url("alice")]
    deliveries = [d for d in peer.deliveries() if d["path"].endswith("/inbox")]
    assert all(d["status"] < 300 for d in deliveries), deliveries


def test_fedify_undo_follow_removes_the_follower(
    served_coop: str, fedify_peer: PeerFactory
) -> None:
    peer: FedifyPeer = fedify_peer(host=PEER_HOST)
    coop = f"{served_coop}/actors/river"
    peer.follow("bob", coop)
    peer.wait_for("bob", of_type("Accept"), timeout=30)
    peer.undo_follow("bob", coop)
    for _ in range(100):
        if httpx.get(f"{coop}/followers").json()["totalItems"] == 0:
            break
        time.sleep(0.1)
    assert httpx.get(f"{coop}/followers").json()["totalItems"] == 0


def test_fedify_rfc9421_signature_naming_its_rsa_multikey_is_accepted(
    served_coop: str, fedify_peer: PeerFactory
) -> None:
    """Fedify lists its RSA key twice: `publicKey` `#main-key` and the Multikey `#multikey-1`
    under `assertionMethod` (its Ed25519 key is `#multikey-2`). Fedify 2.3.6 signs HTTP requests
    with RSA only, so this is how a Fedify-signed request reaches our Multikey lookup."""
    peer: FedifyPeer = fedify_peer(host=PEER_HOST)
    coop = f"{served_coop}/actors/river"
    alice = peer.actor_url("alice")
    document = httpx.get(alice, headers={"Accept": "application/activity+json"}).json()
    multikeys = {key["id"]: key for key in document["assertionMethod"]}
    assert multikeys[f"{alice}#multikey-1"]["type"] == "Multikey"
    assert multikeys[f"{alice}#multikey-2"]["publicKeyMultibase"].startswith("z6Mk")  # Ed25519

    def follow(key_id: str) -> JsonDict:
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{alice}#follows/{uuid.uuid4()}",
            "type": "Follow",
            "actor": alice,
            "object": coop,
        }
        return peer.send("alice", f"{coop}/inbox", activity, spec="rfc9421", key_id=key_id)

    # An RSA signature under the Ed25519 Multikey's id: refused, and no follower.
    wrong = follow(f"{alice}#multikey-2")
    assert wrong["status"] == 401, wrong
    assert json.loads(wrong["body"])["reason"] == "unsupported_algorithm"  # alg=rsa-v1_5-sha256
    assert httpx.get(f"{coop}/followers").json()["totalItems"] == 0

    sent = follow(f"{alice}#multikey-1")
    assert sent["status"] == 202, sent
    accept = peer.wait_for("alice", of_type("Accept"), timeout=30)
    assert accept["httpSignature"]["verified"], accept["httpSignature"]
    followers = httpx.get(f"{coop}/followers?page=1").json()
    assert followers["orderedItems"] == [alice]
