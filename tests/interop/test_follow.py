"""Acceptance of issue 3: a Fedify peer follows the co-op of a real `coopfed serve` process.

Both directions are checked: coopfed verified the peer's signature (RFC 9421 first, as Fedify
knocks) before storing the Follow, and the peer verified coopfed's signature on the Accept.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import coopfed, free_port, running

from .conftest import PeerFactory
from .fedify_peer import FedifyPeer, of_type

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
