"""Acceptance of issue 6: a Fedify peer applies with `Join`, an admin admits it from the CLI,
the peer receives a verified `Accept`, appears in the `members` collection, and its vote counts
on a proposal opened after its admission but not on one opened before (real `coopfed serve`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import coopfed, free_port, running

from .conftest import PeerFactory
from .fedify_peer import FedifyPeer

pytestmark = [pytest.mark.interop, pytest.mark.slow]

PEER_HOST = "127.0.0.2"
ENV = {
    "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": PEER_HOST,
    "COOPFED_FEDERATION__ALLOW_HTTP": "true",
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed("init", "--url", base, "--name", "Join Co-op", "--handle", "river", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    env = {**ENV, "COOPFED_WORKER__POLL_INTERVAL": "0.1"}
    log = tmp_path / "serve.log"
    with running("serve", cwd=tmp_path, env=env, log=log, health_url=f"{base}/healthz"):
        yield base, tmp_path
    print(log.read_text(errors="replace")[-6000:])


def _cli(cwd: Path, *args: str, json_out: bool = True) -> Any:
    done = coopfed(*args, *(["--json"] if json_out else []), cwd=cwd, env=ENV)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if json_out else done.stdout


def _until(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _proposal(cwd: Path, title: str) -> str:
    created = _cli(
        cwd, "proposal", "create", "--title", title, "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    return str(created["id"])


def _note_text(received: dict[str, Any]) -> str:
    note = received.get("note")
    return str(note.get("content", "")) if isinstance(note, dict) else ""


def test_join_admit_accept_member_and_votes_only_after_admission(
    served: tuple[str, Path], fedify_peer: PeerFactory
) -> None:
    base, cwd = served
    coop = f"{base}/actors/river"
    peer: FedifyPeer = fedify_peer(host=PEER_HOST)
    alice = peer.actor_url("alice")
    _cli(cwd, "member", "add", "--local", "river_admin")  # someone already in the electorate
    before = _proposal(cwd, "Opened before alice joined")

    sent = peer.join("alice", coop, content="I repair the vans.")
    applications = _until(
        lambda: [a for a in _cli(cwd, "member", "applications") if a["actor"] == alice]
    )
    assert applications, "the Join never became an application"
    assert applications[0]["message"] == "I repair the vans."
    assert applications[0]["join_activity"] == sent["id"]

    admitted = _cli(cwd, "member", "admit", alice)
    assert admitted["actor"] == alice and admitted["status"] == "active"
    accept = peer.wait_for(
        "alice", lambda r: r.get("type") == "Accept" and r.get("objectId") == sent["id"], 30
    )
    assert accept["actor"] == coop
    assert accept["httpSignature"]["verified"], accept["httpSignature"]
    add = peer.wait_for("alice", lambda r: r.get("type") == "Add", 30)
    assert add["objectId"] == alice
    welcome = peer.wait_for(
        "alice", lambda r: r.get("type") == "Create" and "accepted" in _note_text(r), 30
    )
    assert "you are now a member" in _note_text(welcome)  # told in words (issue 15)

    page = httpx.get(f"{coop}/members?page=1").json()
    assert alice in page["orderedItems"]

    after = _proposal(cwd, "Opened after alice joined")
    peer.vote("alice", after, ["yes"])
    peer.vote("alice", before, ["yes"])
    counted = _until(lambda: _cli(cwd, "proposal", "tally", after)["turnout"] == 1, 60)
    assert counted, _cli(cwd, "proposal", "tally", after)
    note = peer.wait_for(
        "alice", lambda r: r.get("type") == "Create" and "not counted" in _note_text(r), 60
    )
    assert "Opened before alice joined" in _note_text(note)  # told why that vote does not count
    assert _cli(cwd, "proposal", "tally", before)["turnout"] == 0
    assert _cli(cwd, "proposal", "tally", after)["counts"]["yes"] == 1
