"""Acceptance of issue 18 (meeting polls): a `meeting@1` proposal reaches a Fedify peer as a
multiple-choice poll of its slots; a member taps two slots there (each tap a yes), another
answers the grid on the site with an "if need be"; closing ranks the slots by yes, then by
if need be (real `coopfed serve`, peer on 127.0.0.2, votes signed by Fedify's own code)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import coopfed

from .conftest import PeerFactory
from .fedify_peer import of_type
from .test_comments import ADMIN, ADMIN_PASSWORD, _post_form
from .test_proposals import PEER_HOST, _cli, pytestmark, served  # noqa: F401

SLOTS = ["Mon 18:00", "Tue 18:00", "Wed 18:00"]


def _closed_counts(record: dict[str, Any]) -> dict[str, int] | None:
    """The slots' counts of a closing Update(Question), else None."""
    raw = record["raw"]
    activity = json.loads(raw) if isinstance(raw, str) else raw
    question = activity.get("object")
    if record.get("type") != "Update" or not isinstance(question, dict):
        return None
    if "closed" not in question:
        return None
    return {item["name"]: item["replies"]["totalItems"] for item in question.get("anyOf", [])}


def _wait_for_turnout(cwd: Path, question_id: str, turnout: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    tally: dict[str, Any] = {}
    while time.monotonic() < deadline:
        tally = _cli(cwd, "proposal", "tally", question_id)
        if tally["turnout"] == turnout:
            return tally
        time.sleep(0.5)
    raise AssertionError(f"turnout never reached {turnout}: {tally}")


def test_taps_from_a_fedify_peer_and_a_site_grid_rank_the_slots(
    served: tuple[str, Path],  # noqa: F811 (the fixture of test_proposals.py)
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

    created = _cli(
        cwd, "proposal", "create", "--title", "When do we meet?", "--method", "meeting",
        "--options", ",".join(SLOTS), "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]
    slug = question_id.rsplit("/", 1)[1]

    create = peer.wait_for("alice", of_type("Create"), timeout=30)
    assert create["question"] is not None, create
    # Fedify reads `anyOf` as inclusiveOptions: a multiple-choice poll of the slots.
    assert [o["name"] for o in create["question"]["inclusiveOptions"]] == SLOTS
    assert create["question"]["exclusiveOptions"] == []

    peer.vote("alice", question_id, ["Tue 18:00", "Wed 18:00"])  # two taps, two Notes
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tally = _wait_for_turnout(cwd, question_id, 1)
        if tally["counts"]["Tue 18:00"] == 1 and tally["counts"]["Wed 18:00"] == 1:
            break
        time.sleep(0.5)  # the second tap may still be on its way
    assert tally["counts"]["Mon 18:00"] == 0 and tally["counts"]["Wed 18:00"] == 1, tally

    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as client:
        fields = {"username": ADMIN, "password": ADMIN_PASSWORD, "next": "/"}
        _post_form(client, "/sign-in", "/sign-in", fields)
        page = f"/proposals/{slug}"
        grid = {"action": "vote", "slot-0": "no", "slot-1": "if_need_be", "slot-2": "yes"}
        _post_form(client, page, f"{page}/vote", grid)
    _wait_for_turnout(cwd, question_id, 2)

    closed = _cli(cwd, "proposal", "close", question_id)
    assert closed["status"] == "decided"
    detail = closed["result"]["detail"]
    assert detail["ranking"] == ["Wed 18:00", "Tue 18:00", "Mon 18:00"]
    assert detail["totals"] == {"Mon 18:00": 0, "Tue 18:00": 1, "Wed 18:00": 2}
    assert detail["if_need_be"] == {"Mon 18:00": 0, "Tue 18:00": 1, "Wed 18:00": 0}

    # The peer sees the closed poll: taps and site yeses alike, the if-need-be not as a tap.
    final = peer.wait_for("alice", lambda r: _closed_counts(r) is not None, timeout=60)
    assert _closed_counts(final) == {"Mon 18:00": 0, "Tue 18:00": 1, "Wed 18:00": 2}
    assert final["httpSignature"]["verified"], final["httpSignature"]
