"""Acceptance of issue 5: a Fedify peer sees a proposal as a poll, votes Mastodon-style, and
only a member's vote counts (real `coopfed serve` process, peer on 127.0.0.2)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import coopfed, free_port, running

from .conftest import PeerFactory
from .fedify_peer import FedifyPeer, of_type

pytestmark = [pytest.mark.interop, pytest.mark.slow]

PEER_HOST = "127.0.0.2"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed("init", "--url", base, "--name", "Poll Co-op", "--handle", "river", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    env = {
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": PEER_HOST,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
        "COOPFED_WORKER__POLL_INTERVAL": "0.1",
    }
    log = tmp_path / "serve.log"
    with running("serve", cwd=tmp_path, env=env, log=log, health_url=f"{base}/healthz"):
        yield base, tmp_path
    print(log.read_text(errors="replace")[-6000:])


def _cli(cwd: Path, *args: str) -> Any:
    env = {
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": PEER_HOST,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
    }
    done = coopfed(*args, "--json", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _update_counts(record: dict[str, Any]) -> dict[str, int]:
    raw = record["raw"]
    question = (json.loads(raw) if isinstance(raw, str) else raw)["object"]
    items = question.get("oneOf") or question.get("anyOf") or []
    return {item["name"]: item["replies"]["totalItems"] for item in items}


def _updates(peer: FedifyPeer, actor: str) -> list[dict[str, Any]]:
    return [r for r in peer.inbox(actor) if r.get("type") == "Update"]


def _note_saying(text: str) -> Callable[[dict[str, Any]], bool]:
    def matches(record: dict[str, Any]) -> bool:
        note = record.get("note")
        return (
            record.get("type") == "Create" and note is not None and text in (note["content"] or "")
        )

    return matches


def test_member_vote_counts_and_a_followers_vote_gets_a_note(
    served: tuple[str, Path], fedify_peer: PeerFactory
) -> None:
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    for name in ("alice", "bob"):
        peer.follow(name, coop)
        peer.wait_for(name, of_type("Accept"), timeout=30)
    _cli(cwd, "member", "add", peer.actor_url("alice"))

    created = _cli(
        cwd, "proposal", "create", "--title", "Buy a van", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]

    create = peer.wait_for("alice", of_type("Create"), timeout=30)
    assert create["question"] is not None, create  # Fedify's vocabulary parsed a Question
    names = [option["name"] for option in create["question"]["exclusiveOptions"]]
    assert names == ["yes", "no", "block"]
    assert create["httpSignature"]["verified"], create["httpSignature"]
    looked_up = peer.lookup(question_id)
    assert looked_up["type"] == "Question" and looked_up["id"] == question_id

    peer.vote("alice", question_id, ["yes"])
    deadline = time.monotonic() + 60
    counted: dict[str, int] = {}
    while time.monotonic() < deadline:
        updates = _updates(peer, "alice")
        if updates and (counted := _update_counts(updates[-1])).get("yes") == 1:
            break
        time.sleep(0.5)
    assert counted == {"yes": 1, "no": 0, "block": 0}, peer.log_tail()

    # The member's counted vote earns her a private note with its receipt (issue 14).
    receipt = peer.wait_for("alice", _note_saying("was counted. Receipt: "), timeout=60)
    assert receipt["to"] == [peer.actor_url("alice")] or peer.actor_url("alice") in receipt["to"]
    assert receipt["httpSignature"]["verified"], receipt["httpSignature"]

    before = len(_updates(peer, "alice"))
    peer.vote("bob", question_id, ["no"])
    note = peer.wait_for("bob", _note_saying("not bound to a member"), timeout=60)
    assert "not bound to a member" in (note["note"]["content"] or "")
    assert note["to"] == [peer.actor_url("bob")] or peer.actor_url("bob") in note["to"]
    time.sleep(2)  # give a wrongly counted vote time to show up as an Update
    later = _updates(peer, "alice")
    assert all(_update_counts(u) == {"yes": 1, "no": 0, "block": 0} for u in later[before:])
    tally = _cli(cwd, "proposal", "tally", question_id)
    assert tally["turnout"] == 1  # the follower's tap changed nothing
