"""Issue 18: a general assembly reaches a Fedify peer that follows the co-op as an `Event`
(Create, then Update when a proposal joins its agenda), HTTP-signed, and its IRI answers the
Event to Fedify's own lookup (real `coopfed serve`, peer on 127.0.0.2). Fedify expands the
JSON-LD, so this also checks that the Event's inline context (Mobilizon's and coopfed's terms)
is well formed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import PeerFactory
from .fedify_peer import of_type
from .test_proposals import PEER_HOST, _cli, pytestmark, served  # noqa: F401


def _object(record: dict[str, Any]) -> dict[str, Any]:
    raw = record["raw"]
    activity = json.loads(raw) if isinstance(raw, str) else raw
    found = activity["object"]
    assert isinstance(found, dict)
    return found


def test_a_following_peer_gets_the_event_and_its_update(
    served: tuple[str, Path],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    base, cwd = served
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", f"{base}/actors/river")
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    _cli(cwd, "member", "add", "--local", "bob")
    proposal = _cli(
        cwd, "proposal", "create", "--title", "Approve the accounts", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    peer.wait_for("alice", of_type("Create"), timeout=30)  # the Question

    assembly = _cli(
        cwd, "assembly", "create", "--title", "Annual general assembly",
        "--starts", "2030-06-20T18:00Z", "--ends", "2030-06-20T20:00Z",
        "--place", "Town hall, room 2", "--quorum", "50%",
    )  # fmt: skip
    create = peer.wait_for(
        "alice",
        lambda r: r.get("type") == "Create" and _object(r).get("type") == "Event",
        timeout=30,
    )
    assert create["httpSignature"]["verified"], create["httpSignature"]
    event = _object(create)
    assert event["id"] == assembly["id"] and event["name"] == "Annual general assembly"
    assert event["startTime"] == "2030-06-20T18:00:00Z" and event["location"]["type"] == "Place"

    _cli(cwd, "assembly", "add", assembly["slug"], proposal["id"])
    update = peer.wait_for(
        "alice",
        lambda r: r.get("type") == "Update" and _object(r).get("type") == "Event",
        timeout=30,
    )
    assert update["httpSignature"]["verified"], update["httpSignature"]
    assert _object(update)["agenda"] == [proposal["id"]]

    looked_up = peer.lookup(assembly["id"])  # Fedify's own fetch and JSON-LD parse
    assert looked_up["type"] == "Event" and looked_up["id"] == assembly["id"]
    assert looked_up["json"]["name"] == "Annual general assembly"
