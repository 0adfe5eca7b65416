"""What a signed remote vote moves in /metrics: inbox accepted, processed and lag, votes by source.

The same counters `GET /metrics` exposes (coopfed/metrics.py), read from the in-process
registry around one vote from a member and one from a non-member, each POSTed signed to the
shared inbox and then processed by the worker's inbox job.
"""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY

from coopfed.node import Node
from coopfed.services import members
from tests.federation.test_proposal_votes import _follow, _open, _vote
from tests.support.fediverse import FediverseServer

COUNTERS = {
    "accepted": ("coopfed_inbox_received_total", {"result": "accepted", "error": "", "reason": ""}),
    "done": ("coopfed_inbox_processed_total", {"state": "done"}),
    "lag": ("coopfed_inbox_lag_seconds_count", {}),
    "counted": ("coopfed_votes_total", {"source": "federated", "status": "counted"}),
    "refused": ("coopfed_votes_total", {"source": "federated", "status": "refused"}),
    "local": ("coopfed_votes_total", {"source": "local", "status": "counted"}),
}


def snapshot() -> dict[str, float]:
    return {
        key: REGISTRY.get_sample_value(name, labels) or 0.0
        for key, (name, labels) in COUNTERS.items()
    }


def moved(before: dict[str, float]) -> dict[str, float]:
    after = snapshot()
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


async def test_a_members_signed_vote_moves_inbox_and_federated_vote_counts(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    before = snapshot()
    await _vote(client, node, alice, record.uri, "yes")  # POST (202), then the inbox job
    assert moved(before) == {"accepted": 1, "done": 1, "lag": 1, "counted": 1}


async def test_a_non_members_vote_is_counted_as_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    mallory = remote_fresh.actor("mallory")
    await _follow(client, node, mallory)
    record = await _open(node)
    before = snapshot()
    await _vote(client, node, mallory, record.uri, "yes")
    change = moved(before)
    assert change["accepted"] == 1 and change["lag"] == 1 and change["refused"] == 1
    assert "counted" not in change and "local" not in change
