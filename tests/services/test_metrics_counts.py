"""What the services count for /metrics: votes by source and outcome, tally time by method."""

from __future__ import annotations

from prometheus_client import REGISTRY

from coopfed.node import Node
from coopfed.services import proposals
from coopfed.services.votes import cast_vote
from tests.support.governance import add_locals, open_yes_no, use_clock


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_local_votes_and_tallies_are_counted(node: Node) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    counted = value("coopfed_votes_total", source="local", status="counted")
    refused = value("coopfed_votes_total", source="local", status="refused")
    tallies = value("coopfed_tally_seconds_count", method="proposal@1")
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    await cast_vote(node, record.slug, "https://nobody.example/users/x", "yes")
    await proposals.tally_proposal(node, record.slug)
    assert value("coopfed_votes_total", source="local", status="counted") == counted + 1
    assert value("coopfed_votes_total", source="local", status="refused") == refused + 1
    assert value("coopfed_tally_seconds_count", method="proposal@1") >= tallies + 1
