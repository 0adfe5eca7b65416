"""Issue 16, discussions before a proposal, with a real Fedify peer: the Group's discussion
Note reaches a following peer signed, the peer member's reply joins the discussion (in
`coopfed discussion show ID --json` as from the fediverse), the discussion becomes a draft
proposal that opens and is decided, and the outcome statement reaches the peer as the Group's
Note in reply to the Question (real `coopfed serve`, peer on 127.0.0.2)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.processes import coopfed

from .conftest import PeerFactory
from .fedify_peer import of_type
from .test_comments import ADMIN, ADMIN_PASSWORD, _post_form, _reply
from .test_proposals import PEER_HOST, _cli, pytestmark, served  # noqa: F401


def _note(record: dict[str, Any]) -> dict[str, Any] | None:
    raw = record["raw"]
    activity = json.loads(raw) if isinstance(raw, str) else raw
    note = activity.get("object")
    if record.get("type") != "Create" or not isinstance(note, dict):
        return None
    return note if note.get("type") == "Note" else None


def _note_with(key: str, value: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: (_note(record) or {}).get(key) == value


def _discussion_comments(cwd: Any, discussion: str, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown: dict[str, Any] = _cli(cwd, "discussion", "show", discussion)
        if shown["comments"]:
            return list(shown["comments"])
        time.sleep(0.2)
    raise AssertionError(f"no comment on {discussion} after {timeout} s")


def test_a_discussion_federates_and_ends_in_an_outcome_statement(
    served: tuple[str, Any],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", coop)
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    _cli(cwd, "member", "add", peer.actor_url("alice"))
    made = coopfed("admin", "create", ADMIN, cwd=cwd, stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    _cli(cwd, "member", "add", "--local", ADMIN)

    started = _cli(
        cwd, "discussion", "start", "--member", ADMIN, "--title", "A van?",
        "--text", "Do we need one?",
    )  # fmt: skip
    record = peer.wait_for("alice", _note_with("id", started["uri"]), timeout=30)
    assert record["httpSignature"]["verified"], record["httpSignature"]
    note = _note(record)
    assert note is not None and note["attributedTo"] == coop
    assert "<strong>A van?</strong>" in note["content"]

    reply = _reply(peer.actor_url("alice"), started["uri"], "Yes, for deliveries.")
    sent = peer.send("alice", f"{coop}/inbox", reply)
    assert sent["status"] in (200, 202), sent
    [comment] = _discussion_comments(cwd, started["id"])
    assert (comment["source"], comment["state"]) == ("fediverse", "shown")
    assert comment["author_actor"] == peer.actor_url("alice")

    proposed = _cli(cwd, "discussion", "propose", started["id"])
    question = proposed["proposal_uri"]
    _cli(cwd, "proposal", "open", proposed["proposal"])
    _cli(cwd, "proposal", "close", proposed["proposal"])

    slug = proposed["proposal"]
    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as client:
        fields = {"username": ADMIN, "password": ADMIN_PASSWORD, "next": "/"}
        _post_form(client, "/sign-in", "/sign-in", fields)
        page = f"/proposals/{slug}"
        _post_form(client, page, f"{page}/outcome", {"outcome": "We rent one first."})

    record = peer.wait_for("alice", _note_with("inReplyTo", question), timeout=30)
    assert record["httpSignature"]["verified"], record["httpSignature"]
    outcome = _note(record)
    assert outcome is not None and outcome["attributedTo"] == coop
    assert outcome["id"] == f"{question}/outcome" and "We rent one first." in outcome["content"]
